"""The account safety fuse and the pacing ceiling (CONTRACT §9): account/risk/report pauses at once, every
endpoint's answer while paused, the recruiter's notification, repeated reports, clearing by the console's
resume (audited), bad input, and PLATFORM_DAILY_CAP in task/fetch (split in list order, greeted-today
subtracted, no extra statement)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import checks
from django.db import connection
from django.test import Client

from devtools.fakes import FakeServer
from hunter_robot.api import schema
from hunter_robot.models import AuditLog
from recruit import notify_formats, quota
from recruit.models import AccountJob, Conversation, Greeting, Notification, RecallStep, RecruitAccount, UnknownAccount
from recruit.services.actions import account_pause, account_resume
from recruit.services.notify import notifications_deliver
from recruit.services.risk import account_risk_report
from tests.conftest import Api
from tests.factories import AccountFactory, ApiKeyFactory, GreetingFactory, JobFactory, TeamFactory, link
from tests.recruit.fixtures import load_card
from tests.recruit.test_query_counts import TASK_PINS, statements
from tests.test_admin import (
    admin_url,
    change_url,
    form_values,
    list_cells,
    logged_in,
    make_staff,
    perms_for,
    run_action,
)

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 2, 8, tzinfo=SH)  # before both default slots (09:00, 16:00)
ACCOUNT = "account_Boss_a"
RISK = "/recruit/account/risk/report"
FETCH = "/recruit/account/task/fetch"


def at(when: datetime):
    return time_machine.travel(when, tick=False)


@pytest.fixture
def team(db):
    return TeamFactory(name="A")


@pytest.fixture
def job(team):
    job = JobFactory(team=team, platform_id="j", name="客服专员")
    RecallStep.objects.create(job=job, position=0, after_hours=24, msg="{name}您好，{job_name}还在招")
    return job


@pytest.fixture
def account(team, job) -> RecruitAccount:
    account = AccountFactory(team=team, platform_id="a")
    link(account, job)
    return account


def stored(account: RecruitAccount) -> RecruitAccount:
    return RecruitAccount.objects.get(pk=account.pk)


def audits(account: RecruitAccount) -> list[tuple[str, object, str]]:
    rows = AuditLog.objects.filter(object_type="recruitaccount", object_id=str(account.pk)).order_by("pk")
    return [(row.action, row.user, row.detail) for row in rows]


def report_risk(api: Api, kind: str = "captcha", detail: str = "请完成安全验证", **extra) -> dict:
    return api.ok(RISK, {"accountID": ACCOUNT, "kind": kind, "detail": detail, **extra})


def greet(api: Api, *cids: str, job_id: str | None = None) -> dict:
    body = {"accountID": ACCOUNT, "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": list(cids)}}]}
    if job_id:
        body["jobID"] = job_id
    return api.ok("/recruit/account/task/report", body)


def fetch(api: Api, **extra) -> list[dict]:
    return api.ok(FETCH, {"accountID": ACCOUNT, **extra})["task"]


def screen(api: Api, cid: str) -> dict:
    card = load_card("Boss")
    card["geekCard"]["geekId"] = cid
    return api.ok("/recruit/candidate/filter", {"accountID": ACCOUNT, "candidateInfo": card})


def recall(api: Api, *cids: str) -> list:
    return api.ok("/recruit/candidate/recallList", {"accountID": ACCOUNT, "candidateIDs": list(cids)})


def chat(api: Api, cid: str, text: str) -> dict:
    history = [{"speaker": "robot", "msg": "您好，看看客服岗？"}, {"speaker": "user", "msg": text}]
    return api.ok(
        "/recruit/candidate/chat",
        {"accountID": ACCOUNT, "candidateID": cid, "candidateName": "张三", "historyMsg": history},
    )


# --- Pausing at once, and every endpoint while paused ----------------------------------------------------


def test_a_report_pauses_the_account_at_once(api, account):
    with at(T0):
        assert report_risk(api, "rate_limited", "操作过于频繁，请稍后再试") == {"accountID": ACCOUNT, "paused": True}
    row = stored(account)
    assert (row.active, row.risk_kind, row.risk_detail) == (False, "rate_limited", "操作过于频繁，请稍后再试")
    assert row.risk_at == T0
    # Through the audited pause service (the system's: no user), then the report itself.
    assert audits(account) == [
        ("pause", None, "risk: rate_limited"),
        ("risk_report", None, "rate_limited: 操作过于频繁，请稍后再试"),
    ]


def test_the_account_id_is_answered_canonical(api, account):
    assert api.ok(RISK, {"accountID": "account_boss_a", "kind": "banned"}) == {"accountID": ACCOUNT, "paused": True}
    assert stored(account).risk_detail is None  # no detail given


def test_while_paused_fetch_filter_recall_stop_and_chat_result_answer(api, account):
    with at(T0):
        greet(api, "c1")  # a conversation the robot greeted: due a nudge a day later
    day_after = T0 + timedelta(days=1)
    with at(day_after):
        assert fetch(api)[0]["helloSum"] == 50
        assert [item["candidate_id"] for item in recall(api, "c1")] == ["c1"]
        report_risk(api, "captcha")

        [task] = fetch(api)
        assert (task["helloSum"], task["timeMount"]) == (0, [])
        assert screen(api, "c2") == {"touch": False, "reasons": ["account: paused (risk: captcha)"]}
        assert recall(api, "c1") == []
        # Conversations in progress are not dropped.
        answer = chat(api, "c1", "薪资多少？")
        assert answer["nextStep"] and answer["nextStepContent"]
        result = {"accountID": ACCOUNT, "candidateID": "c1", "candidateName": "张三", "wechat": "zhang_san88"}
        assert api.ok("/recruit/candidate/result", result) == {"status": "ok"}
        # A greeting the bot sent before it saw the risk page is still recorded (it happened).
        assert greet(api, "c3")["accepted"] == 1
    assert Conversation.objects.get(candidate__platform_cid="c1").contact.wechat == "zhang_san88"


def test_a_manual_pause_keeps_its_own_reason(api, account):
    RecruitAccount.objects.filter(pk=account.pk).update(active=False)
    with at(T0):
        assert screen(api, "c2")["reasons"] == ["inactive: account paused"]


# --- The recruiter's notification ------------------------------------------------------------------------


def test_the_recruiter_is_notified_once_per_webhook(api, team, account, job):
    with FakeServer({"errcode": 0}) as hook, FakeServer({"code": 0}) as other:
        job.notify_webhook, job.notify_format = hook.url, "wecom"
        job.save()
        link(account, JobFactory(team=team, notify_webhook=hook.url, notify_format="wecom"), position=1)
        link(account, JobFactory(team=team, notify_webhook=other.url, notify_format="feishu"), position=2)
        link(account, JobFactory(team=team, notify_webhook=""), position=3)
        # Another team's job on the account: its webhook must not learn of this account.
        link(account, JobFactory(notify_webhook="http://127.0.0.1:9/elsewhere"), position=4)
        with at(T0):
            report_risk(api, "captcha", "请输入验证码，手机 13800138000")
        rows = list(Notification.objects.order_by("pk"))
        assert [(r.kind, r.webhook, r.notify_format, r.conversation_id) for r in rows] == [
            ("account_risk", hook.url, "wecom", None),
            ("account_risk", other.url, "feishu", None),
        ]
        assert {r.team_id for r in rows} == {team.pk}
        payload = rows[0].payload
        assert payload["accountID"] == ACCOUNT
        assert (payload["risk"], payload["risk_label"], payload["job"]) == ("captcha", "验证码", "客服专员")
        assert "13800138000" not in payload["detail"] and "138****8000" in payload["detail"]  # masked as logs are
        assert payload["url"].endswith(f"/admin/recruit/recruitaccount/{account.pk}/change/")
        # In the console's language, though the bot's call runs in English.
        assert ACCOUNT in payload["summary"] and "验证码" in payload["summary"]

        assert notifications_deliver() == 2  # posted to real HTTP peers
    [wecom] = hook.requests
    content = wecom["markdown"]["content"]
    assert content.startswith("**账号风控**") and "> 风控：验证码" in content
    assert f"> 账号：{notify_formats.md(ACCOUNT)}" in content  # markdown controls shown as look-alikes
    assert "[查看账号](" in content
    [feishu] = other.requests
    assert feishu["card"]["header"]["template"] == "red"
    assert Notification.objects.get(webhook=hook.url).status == "sent"


def test_without_a_webhook_the_notification_stays_in_the_console(api, account):
    report_risk(api, "login_expired")
    [row] = Notification.objects.all()
    assert (row.kind, row.status, row.webhook, row.conversation_id) == ("account_risk", "skipped", "", None)
    assert row.get_kind_display() == "账号风控"
    assert notify_formats.title(row.payload) == "账号风控"


def test_an_account_without_jobs_is_notified_in_the_console(api, team):
    account = AccountFactory(team=team, platform_id="a")
    report_risk(api, "banned")
    [row] = Notification.objects.all()
    assert (row.team_id, row.status, row.payload["accountID"]) == (team.pk, "skipped", account.account_id)


# --- Repeated reports ------------------------------------------------------------------------------------


def test_repeated_reports_are_recorded_and_change_nothing_else(api, account):
    with at(T0):
        report_risk(api, "captcha", "first")
    with at(T0 + timedelta(minutes=5)):
        assert report_risk(api, "banned", "second") == {"accountID": ACCOUNT, "paused": True}
        report_risk(api, "captcha", "")
    row = stored(account)
    assert (row.active, row.risk_kind, row.risk_at, row.risk_detail) == (False, "captcha", T0, "first")
    assert Notification.objects.count() == 1
    assert audits(account) == [
        ("pause", None, "risk: captcha"),
        ("risk_report", None, "captcha: first"),
        ("risk_report", None, "banned: second (paused already: captcha)"),
        ("risk_report", None, "captcha (paused already: captcha)"),
    ]


def test_a_report_on_an_account_paused_by_hand_records_the_risk(api, account, team):
    user = make_staff(team)
    account_pause(account=account, user=user)
    report_risk(api, "other", "页面异常")
    row = stored(account)
    assert (row.active, row.risk_kind) == (False, "other")
    assert [a[0] for a in audits(account)] == ["pause", "risk_report"]  # paused once, by the recruiter
    assert Notification.objects.count() == 1


# --- Clearing in the console -----------------------------------------------------------------------------


@pytest.fixture
def recruiter(team):
    return make_staff(team, *perms_for(RecruitAccount, "view", "change"))


def assert_cleared(api, account, recruiter):
    row = stored(account)
    assert (row.active, row.risk_kind, row.risk_at, row.risk_detail) == (True, None, None, None)
    assert audits(account)[-1] == ("resume", recruiter, "risk cleared: captcha")
    with at(T0):
        assert fetch(api)[0]["helloSum"] == 50
        assert screen(api, "c9") == {"touch": True, "reasons": []}


def test_the_list_resume_action_clears_the_risk(api, account, recruiter):
    report_risk(api, "captcha")
    client = logged_in(recruiter)
    html = client.get(admin_url(RecruitAccount)).content.decode()
    assert list_cells(html, "risk_state") == ["验证码"]
    run_action(client, RecruitAccount, "resume", [account])
    assert_cleared(api, account, recruiter)
    assert list_cells(client.get(admin_url(RecruitAccount)).content.decode(), "risk_state") == ["-"]
    run_action(client, RecruitAccount, "resume", [account])  # nothing left to clear: not audited again
    assert [a[0] for a in audits(account)].count("resume") == 1
    report_risk(api, "captcha")  # the fuse trips again after a clearing
    assert stored(account).active is False and Notification.objects.count() == 2


def test_ticking_active_on_the_account_page_clears_the_risk(api, account, recruiter):
    report_risk(api, "captcha", "滑块验证")
    client = logged_in(recruiter)
    page = client.get(change_url(account))
    html = page.content.decode()
    assert "滑块验证" in html and "验证码" in html  # the risk's detail on the page, read-only
    data = form_values(page)
    assert "active" not in data and "risk_kind" not in data
    data["active"] = "on"
    response = client.post(change_url(account), data)
    assert response.status_code == 302, response.content[:500]
    assert_cleared(api, account, recruiter)


def test_a_risk_on_an_active_account_is_still_cleared_and_audited(account, recruiter):
    """The flag without the pause (a row edited outside the console): resume clears and records it."""
    RecruitAccount.objects.filter(pk=account.pk).update(risk_kind="captcha")
    assert account_resume(account=account, user=recruiter) is True
    assert stored(account).risk_kind is None
    assert audits(account) == [("resume", recruiter, "risk cleared: captcha")]


# --- Bad input, unknown and foreign accounts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        ({"kind": "captcha"}, "accountID: "),
        ({"accountID": "", "kind": "captcha"}, "accountID: "),
        ({"accountID": "not-an-account", "kind": "captcha"}, "accountID: malformed"),
        ({"accountID": ACCOUNT}, "kind: "),
        ({"accountID": ACCOUNT, "kind": "robot_check"}, "kind: expected one of captcha, rate_limited"),
        ({"accountID": ACCOUNT, "kind": None}, "kind: "),
        ({"accountID": ACCOUNT, "kind": ["captcha"]}, "kind: "),
        ({"accountID": ACCOUNT, "kind": "captcha", "detail": "x" * 501}, "detail: "),
        ({"accountID": ACCOUNT, "kind": "captcha", "detail": 12}, "detail: expected a string"),
        ({"accountID": ACCOUNT, "kind": "captcha", "detail": "a\u0000b"}, "detail: contains a NUL character"),
    ],
)
def test_bad_input_is_1001_naming_the_field(api, account, body, msg):
    status, payload = api.post(RISK, body)
    assert (status, payload["ret"], payload["data"]) == (400, 1001, None)
    assert payload["msg"].startswith(msg), payload["msg"]
    assert stored(account).active is True and not AuditLog.objects.exists() and not Notification.objects.exists()


def test_a_detail_of_500_characters_is_kept(api, account):
    report_risk(api, "other", "验" * 500)
    assert stored(account).risk_detail == "验" * 500


def test_an_unknown_account_is_1002(api, account):
    status, payload = api.post(RISK, {"accountID": "account_Boss_nobody", "kind": "captcha"})
    assert (status, payload["ret"], payload["data"]) == (404, 1002, None)
    assert "account_Boss_nobody" in payload["msg"]
    assert UnknownAccount.objects.filter(account_id="account_Boss_nobody").exists()  # listed for operators
    assert stored(account).active is True


def test_a_key_not_bound_to_the_account_is_1403(account):
    key = ApiKeyFactory(team=account.team)
    key.recruit_accounts.add(AccountFactory(team=account.team))
    bot = Api(Client(REMOTE_ADDR="203.0.113.7"))
    status, payload = bot.post(RISK, {"accountID": ACCOUNT, "kind": "captcha"}, HTTP_X_API_KEY=key.plain)
    assert (status, payload["ret"]) == (403, 1403)
    assert stored(account).active is True
    key.recruit_accounts.add(account)
    assert bot.ok(RISK, {"accountID": ACCOUNT, "kind": "captcha"}, HTTP_X_API_KEY=key.plain)["paused"] is True


def test_the_service_refuses_an_unknown_kind(account):
    with pytest.raises(ValueError):
        account_risk_report(account=account, kind="robot_check")


def test_the_schema_lists_the_model_kinds():
    assert list(schema.RISK_KINDS) == RecruitAccount.Risk.values
    assert schema.PATHS["/recruit/account/risk/report"] is schema.RISK_REPORT


# --- Pacing ceiling --------------------------------------------------------------------------------------


@pytest.fixture
def three_jobs(api, team, account, job):
    """The account's list: job (position 0, helloSum 50), then b and c (60 each), created in reverse so
    the list order is not the rows' order; and d, greeted today but no longer listed."""
    AccountJob.objects.filter(account=account, job=job).update(position=0)
    c = JobFactory(team=team, platform_id="c")
    b = JobFactory(team=team, platform_id="b")
    link(account, c, hello_sum=60, position=2)
    link(account, b, hello_sum=60, position=1)
    d = JobFactory(team=team, platform_id="d")
    link(account, d, linked=False)
    with at(T0):
        greet(api, "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9", "g10", job_id="job_Boss_j")
        for _n in range(5):
            GreetingFactory(account=account, job=d)
    return job, b, c


