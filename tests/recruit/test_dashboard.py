"""The funnel dashboard (recruit/dashboard.py, the console's home): cohort counts per greeting day against a
seeded data set with known counts (a local-midnight boundary included), filters, team scoping, today's
quota use, the conversations waiting for a human, the page as a team's staff user sees it, and a fixed
number of SQL statements whatever the data size."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recruit import dashboard
from recruit.models import Conversation, Greeting
from recruit.services.greetings import greetings_report
from tests.factories import (
    AccountFactory,
    ConversationFactory,
    GreetingFactory,
    JobFactory,
    TeamFactory,
    WechatAccountFactory,
    WechatFriendFactory,
    link,
    staff_client,
)

User = get_user_model()
D1, D2 = date(2026, 3, 10), date(2026, 3, 11)
STAGES = ("greeted", "replied", "contact", "wechat_added", "interview")


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A time on `day` in TIME_ZONE (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute, second)))


def counts(*values: int) -> dict[str, int]:
    return dict(zip(STAGES, values, strict=True))


def greet(account, job, cid: str, now: datetime, **milestones) -> Conversation:
    """A greeting reported by the bot at `now` (the service fixes its local day), and what followed."""
    greetings_report(account=account, job=job, cids=[cid], now=now)
    conversation = Conversation.objects.get(account=account, job=job, candidate__platform_cid=cid)
    if milestones:
        Conversation.objects.filter(pk=conversation.pk).update(**milestones)
    return conversation


@pytest.fixture
def seeded(db):
    """Team A's known funnel, and team B's activity on the same days (never counted for A).

    D1 (2026-03-10), account 1 / job 1: k1 replied, phone, WeChat added (two friends), interview agreed;
    k2 replied, CV; k3 replied; k4 greeted at 23:59:30 local, nothing else.
    D2: k5 greeted at 00:00:30 local (16:00:30 UTC, still D1 in UTC), replied two days later; c6 greeted
    only; k7 on account 2 / job 2, e-mail without a reply. A conversation the candidate started (no
    greeting) with a reply and a phone is in no cohort.
    """
    a, b = TeamFactory(name="A组"), TeamFactory(name="B组")
    job1, job2 = JobFactory(team=a, name="A岗位一"), JobFactory(team=a, name="A岗位二")
    acc1 = AccountFactory(team=a, platform_id="a1")
    acc2 = AccountFactory(team=a, platform_id="a2")
    c1 = greet(
        acc1, job1, "k1", at(D1, 9), first_reply_at=at(D1, 10), phone_at=at(D1, 11), needs_human=True,
        last_message_at=at(D2, 11),
    )  # fmt: skip
    WechatFriendFactory(conversation=c1, accepted_at=at(D1, 12), interview_at=at(D2, 9))
    WechatFriendFactory(
        conversation=c1, wechat_account=WechatAccountFactory(team=a), accepted_at=at(D1, 13), interview_at=at(D2, 10)
    )
    greet(acc1, job1, "k2", at(D1, 9, 5), first_reply_at=at(D1, 10), cv_at=at(D2, 8))
    greet(acc1, job1, "k3", at(D1, 9, 10), first_reply_at=at(D1 + timedelta(days=5), 10))
    greet(acc1, job1, "k4", at(D1, 23, 59, 30))
    greet(acc1, job1, "k5", at(D2, 0, 0, 30), first_reply_at=at(D2 + timedelta(days=2), 9), needs_human=True)
    greet(acc1, job1, "k6", at(D2, 15))
    greet(acc2, job2, "k7", at(D2, 16), email_at=at(D2, 17))
    ConversationFactory(
        job=job1, account=acc1, source="user_ask", first_reply_at=at(D1, 8), phone_at=at(D1, 9), needs_human=True
    )

    b_job, b_acc = JobFactory(team=b, name="B组岗位"), AccountFactory(team=b, platform_id="b1")
    for i in range(5):
        greet(b_acc, b_job, f"b-cand-{i}", at(D1, 10), first_reply_at=at(D1, 11), phone_at=at(D1, 12), needs_human=True)
    return {"a": a, "b": b, "job1": job1, "job2": job2, "acc1": acc1, "acc2": acc2, "b_job": b_job, "b_acc": b_acc}


def funnel_counts(scope: dashboard.Scope, start=D1, end=D2):
    days, total = dashboard.funnel(scope, start, end)
    return {row.day: row.counts for row in days}, total.counts


def test_the_funnel_counts_each_greeting_days_cohort(seeded):
    days, total = funnel_counts(dashboard.Scope(teams=[seeded["a"].pk]))
    assert days == {D1: counts(4, 3, 2, 1, 1), D2: counts(3, 1, 1, 0, 0)}
    assert total == counts(7, 4, 3, 1, 1)


def test_the_cohort_day_is_the_local_day_the_greeting_was_reported(seeded):
    day_of = dict(Greeting.objects.values_list("candidate__platform_cid", "day"))
    assert (day_of["k4"], day_of["k5"]) == (D1, D2)  # 23:59:30 and 00:00:30 Shanghai time

    a = dashboard.Scope(teams=[seeded["a"].pk])
    assert funnel_counts(a, D1, D1)[1] == counts(4, 3, 2, 1, 1)
    # k5 replied two days later: it still counts for its greeting day, and only there.
    assert funnel_counts(a, D2, D2)[1] == counts(3, 1, 1, 0, 0)
    assert funnel_counts(a, D2 + timedelta(days=1), D2 + timedelta(days=3))[0] == {}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"job_id": "job1"}, {D1: counts(4, 3, 2, 1, 1), D2: counts(2, 1, 0, 0, 0)}),
        ({"job_id": "job2"}, {D2: counts(1, 0, 1, 0, 0)}),
        ({"account_id": "acc2"}, {D2: counts(1, 0, 1, 0, 0)}),
        ({"team_id": "a"}, {D1: counts(4, 3, 2, 1, 1), D2: counts(3, 1, 1, 0, 0)}),
        ({"team_id": "b"}, {}),  # not a team of this user: nothing, not team B's numbers
    ],
)
def test_filters(seeded, filters, expected):
    scope = dashboard.Scope(teams=[seeded["a"].pk], **{key: seeded[name].pk for key, name in filters.items()})
    assert funnel_counts(scope)[0] == expected


def test_another_teams_numbers_never_appear(seeded):
    assert funnel_counts(dashboard.Scope(teams=[seeded["b"].pk]))[1] == counts(5, 5, 5, 0, 0)
    assert funnel_counts(dashboard.Scope(teams=[]))[1] == counts(0, 0, 0, 0, 0)
    everyone = dashboard.Scope(teams=None)  # superusers
    assert funnel_counts(everyone)[1] == counts(12, 9, 8, 1, 1)


def test_rates_are_against_the_previous_stage_and_the_greeted(seeded):
    _days, total = dashboard.funnel(dashboard.Scope(teams=[seeded["a"].pk]), D1, D2)
    assert total.rate("greeted") is None
    assert total.rate("replied") == pytest.approx(4 / 7)
    assert total.rate("contact") == pytest.approx(3 / 4)
    assert total.overall("interview") == pytest.approx(1 / 7)
    empty = dashboard.FunnelRow(day=None, counts=counts(0, 0, 0, 0, 0))
    assert empty.rate("replied") is None and empty.overall("replied") is None


def test_quota_use_today_per_account(seeded):
    today = timezone.localdate()
    link(seeded["acc1"], seeded["job1"], hello_sum=40)
    link(seeded["acc1"], seeded["job2"], hello_sum=20, active=False)  # switched off: not in the quota
    link(seeded["acc2"], seeded["job2"], hello_sum=10)
    for _ in range(3):
        GreetingFactory(account=seeded["acc1"], job=seeded["job1"], day=today)
    GreetingFactory(account=seeded["acc1"], job=seeded["job1"], day=today - timedelta(days=1))
    link(seeded["b_acc"], seeded["b_job"], hello_sum=99)

    rows = dashboard.quota_today(dashboard.Scope(teams=[seeded["a"].pk]), today)
    assert [(row.account.platform_id, row.greeted, row.hello_sum) for row in rows] == [("a1", 3, 40), ("a2", 0, 10)]
    assert rows[0].share == pytest.approx(3 / 40)

    by_job = dashboard.quota_today(dashboard.Scope(teams=[seeded["a"].pk], job_id=seeded["job2"].pk), today)
    assert [(row.account.platform_id, row.greeted, row.hello_sum) for row in by_job] == [("a2", 0, 10)]


def test_conversations_waiting_for_a_human(seeded):
    shown, total = dashboard.waiting_for_human(dashboard.Scope(teams=[seeded["a"].pk]))
    assert total == 3 and {c.job.team_id for c in shown} == {seeded["a"].pk}
    assert shown[0].candidate.platform_cid == "k1"  # the most recent message first, none last

    shown, total = dashboard.waiting_for_human(dashboard.Scope(teams=None), limit=2)
    assert (len(shown), total) == (2, 8)


# --- The page -----------------------------------------------------------------------------------------


def test_the_page_renders_for_a_team_staff_user(seeded):
    client = staff_client(seeded["a"], "recruit.view_conversation")
    page = client.get("/admin/", {"start": "2026-03-10", "end": "2026-03-11"}).content.decode()

    assert "招聘漏斗" in page and "<svg" in page and "今日配额使用" in page and "待人工处理" in page
    assert "2026-03-10" in page and "2026-03-11" in page
    assert '<td class="num">4</td>' in page  # D1 greeted
    assert '3<span class="hr-rate">(75.0%)</span>' in page  # D1 replied, of 4 greeted
    assert "A岗位一" in page
    for other in ("B组", "B组岗位", "account_Boss_b1", "b-cand-"):
        assert other not in page


def test_a_staff_user_cannot_filter_on_another_teams_rows(seeded):
    client = staff_client(seeded["a"], "recruit.view_conversation")
    page = client.get("/admin/", {"job": seeded["b_job"].pk}).content.decode()
    assert "errorlist" in page  # not one of the choices
    assert "B组岗位" not in page


def test_the_form_shows_the_default_range(seeded):
    page = staff_client(seeded["a"], "recruit.view_conversation").get("/admin/").content.decode()
    today = timezone.localdate()
    assert f'value="{today:%Y-%m-%d}"' in page
    assert f'value="{today - timedelta(days=13):%Y-%m-%d}"' in page


def test_without_the_conversation_permission_the_plain_index(seeded):
    page = staff_client(seeded["a"]).get("/admin/").content.decode()
    assert "招聘漏斗" not in page


def test_a_superuser_sees_every_team(seeded):
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", None))
    page = client.get("/admin/", {"start": "2026-03-10", "end": "2026-03-11", "team": seeded["b"].pk}).content.decode()
    assert "B组岗位" in page  # a choice in the job filter
    assert '<td class="num">5</td>' in page


def test_an_invalid_range_shows_an_error_and_the_default_range(seeded):
    page = staff_client(seeded["a"], "recruit.view_conversation").get(
        "/admin/", {"start": "2026-03-11", "end": "2026-03-10"}
    )
    assert "开始日期不能晚于结束日期" in page.content.decode()


def statements(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/", {"start": "2026-03-01", "end": "2026-03-31"}).status_code == 200
    return len(queries)


def test_the_page_costs_a_handful_of_statements_whatever_the_data_size(seeded):
    client = staff_client(seeded["a"], "recruit.view_conversation")
    few = statements(client)
    for i in range(10):  # more of everything the page reads
        job = JobFactory(team=seeded["a"])
        account = AccountFactory(team=seeded["a"])
        link(account, job, hello_sum=5)
        conversation = greet(account, job, f"more{i}", at(D1, 10), first_reply_at=at(D1, 11), needs_human=True)
        WechatFriendFactory(conversation=conversation, accepted_at=at(D1, 12))
        GreetingFactory(account=account, job=job, day=timezone.localdate())
    assert statements(client) == few
    # session, user, its permissions (2), its teams, the form's three lists, funnel, quota, waiting (2)
    assert few <= 12
