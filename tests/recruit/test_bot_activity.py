"""Bots at a glance for recruiting accounts (recruit/activity.py, recruit/services/silent_slots.py): the
last bot call, stamped cheaply at the API edge; what the bot did today; the silent-slot alarm through the
outbox; the console's columns."""

from __future__ import annotations

import importlib
import json
import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from devtools.fakes import FakeServer
from recruit import notify_formats
from recruit.activity import call_stamp, recruit_today_text, with_recruit_today
from recruit.models import AccountJob, Notification, RecruitAccount
from recruit.services.notify import notifications_deliver
from recruit.services.silent_slots import silent_slots_find, silent_slots_notify
from recruit.tasks import notify_silent_slots
from tests.factories import (
    AccountFactory,
    ApiKeyFactory,
    ConversationFactory,
    GreetingFactory,
    JobFactory,
    MessageFactory,
    ScreeningDecisionFactory,
    TeamFactory,
    link,
    staff_client,
)
from tests.recruit.test_filter_api import boss_card
from tests.recruit.test_query_counts import PINS, statements

DAY = date(2026, 3, 10)  # a Tuesday


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A time on `day` in TIME_ZONE (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute, second)))


NOW = at(DAY, 10, 0)


@pytest.fixture(autouse=True)
def bot_settings(settings):
    settings.BOT_SEEN_RESOLUTION = 60
    settings.BOT_SILENT_AFTER = 30 * 60
    settings.BOT_SLOT_MINUTES = 120
    settings.BOT_SILENT_CHECK_MINUTES = 30
    return settings


def stamp_of(account: RecruitAccount) -> tuple[datetime | None, str]:
    account.refresh_from_db()
    return account.last_call_at, account.last_call_endpoint


# --- The last call ------------------------------------------------------------------------------------


@pytest.fixture
def bot(db):
    """account_Boss_a, never called yet, with a job."""
    job = JobFactory(platform_id="j", name="客服专员", faq_salary="底薪6000")
    account = AccountFactory(platform_id="a", team=job.team, last_call_at=None)
    link(account, job)
    return account


A = "account_Boss_a"
CALLS = [
    ("/recruit/account/register", {"platformType": "Boss", "platformID": "a", "jobs": ["job_Boss_j"]}),
    ("/recruit/account/query", {"platformType": "Boss", "platformID": "a"}),
    ("/recruit/account/task/fetch", {"accountID": A}),
    ("/recruit/account/task/fetch/v2", {"accountID": A}),
    (
        "/recruit/account/task/report",
        {"accountID": A, "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": ["c1"]}}]},
    ),
    ("/recruit/candidate/filter", {"accountID": A, "candidateInfo": boss_card(7)}),
    ("/recruit/candidate/preFilter/v2", {"accountID": A, "candidate_id": "c1"}),
    (
        "/recruit/candidate/chat",
        {
            "accountID": A,
            "candidateID": "c1",
            "candidateName": "张三",
            "historyMsg": [{"speaker": "user", "msg": "在吗"}],
        },
    ),
    (
        "/recruit/candidate/result",
        {"accountID": A, "candidateID": "c1", "candidateName": "张三", "phone": "13800138000"},
    ),
    ("/recruit/candidate/recallList", {"accountID": A, "candidateIDs": ["c1"]}),
    ("/recruit/candidate/recallResult", {"accountID": A, "candidateID": "c1"}),  # 1002: no conversation
]


@pytest.mark.parametrize(("path", "body"), CALLS, ids=[path for path, _body in CALLS])
def test_every_endpoint_naming_the_account_stamps_its_last_call(api, bot, path, body, private_media):
    with time_machine.travel(NOW, tick=False):
        status, _payload = api.post(path, body)
    assert status in (200, 404)
    assert stamp_of(bot) == (NOW, path.strip("/"))


