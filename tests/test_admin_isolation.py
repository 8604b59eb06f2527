"""Staff see other teams' names and ids nowhere in the console (CONTRACT §8), checked as a crawler would.

Two teams get data across every model, each string of team B carrying the marker "zzteamb". A staff
user of team A holding every view/add/change/delete permission then opens every page the admin has for
every registered model: the index, each changelist (with its filter sidebar), each add form (pickers),
each visible row's change, history and delete pages (inlines, cascades), and every autocomplete
endpoint. No page may contain the marker or team B's key prefix, and rows of team B must not open.
The same crawl as a superuser must show team B's strings, so the check is not vacuous.

Decisions the crawl pins down: staff see the users of their teams only (plus themselves); the audit log
shows records about objects they may see; unregistered accounts carry no team and are for superusers
only; Celery beat schedules and groups are global configuration without team data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

from hunter_robot.models import ApiKey, AuditLog, Team
from hunter_robot.schedules import periodic_tasks_install
from recruit import jobconfig
from recruit.models import Candidate, Conversation, Job, RecruitAccount, ScreeningDecision, UnknownAccount
from tests.conftest import Api
from tests.factories import RetentionRunFactory
from tests.recruit.fixtures import load_card
from wechat.models import WechatAccount, WechatAccountLink, WechatFriend, WechatTask

User = get_user_model()
MARKER = "zzteamb"
REMOTE_ADDR = "203.0.113.9"  # outside the anonymous networks: bots there need an API key


@dataclass
class TeamData:
    """One team's rows and the strings that identify them, grouped by the model that shows them."""

    team: Team
    key: ApiKey
    job: Job
    account: RecruitAccount
    conversation: Conversation
    staff: User
    ok: Callable[[str, dict], dict]  # calls the API as this team's bot
    strings: dict[type, list[str]] = field(default_factory=dict)
    superuser_only: set[str] = field(default_factory=set)


