"""The recruiter console (Django admin): every page renders, quotas and time slots, team scoping,
personal data and its audit trail, conversation and key actions, form validation (CONTRACT §8)."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
from dataclasses import dataclass
from datetime import time
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.translation import gettext

from hunter_robot.models import ApiKey, AuditLog, Team
from recruit import jobconfig
from recruit.models import (
    AccountJob,
    Candidate,
    Conversation,
    Job,
    Notification,
    RecruitAccount,
    RetentionRun,
    ScreeningDecision,
    UnknownAccount,
)
from recruit.services.retention import retention_enforce
from tests.conftest import Api
from tests.factories import JobFactory, TeamFactory, link
from tests.recruit.fixtures import load_card

User = get_user_model()

PHONE = "13800138000"
MASKED_PHONE = "138****8000"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REMOTE_ADDR = "203.0.113.9"  # outside the anonymous networks: bots there need an API key
CANDIDATE_NAME = "测试候选人"  # the name on the BOSS fixture card


# --- Users, clients and URLs ----------------------------------------------------------------------

_user_ids = itertools.count(1)


def permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def make_superuser() -> User:
    return User.objects.create_superuser(f"root{next(_user_ids)}", "root@example.com", None)


def make_staff(team: Team | None, *perms: str) -> User:
    """A staff user in `team` (None: in no team) holding the given "app.codename" permissions."""
    user = User.objects.create_user(f"staff{next(_user_ids)}", is_staff=True)
    if team is not None:
        team.members.add(user)
    user.user_permissions.add(*(permission(p) for p in perms))
    return user


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_url(model, view: str = "changelist", *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def list_cells(html: str, field: str) -> list[str]:
    """The text of each changelist cell of column `field` (its `field-<name>` class), tags stripped."""
    cells = re.findall(rf'<(t[dh])[^>]*class="[^"]*\bfield-{field}\b[^"]*"[^>]*>(.*?)</\1>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", inner).split()) for _tag, inner in cells]


def change_url(obj) -> str:
    return admin_url(type(obj), "change", obj.pk)


def perms_for(model, *actions: str) -> list[str]:
    return [f"{model._meta.app_label}.{action}_{model._meta.model_name}" for action in actions]


def run_action(client: Client, model, action: str, objects) -> None:
    response = client.post(
        admin_url(model), {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], "index": 0}
    )
    assert response.status_code == 302, response.content[:500]


def changelist_pks(client: Client, model) -> set[int]:
    response = client.get(admin_url(model))
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


# --- Reading and posting admin forms as a browser would ----------------------------------------------


class _FormReader(HTMLParser):
    """Collects the name/value pairs a browser submits from the admin's change form (no JavaScript)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("id") or "").endswith("_form"):
            self._in_form = True
        name = attrs.get("name") or ""
        if not self._in_form or "__prefix__" in name:  # skip the inline formsets' row templates
            return
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.pairs.append((name, attrs.get("value") or "on"))
                return
            self.pairs.append((name, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.pairs.append((self._select, attrs.get("value") or ""))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.pairs.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def form_values(response) -> dict[str, str | list[str]]:
    """The change form's current values, ready to edit and post back."""
    assert response.status_code == 200
    reader = _FormReader()
    reader.feed(response.content.decode())
    values: dict[str, list[str]] = {}
    for name, value in reader.pairs:
        values.setdefault(name, []).append(value)
    return {name: items[0] if len(items) == 1 else items for name, items in values.items()}


def form_errors(response) -> list[str]:
    """Every error shown on a re-displayed change form: the main form's and its inlines'."""
    assert response.status_code == 200, "expected the form back with errors, got a redirect or a crash"
    # AdminErrorList mixes per-field error lists with the formsets' non-form messages (plain strings).
    shown = response.context["errors"]
    return [str(message) for item in shown for message in ([item] if isinstance(item, str) else item)]


# --- Data made the way the bots make it -----------------------------------------------------------


class Bot:
    """A bot of one team: calls the API from a remote address with its team's manage key."""

    def __init__(self, team: Team):
        key = ApiKey(team=team, name=f"{team.name} bot", manage=True)
        self.key = key.issue()
        key.save()
        self.api = Api(Client(REMOTE_ADDR=REMOTE_ADDR))

    def ok(self, path: str, body: dict) -> dict:
        return self.api.ok(path, body, HTTP_X_API_KEY=self.key)

    def upload(self, fields: dict, filename: str, content: bytes) -> dict:
        """candidate/result as a real multipart/form-data request with a file."""
        handle = io.BytesIO(content)
        handle.name = filename
        response = self.api.client.post("/recruit/candidate/result", {**fields, "cv": handle}, HTTP_X_API_KEY=self.key)
        body = json.loads(response.content)
        assert (response.status_code, body["ret"]) == (200, 0), body
        return body["data"]


@dataclass
class Seeded:
    bot: Bot
    team: Team
    job: Job
    account: RecruitAccount
    conversation: Conversation

    def chat(self, cid: str, *lines: tuple[str, str]) -> dict:
        history = [{"speaker": speaker, "msg": msg} for speaker, msg in lines]
        body = {
            "accountID": self.account.account_id,
            "candidateID": cid,
            "candidateName": CANDIDATE_NAME,
            "historyMsg": history,
        }
        return self.bot.ok("/recruit/candidate/chat", body)


JOB_CONFIG = {
    "faq": {"salary": "底薪 6000，综合 7-9K。", "location": "北京望京。", "hours": "早九晚六，双休。"},
    "contact_ask": ["方便留个微信吗？"],
    "max_contact_asks": 3,
}


def seed(team_name: str, geek_id: int) -> Seeded:
    """One team's data: a job and an account registered, a card screened, the greeting reported,
    and one chat turn in which the candidate gives a phone number."""
    team = TeamFactory(name=team_name)
    bot = Bot(team)
    tag = team_name.lower()
    job_body = {"platformType": "boss", "platformID": f"{tag}1", "jobName": "客服专员", "jobConfig": JOB_CONFIG}
    job_id = bot.ok("/recruit/job/register", job_body)["jobID"]
    account_body = {"platformType": "boss", "platformID": tag, "jobs": [job_id]}
    account_id = bot.ok("/recruit/account/register", account_body)["accountID"]
    card = load_card("Boss")
    card["geekCard"]["geekId"] = geek_id
    assert bot.ok("/recruit/candidate/filter", {"accountID": account_id, "candidateInfo": card})["touch"]
    report = {
        "accountID": account_id,
        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [geek_id]}}],
    }
    assert bot.ok("/recruit/account/task/report", report)["accepted"] == 1

    account = RecruitAccount.objects.get(platform_id=tag)
    job = Job.objects.get(platform_id=f"{tag}1")
    seeded = Seeded(bot, team, job, account, conversation=Conversation.objects.get(account=account))
    answer = seeded.chat(str(geek_id), ("robot", jobconfig.greeting(job)), ("user", f"我的电话是 {PHONE}"))
    assert answer["nextStep"] == "finish"
    seeded.conversation.refresh_from_db()
    return seeded