def test_a_fresh_stamp_is_not_written_again_within_the_resolution(api, bot):
    fetch = {"accountID": A}
    with time_machine.travel(NOW, tick=False):
        api.ok("/recruit/account/task/fetch", fetch)
    with time_machine.travel(NOW + timedelta(seconds=59), tick=False):
        with CaptureQueriesContext(connection) as ctx:
            api.ok("/recruit/candidate/recallList", {"accountID": A, "candidateIDs": []})
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE") and "last_call_at" in q["sql"]]
    assert stamp_of(bot) == (NOW, "recruit/account/task/fetch")  # neither the time nor the endpoint moved
    with time_machine.travel(NOW + timedelta(seconds=60), tick=False):
        api.ok("/recruit/candidate/recallList", {"accountID": A, "candidateIDs": []})
    assert stamp_of(bot) == (NOW + timedelta(seconds=60), "recruit/candidate/recallList")


def test_the_resolution_is_a_setting(api, bot, bot_settings):
    bot_settings.BOT_SEEN_RESOLUTION = 300
    fetch = {"accountID": A}
    for seconds in (0, 120, 299):
        with time_machine.travel(NOW + timedelta(seconds=seconds), tick=False):
            api.ok("/recruit/account/task/fetch", fetch)
    assert stamp_of(bot)[0] == NOW
    with time_machine.travel(NOW + timedelta(seconds=300), tick=False):
        api.ok("/recruit/account/task/fetch", fetch)
    assert stamp_of(bot)[0] == NOW + timedelta(seconds=300)


def test_the_write_is_conditional_on_the_stored_stamp_not_on_the_loaded_one(bot):
    """Two requests that both loaded a stale row: the first writes, the second's UPDATE matches nothing."""
    first, second = RecruitAccount.objects.get(pk=bot.pk), RecruitAccount.objects.get(pk=bot.pk)
    assert call_stamp(first, "/recruit/account/task/fetch", now=NOW) is True
    assert call_stamp(second, "/recruit/candidate/filter", now=NOW + timedelta(seconds=10)) is False
    assert stamp_of(bot) == (NOW, "recruit/account/task/fetch")


def test_a_refused_or_unregistered_caller_stamps_nothing(api, bot):
    other_key = ApiKeyFactory(team=TeamFactory())
    status, payload = api.post(
        "/recruit/account/task/fetch", {"accountID": A}, HTTP_AUTHORIZATION=f"Api-Key {other_key.plain}"
    )
    assert (status, payload["ret"]) == (403, 1403)
    status, _payload = api.post("/recruit/account/task/fetch", {"accountID": "account_Boss_nobody"})
    assert status == 404
    assert stamp_of(bot) == (None, "")


@pytest.mark.django_db(transaction=True)
def test_concurrent_stale_calls_write_the_stamp_once(postgres):
    account = AccountFactory(last_call_at=timezone.now() - timedelta(hours=1))
    copies = [RecruitAccount.objects.get(pk=account.pk) for _ in range(8)]
    barrier = threading.Barrier(len(copies))
    results: list = [None] * len(copies)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = call_stamp(copies[index], f"/path/{index}")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(copies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results.count(True) == 1 and results.count(False) == len(copies) - 1
    written = results.index(True)
    assert stamp_of(account)[1] == f"path/{written}"


# --- Pinned statements: a stale stamp costs exactly one more ------------------------------------------


@pytest.fixture
def pinned(db):
    """The account of tests/recruit/test_query_counts.py, stamped just now (the factory's default)."""
    job = JobFactory(platform_id="q", faq_salary="底薪6000")
    link(AccountFactory(platform_id="q"), job)
    return job


def _report(cid: str) -> dict:
    return {
        "accountID": "account_Boss_q",
        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [cid]}}],
    }


def _chat(cid: str) -> dict:
    history = [{"speaker": "robot", "msg": "您好"}, {"speaker": "user", "msg": "薪资多少？"}]
    return {"accountID": "account_Boss_q", "candidateID": cid, "candidateName": "张三", "historyMsg": history}


