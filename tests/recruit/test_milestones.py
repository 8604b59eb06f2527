"""Conversation milestones the funnel aggregates in SQL, recorded as they happen and backfilled."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count

from recruit.models import Conversation, Greeting
from tests.factories import AccountFactory, JobFactory, link

GREETING = "您好，我们在招客服专员，方便聊聊吗？"


@pytest.fixture
def job(db):
    job = JobFactory(platform_id="m", touch_msg=GREETING, faq_salary="底薪6000", closing_msg="好的，HR 联系您")
    link(AccountFactory(platform_id="m"), job)
    return job


def chat(api, cid, *lines):
    history = [{"speaker": "robot", "msg": GREETING}] + [{"speaker": "user", "msg": text} for text in lines]
    body = {"accountID": "account_Boss_m", "candidateID": cid, "candidateName": "张三", "historyMsg": history}
    return api.ok("/recruit/candidate/chat", body)


def report(api, *cids):
    body = {
        "accountID": "account_Boss_m",
        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": cids}}],
    }
    return api.ok("/recruit/account/task/report", body)


def test_the_greeting_text_fetch_hands_out_is_recorded_with_each_greeting(api, job):
    report(api, "g1")  # before any fetch
    [task] = api.ok("/recruit/account/task/fetch", {"accountID": "account_Boss_m"})["task"]
    report(api, "g2")
    assert set(Greeting.objects.values_list("touch_msg", flat=True)) == {task["touch_msg"]} == {GREETING}


def test_first_reply_is_set_once(api, job):
    report(api, "c1")
    assert Conversation.objects.get().first_reply_at is None
    chat(api, "c1", "薪资多少？")
    first = Conversation.objects.get().first_reply_at
    assert first is not None
    chat(api, "c1", "薪资多少？", "在哪上班")
    assert Conversation.objects.get().first_reply_at == first


def test_each_contact_kind_and_the_finish_are_stamped(api, job):
    chat(api, "c1", "电话 13800138000")
    conversation = Conversation.objects.get()
    assert conversation.phone_at and conversation.finished_at and conversation.wechat_at is None
    phone_at = conversation.phone_at
    api.ok(
        "/recruit/candidate/result",
        {"accountID": "account_Boss_m", "candidateID": "c1", "candidateName": "张三", "wechat": "zhang_88"},
    )
    conversation.refresh_from_db()
    assert conversation.wechat_at and conversation.phone_at == phone_at and conversation.declined_at is None


def test_a_refusal_is_stamped_declined(api, job):
    chat(api, "c1", "暂时不考虑")
    conversation = Conversation.objects.get()
    assert conversation.declined_at and conversation.finished_at is None


def test_the_funnel_is_one_aggregate(api, job):
    report(api, "a", "b", "c", "d")
    chat(api, "a", "薪资多少？")
    chat(api, "b", "微信 wx_bbb_22")
    chat(api, "c", "不考虑")
    funnel = Conversation.objects.filter(job=job).aggregate(
        greeted=Count("pk"), replied=Count("first_reply_at"), wechat=Count("wechat_at"), declined=Count("declined_at")
    )
    assert funnel == {"greeted": 4, "replied": 3, "wechat": 1, "declined": 1}


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_existing_rows():
    executor = MigrationExecutor(connection)
    executor.migrate([("recruit", "0003_notification_lease_token")])
    old = executor.loader.project_state([("recruit", "0003_notification_lease_token")]).apps
    Team = old.get_model("hunter_robot", "Team")
    team = Team.objects.create(name="t")
    job = old.get_model("recruit", "Job").objects.create(team=team, platform="Boss", platform_id="j", name="客服")
    account = old.get_model("recruit", "RecruitAccount").objects.create(team=team, platform="Boss", platform_id="a")
    Candidate = old.get_model("recruit", "Candidate")
    Conversation_ = old.get_model("recruit", "Conversation")
    Message = old.get_model("recruit", "Message")
    rows = []
    for i, status in enumerate(["open", "finished", "declined"]):
        candidate = Candidate.objects.create(platform="Boss", platform_cid=f"c{i}")
        conversation = Conversation_.objects.create(account=account, job=job, candidate=candidate, status=status)
        Message.objects.create(conversation=conversation, seq=0, speaker="robot", text=f"hello {i}")
        old.get_model("recruit", "Greeting").objects.create(
            account=account, job=job, candidate=candidate, day="2026-11-30"
        )
        rows.append(conversation)
    Message.objects.create(conversation=rows[1], seq=1, speaker="user", text="微信 abc_123")
    old.get_model("recruit", "ContactRecord").objects.create(conversation=rows[1], wechat="abc_123")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    opened, finished, declined = (Conversation.objects.get(pk=row.pk) for row in rows)
    assert opened.first_reply_at is None and opened.finished_at is None
    assert finished.first_reply_at and finished.wechat_at and finished.finished_at and finished.phone_at is None
    assert declined.declined_at and declined.finished_at is None
    assert sorted(Greeting.objects.values_list("touch_msg", flat=True)) == ["hello 0", "hello 1", "hello 2"]