@pytest.fixture
def a(db) -> Seeded:
    return seed("A", 100000001)


@pytest.fixture
def b(db) -> Seeded:
    return seed("B", 100000002)


@pytest.fixture
def root(db) -> User:
    return make_superuser()


# --- 1. Every page renders ------------------------------------------------------------------------

ADMIN_MODELS = [
    Team,
    ApiKey,
    AuditLog,
    Job,
    RecruitAccount,
    AccountJob,
    UnknownAccount,
    Candidate,
    ScreeningDecision,
    Conversation,
    Notification,
    RetentionRun,
]


def test_the_list_covers_every_registered_model():
    registered = {model for model in admin.site._registry if model._meta.app_label in ("hunter_robot", "recruit")}
    assert registered == set(ADMIN_MODELS)


@pytest.fixture
def everything(a, root, api) -> None:
    """A row of every admin model: the seeded team's, plus an unknown account and an audit record."""
    status, body = api.post("/recruit/account/task/fetch", {"accountID": "account_Boss_ghost"})
    assert (status, body["ret"]) == (404, 1002)
    logged_in(root).get(change_url(a.conversation))  # viewing a contact is audited
    retention_enforce()  # records a run per kind


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model.__name__)
def test_superuser_opens_changelist_and_change_page(everything, root, model):
    client = logged_in(root)
    listing = client.get(admin_url(model))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count >= 1
    obj = model.objects.first()
    assert client.get(change_url(obj)).status_code == 200