def hello_sums(tasks: list[dict]) -> list[tuple[str, int]]:
    return [(task["jobID"], task["helloSum"]) for task in tasks]


def test_without_a_ceiling_every_task_keeps_its_quota(api, settings, three_jobs):
    settings.PLATFORM_DAILY_CAP = {}
    with at(T0):
        assert hello_sums(fetch(api)) == [("job_Boss_j", 40), ("job_Boss_b", 60), ("job_Boss_c", 60)]


def test_the_ceiling_is_split_in_list_order_less_what_was_greeted(api, settings, three_jobs):
    # 120 a day, 15 greeted today (10 for j, 5 for d which is no longer listed): 105 to hand out,
    # j takes its 40, b its 60, c the 5 left.
    settings.PLATFORM_DAILY_CAP = {"boss": "120", "maimai": "10"}
    with at(T0):
        tasks = fetch(api)
        assert hello_sums(tasks) == [("job_Boss_j", 40), ("job_Boss_b", 60), ("job_Boss_c", 5)]
        assert [sum(slot["mount"] for slot in task["timeMount"]) for task in tasks] == [40, 60, 5]
        # One job asked for: its share of the same split.
        assert hello_sums(fetch(api, jobID="job_Boss_c")) == [("job_Boss_c", 5)]
        assert hello_sums(fetch(api, jobID="job_Boss_b")) == [("job_Boss_b", 60)]
    settings.PLATFORM_DAILY_CAP = {"Boss": "60"}  # 45 left: j 40, b 5, c nothing
    with at(T0):
        tasks = fetch(api)
        assert hello_sums(tasks) == [("job_Boss_j", 40), ("job_Boss_b", 5), ("job_Boss_c", 0)]
        assert tasks[2]["timeMount"] == []
        greet(api, "g11", "g12", "g13", job_id="job_Boss_b")  # greeted now count against the ceiling
        assert hello_sums(fetch(api)) == [("job_Boss_j", 40), ("job_Boss_b", 2), ("job_Boss_c", 0)]
    settings.PLATFORM_DAILY_CAP = {"Boss": "10"}  # greeted beyond the ceiling already
    with at(T0):
        assert hello_sums(fetch(api)) == [("job_Boss_j", 0), ("job_Boss_b", 0), ("job_Boss_c", 0)]


