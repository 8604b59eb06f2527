"""candidate/recallList and candidate/recallResult (CONTRACT §4)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recruit.models import Conversation, Message, RecallStep
from tests.factories import AccountFactory, JobFactory, link

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 2, 10, tzinfo=SH)


@pytest.fixture
def job(db):
    job = JobFactory(platform_id="j", name="客服专员", read_recall_after_hours=6)
    RecallStep.objects.create(job=job, position=0, after_hours=24, msg="{name}您好，{job_name}还在招")
    RecallStep.objects.create(job=job, position=1, after_hours=72, msg="{name}，再问一次")
    link(AccountFactory(platform_id="a"), job)
    return job


@pytest.fixture
def greeted(api, job):
    with time_machine.travel(T0, tick=False):
        report = {
            "accountID": "account_Boss_a",
            "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": ["c1"]}}],
        }
        api.ok("/recruit/account/task/report", report)
    from recruit.models import Candidate

    Candidate.objects.filter(platform_cid="c1").update(name="张三")
    return Conversation.objects.get()


def recall_list(api, when, ids=("c1",), read=()):
    with time_machine.travel(when, tick=False):
        return api.ok(
            "/recruit/candidate/recallList",
            {"accountID": "account_Boss_a", "candidateIDs": list(ids), "candidateIDs_read": list(read)},
        )


def recall_result(api, when, cid="c1"):
    with time_machine.travel(when, tick=False):
        return api.ok("/recruit/candidate/recallResult", {"accountID": "account_Boss_a", "candidateID": cid})


def test_not_due_before_threshold(api, greeted):
    assert recall_list(api, T0 + timedelta(hours=23, minutes=59)) == []


def test_due_after_threshold(api, greeted):
    items = recall_list(api, T0 + timedelta(hours=24))
    assert items == [
        {
            "candidate_id": "c1",
            "candidate_name": "张三",
            "job_id": "job_Boss_j",
            "need_recall": True,
            "recall_msg": "张三您好，客服专员还在招",
        }
    ]


def test_due_earlier_when_read(api, greeted):
    assert recall_list(api, T0 + timedelta(hours=6), read=["c1"])[0]["candidate_id"] == "c1"
    assert recall_list(api, T0 + timedelta(hours=6)) == []  # not read: the 24 h step applies
    assert Conversation.objects.get().recall_count == 0


@pytest.mark.parametrize(
    "change",
    [
        {"status": "finished"},
        {"status": "declined"},
        {"needs_human": True},
        {"last_speaker": "user"},
    ],
)
def test_never_after_finish_refusal_flag_or_reply(api, greeted, change):
    Conversation.objects.update(**change)
    assert recall_list(api, T0 + timedelta(days=5)) == []


def test_never_after_contact_or_takeover(api, greeted, django_user_model):
    from recruit.models import ContactRecord

    ContactRecord.objects.create(conversation=greeted, wechat="zhang_san88")
    assert recall_list(api, T0 + timedelta(days=5)) == []
    ContactRecord.objects.all().delete()
    Conversation.objects.update(taken_over_by=django_user_model.objects.create(username="hr"))
    assert recall_list(api, T0 + timedelta(days=5)) == []


def test_limited_to_the_jobs_steps_and_counted_by_result(api, greeted):
    assert recall_list(api, T0 + timedelta(hours=25))
    assert recall_result(api, T0 + timedelta(hours=25)) == {"status": "ok", "recall_count": 1}
    # The second step counts from the last robot message that was not a recall: due at 72 h.
    assert recall_list(api, T0 + timedelta(hours=71)) == []
    assert recall_list(api, T0 + timedelta(hours=72))[0]["recall_msg"] == "张三，再问一次"
    assert recall_result(api, T0 + timedelta(hours=72))["recall_count"] == 2
    assert recall_list(api, T0 + timedelta(days=30)) == []
    recalls = Message.objects.filter(is_recall=True).values_list("text", flat=True)
    assert list(recalls) == ["张三您好，客服专员还在招", "张三，再问一次"]


def test_recall_result_advances_once(api, greeted):
    recall_list(api, T0 + timedelta(hours=25))
    when = T0 + timedelta(hours=25, seconds=10)
    assert recall_result(api, when)["recall_count"] == 1
    assert recall_result(api, when + timedelta(seconds=30))["recall_count"] == 1
    assert Message.objects.filter(is_recall=True).count() == 1


def test_recall_result_without_offer_changes_nothing(api, greeted):
    assert recall_result(api, T0 + timedelta(hours=25)) == {"status": "ok", "recall_count": 0}
    assert not Message.objects.filter(is_recall=True).exists()


def test_default_steps_when_job_has_none(api, greeted, job):
    job.recall_steps.all().delete()
    assert recall_list(api, T0 + timedelta(hours=24))[0]["recall_msg"].startswith("张三您好")


def test_unknown_ids_and_failure_shape(api, greeted):
    assert recall_list(api, T0 + timedelta(days=2), ids=["nobody"]) == []
    status, body = api.post("/recruit/candidate/recallList", {"accountID": "account_Boss_zz", "candidateIDs": []})
    assert (status, body["data"]) == (404, [])


def test_llm_job_personalises_the_nudge(api, greeted, job, settings):
    from devtools.fakes import FakeOpenAI

    job.robot_api = "llm:recall-model"
    job.save()
    with FakeOpenAI({"msg": "张三您好，看您做过客服，岗位很匹配～"}) as server:
        settings.OPENAI_BASE_URL = server.base_url
        [item] = recall_list(api, T0 + timedelta(hours=24))
    assert item["recall_msg"] == "张三您好，看您做过客服，岗位很匹配～"
    assert server.requests[0]["model"] == "recall-model"
    recall_result(api, T0 + timedelta(hours=24, minutes=1))
    assert Message.objects.get(is_recall=True).text == item["recall_msg"]


def test_failed_personalisation_falls_back_to_the_template(api, greeted, job, settings):
    from devtools.fakes import FakeOpenAI, HttpError

    job.robot_api = "llm"
    job.save()
    settings.LLM_MAX_RETRIES = 0
    with FakeOpenAI(HttpError(500)) as server:
        settings.OPENAI_BASE_URL = server.base_url
        [item] = recall_list(api, T0 + timedelta(hours=24))
    assert item["recall_msg"] == "张三您好，客服专员还在招"