# --- 2. Accounts, daily quotas and time slots ------------------------------------------------------


def test_account_page_shows_each_linked_job_with_todays_usage(a, root):
    second = link(a.account, JobFactory(team=a.team, name="仓库管理员"), hello_sum=30, position=1)
    page = logged_in(root).get(change_url(a.account))
    assert page.status_code == 200
    html = page.content.decode()
    assert a.job.job_id in html and second.job.job_id in html
    assert "1 / 50" in html  # one greeting reported today for the first job
    assert "0 / 30" in html
    for account_job in AccountJob.objects.filter(account=a.account):
        assert change_url(account_job) in html  # the link to edit its time slots


def slots_of(account_job: AccountJob) -> tuple[int, list[tuple[time, int]]]:
    account_job.refresh_from_db()
    return account_job.hello_sum, [(slot.time, slot.mount) for slot in account_job.slots.order_by("time")]


@pytest.fixture
def task(a) -> AccountJob:
    """The seeded account's task, with the default slots 09:00→25 and 16:00→25."""
    account_job = AccountJob.objects.get(account=a.account)
    assert slots_of(account_job) == (50, [(time(9), 25), (time(16), 25)])
    return account_job


@pytest.fixture
def task_form(task, root) -> tuple[Client, dict]:
    client = logged_in(root)
    page = client.get(change_url(task))
    [slots] = page.context["inline_admin_formsets"]
    assert slots.formset.prefix == "slots"
    assert 'name="slots-TOTAL_FORMS"' in page.content.decode()
    data = form_values(page)
    # Two existing rows and one blank extra row, as rendered.
    assert (data["slots-TOTAL_FORMS"], data["slots-INITIAL_FORMS"]) == ("3", "2")
    assert (data["slots-0-time"], data["slots-0-mount"], data["slots-1-time"]) == (
        "09:00",
        "25",
        "16:00",
    )  # the skin's time widget: HH:MM
    return client, data


def test_task_page_edits_quota_and_slots(task, task_form):
    client, data = task_form
    data.update(
        {
            "hello_sum": "40",
            "slots-0-time": "08:30",
            "slots-0-mount": "20",
            "slots-1-DELETE": "on",
            "slots-2-time": "14:00",
            "slots-2-mount": "20",
        }
    )
    response = client.post(change_url(task), data)
    assert response.status_code == 302, form_errors(response)
    assert slots_of(task) == (40, [(time(8, 30), 20), (time(14), 20)])


# Django's own messages, in the console's language (gettext at test time, so no wording is copied here).
DUPLICATE_TIME = ("Please correct the duplicate data for %(field)s.", {"field": "time"})


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"slots-1-time": "09:00"}, DUPLICATE_TIME),
        ({"slots-2-time": "09:00", "slots-2-mount": "5"}, DUPLICATE_TIME),
        (
            {"slots-0-mount": "-1"},
            ("Ensure this value is greater than or equal to %(limit_value)s.", {"limit_value": 0}),
        ),
        ({"slots-0-time": "25:00"}, ("Enter a valid time.", {})),
    ],
    ids=["existing-duplicate", "new-duplicate", "negative-mount", "bad-time"],
)
def test_task_page_rejects_invalid_slots_and_saves_nothing(task, task_form, changes, error):
    client, data = task_form
    data.update({"hello_sum": "99", **changes})
    errors = form_errors(client.post(change_url(task), data))
    wording, values = error
    expected = gettext(wording) % values
    assert wording not in expected  # translated: the console speaks Chinese
    assert any(expected in message for message in errors), errors
    assert slots_of(task) == (50, [(time(9), 25), (time(16), 25)])


# --- 3. Team scoping ------------------------------------------------------------------------------

TEAM_PATH = {
    Job: "team",
    RecruitAccount: "team",
    AccountJob: "account__team",
    Conversation: "job__team",
    ScreeningDecision: "job__team",
    Candidate: "decisions__job__team",
    Notification: "team",
    ApiKey: "team",
}


def team_pks(model, team: Team) -> set[int]:
    return set(model.objects.filter(**{TEAM_PATH[model]: team}).values_list("pk", flat=True))


