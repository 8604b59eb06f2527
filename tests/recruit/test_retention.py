"""Retention per kind (recruit.services.retention): exactly the rows and files past their age go, in
batches of short transactions, and the rest stays; each pass is recorded; running again removes nothing;
the task is scheduled in beat by its own migration; the console shows each kind's period and last pass."""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import OperationalError, connection, transaction
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from hunter_robot.celery import app as celery_app
from hunter_robot.models import AuditLog
from hunter_robot.schedules import PURGE_EXPIRED_OLD_DESCRIPTION, periodic_tasks_install
from recruit import checks, tasks
from recruit.dashboard import Scope, funnel
from recruit.models import (
    Candidate,
    ContactRecord,
    Conversation,
    Message,
    RawCard,
    RetentionRun,
    ScreeningDecision,
    private_storage,
)
from recruit.services import retention
from recruit.services.retention import retention_days, retention_enforce
from recruit.services.screening import raw_card_store
from tests.factories import (
    AccountFactory,
    AuditLogFactory,
    CandidateFactory,
    ConversationFactory,
    GreetingFactory,
    JobFactory,
    MessageFactory,
    ScreeningDecisionFactory,
    TeamFactory,
    WechatAccountFactory,
    WechatFriendFactory,
    WechatTaskFactory,
    staff_client,
)
from wechat.models import WechatFriend, WechatTask

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SH)
DAYS = {"raw_card": 90, "message": 30, "contact": 60, "cv": 60, "decision": 45, "audit": 365}
ROOT = Path(django_settings.BASE_DIR)


def ago(**delta):
    """Travel to NOW minus `delta` (auto_now / auto_now_add fields take that time)."""
    return time_machine.travel(NOW - timedelta(**delta), tick=False)


def enforce(**kw) -> dict[str, int]:
    with time_machine.travel(NOW, tick=False):
        return retention_enforce(now=NOW, **kw)


@pytest.fixture
def periods(settings):
    settings.RETENTION_DAYS = dict(DAYS)
    settings.RETENTION_BATCH = 2  # several batches from a handful of rows
    return settings


def cv_file(name: str, *, age: timedelta | None = None) -> str:
    """A file in the private storage, its modification time `age` before NOW (default: now)."""
    stored = private_storage.save(name, ContentFile(b"%PDF-1.4 synthetic cv"))
    if age is not None:
        stamp = (NOW - age).timestamp()
        os.utime(private_storage.path(stored), (stamp, stamp))
    return stored


@dataclasses.dataclass
class World:
    """Rows of every kind, on both sides of each kind's cutoff (and one exactly on it, which stays)."""

    old: dict[str, list[int]]
    kept: dict[str, list[int]]
    files_gone: list[str]
    files_kept: list[str]
    conversation: Conversation


