"""account/task/fetch and account/task/report (CONTRACT §4): quota arithmetic, days, idempotence."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recruit.models import Conversation, Greeting, Message
from tests.factories import AccountFactory, JobFactory, link

SH = ZoneInfo("Asia/Shanghai")


def at(hour, minute=0, day=2):
    return time_machine.travel(datetime(2026, 12, day, hour, minute, tzinfo=SH), tick=False)


@pytest.fixture
def setup(db):
    job = JobFactory(platform_id="j1", name="客服专员", touch_msg="您好，看看我们的客服岗？")
    account = AccountFactory(platform_id="a1")
    link(account, job)
    return account, job


def fetch(api, **extra):
    return api.ok("/recruit/account/task/fetch", {"accountID": "account_boss_a1", **extra})["task"]


def report(api, ids, **extra):
    body = {
        "accountID": "account_Boss_a1",
        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": ids}}],
    }
    return api.ok("/recruit/account/task/report", {**body, **extra})


def test_fetch_at_8_with_nothing_done(api, setup):
    with at(8):
        [task] = fetch(api)
    assert task == {
        "jobID": "job_Boss_j1",
        "taskType": "batchTouch",
        "helloSum": 50,
        "timeMount": [{"time": "09:00", "mount": 25}, {"time": "16:00", "mount": 25}],
        "filter": {"boss_job_name": "客服专员"},
        "touch_msg": "您好，看看我们的客服岗？",
    }


def test_fetch_at_1030_with_10_done(api, setup):
    with at(10, 30):
        report(api, list(range(10)))
        [task] = fetch(api)
    assert (task["helloSum"], task["timeMount"]) == (40, [{"time": "16:00", "mount": 40}])


def test_fetch_at_17_has_no_slot_left(api, setup):
    with at(17):
        [task] = fetch(api)
    assert (task["helloSum"], task["timeMount"]) == (50, [])


def test_v2_is_the_same(api, setup):
    with at(8):
        assert api.ok("/recruit/account/task/fetch/v2", {"accountID": "account_Boss_a1"}) == {"task": fetch(api)}


def test_day_boundary_is_shanghai_midnight(api, setup):
    # 23:30 in Shanghai on the 2nd is 15:30 UTC; the greeting belongs to the 2nd, Shanghai time.
    with at(23, 30):
        report(api, ["1", "2"])
        assert fetch(api)[0]["helloSum"] == 48
    assert Greeting.objects.get(candidate__platform_cid="1").day.isoformat() == "2026-12-02"
    with at(0, 5, day=3):
        [task] = fetch(api)
    assert task["helloSum"] == 50
    assert task["timeMount"] == [{"time": "09:00", "mount": 25}, {"time": "16:00", "mount": 25}]


def test_utc_midnight_is_not_a_day_boundary(api, setup):
    with at(7, 59):  # 23:59 UTC on the 1st
        report(api, ["1"])
    with at(8, 1):  # 00:01 UTC on the 2nd, same Shanghai day
        assert fetch(api)[0]["helloSum"] == 49


def test_report_counts_each_candidate_once(api, setup):
    with at(10):
        first = report(api, ["1", 2, "3"])
        again = report(api, ["3", "2", "4", 4])
    assert first == {"status": "ok", "accepted": 3, "duplicates": 0, "remaining": 47}
    assert again == {"status": "ok", "accepted": 1, "duplicates": 3, "remaining": 46}
    assert Greeting.objects.count() == 4


def test_numeric_and_string_ids_are_the_same_candidate(api, setup):
    with at(10):
        report(api, [100000001])
        assert report(api, ["100000001"])["accepted"] == 0


def test_report_before_any_fetch_is_counted(api, setup):
    with at(8):
        assert report(api, ["x"])["remaining"] == 49
        assert fetch(api)[0]["helloSum"] == 49


def test_report_beyond_quota_is_recorded_and_remaining_stays_zero(api, setup):
    account, job = setup
    account.account_jobs.update(hello_sum=2)
    with at(10):
        result = report(api, ["1", "2", "3"])
    assert (result["accepted"], result["remaining"]) == (3, 0)
    assert Greeting.objects.count() == 3


def test_other_task_types_are_ignored(api, setup):
    with at(10):
        body = {"accountID": "account_Boss_a1", "taskStatus": [{"taskType": "other", "details": None}]}
        assert api.ok("/recruit/account/task/report", body)["accepted"] == 0


def test_report_opens_conversation_with_greeting(api, setup):
    with at(10):
        report(api, ["77"])
    conversation = Conversation.objects.get()
    assert [(m.speaker, m.text) for m in Message.objects.filter(conversation=conversation)] == [
        ("robot", "您好，看看我们的客服岗？")
    ]
    assert conversation.last_speaker == "robot" and conversation.message_count == 1


def test_touch_msg_defaults_from_job_name(api, setup):
    account, job = setup
    job.touch_msg = ""
    job.save()
    with at(8):
        assert "客服专员" in fetch(api)[0]["touch_msg"]


def test_stored_boss_job_name_wins(api, setup):
    account, job = setup
    account.account_jobs.update(search_filter={"boss_job_name": "客服(北京)", "city": "北京"})
    with at(8):
        assert fetch(api)[0]["filter"] == {"boss_job_name": "客服(北京)", "city": "北京"}


def test_paused_account_gets_nothing(api, setup):
    account, job = setup
    account.active = False
    account.save()
    with at(8):
        [task] = fetch(api)
    assert (task["helloSum"], task["timeMount"]) == (0, [])


def test_inactive_task_is_left_out(api, setup):
    account, job = setup
    other = JobFactory(platform_id="j2")
    link(account, other, position=1, active=False)
    with at(8):
        assert [t["jobID"] for t in fetch(api)] == ["job_Boss_j1"]


def test_fetch_with_job_id_restricts(api, setup):
    account, job = setup
    other = JobFactory(platform_id="j2")
    link(account, other, position=1)
    with at(8):
        assert [t["jobID"] for t in fetch(api, jobID="job_Boss_j2")] == ["job_Boss_j2"]
        assert len(fetch(api, jobID="None")) == 2


def test_report_job_fallback_is_first_job(api, setup):
    account, job = setup
    other = JobFactory(platform_id="j2")
    link(account, other, position=1)
    with at(10):
        report(api, ["1"], jobID="")
        report(api, ["2"], jobID="job_Boss_j2")
    assert sorted(Greeting.objects.values_list("candidate__platform_cid", "job__platform_id")) == [
        ("1", "j1"),
        ("2", "j2"),
    ]


def test_unregistered_account_is_1002_and_listed_for_operators(api, setup):
    from recruit.models import UnknownAccount

    status, body = api.post("/recruit/account/task/fetch", {"accountID": "account_boss_999"})
    assert (status, body["ret"], body["data"]) == (404, 1002, {"task": []})
    assert UnknownAccount.objects.get().account_id == "account_Boss_999"


def test_account_without_job_is_1003(api):
    AccountFactory(platform_id="lonely")
    status, body = api.post(
        "/recruit/account/task/report",
        {
            "accountID": "account_Boss_lonely",
            "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [1]}}],
        },
    )
    assert (status, body["ret"]) == (409, 1003)
    assert not Greeting.objects.exists()