@pytest.mark.parametrize("model", TEAM_PATH, ids=lambda model: model.__name__)
def test_staff_see_only_their_teams_rows(a, b, model):
    client = logged_in(make_staff(a.team, *perms_for(model, "view", "change")))
    mine, theirs = team_pks(model, a.team), team_pks(model, b.team)
    assert mine and theirs and not mine & theirs
    assert changelist_pks(client, model) == mine
    assert client.get(admin_url(model, "change", min(mine))).status_code == 200
    assert client.get(admin_url(model, "change", min(theirs))).status_code in (302, 404)


@pytest.mark.parametrize("model", TEAM_PATH, ids=lambda model: model.__name__)
def test_superuser_sees_every_team(a, b, root, model):
    assert changelist_pks(logged_in(root), model) == team_pks(model, a.team) | team_pks(model, b.team)


def test_staff_in_no_team_see_nothing(a):
    client = logged_in(make_staff(None, *perms_for(Conversation, "view")))
    assert changelist_pks(client, Conversation) == set()


def test_staff_can_put_a_job_only_in_their_own_team(a, b):
    client = logged_in(make_staff(a.team, *perms_for(Job, "view", "change")))
    form = client.get(change_url(a.job)).context["adminform"].form
    assert list(form.fields["team"].queryset) == [a.team]


def test_actions_reach_only_their_teams_rows(a, b):
    client = logged_in(make_staff(a.team, *perms_for(Conversation, "view", "change")))
    run_action(client, Conversation, "take_over", [a.conversation, b.conversation])
    assert list(Conversation.objects.filter(taken_over_by__isnull=False)) == [a.conversation]


def test_staff_account_form_offers_only_their_teams_keys(a, b):
    client = logged_in(make_staff(a.team, *perms_for(RecruitAccount, "view", "change")))
    page = client.get(change_url(a.account))
    assert set(page.context["adminform"].form.fields["api_keys"].queryset) == set(ApiKey.objects.filter(team=a.team))
    assert str(ApiKey.objects.get(team=b.team)) not in page.content.decode()


def test_staff_cannot_link_another_teams_job_to_their_account(a, b):
    perms = [*perms_for(RecruitAccount, "view", "change"), *perms_for(AccountJob, "view", "change")]
    client = logged_in(make_staff(a.team, *perms))
    data = form_values(client.get(change_url(a.account)))
    assert data["account_jobs-0-job"] == str(a.job.pk)
    data["account_jobs-0-job"] = str(b.job.pk)
    assert form_errors(client.post(change_url(a.account), data))
    assert list(AccountJob.objects.filter(account=a.account).values_list("job", flat=True)) == [a.job.pk]


@pytest.mark.parametrize(
    ("model", "action"),
    [(ApiKey, "revoke"), (RecruitAccount, "pause"), (Conversation, "take_over"), (Conversation, "clear_flag")],
)
def test_view_only_staff_cannot_run_actions(a, model, action):
    Conversation.objects.update(needs_human=True)  # so that clear_flag would change something
    client = logged_in(make_staff(a.team, *perms_for(model, "view")))
    before = list(model.objects.values())
    client.post(admin_url(model), {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in model.objects.all()]})
    assert list(model.objects.values()) == before


# --- 4. Personal data on conversations ------------------------------------------------------------

PII_VIEWER = [*perms_for(Conversation, "view"), "recruit.view_contact_pii"]


def contact_audits(conversation: Conversation):
    return AuditLog.objects.filter(action="view_contact", object_type="conversation", object_id=str(conversation.pk))


@pytest.fixture
def reported(a) -> Conversation:
    """A conversation whose phone came through candidate/result, so it is not in any transcript."""
    fields = {"accountID": a.account.account_id, "candidateID": "c9", "candidateName": "李四", "phone": PHONE}
    a.bot.ok("/recruit/candidate/result", fields)
    return Conversation.objects.get(candidate__platform_cid="c9")


def test_conversation_list_masks_the_phone(a, root):
    html = logged_in(root).get(admin_url(Conversation)).content.decode()
    assert MASKED_PHONE in html
    assert PHONE not in html