@pytest.fixture
def world(db, periods, private_media) -> World:
    team = TeamFactory()
    account, job = AccountFactory(team=team), JobFactory(team=team)
    old: dict[str, list[int]] = {}
    kept: dict[str, list[int]] = {}

    # Raw cards: not seen for over 90 days go; seen exactly 90 days ago or since stay.
    with ago(days=120):
        stale_card = RawCard.objects.create(sha256="a" * 64, platform="Boss", payload={"geekName": "甲"})
    with ago(days=91):
        other_stale = [RawCard.objects.create(sha256=c * 64, platform="Boss", payload={"geekName": c}) for c in "bc"]
    with ago(days=90):
        boundary_card = RawCard.objects.create(sha256="d" * 64, platform="Boss", payload={"geekName": "丁"})
    with ago(days=1):
        fresh_card = RawCard.objects.create(sha256="e" * 64, platform="Boss", payload={"geekName": "戊"})
    old["card"] = [stale_card.pk, *(c.pk for c in other_stale)]
    kept["card"] = [boundary_card.pk, fresh_card.pk]
    # Candidates' stored profiles: cleared when no card refreshed them for 90 days.
    with ago(days=100):
        stale_candidate = CandidateFactory(profile={"name": "甲", "age": 30}, raw_card=stale_card)
    with ago(days=2):
        fresh_candidate = CandidateFactory(profile={"name": "戊", "age": 28}, raw_card=fresh_card)
    old["profile"], kept["profile"] = [stale_candidate.pk], [fresh_candidate.pk]

    # A conversation 40 days old with its milestones and a greeting: the funnel must count it after.
    with ago(days=40):
        conversation = ConversationFactory(account=account, job=job, candidate=stale_candidate)
        GreetingFactory(account=account, job=job, candidate=stale_candidate, day=date(2026, 10, 22))
        messages = [MessageFactory(conversation=conversation, text=f"旧消息{i}") for i in range(3)]
    with ago(days=31):
        messages += [MessageFactory(conversation=conversation, text=f"旧消息{i}") for i in range(3, 5)]
    with ago(days=30):
        boundary_message = MessageFactory(conversation=conversation, text="正好30天")
    with ago(days=1):
        fresh_messages = [MessageFactory(conversation=conversation, text="新消息")]
    Conversation.objects.filter(pk=conversation.pk).update(
        first_reply_at=NOW - timedelta(days=39), phone_at=NOW - timedelta(days=38), message_count=7
    )
    old["message"] = [m.pk for m in messages]
    kept["message"] = [boundary_message.pk, *(m.pk for m in fresh_messages)]

    # Contacts (and their CVs): a record unchanged for 60 days is blanked; a fresher one stays.
    old_cv, fresh_cv = cv_file("cv/old.pdf"), cv_file("cv/fresh.pdf")
    with ago(days=61):
        stale_contact = ContactRecord.objects.create(
            conversation=conversation,
            phone="13800138000",
            wechat="wx_old_8",
            email="old@example.com",
            phone_exchanged=True,
            cv_received=True,
            cv_file=old_cv,
            cv_name="张三简历.pdf",
            cv_type="pdf",
            cv_size=21,
        )
    with ago(days=1):
        fresh_contact = ContactRecord.objects.create(
            conversation=ConversationFactory(account=account, job=job, candidate=fresh_candidate),
            phone="13900139000",
            cv_file=fresh_cv,
            cv_name="李四简历.pdf",
        )
    old["contact"], kept["contact"] = [stale_contact.pk], [fresh_contact.pk]

    # WeChat friends: silent for 60 days (or never messaged since added that long ago) lose the WeChat id.
    wechat = WechatAccountFactory(team=team)
    with ago(days=70):
        silent = WechatFriendFactory(
            wechat_account=wechat,
            conversation=conversation,
            search_id="wx_silent_1",
            last_message_at=NOW - timedelta(days=61),
            accepted_at=NOW - timedelta(days=69),
        )
        never_wrote = WechatFriendFactory(wechat_account=wechat, conversation=conversation, search_id="wx_never_2")
        retired = WechatFriendFactory(wechat_account=wechat, conversation=conversation, search_id="~99")
        talking = WechatFriendFactory(
            wechat_account=wechat, conversation=conversation, last_message_at=NOW - timedelta(days=2)
        )
    with ago(days=5):
        recent = WechatFriendFactory(wechat_account=wechat, conversation=conversation)
    old["friend"] = [silent.pk, never_wrote.pk]
    kept["friend"] = [retired.pk, talking.pk, recent.pk]

    # WeChat tasks carry the text sent: finished ones over 30 days old go; pending ones and recent stay.
    with ago(days=31):
        done = WechatTaskFactory(friend=talking, kind="send_msg", msg="旧的微信消息", status="done")
        failed = WechatTaskFactory(friend=talking, kind="send_msg", msg="发送失败", status="failed")
        pending = WechatTaskFactory(friend=talking, kind="send_msg", msg="还没发", status="pending")
    with ago(days=3):
        recent_done = WechatTaskFactory(friend=talking, kind="send_msg", msg="新消息", status="done")
    old["task"], kept["task"] = [done.pk, failed.pk], [pending.pk, recent_done.pk]

    # Screening decisions: over 45 days go.
    with ago(days=46):
        decisions = [
            ScreeningDecisionFactory(account=account, job=job, candidate=stale_candidate, raw_card=stale_card)
            for _ in range(3)
        ]
    with ago(days=44):
        fresh_decision = ScreeningDecisionFactory(account=account, job=job, candidate=fresh_candidate)
    old["decision"], kept["decision"] = [d.pk for d in decisions], [fresh_decision.pk]

    # Audit rows: over a year go.
    with ago(days=366):
        audits = [AuditLogFactory(detail="张三简历.pdf") for _ in range(2)]
    with ago(days=364):
        fresh_audit = AuditLogFactory()
    old["audit"], kept["audit"] = [a.pk for a in audits], [fresh_audit.pk]

    # CV files no row names: past the CV period they go (an interrupted run left them); others stay.
    orphan_old = cv_file("cv/2026/09/orphan.pdf", age=timedelta(days=61))
    orphan_new = cv_file("cv/2026/11/orphan.pdf", age=timedelta(days=59))
    not_a_cv = cv_file("exports/old.zip", age=timedelta(days=400))
    return World(old, kept, [old_cv, orphan_old], [fresh_cv, orphan_new, not_a_cv], conversation)


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_exactly_the_rows_and_files_past_their_age_go_and_the_rest_stays(world):
    cohort = (date(2026, 10, 1), date(2026, 11, 30))
    funnel_before = funnel(Scope(), *cohort)

    assert enforce() == {
        "raw_card": 3 + 1,  # cards, and the stored profile they refreshed last
        "message": 5 + 2,  # transcript lines, finished WeChat tasks
        "contact": 1 + 2,  # a contact record, WeChat friends
        "cv": 1,
        "decision": 3,
        "audit": 2,
    }

    assert ids(RawCard.objects) == set(world.kept["card"])
    assert ids(Message.objects) == set(world.kept["message"])
    assert ids(WechatTask.objects) == set(world.kept["task"])
    assert ids(ScreeningDecision.objects) == set(world.kept["decision"])
    assert ids(AuditLog.objects) == set(world.kept["audit"])

    [stale] = Candidate.objects.filter(pk__in=world.old["profile"])
    [fresh] = Candidate.objects.filter(pk__in=world.kept["profile"])
    assert (stale.profile, stale.raw_card_id, stale.name) == (None, None, stale.name)  # the person stays
    assert fresh.profile == {"name": "戊", "age": 28} and fresh.raw_card_id == world.kept["card"][1]

    # The contact record stays as a fact without values; the fresh one is untouched.
    stale_contact = ContactRecord.objects.get(pk=world.old["contact"][0])
    assert (stale_contact.phone, stale_contact.wechat, stale_contact.email) == ("", "", "")
    assert (stale_contact.cv_file.name, stale_contact.cv_name) == ("", "")
    assert (stale_contact.phone_exchanged, stale_contact.cv_received, stale_contact.cv_type) == (True, True, "pdf")
    fresh_contact = ContactRecord.objects.get(pk=world.kept["contact"][0])
    assert (fresh_contact.phone, fresh_contact.cv_name) == ("13900139000", "李四简历.pdf")

    friends = dict(WechatFriend.objects.values_list("pk", "search_id"))
    assert {friends[pk] for pk in world.old["friend"]} == {f"~{pk}" for pk in world.old["friend"]}
    assert friends[world.kept["friend"][0]] == "~99"
    assert all(not friends[pk].startswith("~") for pk in world.kept["friend"][1:])

    for name in world.files_gone:
        assert not private_storage.exists(name), name
    for name in world.files_kept:
        assert private_storage.exists(name), name

    # The conversation, its counters and milestones stay, so the funnel counts exactly what it did.
    conversation = Conversation.objects.get(pk=world.conversation.pk)
    assert (conversation.message_count, conversation.phone_at) == (7, NOW - timedelta(days=38))
    assert funnel(Scope(), *cohort) == funnel_before and funnel_before[1].counts["contact"] == 1


