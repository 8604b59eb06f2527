"""The daily per-job summary (recruit/services/summary.py): counts for one local day from the milestones,
a handful of SQL statements whatever the number of jobs, one outbox row per active job and day, to the
job's webhook in its format, with no candidate's data in it."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recruit.models import Notification
from recruit.services.summary import daily_summaries_enqueue, job_day_counts
from tests.factories import (
    AccountFactory,
    ConversationFactory,
    GreetingFactory,
    JobFactory,
    TeamFactory,
    WechatFriendFactory,
)

DAY = date(2026, 3, 10)
ZERO = dict.fromkeys(
    ("greeted", "replied", "contacts", "phone", "wechat", "email", "cv", "wechat_added", "interviews"), 0
)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A time on `day` in TIME_ZONE (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute, second)))


START, LAST, NEXT = at(DAY, 0), at(DAY, 23, 59, 59), at(DAY + timedelta(days=1), 0)
BEFORE = START - timedelta(seconds=1)


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def account(team):
    return AccountFactory(team=team)


def conversation(job, account, name="张三", **milestones):
    return ConversationFactory(job=job, account=account, candidate__name=name, **milestones)


@pytest.fixture
def busy(team, account):
    """A job with a day of activity, and some just outside the day."""
    job = JobFactory(team=team, name="客服专员", notify_webhook="http://127.0.0.1:9/hook", notify_format="wecom")
    for _ in range(3):
        GreetingFactory(job=job, account=account, day=DAY)
    GreetingFactory(job=job, account=account, day=DAY - timedelta(days=1))
    first = conversation(job, account, first_reply_at=START, phone_at=at(DAY, 10), wechat_at=LAST)
    second = conversation(job, account, "李四", first_reply_at=BEFORE, cv_at=at(DAY, 15))
    conversation(job, account, "王五", email_at=BEFORE, first_reply_at=NEXT)
    WechatFriendFactory(
        conversation=first, accepted_at=at(DAY, 11), interview_at=at(DAY, 17), interview_slot="周二 14:00"
    )
    WechatFriendFactory(conversation=second, accepted_at=BEFORE, interview_at=NEXT)
    return job


def test_counts_are_the_days_milestones_per_job(busy, team, account):
    quiet = JobFactory(team=team)  # no activity that day: no summary
    conversation(quiet, account, first_reply_at=BEFORE, phone_at=NEXT)
    replied_only = JobFactory(team=team)
    conversation(replied_only, account, first_reply_at=at(DAY, 9))

    counts = job_day_counts(DAY)

    assert counts == {
        busy.pk: {
            **ZERO,
            "greeted": 3,
            "replied": 1,
            "contacts": 2,
            "phone": 1,
            "wechat": 1,
            "cv": 1,
            "wechat_added": 1,
            "interviews": 1,
        },
        replied_only.pk: {**ZERO, "replied": 1},
    }


def test_one_summary_per_active_job_to_its_webhook_in_its_format(busy, team, account):
    silent = JobFactory(team=team, name="无 Webhook 岗位")  # kept in admin as the recruiter's inbox
    conversation(silent, account, first_reply_at=at(DAY, 9))

    assert daily_summaries_enqueue(day=DAY) == 2

    row = Notification.objects.get(payload__jobID=busy.job_id)
    assert (row.kind, row.team_id, row.conversation_id) == ("summary", team.pk, None)
    assert (row.webhook, row.notify_format, row.status) == ("http://127.0.0.1:9/hook", "wecom", "pending")
    assert row.payload["day"] == "2026-03-10" and row.payload["job"] == "客服专员"
    assert row.payload["counts"]["greeted"] == 3
    assert row.payload["url"].endswith(f"/admin/recruit/conversation/?job__id__exact={busy.pk}")
    text = json.dumps(row.payload, ensure_ascii=False)
    assert "张三" not in text and "李四" not in text and "周二" not in text  # counts only

    inbox = Notification.objects.get(payload__jobID=silent.job_id)
    assert (inbox.status, inbox.webhook) == (Notification.Status.SKIPPED, "")


def test_a_job_is_summarised_once_a_day(busy):
    assert daily_summaries_enqueue(day=DAY) == 1
    assert daily_summaries_enqueue(day=DAY) == 0  # a retried or repeated run posts nothing twice
    assert daily_summaries_enqueue(day=DAY + timedelta(days=1)) == 1  # the next day's (its interview)
    assert Notification.objects.filter(kind="summary").count() == 2


def test_the_default_day_is_today(busy, account):
    GreetingFactory(job=busy, account=account, day=timezone.localdate())
    assert daily_summaries_enqueue() == 1
    assert Notification.objects.get().payload["day"] == timezone.localdate().isoformat()


def _statements(day: date) -> int:
    with CaptureQueriesContext(connection) as queries:
        daily_summaries_enqueue(day=day)
    return len(queries)


def test_the_number_of_statements_does_not_grow_with_jobs(team, account, django_assert_max_num_queries):
    def active_jobs(day: date, n: int) -> None:
        for _ in range(n):
            job = JobFactory(team=team, notify_webhook="http://127.0.0.1:9/hook")
            GreetingFactory(job=job, account=account, day=day)
            first = conversation(job, account, first_reply_at=at(day, 9), phone_at=at(day, 10))
            WechatFriendFactory(conversation=first, accepted_at=at(day, 11))

    active_jobs(DAY, 1)
    few = _statements(DAY)
    active_jobs(DAY + timedelta(days=1), 8)
    assert _statements(DAY + timedelta(days=1)) == few
    with django_assert_max_num_queries(8):  # 3 aggregates, existing summaries, jobs, one insert (+ savepoint)
        daily_summaries_enqueue(day=DAY + timedelta(days=2))