HOT = {
    "fetch": ("/recruit/account/task/fetch", lambda n: {"accountID": "account_Boss_q"}),
    "report": ("/recruit/account/task/report", lambda n: _report(f"r{n}")),
    "chat": ("/recruit/candidate/chat", lambda n: _chat(f"c{n}")),
    "recallList": ("/recruit/candidate/recallList", lambda n: {"accountID": "account_Boss_q", "candidateIDs": []}),
    "filter": ("/recruit/candidate/filter", lambda n: {"accountID": "account_Boss_q", "candidateInfo": boss_card(n)}),
}


@pytest.mark.parametrize("name", list(HOT))
def test_a_stale_stamp_costs_exactly_one_statement_more(api, pinned, name):
    path, body = HOT[name]
    statements(api, path, body(1))  # warm: the tables as in the pinned tests
    fresh = statements(api, path, body(2))
    assert name not in PINS or fresh <= PINS[name]  # the pins of test_query_counts.py
    RecruitAccount.objects.update(last_call_at=timezone.now() - timedelta(minutes=5))
    assert statements(api, path, body(3)) == fresh + 1
    assert statements(api, path, body(4)) == fresh  # stamped again: fresh


# --- What it did today ------------------------------------------------------------------------------


def _yesterday(rows) -> None:
    """Move rows' creation time to the day before (auto_now_add fields)."""
    for row in rows:
        type(row).objects.filter(pk=row.pk).update(created_at=at(DAY - timedelta(days=1), 15))


@pytest.fixture
def busy(db):
    """Account A with a known day DAY of work (and some just outside it), and a neighbour B."""
    team = TeamFactory()
    job = JobFactory(team=team)
    a, b = AccountFactory(team=team, platform_id="busyA"), AccountFactory(team=team, platform_id="busyB")
    today, yesterday = at(DAY, 11), at(DAY - timedelta(days=1), 11)
    with time_machine.travel(today, tick=False):
        for touch in (True, True, False):
            ScreeningDecisionFactory(account=a, job=job, touch=touch)
        _yesterday([ScreeningDecisionFactory(account=a, job=job, touch=True)])
        ScreeningDecisionFactory(account=b, job=job, touch=True)

        GreetingFactory.create_batch(2, account=a, job=job, day=DAY)
        GreetingFactory(account=a, job=job, day=DAY - timedelta(days=1))
        GreetingFactory(account=b, job=job, day=DAY)

        answered = ConversationFactory(account=a, job=job, last_robot_at=today)
        MessageFactory(conversation=answered, speaker="user", text="薪资多少？")
        for bubble in ("底薪6000", "方便留个电话吗？"):  # one answer in two bubbles: one conversation answered
            MessageFactory(conversation=answered, speaker="robot", text=bubble, engine="rule")
        greeted = ConversationFactory(account=a, job=job, last_robot_at=today)
        MessageFactory(conversation=greeted, speaker="robot", text="您好", engine="greeting")
        recalled = ConversationFactory(account=a, job=job, last_robot_at=yesterday)
        MessageFactory(conversation=recalled, speaker="robot", text="还在看机会吗？", engine="recall", is_recall=True)
        typed = ConversationFactory(account=a, job=job, last_robot_at=today)
        MessageFactory(conversation=typed, speaker="robot", text="我是招聘经理")  # on the page, no engine: not ours
        wechat = ConversationFactory(account=a, job=job, last_robot_at=yesterday)
        MessageFactory(conversation=wechat, speaker="robot", text="周二可以", engine="rule", channel="wechat")
        old = ConversationFactory(account=a, job=job, last_robot_at=yesterday)
        _yesterday([MessageFactory(conversation=old, speaker="robot", text="底薪6000", engine="llm")])
        other = ConversationFactory(account=b, job=job, last_robot_at=today)
        MessageFactory(conversation=other, speaker="robot", text="底薪6000", engine="rule")

        ConversationFactory(account=a, job=job, phone_at=today)
        ConversationFactory(account=a, job=job, wechat_at=today, cv_at=today)  # one conversation, two kinds
        ConversationFactory(account=a, job=job, phone_at=yesterday)
        ConversationFactory(account=b, job=job, email_at=today)
    return a, b