def test_each_kind_goes_in_batches_and_every_pass_is_recorded(world):
    with CaptureQueriesContext(connection) as queries:
        enforce()
    message_deletes = [q for q in queries.captured_queries if q["sql"].startswith('DELETE FROM "recruit_message"')]
    assert len(message_deletes) == 3  # 5 rows, 2 per batch

    runs = {run.kind: run for run in RetentionRun.objects.all()}
    assert set(runs) == set(DAYS)
    expected = {
        # kind: (removed, batches: each table's rows past their age, 2 per batch)
        "raw_card": (4, 2 + 1),
        "message": (7, 3 + 1),
        "contact": (3, 1 + 1),
        "cv": (1, 1),
        "decision": (3, 2),
        "audit": (2, 1),
    }
    for kind, (removed, batches) in expected.items():
        run = runs[kind]
        assert (run.removed, run.batches, run.days) == (removed, batches, DAYS[kind]), kind
        assert run.cutoff == NOW - timedelta(days=DAYS[kind])
        assert run.started_at <= run.finished_at
    assert (runs["cv"].files_removed, runs["message"].files_removed) == (2, 0)  # the record's CV and an orphan


def test_running_again_removes_nothing_more(world):
    enforce()
    left = {model: ids(model.objects) for model in (RawCard, Message, WechatTask, ScreeningDecision, AuditLog)}

    assert enforce() == dict.fromkeys(DAYS, 0)

    assert {model: ids(model.objects) for model in left} == left
    second = RetentionRun.objects.filter(pk__in=RetentionRun.objects.values("kind").annotate(m=Max("pk")).values("m"))
    assert {(run.kind, run.removed, run.files_removed) for run in second} == {(kind, 0, 0) for kind in DAYS}
    for name in world.files_kept:
        assert private_storage.exists(name)