def seed_team(tag: str) -> TeamData:
    """`tag` ("teama" or "zzteamb") is part of every name and id this team's data carries."""
    upper = tag.upper()
    team = Team.objects.create(name=f"{upper}-团队")
    key = ApiKey(team=team, name=f"{upper}-密钥", manage=True)
    plain = key.issue()
    key.save()
    bot = Api(Client(REMOTE_ADDR=REMOTE_ADDR))

    def ok(path: str, body: dict) -> dict:
        return bot.ok(path, body, HTTP_X_API_KEY=plain)

    config = {
        "touch_msg": f"{upper} 您好，方便聊聊吗？",
        "faq": {"salary": f"{upper} 底薪 6000"},
        "contact_ask": [f"{upper} 方便留个微信吗？"],
        "closing_msg": f"{upper} 好的，HR 会联系您",
        "recall_steps": [{"after_hours": 24, "msg": f"{upper} 召回"}],
    }
    job_body = {"platformType": "boss", "platformID": f"{tag}job", "jobName": f"{upper}-客服", "jobConfig": config}
    job_id = ok("/recruit/job/register", job_body)["jobID"]
    account_body = {"platformType": "boss", "platformID": f"{tag}acct", "jobs": [job_id], "desc": f"{upper}-账号"}
    account_id = ok("/recruit/account/register", account_body)["accountID"]
    account = RecruitAccount.objects.get(platform_id=f"{tag}acct")
    job = Job.objects.get(platform_id=f"{tag}job")

    # WeChat: an account linked to the recruiting account, so a WeChat id queues a friend and a task.
    wechat = WechatAccount.objects.create(team=team, account_id=f"{tag}-wxacct", hello_msg=f"{upper} 加好友")
    WechatAccountLink.objects.create(wechat_account=wechat, recruit_account=account)

    cid = f"{tag}geek"
    card = load_card("Boss")
    card["geekCard"].update(geekId=cid, geekName=f"{upper}候选人")
    assert ok("/recruit/candidate/filter", {"accountID": account_id, "candidateInfo": card})["touch"]
    report = {"accountID": account_id, "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [cid]}}]}
    assert ok("/recruit/account/task/report", report)["accepted"] == 1
    history = [
        {"speaker": "robot", "msg": jobconfig.greeting(job)},
        {"speaker": "user", "msg": f"微信 {tag}_wx8 {upper}"},
    ]
    chat = {"accountID": account_id, "candidateID": cid, "candidateName": f"{upper}候选人", "historyMsg": history}
    ok("/recruit/candidate/chat", chat)
    conversation = Conversation.objects.get(account=account)
    assert WechatTask.objects.filter(wechat_account=wechat).exists()  # the contact queued a WeChat friend

    # An accountID this team's bot uses before registering it (recorded without a team).
    status, body = Api(Client(REMOTE_ADDR="127.0.0.1")).post(
        "/recruit/account/task/fetch", {"accountID": f"account_Boss_{tag}ghost"}
    )
    assert (status, body["ret"]) == (404, 1002)

    staff = User.objects.create_user(f"{tag}-staff", is_staff=True, first_name=f"{upper}-名")
    team.members.add(staff)
    Conversation.objects.filter(pk=conversation.pk).update(taken_over_by=staff)
    AuditLog.objects.create(
        user=staff,
        action="view_contact",
        object_type="conversation",
        object_id=str(conversation.pk),
        detail=f"{upper}-审计",
    )
    AuditLog.objects.create(user=staff, action="export", object_type="export", object_id=f"{tag}-exp")

    strings = {
        Team: [team.name],
        ApiKey: [key.name, key.prefix],
        Job: [job.name, job.job_id, f"{upper} 召回"],
        RecruitAccount: [account.account_id, account.desc],
        Candidate: [cid, f"{upper}候选人"],
        Conversation: [f"{tag}_wx8"],
        User: [staff.username],
        AuditLog: [f"{upper}-审计", f"{tag}-exp"],
        UnknownAccount: [f"account_Boss_{tag}ghost"],
        WechatAccount: [wechat.account_id],
        WechatFriend: list(WechatFriend.objects.filter(wechat_account=wechat).values_list("alias_id", flat=True)),
        WechatTask: [f"{upper} 加好友"],
    }
    superuser_only = {f"{tag}-exp", f"account_Boss_{tag}ghost"}
    return TeamData(team, key, job, account, conversation, staff, ok, strings, superuser_only)


def neutral_global_rows() -> None:
    """Rows of the models without tenancy, so their pages are crawled too."""
    every_minute = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    CrontabSchedule.objects.create(minute="0", hour="3")
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    SolarSchedule.objects.create(event="sunrise", latitude=39.9, longitude=116.4)
    # The schedules migration `hunter_robot 0002` creates (a flush of an earlier test may have removed them).
    periodic_tasks_install(django_apps, settings.TIME_ZONE)
    PeriodicTask.objects.create(
        name="notifications-every-60s", task="recruit.tasks.deliver_notifications", interval=every_minute
    )
    Group.objects.get_or_create(name="招聘专员")  # also made by migration recruit 0007
    RetentionRunFactory()  # written by the retention task; counts only, no team's data


# --- The crawler ----------------------------------------------------------------------------------


def url(model, view: str, *args) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
    except NoReverseMatch:
        return None


def autocomplete_urls() -> list[str]:
    """One request per autocomplete field of every admin and of its inlines."""
    urls = []
    for model, model_admin in admin.site._registry.items():
        sources = [(model, model_admin)] + [(inline.model, inline) for inline in model_admin.inlines]
        for source_model, source_admin in sources:
            for name in getattr(source_admin, "autocomplete_fields", ()):
                query = f"app_label={source_model._meta.app_label}&model_name={source_model._meta.model_name}"
                urls.append(f"{reverse('admin:autocomplete')}?term=&{query}&field_name={name}")
    return urls


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)
    visible: dict[type, set] = field(default_factory=dict)

    def text(self) -> str:
        return "\n".join(self.pages.values()).lower()


def crawl(client: Client) -> Crawl:
    """Every admin page the client can open, keyed by URL, and the rows each changelist shows."""
    result = Crawl()

    def get(path: str, *, expect_ok: bool = True) -> str | None:
        response = client.get(path)
        if response.status_code != 200:
            assert not expect_ok, f"{path} answered {response.status_code}"
            return None
        result.pages[path] = response.content.decode()
        return result.pages[path]

    get(reverse("admin:index"))
    for model in admin.site._registry:
        listing = client.get(url(model, "changelist"))
        if listing.status_code == 403:
            result.visible[model] = set()
            continue
        assert listing.status_code == 200, (model, listing.status_code)
        result.pages[url(model, "changelist")] = listing.content.decode()
        changelist = listing.context["cl"]
        assert changelist.result_count == len(changelist.result_list), f"{model.__name__}: more than one page"
        result.visible[model] = {obj.pk for obj in changelist.result_list}
        if url(model, "add"):
            get(url(model, "add"), expect_ok=False)  # 403 where adding is switched off
        for pk in result.visible[model]:
            get(url(model, "change", pk))
            get(url(model, "history", pk))
            get(url(model, "delete", pk), expect_ok=False)  # 403 where deleting is switched off
    for path in autocomplete_urls():
        get(path)
    return result