COUNTS = ("today_screened", "today_touched", "today_greeted", "today_answered", "today_contacts")


def test_todays_counts_are_the_accounts_own_on_the_local_day(busy, django_assert_num_queries):
    a, b = busy
    with time_machine.travel(at(DAY, 18), tick=False), django_assert_num_queries(1):  # every account at once
        rows = {row.pk: row for row in with_recruit_today(RecruitAccount.objects.filter(pk__in=[a.pk, b.pk]))}
    assert [getattr(rows[a.pk], name) for name in COUNTS] == [3, 2, 2, 1, 2]
    assert [getattr(rows[b.pk], name) for name in COUNTS] == [1, 1, 1, 1, 1]
    assert recruit_today_text(rows[a.pk]) == "筛选 3（通过 2）· 打招呼 2 · 回复 1 · 联系方式 2"

    yesterday = {row.pk: row for row in with_recruit_today(RecruitAccount.objects.all(), DAY - timedelta(days=1))}
    assert [getattr(yesterday[a.pk], name) for name in COUNTS] == [1, 1, 1, 1, 1]


def test_the_day_is_the_local_day(busy):
    a, _b = busy
    # 23:30 UTC on DAY is already DAY + 1 in Shanghai: nothing yet.
    with time_machine.travel(datetime(2026, 3, 10, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        row = with_recruit_today(RecruitAccount.objects.filter(pk=a.pk)).get()
    assert [getattr(row, name) for name in COUNTS] == [0, 0, 0, 0, 0]


# --- Silent slots -------------------------------------------------------------------------------------


@pytest.fixture
def slotted(db):
    """account_Boss_s, registered the day before, never called, with a task 09:00=25 / 15:00=25."""
    with time_machine.travel(at(DAY - timedelta(days=1), 10), tick=False):
        job = JobFactory(platform_id="s", name="客服专员")
        account = AccountFactory(platform_id="s", team=job.team, last_call_at=None, desc="张HR")
        link(account, job, hello_sum=50, slots=((9, 0, 25), (15, 0, 25)))
    return account


def run(when: datetime) -> int:
    with time_machine.travel(when, tick=False):
        return silent_slots_notify()


def test_a_slot_without_a_call_notifies_the_recruiter_once(slotted):
    assert run(at(DAY, 10, 59)) == 0  # the slot has not ended
    with time_machine.travel(at(DAY, 11, 0, 30), tick=False):
        assert notify_silent_slots() == 1  # the Celery task
    row = Notification.objects.get()
    assert (row.kind, row.team_id, row.conversation_id) == ("silent_slot", slotted.team_id, None)
    assert row.status == Notification.Status.SKIPPED  # no webhook: kept in admin as the recruiter's inbox
    assert row.payload["detail"] == "账号 account_Boss_s 张HR 的机器人在 09:00–11:00 时段内没有调用"
    assert (row.payload["day"], row.payload["slot"], row.payload["accountID"]) == (
        "2026-03-10",
        "09:00–11:00",
        "account_Boss_s",
    )
    assert row.payload["url"].endswith(reverse("admin:recruit_recruitaccount_change", args=[slotted.pk]))

    assert run(at(DAY, 11, 5)) == 0  # the next runs within the window: already told
    assert run(at(DAY, 11, 29)) == 0
    assert Notification.objects.count() == 1


def test_a_check_long_after_the_slot_stays_quiet(slotted):
    assert run(at(DAY, 11, 31)) == 0  # ended 31 minutes ago: outside BOT_SILENT_CHECK_MINUTES


@pytest.mark.parametrize(
    ("last_call", "alarms"),
    [
        (at(DAY, 10, 0), False),  # called during the slot
        (at(DAY, 11, 0, 10), False),  # back before the check: alive
        (at(DAY, 8, 59, 30), False),  # within the stamp's resolution of the start: may stand for 09:00:20
        (at(DAY, 8, 58, 59), True),
        (at(DAY - timedelta(days=1), 16), True),
    ],
    ids=["during", "after", "just-before", "before", "yesterday"],
)
def test_a_call_since_the_slot_began_keeps_it_quiet(slotted, last_call, alarms):
    RecruitAccount.objects.filter(pk=slotted.pk).update(last_call_at=last_call)
    assert run(at(DAY, 11, 0, 30)) == int(alarms)


def _pause_account(account):
    RecruitAccount.objects.filter(pk=account.pk).update(active=False)


@pytest.mark.parametrize(
    "change",
    [
        _pause_account,
        lambda account: AccountJob.objects.filter(account=account).update(active=False),
        lambda account: AccountJob.objects.filter(account=account).update(linked=False),
        lambda account: AccountJob.objects.filter(account=account).update(hello_sum=0),
        lambda account: account.jobs.update(active=False),
        lambda account: AccountJob.objects.get(account=account).slots.filter(time=time(9)).update(mount=0),
        lambda account: GreetingFactory.create_batch(
            50, account=account, job=account.jobs.get(), day=DAY
        ),  # the day's quota used up
    ],
    ids=["paused", "task-off", "job-dropped", "hello-sum-0", "job-inactive", "mount-0", "no-quota-left"],
)
def test_no_alarm_without_work_for_the_bot(slotted, change):
    change(slotted)
    assert run(at(DAY, 11, 0, 30)) == 0


def test_quota_left_is_the_slots_days(slotted):
    GreetingFactory.create_batch(50, account=slotted, job=slotted.jobs.get(), day=DAY - timedelta(days=1))
    assert run(at(DAY, 11, 0, 30)) == 1


def test_an_account_registered_during_the_slot_is_not_alarmed_for_it(slotted):
    RecruitAccount.objects.filter(pk=slotted.pk).update(created_at=at(DAY, 9, 30))
    assert run(at(DAY, 11, 0, 30)) == 0


def test_a_slot_ends_at_the_tasks_next_slot_or_after_bot_slot_minutes(slotted, bot_settings):
    AccountJob.objects.get(account=slotted).slots.filter(time=time(15)).update(time=time(10))
    assert run(at(DAY, 10, 0, 30)) == 1
    assert Notification.objects.get().payload["slot"] == "09:00–10:00"
    bot_settings.BOT_SLOT_MINUTES = 45
    assert run(at(DAY, 10, 45, 30)) == 1  # the 10:00 slot, cut at 45 minutes
    assert Notification.objects.order_by("pk").last().payload["slot"] == "10:00–10:45"


def test_the_last_slot_of_the_day_ends_at_midnight(slotted):
    slots = AccountJob.objects.get(account=slotted).slots
    slots.filter(time=time(15)).delete()
    slots.update(time=time(23))
    assert run(at(DAY + timedelta(days=1), 0, 5)) == 1
    row = Notification.objects.get()
    assert (row.payload["day"], row.payload["slot"]) == ("2026-03-10", "23:00–24:00")


def test_each_task_of_the_account_is_told_apart(slotted):
    second = JobFactory(team=slotted.team, name="销售代表")
    link(slotted, second, slots=((9, 0, 10),), position=1)
    assert run(at(DAY, 11, 0, 30)) == 2
    assert sorted(Notification.objects.values_list("payload__job", flat=True)) == ["客服专员", "销售代表"]


def test_the_outbox_key_allows_one_row_per_slot(slotted):
    [slot] = silent_slots_find(at(DAY, 11, 0, 30))
    assert run(at(DAY, 11, 0, 30)) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(team=slotted.team, kind="silent_slot", dedupe_key=slot.dedupe_key)


@pytest.mark.parametrize("fmt", ["json", "wecom", "feishu"])
def test_the_jobs_webhook_gets_it_through_the_outbox(slotted, fmt):
    with FakeServer() as webhook:
        slotted.jobs.update(notify_webhook=webhook.url + "/hook", notify_format=fmt)
        assert run(at(DAY, 11, 0, 30)) == 1
        assert notifications_deliver() == 1
        [body] = webhook.requests
    row = Notification.objects.get()
    assert row.status == Notification.Status.SENT
    assert body == notify_formats.render(fmt, row.payload)
    text = json.dumps(body, ensure_ascii=False)
    assert notify_formats.md("account_Boss_s") in text or "account_Boss_s" in text  # markdown: escaped
    assert "09:00–11:00" in text
    assert f"/admin/recruit/recruitaccount/{slotted.pk}/change/" in text
    assert "机器人未调用" in text or fmt == "json"


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_notify_once(postgres, bot_settings):
    with time_machine.travel(at(DAY - timedelta(days=1), 10), tick=False):
        job = JobFactory(platform_id="s2")
        accounts = [AccountFactory(team=job.team, last_call_at=None) for _ in range(5)]
        for account in accounts:
            link(account, job)
    barrier = threading.Barrier(4)
    results: list = [None] * 4

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = silent_slots_notify(at(DAY, 11, 0, 30))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(results) == 5
    assert Notification.objects.filter(kind="silent_slot").count() == 5


def test_the_migration_creates_the_periodic_task_once_and_nothing_else(db):
    migration = importlib.import_module("recruit.migrations.0010_bot_activity")
    PeriodicTask.objects.all().delete()
    migration.install(django_apps, None)
    migration.install(django_apps, None)
    task = PeriodicTask.objects.get()
    assert (task.name, task.task, task.enabled) == ("silent-slots", "recruit.tasks.notify_silent_slots", True)
    assert (task.interval.every, task.interval.period) == (5, IntervalSchedule.MINUTES)


# --- The console --------------------------------------------------------------------------------------


def test_the_account_list_shows_the_last_call_and_today_for_a_one_team_recruiter(busy, bot_settings):
    a, b = busy
    team = a.team
    silent = AccountFactory(team=team, platform_id="busyC")
    with time_machine.travel(at(DAY, 18), tick=False):
        RecruitAccount.objects.filter(pk=a.pk).update(
            last_call_at=at(DAY, 17, 57), last_call_endpoint="recruit/candidate/chat"
        )
        RecruitAccount.objects.filter(pk=b.pk).update(last_call_at=None)
        RecruitAccount.objects.filter(pk=silent.pk).update(last_call_at=at(DAY, 15))
        stranger = AccountFactory(platform_id="stranger")
        client = staff_client(team, "recruit.view_recruitaccount")
        html = client.get(reverse("admin:recruit_recruitaccount_changelist")).content.decode()
        page = client.get(reverse("admin:recruit_recruitaccount_change", args=[a.pk])).content.decode()

    assert "最近调用" in html and "今日" in html
    assert "account_Boss_busyA" in html and stranger.account_id not in html
    assert "bot-active" in html and "● 活跃</span> 3" in html  # 3 minutes ago
    assert "bot-never" in html and "从未调用" in html
    assert "bot-silent" in html and "● 静默" in html
    assert "筛选 3（通过 2）· 打招呼 2 · 回复 1 · 联系方式 2" in html
    assert "筛选 1（通过 1）· 打招呼 1 · 回复 1 · 联系方式 1" in html
    assert "2026-03-10 17:57:00" in html  # the exact time on hover
    assert "recruit/candidate/chat" in page and "筛选 3（通过 2）" in page and "bot-active" in page