def test_zero_or_empty_keeps_a_kind_forever(world, settings):
    settings.RETENTION_DAYS = {**DAYS, "message": 0, "audit": ""}

    removed = enforce()

    assert set(removed) == set(DAYS) - {"message", "audit"}
    assert ids(Message.objects) == set(world.old["message"] + world.kept["message"])
    assert AuditLog.objects.count() == 3
    assert not RetentionRun.objects.filter(kind__in=["message", "audit"]).exists()


def fail_the_second_message_batch(monkeypatch) -> None:
    """Cut a run short the way a lost database connection would, in its second batch of transcript lines."""
    rule = retention.RULES["message"]
    calls = []

    def second_batch_fails(rows, files):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return retention._delete(rows, files)

    lines = dataclasses.replace(rule.targets[0], apply=second_batch_fails)
    monkeypatch.setitem(retention.RULES, "message", dataclasses.replace(rule, targets=(lines,)))


def test_a_failed_batch_undoes_only_itself_and_the_run_goes_on_next_time(world, monkeypatch):
    """The first batch's deletions and their count are kept, the failed one is left whole, the run
    shows as unfinished; the next run removes the rest."""
    fail_the_second_message_batch(monkeypatch)
    with pytest.raises(OperationalError):
        enforce()

    assert Message.objects.filter(pk__in=world.old["message"]).count() == 3
    run = RetentionRun.objects.get(kind="message")
    assert (run.removed, run.batches, run.finished_at) == (2, 1, None)  # shown as 未完成 in the console

    monkeypatch.undo()
    enforce()
    assert not Message.objects.filter(pk__in=world.old["message"]).exists()


@pytest.mark.django_db(transaction=True)
def test_batches_commit_one_by_one(periods, private_media, monkeypatch):
    """With real commits: a failure in the second batch leaves the first batch deleted for good."""
    conversation = ConversationFactory()
    with ago(days=31):
        old = [MessageFactory(conversation=conversation) for _ in range(5)]
    fail_the_second_message_batch(monkeypatch)

    with pytest.raises(OperationalError):
        enforce()

    assert not connection.in_atomic_block
    assert set(Message.objects.values_list("pk", flat=True)) == {m.pk for m in old[2:]}
    assert RetentionRun.objects.get(kind="message").removed == 2


def test_inside_a_transaction_it_refuses_to_run(world):
    """Never one long transaction: called inside one (a caller's atomic block), it fails before deleting."""
    with pytest.raises(RuntimeError), transaction.atomic():
        enforce()
    assert Message.objects.filter(pk__in=world.old["message"]).count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_row_being_written_is_skipped_not_waited_for(postgres, periods, private_media):
    """PostgreSQL: a transcript line locked by another transaction, and a raw card a filter call is
    storing again right now, are left alone (SKIP LOCKED) without the task waiting; once that filter
    commits, the card counts as seen today and stays."""
    conversation = ConversationFactory()
    payload = {"geekCard": {"geekId": 7, "geekName": "王五"}}
    real_now = timezone.now()  # the writer thread runs in real time
    with time_machine.travel(real_now - timedelta(days=31), tick=False):
        messages = [MessageFactory(conversation=conversation) for _ in range(4)]
    with time_machine.travel(real_now - timedelta(days=91), tick=False):
        card = raw_card_store(platform="Boss", payload=payload)
    busy = messages[1]
    holding, release = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                Message.objects.select_for_update().get(pk=busy.pk)
                raw_card_store(platform="Boss", payload=payload)  # the same card seen again: locked, refreshed
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        removed = retention_enforce()
        assert time.monotonic() - started < 10
    finally:
        release.set()
        thread.join(30)
    assert removed["message"] == 3 and removed["raw_card"] == 0
    assert set(Message.objects.values_list("pk", flat=True)) == {busy.pk}

    again = retention_enforce()
    assert again["message"] == 1  # the lock is gone, and so is the line
    assert again["raw_card"] == 0 and RawCard.objects.filter(pk=card.pk).exists()  # committed: seen today
    assert not Message.objects.exists()


# --- Settings --------------------------------------------------------------------------------------


def test_days_come_from_settings_with_a_default_per_kind():
    assert retention_days() == {
        "raw_card": 90,
        "message": 365,
        "contact": 365,
        "cv": 365,
        "decision": 180,
        "audit": 1095,
    }