def test_conversation_page_shows_the_full_phone_with_permission_and_audits_it(reported, a):
    user = make_staff(a.team, *PII_VIEWER)
    html = logged_in(user).get(change_url(reported)).content.decode()
    assert PHONE in html
    [audit] = contact_audits(reported)
    assert audit.user == user


def test_conversation_page_without_permission_shows_only_the_mask(reported, a):
    html = logged_in(make_staff(a.team, *perms_for(Conversation, "view"))).get(change_url(reported)).content.decode()
    assert MASKED_PHONE in html
    assert PHONE not in html
    assert not contact_audits(reported).exists()


def test_transcript_does_not_reveal_the_phone_without_permission(a):
    """The candidate typed the number in chat: the transcript must not show it to users without permission."""
    html = logged_in(make_staff(a.team, *perms_for(Conversation, "view"))).get(change_url(a.conversation))
    assert PHONE not in html.content.decode()


def test_looking_at_another_teams_conversation_is_not_audited_as_a_view(a, b):
    client = logged_in(make_staff(b.team, *PII_VIEWER))
    assert client.get(change_url(a.conversation)).status_code in (302, 404)
    assert not contact_audits(a.conversation).exists()


# --- 5. CV download -------------------------------------------------------------------------------


@pytest.fixture
def with_cv(a, private_media) -> Conversation:
    fields = {"accountID": a.account.account_id, "candidateID": "100000001", "candidateName": CANDIDATE_NAME}
    assert a.bot.upload(fields, "resume.pdf", PDF) == {"status": "ok"}
    assert a.conversation.contact.cv_name == "resume.pdf"
    return a.conversation


def cv_url(conversation: Conversation) -> str:
    return reverse("admin:recruit_conversation_cv", args=[conversation.pk])


def cv_audits(conversation: Conversation):
    return AuditLog.objects.filter(action="download_cv", object_type="conversation", object_id=str(conversation.pk))


def test_cv_download_needs_the_permission(with_cv, a):
    client = logged_in(make_staff(a.team, *PII_VIEWER))
    assert client.get(cv_url(with_cv)).status_code == 403
    assert not cv_audits(with_cv).exists()


def test_cv_download_gives_the_file_as_attachment_and_audits_it(with_cv, a):
    user = make_staff(a.team, *perms_for(Conversation, "view"), "recruit.download_cv")
    response = logged_in(user).get(cv_url(with_cv))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "resume.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF
    [audit] = cv_audits(with_cv)
    assert (audit.user, audit.detail) == (user, "resume.pdf")


def test_cv_of_another_team_is_404(with_cv, b):
    user = make_staff(b.team, *perms_for(Conversation, "view"), "recruit.download_cv")
    assert logged_in(user).get(cv_url(with_cv)).status_code == 404
    assert not cv_audits(with_cv).exists()


# --- 6. Conversation actions ----------------------------------------------------------------------

SILENT = {"nextStep": "", "nextStepContent": ""}


def test_take_over_silences_the_robot_and_release_gives_it_back(a):
    user = make_staff(a.team, *perms_for(Conversation, "view", "change"))
    client = logged_in(user)
    lines = [("robot", jobconfig.greeting(a.job)), ("user", "你好，薪资多少？")]
    answer = a.chat("c2", *lines)
    assert "底薪 6000" in answer["nextStepContent"]
    conversation = Conversation.objects.get(candidate__platform_cid="c2")

    run_action(client, Conversation, "take_over", [conversation])
    conversation.refresh_from_db()
    assert conversation.taken_over_by == user
    lines += [("robot", answer["nextStepContent"]), ("user", "工作地点在哪里？")]
    assert a.chat("c2", *lines) == SILENT

    run_action(client, Conversation, "release", [conversation])
    conversation.refresh_from_db()
    assert conversation.taken_over_by is None
    lines.append(("user", "上班时间呢？"))
    assert "早九晚六" in a.chat("c2", *lines)["nextStepContent"]


def test_clear_flag_clears_needs_human(a):
    Conversation.objects.filter(pk=a.conversation.pk).update(needs_human=True)
    client = logged_in(make_staff(a.team, *perms_for(Conversation, "view", "change")))
    run_action(client, Conversation, "clear_flag", [a.conversation])
    a.conversation.refresh_from_db()
    assert a.conversation.needs_human is False