def test_the_ceiling_is_per_platform_and_per_day(api, settings, team, three_jobs):
    settings.PLATFORM_DAILY_CAP = {"maimai": "10"}  # not this account's platform
    with at(T0):
        assert hello_sums(fetch(api))[2] == ("job_Boss_c", 60)
    settings.PLATFORM_DAILY_CAP = {"Boss": "100"}
    with at(T0 + timedelta(days=1)):  # a new day: nothing greeted yet
        assert hello_sums(fetch(api)) == [("job_Boss_j", 50), ("job_Boss_b", 50), ("job_Boss_c", 0)]


def test_a_paused_account_gets_nothing_under_a_ceiling(api, settings, three_jobs):
    settings.PLATFORM_DAILY_CAP = {"Boss": "500"}
    report_risk(api, "captcha")
    with at(T0):
        assert [(t["helloSum"], t["timeMount"]) for t in fetch(api)] == [(0, [])] * 3


@pytest.mark.django_db(transaction=True)  # counted as a server runs them (tests/recruit/test_query_counts.py)
def test_the_ceiling_adds_no_statement_to_fetch(api, settings, three_jobs):
    body = {"accountID": ACCOUNT}
    settings.PLATFORM_DAILY_CAP = {}
    with at(T0):
        uncapped = statements(api, FETCH, body)
        settings.PLATFORM_DAILY_CAP = {"Boss": "100"}
        capped = statements(api, FETCH, body)
        one_job = statements(api, FETCH, {**body, "jobID": "job_Boss_b"})
        settings.PLATFORM_DAILY_CAP = {}
        uncapped_one_job = statements(api, FETCH, {**body, "jobID": "job_Boss_b"})
    pins = TASK_PINS[connection.vendor]
    assert capped == uncapped == pins["fetch"]
    assert one_job == uncapped_one_job == pins["fetch_job"]