def test_the_environment_overrides_the_kinds_it_names():
    code = (
        "import django, json; django.setup(); from recruit.services.retention import retention_days;"
        " print(json.dumps(retention_days()))"
    )
    env = {**os.environ, "RETENTION_DAYS": "message=7,cv=,audit=0", "RAW_CARD_RETENTION_DAYS": "30"}
    env.pop("DATABASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "hunter_robot.settings"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {
        "raw_card": 30,
        "message": 7,
        "contact": 365,
        "cv": None,
        "decision": 180,
        "audit": None,
    }


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        ({"messages": "30"}, "unknown kind messages"),
        ({"cv": "90d"}, "cv='90d' is not a whole number of days"),
        ({"decision": "-1"}, "decision='-1' is not a whole number of days"),
    ],
)
def test_a_mistyped_setting_is_refused_by_the_system_check(settings, configured, message):
    settings.RETENTION_DAYS = {**DAYS, **configured}
    with pytest.raises(ImproperlyConfigured, match=message):
        retention_days()
    [error] = checks.retention_settings()
    assert error.id == "recruit.E001" and message in error.msg


# --- Beat and the task -----------------------------------------------------------------------------


def test_the_task_is_scheduled_daily_by_its_own_migration(db):
    """Migration hunter_robot 0003 adds `retention` on an installation made before it, brings back no
    task someone deleted, and updates `purge-expired`'s description unless someone edited it."""
    migration = importlib.import_module("hunter_robot.migrations.0003_retention_schedule")
    PeriodicTask.objects.all().delete()
    periodic_tasks_install(django_apps, django_settings.TIME_ZONE, names={"purge-expired", "deliver-notifications"})
    PeriodicTask.objects.filter(name="purge-expired").update(description=PURGE_EXPIRED_OLD_DESCRIPTION)
    PeriodicTask.objects.filter(name="deliver-notifications").update(description="改过的说明")

    migration.install(django_apps, None)
    migration.install(django_apps, None)  # once only

    tasks_by_name = {task.name: task for task in PeriodicTask.objects.select_related("crontab")}
    assert set(tasks_by_name) == {"purge-expired", "deliver-notifications", "retention"}
    task = tasks_by_name["retention"]
    assert task.task == "recruit.tasks.enforce_retention" and task.enabled and task.expire_seconds
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == ("30", "3", "Asia/Shanghai")
    assert tasks_by_name["purge-expired"].description == "清理过期的预留"
    assert tasks_by_name["deliver-notifications"].description == "改过的说明"
    celery_app.loader.import_default_modules()
    assert "recruit.tasks.enforce_retention" in celery_app.tasks


def test_the_celery_task_enforces_retention_as_of_now(world):
    with time_machine.travel(NOW, tick=False):
        result = tasks.enforce_retention.apply().get()
    assert result["message"] == 7 and result["audit"] == 2
    assert not Message.objects.filter(pk__in=world.old["message"]).exists()


# --- The console -----------------------------------------------------------------------------------


def test_the_console_shows_each_kinds_period_and_last_pass(world, settings, client, admin_user):
    settings.RETENTION_DAYS = {**DAYS, "audit": 0}
    enforce()
    client.force_login(admin_user)
    page = client.get(reverse("admin:recruit_retentionrun_changelist")).content.decode()
    panel = page[page.index('id="retention-policy"') : page.index("</table>")]
    for label, shown in [
        ("原始名片", "90 天"),
        ("聊天记录", "30 天"),
        ("联系方式", "60 天"),
        ("简历", "60 天"),
        ("筛选记录", "45 天"),
        ("审计记录", "永久保留"),
    ]:
        row = panel[panel.index(f'<td class="py-1 pr-4">{label}</td>') :].split("</tr>")[0]
        assert shown in row, (label, row)
    assert "清除 7 条，删除文件 0 个" in panel and "清除 1 条，删除文件 2 个" in panel
    assert "尚未运行" in panel  # the audit rows, kept forever, never ran

    run = RetentionRun.objects.filter(kind="message").get()
    assert client.get(reverse("admin:recruit_retentionrun_change", args=[run.pk])).status_code == 200


def test_the_records_are_read_only_and_need_their_permission(world):
    enforce()
    team = TeamFactory()
    without = staff_client(team, "recruit.view_conversation")
    assert without.get(reverse("admin:recruit_retentionrun_changelist")).status_code == 403
    reader = staff_client(team, "recruit.view_retentionrun")
    assert reader.get(reverse("admin:recruit_retentionrun_changelist")).status_code == 200
    run = RetentionRun.objects.first()
    assert reader.post(reverse("admin:recruit_retentionrun_delete", args=[run.pk])).status_code == 403
    assert reader.get(reverse("admin:recruit_retentionrun_add")).status_code == 403