# --- 7. API keys ----------------------------------------------------------------------------------

JOB = {"platformType": "boss", "platformID": "k1", "jobName": "客服"}
PLAIN_KEY = re.compile(r"hr_[0-9a-f]{8}\.[\w-]+")


def remote_call(plain: str) -> tuple[int, dict]:
    return Api(Client(REMOTE_ADDR=REMOTE_ADDR)).post("/recruit/job/register", JOB, HTTP_X_API_KEY=plain)


@pytest.fixture
def added_key(root) -> tuple[Client, str]:
    """A manage key added through the admin form; returns the client and the key shown once."""
    team = TeamFactory(name="A")
    client = logged_in(root)
    data = form_values(client.get(admin_url(ApiKey, "add")))
    data.update({"team": str(team.pk), "name": "desk bot", "manage": "on"})
    response = client.post(admin_url(ApiKey, "add"), data, follow=True)
    shown = " ".join(str(message) for message in response.context["messages"])
    [plain] = PLAIN_KEY.findall(shown)
    return client, plain


def test_added_key_is_shown_once_and_stored_only_as_hash(added_key):
    client, plain = added_key
    key = ApiKey.objects.get()
    assert key.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    secret = plain.split(".", 1)[1]
    assert not [value for value in ApiKey.objects.values().get().values() if secret in str(value)]
    for url in (admin_url(ApiKey), change_url(key)):
        assert secret not in client.get(url).content.decode()
    status, body = remote_call(plain)
    assert (status, body["ret"]) == (200, 0)


def test_revoked_key_is_refused(added_key):
    client, plain = added_key
    key = ApiKey.objects.get()
    run_action(client, ApiKey, "revoke", [key])
    key.refresh_from_db()
    assert key.revoked_at is not None
    status, body = remote_call(plain)
    assert (status, body["ret"]) == (401, 1401)


# --- 8. Job form ----------------------------------------------------------------------------------


def test_job_form_saves_unchanged(a, root):
    client = logged_in(root)
    data = form_values(client.get(change_url(a.job)))
    data["name"] = "客服主管"
    response = client.post(change_url(a.job), data)
    assert response.status_code == 302, form_errors(response)
    a.job.refresh_from_db()
    assert a.job.name == "客服主管"


@pytest.mark.parametrize(
    ("low", "high"), [("age_min", "age_max"), ("work_years_min", "work_years_max"), ("salary_min_k", "salary_max_k")]
)
def test_job_form_rejects_an_inverted_range(a, root, low, high):
    client = logged_in(root)
    data = form_values(client.get(change_url(a.job)))
    data.update({low: "40", high: "20"})
    response = client.post(change_url(a.job), data)
    assert form_errors(response)
    assert response.context["adminform"].form.has_error(high)
    a.job.refresh_from_db()
    assert (getattr(a.job, low), getattr(a.job, high)) == (None, None)


def test_admin_static_files_are_served_by_the_app(client):
    response = client.get("/static/admin/css/base.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])


def test_staff_of_one_team_adds_a_key_into_their_team(a, b):
    """The add form of a user with one team: the team is theirs, the key saves and is shown once."""
    staff = make_staff(a.team, *perms_for(ApiKey, "view", "add", "change"))
    client = logged_in(staff)
    form = client.get(admin_url(ApiKey, "add"))
    assert form.status_code == 200
    data = form_values(form)
    data.update({"team": str(a.team.pk), "name": "desk bot"})
    response = client.post(admin_url(ApiKey, "add"), data, follow=True)
    shown = " ".join(str(message) for message in response.context["messages"])
    [plain] = PLAIN_KEY.findall(shown)
    key = ApiKey.objects.get(name="desk bot")
    assert key.team == a.team and key.key_hash == hashlib.sha256(plain.encode()).hexdigest()


def test_the_browser_language_does_not_switch_the_console(a, root):
    """The console speaks LANGUAGE_CODE (Chinese by default), whatever Accept-Language says."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(root)
    remote_call("hr_00000000.x")  # an API call in this thread first: its English must not stay behind
    assert '<html lang="zh-hans"' in client.get(admin_url(type(a.job))).content.decode()
    with override_settings(LANGUAGE_CODE="en"):
        assert '<html lang="en"' in Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("admin:login")).content.decode()
