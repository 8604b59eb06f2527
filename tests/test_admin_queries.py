"""SQL statements per console list page: flat as rows grow (no query per row), and pinned.

Every model registered in the admin needs a row maker below that gives each row its own related
rows (another team, account, job, candidate, user…), so a relation read per row shows up as a
statement per row. A model registered without one fails `test_every_registered_model_is_pinned`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

from hunter_robot.models import ApiKey, AuditLog, Team
from recruit.models import (
    AccountJob,
    Candidate,
    ContactRecord,
    Conversation,
    Greeting,
    Job,
    Notification,
    RecruitAccount,
    RetentionRun,
    ScreeningDecision,
    UnknownAccount,
)
from tests.factories import AccountFactory, JobFactory, RetentionRunFactory, TeamFactory
from wechat.models import WechatAccount, WechatAccountLink, WechatFriend, WechatTask

User = get_user_model()
N = 3  # rows on the first load; the second has 3N

_ids = itertools.count(1)


def _team() -> Team:
    return TeamFactory(name=f"qteam{next(_ids)}")


def _user() -> User:
    user = User.objects.create_user(f"quser{next(_ids)}", is_staff=True)
    _team().members.add(user)
    return user


def _account_job() -> AccountJob:
    team = _team()
    account = AccountFactory(team=team, desc=f"desk {next(_ids)}")
    job = JobFactory(team=team)
    return AccountJob.objects.create(account=account, job=job, hello_sum=20)


def _candidate() -> Candidate:
    n = next(_ids)
    return Candidate.objects.create(platform="Boss", platform_cid=f"qc{n}", name=f"候选人{n}")


def _conversation() -> Conversation:
    link = _account_job()
    conversation = Conversation.objects.create(
        account=link.account, job=link.job, candidate=_candidate(), taken_over_by=_user(), needs_human=True
    )
    ContactRecord.objects.create(conversation=conversation, phone="13800138000", wechat="wx_abcdef")
    return conversation


def _greeted_task() -> AccountJob:
    link = _account_job()
    Greeting.objects.create(account=link.account, job=link.job, candidate=_candidate(), day=timezone.localdate())
    return link


def _decision() -> ScreeningDecision:
    link = _account_job()
    return ScreeningDecision.objects.create(
        account=link.account, job=link.job, candidate=_candidate(), touch=True, reasons=["ok"], source="filter"
    )


def _key() -> ApiKey:
    key = ApiKey(team=_team(), name=f"bot {next(_ids)}")
    key.issue()
    key.save()
    return key


def _periodic_task() -> PeriodicTask:
    """Each kind of schedule in turn: the list shows whichever one a task has."""
    n = next(_ids)
    schedule = [
        {"interval": IntervalSchedule.objects.create(every=n, period=IntervalSchedule.SECONDS)},
        {"crontab": CrontabSchedule.objects.create(minute=str(n % 60))},
        {"solar": SolarSchedule.objects.create(event="sunrise", latitude=39.9, longitude=116.4 + n / 1000)},
        {"clocked": ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(days=n)), "one_off": True},
    ][n % 4]
    return PeriodicTask.objects.create(name=f"task {n}", task="recruit.tasks.deliver_notifications", **schedule)


def _wechat_account() -> WechatAccount:
    """An account linked to two recruiting accounts, with tasks handed out and sent today."""
    team = _team()
    account = WechatAccount.objects.create(team=team, account_id=f"wx{next(_ids)}")
    for position in range(2):
        recruit = AccountFactory(team=team)
        WechatAccountLink.objects.create(wechat_account=account, recruit_account=recruit, position=position)
    friend = _wechat_friend(account)
    now = timezone.now()
    WechatTask.objects.create(wechat_account=account, friend=friend, kind="add_friend", first_claimed_at=now)
    WechatTask.objects.create(wechat_account=account, friend=friend, kind="send_msg", status="done", done_at=now)
    return account


def _wechat_friend(account: WechatAccount | None = None) -> WechatFriend:
    conversation = _conversation()
    account = account or WechatAccount.objects.create(team=conversation.job.team, account_id=f"wx{next(_ids)}")
    n = next(_ids)
    return WechatFriend.objects.create(
        wechat_account=account, conversation=conversation, search_id=f"wxid_q{n}", alias_id=f"候选人-{n}"
    )


def _wechat_task() -> WechatTask:
    friend = _wechat_friend()
    return WechatTask.objects.create(wechat_account=friend.wechat_account, friend=friend, kind="send_msg", msg="您好")


def _group() -> Group:
    group = Group.objects.create(name=f"group {next(_ids)}")
    group.permissions.add(*Permission.objects.all()[:3])
    return group


MAKERS: dict[type, Callable[[], object]] = {
    Team: _team,
    User: _user,
    Group: _group,
    ApiKey: _key,
    AuditLog: lambda: AuditLog.objects.create(
        user=_user(), action="take_over", object_type="conversation", object_id=str(_conversation().pk)
    ),
    Job: lambda: JobFactory(team=_team()),
    RecruitAccount: lambda: AccountFactory(team=_team()),
    AccountJob: _greeted_task,
    UnknownAccount: lambda: UnknownAccount.objects.create(account_id=f"account_Boss_ghost{next(_ids)}", hits=1),
    Candidate: _candidate,
    ScreeningDecision: _decision,
    Conversation: _conversation,
    Notification: lambda: Notification.objects.create(
        team=_team(), kind="contact", conversation=_conversation(), payload={}
    ),
    WechatAccount: _wechat_account,
    WechatFriend: _wechat_friend,
    WechatTask: _wechat_task,
    PeriodicTask: _periodic_task,
    IntervalSchedule: lambda: IntervalSchedule.objects.create(every=next(_ids), period=IntervalSchedule.MINUTES),
    CrontabSchedule: lambda: CrontabSchedule.objects.create(minute=str(next(_ids) % 60), hour="3"),
    SolarSchedule: lambda: SolarSchedule.objects.create(event="sunset", latitude=31.2, longitude=next(_ids) / 1000),
    ClockedSchedule: lambda: ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(hours=next(_ids))),
    RetentionRun: lambda: RetentionRunFactory(kind=RetentionRun.RetainedKind.values[next(_ids) % 6]),
}

# The most statements each list page may take (session, user, count, rows, filter sidebars…), with
# 3N rows. Raise a pin only with a reason; a statement per row fails the flatness test anyway.
PINS: dict[type, int] = {
    Team: 5,
    User: 6,
    Group: 5,
    ApiKey: 6,
    AuditLog: 10,  # + the user filter (1) and the date drill-down (2: the range, then its days)
    Job: 6,
    RecruitAccount: 6,
    AccountJob: 6,
    UnknownAccount: 5,
    Candidate: 5,
    ScreeningDecision: 10,
    Conversation: 9,
    Notification: 5,
    WechatAccount: 7,
    WechatFriend: 7,
    WechatTask: 6,
    PeriodicTask: 8,
    IntervalSchedule: 5,
    CrontabSchedule: 5,
    SolarSchedule: 5,
    ClockedSchedule: 5,
    RetentionRun: 8,  # + the kinds' last passes above the list (1) and the date drill-down (2)
}


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_registered_model_is_pinned():
    missing = [model._meta.label for model in admin.site._registry if model not in MAKERS or model not in PINS]
    assert not missing, f"add a row maker and a pin for {missing}"


@pytest.fixture
def root_client(db) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("qroot", "root@example.com", None))
    return client


def _rows(model) -> int:
    return model._default_manager.count()


def _load(client: Client, model) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(changelist_url(model))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == _rows(model)  # every row is on the page
    return len(queries), [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda model: model._meta.label)
def test_changelist_statements_do_not_grow_with_rows(root_client, model, django_assert_max_num_queries):
    make = MAKERS.get(model) or pytest.fail(f"no row maker for {model._meta.label}")
    for _ in range(N):
        make()
    few, _sql = _load(root_client, model)
    for _ in range(2 * N):
        make()
    assert _rows(model) >= 3 * N
    many, sql = _load(root_client, model)
    assert many == few, "\n".join(sql)
    with django_assert_max_num_queries(PINS[model]):
        root_client.get(changelist_url(model))