def test_ceiling_split():
    assert quota.ceiling_split([40, 60, 60], cap=None, greeted=99) == [40, 60, 60]
    assert quota.ceiling_split([40, 60, 60], cap=120, greeted=15) == [40, 60, 5]
    assert quota.ceiling_split([0, 60], cap=50, greeted=0) == [0, 50]
    assert quota.ceiling_split([40, 60], cap=50, greeted=70) == [0, 0]
    assert quota.ceiling_split([], cap=50, greeted=0) == []


def test_daily_caps_parsing():
    assert quota.daily_caps({}) == {}
    assert quota.daily_caps({"boss": "150", "LinkedIn": 80, "脉脉": " 100 "}) == {
        "Boss": 150,
        "Linkedin": 80,
        "maimai": 100,
    }
    with pytest.raises(ValueError, match="unknown platform 'zhilian'"):
        quota.daily_caps({"zhilian": "10"})
    with pytest.raises(ValueError, match="Boss='-1'"):
        quota.daily_caps({"Boss": "-1"})


def test_a_typo_in_the_ceiling_is_a_system_check_error(settings):
    settings.PLATFORM_DAILY_CAP = {"Bos": "150"}
    errors = [m for m in checks.run_checks() if m.id == "recruit.E002"]
    assert len(errors) == 1 and "Bos" in errors[0].msg
    settings.PLATFORM_DAILY_CAP = {"Boss": "150"}
    assert not [m for m in checks.run_checks() if m.id == "recruit.E002"]


def test_greetings_of_other_accounts_do_not_count(api, settings, team, three_jobs):
    other = AccountFactory(team=team, platform_id="other")
    settings.PLATFORM_DAILY_CAP = {"Boss": "120"}
    with at(T0):
        for _n in range(30):
            GreetingFactory(account=other, job=three_jobs[1])
        assert hello_sums(fetch(api))[2] == ("job_Boss_c", 5)
    assert Greeting.objects.filter(account=other).count() == 30