@pytest.fixture
def two_teams(db) -> tuple[TeamData, TeamData]:
    neutral_global_rows()
    a, b = seed_team("teama"), seed_team(MARKER)
    # Team B's bot meets team A's candidate too (one person, one candidate row): its card as B saw it
    # names another employer. A's page of that candidate must show neither B's decision nor B's card.
    card = load_card("Boss")
    card["geekCard"].update(geekId="teamageek", geekName="TEAMA候选人")
    card["geekCard"]["geekWorks"][0]["company"] = "ZZTEAMB公司"
    b.ok("/recruit/candidate/filter", {"accountID": b.account.account_id, "candidateInfo": card})
    b.strings[ScreeningDecision] = ["ZZTEAMB公司"]
    # …and greets them and talks with them, getting a WeChat id: A's page of that candidate lists A's
    # conversation and contact only (its conversations inline), never B's.
    report = {"taskType": "batchTouch", "details": {"candidateList": ["teamageek"]}}
    b.ok("/recruit/account/task/report", {"accountID": b.account.account_id, "taskStatus": [report]})
    history = [
        {"speaker": "robot", "msg": jobconfig.greeting(b.job)},
        {"speaker": "user", "msg": "微信 zzteamb_shared9 ZZTEAMB"},
    ]
    chat = {
        "accountID": b.account.account_id,
        "candidateID": "teamageek",
        "candidateName": "TEAMA候选人",
        "historyMsg": history,
    }
    b.ok("/recruit/candidate/chat", chat)
    shared = Conversation.objects.get(account=b.account, candidate__platform_cid="teamageek")
    assert shared.contact.wechat == "zzteamb_shared9"
    b.strings[Conversation].append("zzteamb_shared9")
    # A superuser in team A (as `make run`'s demo admin is in the default team): listed, not editable.
    root = User.objects.create_superuser("teama-root", "root@example.com", None)
    a.team.members.add(root)
    return a, b


def test_staff_of_one_team_see_no_trace_of_another_anywhere_in_the_console(two_teams):
    a, b = two_teams
    a.staff.user_permissions.add(*Permission.objects.all())  # incl. personal data and CVs
    staff = Client()
    staff.force_login(a.staff)
    seen = crawl(staff)

    leaks = {
        path: sorted({match.group(0) for match in re.finditer(rf"\S*(?:{MARKER}|{b.key.prefix})\S*", html, re.I)})
        for path, html in seen.pages.items()
        if MARKER in html.lower() or b.key.prefix in html
    }
    assert not leaks, json.dumps(leaks, ensure_ascii=False, indent=1)[:3000]

    # Rows of team B (and rows staff may not see at all) do not open either. (Listed afresh: opening
    # conversations wrote audit records.)
    for model in admin.site._registry:
        listing = staff.get(url(model, "changelist"))
        visible = {obj.pk for obj in listing.context["cl"].result_list} if listing.status_code == 200 else set()
        hidden = set(model._default_manager.values_list("pk", flat=True)) - visible
        for pk in hidden:
            status = staff.get(url(model, "change", pk)).status_code
            assert status in (302, 403, 404), f"{model.__name__} #{pk} opened ({status})"

    # A superuser of the team is seen, but neither edited nor given a new password by staff.
    root = User.objects.get(username="teama-root")
    assert staff.get(url(User, "password_change", root.pk)).status_code == 403
    assert "teama-root" in seen.text()

    # Team A's own data is all there, so the pages really were the ones with the data.
    text = seen.text()
    missing = {
        model.__name__: [s for s in strings if s not in a.superuser_only and s.lower() not in text]
        for model, strings in a.strings.items()
        if model in admin.site._registry
    }
    assert not any(missing.values()), missing


def test_the_same_crawl_as_a_superuser_shows_every_team(two_teams):
    _a, b = two_teams
    root = Client()
    root.force_login(User.objects.create_superuser("root-crawler", "root@example.com", None))
    text = crawl(root).text()
    missing = {
        model.__name__: [s for s in strings if s.lower() not in text]
        for model, strings in b.strings.items()
        if model in admin.site._registry
    }
    assert not any(missing.values()), missing


def test_the_crawl_covers_every_registered_model(two_teams):
    """Each registered model has rows here, so its change pages were opened (a new admin needs data)."""
    empty = [model._meta.label for model in admin.site._registry if not model._default_manager.exists()]
    assert not empty
