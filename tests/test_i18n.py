"""The console speaks LANGUAGE_CODE: Chinese (the msgids) by default, English with LANGUAGE_CODE=en from
the committed catalog `locale/en/LC_MESSAGES/django.po` (and its compiled `.mo`).

- the catalog is complete (every entry translated, nothing fuzzy) and compiled (the `.mo` answers every
  entry with the `.po`'s text);
- the catalog covers the code: makemessages run over a copy of the sources finds no msgid the `.po`
  lacks (needs GNU gettext's xgettext);
- in English, every console page (each registered model's list, add and change page, the dashboard, the
  job trial page) shows no Han character except in values the test seeded; in Chinese the same pages
  show our Chinese labels.

Refresh the catalog after adding or changing a marked string:

    .venv/bin/python manage.py makemessages -l en --no-obsolete --add-location file \
        -i ".venv/*" -i "tests/*" -i "bench/*" -i "var/*"
    (translate the new entries in locale/en/LC_MESSAGES/django.po; check and unflag any marked fuzzy)
    .venv/bin/python manage.py compilemessages -l en -i ".venv"
"""

from __future__ import annotations

import gettext
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

from recruit import jobconfig
from recruit.admin.jobs import JobAdmin
from recruit.models import Job, RetentionRun
from tests.conftest import need_service
from tests.factories import (
    AccountFactory,
    ApiKeyFactory,
    AuditLogFactory,
    CandidateFactory,
    ContactRecordFactory,
    ConversationFactory,
    GreetingFactory,
    JobFactory,
    MessageFactory,
    NotificationFactory,
    RecallStepFactory,
    ScreeningDecisionFactory,
    TeamFactory,
    UnknownAccountFactory,
    WechatAccountFactory,
    WechatAccountLinkFactory,
    WechatFriendFactory,
    WechatTaskFactory,
    link,
)

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What makemessages skips (the same patterns as the refresh command in the module docstring).
IGNORED = [".venv/*", "tests/*", "bench/*", "var/*"]
HAN = re.compile(r"[\u4e00-\u9fff]")
HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")

User = get_user_model()


# --- A tiny .po reader (stdlib only) -------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(text: str) -> str:
    """A C-style quoted PO string, e.g. "a\\"b\\n" → a"b<newline>."""
    assert text.startswith('"') and text.endswith('"'), text
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Every active entry of a .po file, the header (msgid "") included; obsolete (#~) lines skipped."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None  # (attribute, plural index) the next continuation line extends
    seen_keyword = False

    def finish() -> None:
        nonlocal entry, target, seen_keyword
        if seen_keyword:
            entries.append(entry)
        entry, target, seen_keyword = Entry(), None, False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if seen_keyword:
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            if seen_keyword:
                finish()
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, value = match.groups()
            if keyword in ("msgctxt", "msgid") and seen_keyword and (keyword == "msgctxt" or entry.msgstr):
                finish()
            if not seen_keyword:
                entry.line = number
            seen_keyword = True
            text = _unquote(value)
            if keyword.startswith("msgstr"):
                slot = int(index) if index is not None else 0
                entry.msgstr[slot] = text
                target = ("msgstr", slot)
            else:
                setattr(entry, keyword, text)
                target = (keyword, 0)
            continue
        if line.startswith('"') and target is not None:
            name, slot = target
            if name == "msgstr":
                entry.msgstr[slot] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
            continue
        raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    finish()
    return entries


def messages(path: Path) -> list[Entry]:
    return [entry for entry in parse_po(path) if entry.msgid]


# --- 1. The catalog is complete and compiled -----------------------------------------------------------


def test_the_po_reader_reads_what_makemessages_writes(tmp_path):
    sample = tmp_path / "sample.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid "已暂停 %(n)d 个账号"\nmsgstr "Paused %(n)d accounts"\n\n'
        'msgctxt "plural"\nmsgid "岗位"\nmsgstr "Jobs"\n\n'
        'msgid ""\n"第一行"\n"第二行 \\"引号\\""\nmsgstr ""\n"Line one "\n"line two \\"quoted\\""\n\n'
        'msgid "一个"\nmsgid_plural "多个"\nmsgstr[0] "one"\nmsgstr[1] "many"\n\n'
        '#, fuzzy\nmsgid "旧"\nmsgstr ""\n\n'
        '#~ msgid "废弃"\n#~ msgstr "gone"\n',
        encoding="utf-8",
    )
    header, paused, plural, wrapped, counted, fuzzy = parse_po(sample)
    assert (header.msgid, header.msgstr) == ("", {0: "Language: en\n"})
    assert (paused.msgid, paused.msgstr, paused.flags) == (
        "已暂停 %(n)d 个账号",
        {0: "Paused %(n)d accounts"},
        {"python-format"},
    )
    assert (plural.msgctxt, plural.msgid, plural.msgstr) == ("plural", "岗位", {0: "Jobs"})
    assert (wrapped.msgid, wrapped.msgstr[0]) == ('第一行第二行 "引号"', 'Line one line two "quoted"')
    assert (counted.msgid_plural, counted.msgstr) == ("多个", {0: "one", 1: "many"})
    assert (fuzzy.flags, fuzzy.msgstr) == ({"fuzzy"}, {0: ""})


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = parse_po(PO)
    header = entries[0]
    assert header.msgid == "" and "fuzzy" not in header.flags, "the header must not be fuzzy (msgfmt skips it)"
    assert "Language: en\n" in header.msgstr[0]
    untranslated = [f"line {e.line}: {e.msgid!r}" for e in entries[1:] if not all(e.msgstr.values())]
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in entries[1:] if "fuzzy" in e.flags]
    assert not untranslated, "untranslated in django.po:\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy in django.po (check the translation, then drop the flag):\n" + "\n".join(fuzzy)


def test_translations_are_english_and_keep_their_placeholders():
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}|\\\d")  # %(n)d, %s, {name}, \1
    wrong = []
    for entry in messages(PO):
        for text in entry.msgstr.values():
            if HAN.search(text):
                wrong.append(f"line {entry.line}: {text!r} is not English")
            if sorted(placeholder.findall(text)) != sorted(placeholder.findall(entry.msgid)):
                wrong.append(f"line {entry.line}: placeholders of {entry.msgid!r} differ in {text!r}")
    assert not wrong, "\n".join(wrong)


def test_the_compiled_catalog_matches_the_po():
    """A .po edited without `compilemessages` fails here: the .mo must answer every entry the same."""
    assert MO.exists(), "run: manage.py compilemessages -l en"
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    stale = []
    for entry in messages(PO):
        ctx, msgid, plural = entry.msgctxt, entry.msgid, entry.msgid_plural
        if plural is not None:
            forms = ((0, 1), (1, 2))
            if ctx is None:
                got = {index: catalog.ngettext(msgid, plural, n) for index, n in forms}
            else:
                got = {index: catalog.npgettext(ctx, msgid, plural, n) for index, n in forms}
        elif ctx is not None:
            got = {0: catalog.pgettext(ctx, msgid)}
        else:
            got = {0: catalog.gettext(msgid)}
        if got != entry.msgstr:
            stale.append(f"line {entry.line}: {entry.msgid!r}: .mo says {got}, .po says {entry.msgstr}")
    assert not stale, "the .mo is stale; run: manage.py compilemessages -l en\n" + "\n".join(stale)


# --- 2. The catalog covers the code ------------------------------------------------------------------------


def test_the_catalog_has_every_marked_string(tmp_path, monkeypatch):
    """makemessages over a copy of the sources (so the committed catalog is never touched) finds no
    msgid that the committed .po lacks."""
    need_service(shutil.which("xgettext") is not None, "needs GNU gettext's xgettext (apt install gettext)")
    skipped = {".git", "locale", "var", "media", "staticfiles", "node_modules"} | {p.split("/")[0] for p in IGNORED}

    def ignore(directory: str, names: list[str]) -> set[str]:
        top = Path(directory) == ROOT
        return {n for n in names if (top and n in skipped) or n in {"__pycache__", ".pytest_cache", ".ruff_cache"}}

    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=ignore, symlinks=True)
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[str(copy / "locale")]):
        call_command("makemessages", locale=["en"], ignore_patterns=IGNORED, no_obsolete=True, verbosity=0)
    found = {entry.key: entry for entry in messages(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")}
    assert len(found) > 100, "makemessages found almost nothing: is the copy complete?"
    committed = {entry.key for entry in messages(PO)}
    missing = sorted(key for key in found if key not in committed)
    assert not missing, (
        "marked strings missing from locale/en/LC_MESSAGES/django.po; refresh it (see tests/test_i18n.py):\n"
        + "\n".join(f"{ctx + ' | ' if ctx else ''}{msgid!r}" for ctx, msgid in missing)
    )


# --- 3. Every label the console shows is marked for translation ------------------------------------------

OUR_APPS = ("hunter_robot", "recruit", "wechat", "chatbot")


def _shown_names(model_admin, request) -> set[str]:
    names: set[str] = set()
    listed = model_admin.get_list_display(request) if hasattr(model_admin, "get_list_display") else ()
    for name in (*listed, *model_admin.get_fields(request)):
        names.update(name if isinstance(name, list | tuple) else [name])
    if hasattr(model_admin, "get_list_filter"):
        names.update(f.split("__")[0] for f in model_admin.get_list_filter(request) if isinstance(f, str))
    return {name for name in names if isinstance(name, str) and name not in ("__str__", "pk", "id")}  # "ID" reads alike


def _unmarked_labels(model_admin, request) -> list[str]:
    """Labels a page shows that are plain strings (a field without verbose_name reads "created at" in
    both languages; a display method without a description reads its Python name)."""
    model = model_admin.model
    found = []
    for name in sorted(_shown_names(model_admin, request)):
        try:
            field = model._meta.get_field(name)
            # A reverse relation (a filter across it) is labelled by its model's name.
            label = getattr(field, "verbose_name", None) or field.related_model._meta.verbose_name
        except FieldDoesNotExist:
            source = getattr(model_admin, name, None) or getattr(model, name, None)
            label = getattr(source, "short_description", None)
        if not isinstance(label, Promise):
            found.append(f"{model._meta.label}.{name}: {label!r}")
    return found


@pytest.mark.django_db
def test_every_label_the_console_shows_is_marked_for_translation():
    request = RequestFactory().get("/admin/")
    request.user = User(username="probe", is_staff=True, is_superuser=True, is_active=True)
    unmarked = [
        f"{config.label}: {config.verbose_name!r}"
        for config in apps.get_app_configs()
        if config.label in OUR_APPS and not isinstance(config.verbose_name, Promise)
    ]
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        unmarked += _unmarked_labels(model_admin, request)
        for inline in model_admin.get_inline_instances(request):
            unmarked += _unmarked_labels(inline, request)
    assert not unmarked, "give these a gettext_lazy label (verbose_name / description):\n" + "\n".join(unmarked)


# --- 4. Every console page in English, and in Chinese -----------------------------------------------------


@dataclass
class Seeded:
    root: User
    job: Job
    pages: list[str]  # each model's list, add and change page: they must answer
    more: list[str]  # other admin pages (history, delete, custom views): checked where they show a page


@pytest.fixture
def seeded(db) -> Seeded:
    """A row of every admin model with ASCII text only, and a superuser. Rows that migrations write in
    Chinese (the default groups, the periodic tasks' descriptions) are renamed: they are data."""
    team = TeamFactory(name="Acme East")
    root = User.objects.create_superuser("root", "root@example.com", None, first_name="Ada", last_name="Root")
    team.members.add(root)
    job = JobFactory(
        team=team,
        platform_id="j100",
        name="Support agent",
        jd="Answer customer calls.",
        touch_msg="Hello, we are hiring a support agent. Interested?",
        contact_ask="May I have your phone number?",
        closing_msg="Thanks, HR will call you soon.",
        faq_salary="6000 base",
        interview_slots="Tue 14:00",
        cities="Beijing",
        age_max=35,
        min_degree="大专",  # a stored code of the degree scale: shown by its label
    )
    RecallStepFactory(job=job, after_hours=24, msg="Hi {name}, still interested in {job_name}?")
    account = AccountFactory(team=team, platform_id="acct1", desc="Front desk")
    link(account, job)
    candidate = CandidateFactory(
        name="Alice Smith", platform_cid="c100", profile={"name": "Alice Smith", "age": 36, "degree": "高中"}
    )
    ScreeningDecisionFactory(
        account=account,
        job=job,
        candidate=candidate,
        touch=False,
        reasons=["age: 36 > 35", "degree: 高中 < 大专"],
        details=[
            {"criterion": "age", "passed": False, "value": 36, "expected": [18, 35]},
            {"criterion": "degree", "passed": False, "value": "高中", "expected": "大专"},
            {"criterion": "cities", "passed": False, "missing": True, "value": None, "expected": ["Beijing"]},
        ],
        profile={"name": "Alice Smith", "age": 36, "degree": "高中", "work_years": 5},
    )
    ScreeningDecisionFactory(
        account=account,
        job=job,
        candidate=CandidateFactory(name="Bob Lee", platform_cid="c101"),
        touch=True,
        reasons=[],
        details=[{"criterion": "age", "passed": True, "value": 30, "expected": [18, 35]}],
        profile={"name": "Bob Lee", "age": 30},
    )
    GreetingFactory(account=account, job=job, candidate=candidate)
    now = timezone.now()
    conversation = ConversationFactory(
        account=account,
        job=job,
        candidate=candidate,
        needs_human=True,
        last_message_at=now,
        first_reply_at=now,
        phone_at=now,
    )
    MessageFactory(
        conversation=conversation, speaker="robot", text="Hello Alice", engine="rule", next_step="normal_chat"
    )
    MessageFactory(conversation=conversation, speaker="user", text="My phone is 13800138000")
    ContactRecordFactory(conversation=conversation, phone="13800138000", wechat="wx_alice", email="alice@example.com")
    NotificationFactory(
        conversation=conversation,
        payload={"kind": "contact", "job": "Support agent", "candidate": "Alice Smith", "detail": "phone"},
        last_error="HTTP 500",
    )
    wechat_account = WechatAccountFactory(team=team, account_id="wx-bot-1", hello_msg="Hi, I am the recruiter")
    WechatAccountLinkFactory(wechat_account=wechat_account, recruit_account=account)
    friend = WechatFriendFactory(
        conversation=conversation,
        wechat_account=wechat_account,
        search_id="wxid_alice",
        alias_id="Alice-0001",
        status="accepted",
        requested_at=now,
        accepted_at=now,
        interview_slot="Tue 14:00",
    )
    WechatTaskFactory(friend=friend, msg="Hello Alice")
    ApiKeyFactory(team=team, name="desk bot")
    AuditLogFactory(user=root, action="take_over", object_type="conversation", object_id=str(conversation.pk))
    UnknownAccountFactory(account_id="account_Boss_ghost", last_path="/recruit/account/task/fetch")
    RetentionRun.objects.create(
        kind="raw_card", days=30, cutoff=now - timedelta(days=30), removed=3, batches=1, started_at=now, finished_at=now
    )
    for group in Group.objects.all():
        group.name = f"group {group.pk}"
        group.save()
    IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
    CrontabSchedule.objects.get_or_create(minute="0", hour="3")
    SolarSchedule.objects.create(event="sunrise", latitude=31.2, longitude=121.5)
    ClockedSchedule.objects.create(clocked_time=now + timedelta(days=1))
    PeriodicTask.objects.update(description="")
    for task in PeriodicTask.objects.all():
        task.description = f"periodic task {task.name}"
        task.save()
    assert PeriodicTask.objects.exists()

    pages = ["/admin/", reverse("admin:recruit_job_try", args=[job.pk])]
    more = []
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{info}_changelist"))
        try:
            pages.append(reverse(f"{info}_add"))
        except NoReverseMatch:
            pass
        obj = model_admin.get_queryset(_request(root)).order_by("pk").first()
        assert obj is not None, f"seed a {model._meta.label} row"
        pages.append(reverse(f"{info}_change", args=[obj.pk]))
        more += _other_pages(model_admin, obj)
    return Seeded(root=root, job=job, pages=pages, more=sorted(set(more) - set(pages)))


def _other_pages(model_admin, obj) -> list[str]:
    """The admin's other pages that take at most the object's id: history, delete, and views of its own
    (a job's trial, imports, exports, a candidate's data requests…)."""
    urls = []
    for pattern in model_admin.get_urls():
        params = set(pattern.pattern.regex.groupindex)
        if not pattern.name or not params <= {"object_id", "pk"}:
            continue
        try:
            urls.append(reverse(f"admin:{pattern.name}", kwargs=dict.fromkeys(params, obj.pk)))
        except NoReverseMatch:
            continue
    return urls


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bot_lines() -> list[str]:
    """Text the robot sends to candidates: a new job's lines in effect (the defaults) and the job form's
    placeholders. It is Chinese whatever the console's language, as the bots' replies are never translated."""
    script = jobconfig.effective(Job(), [])
    lines = [script.greeting, *script.contact_ask, script.closing, *(step.msg for step in script.recall_steps)]
    lines += [str(text) for text in JobAdmin.placeholders.values()]
    return sorted(set(lines), key=len, reverse=True)


def _frozen_at_import() -> list[str]:
    """Django names a many-to-many's automatic through model ("Group-permission relationship") when the
    models load, in the language active then: LANGUAGE_CODE in a server, the test run's Chinese here."""
    models = [model for model in apps.get_models(include_auto_created=True) if model._meta.auto_created]
    names = {str(name) for model in models for name in (model._meta.verbose_name, model._meta.verbose_name_plural)}
    return [*names, *(capfirst(name) for name in names)]


# A choice's stored value (e.g. the degree "本科") is not shown: its label is.
_OPTION_VALUE = re.compile(r'(<option\b[^>]*?\bvalue=")[^"]*(")')


def _han_outside(html: str, allowed: list[str]) -> list[str]:
    html = _OPTION_VALUE.sub(r"\1\2", html)
    for text in allowed:
        html = html.replace(text, "")
    return [html[max(0, m.start() - 60) : m.end() + 60].replace("\n", " ") for m in HAN_RUN.finditer(html)]


def _get(client: Client, url: str):
    response = client.get(url)
    if response.status_code == 403 and url.endswith("/add/"):  # records only the system writes
        return None
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@override_settings(LANGUAGE_CODE="en")
def test_every_console_page_is_english_with_language_code_en(seeded):
    client = _client(seeded.root)
    shown = {}
    for url in seeded.pages + seeded.more:
        if url in seeded.more:
            response = client.get(url)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue  # a download, a POST-only view, a redirect
            html = response.content.decode()
        else:
            html = _get(client, url)
        if html is None:
            continue
        assert '<html lang="en"' in html, url
        leftover = _han_outside(html, _bot_lines() + _frozen_at_import())
        if leftover:
            shown[url] = leftover[:5]
    assert not shown, "Chinese on English pages:\n" + "\n".join(f"{url}: {snips}" for url, snips in shown.items())


@override_settings(LANGUAGE_CODE="en")
def test_the_job_trial_answers_in_english_labels(seeded):
    """The trial page after a try: the criteria and verdict are labels (English); the rule engine's reply is
    what the robot would send (Chinese)."""
    card = {"geekCard": {"geekId": 1, "geekName": "Alice", "ageDesc": "40", "geekDegree": "Bachelor"}}
    response = _client(seeded.root).post(
        reverse("admin:recruit_job_try", args=[seeded.job.pk]),
        {"card": json.dumps(card), "platform": "", "message": "What is the salary?"},
    )
    assert response.status_code == 200
    chat = response.context["chat"]
    assert chat is not None and response.context["screening"] is not None
    html = response.content.decode()
    reply = [chat.reply.content] if chat.reply.content else []
    leftover = _han_outside(html, reply + _bot_lines())
    assert not leftover, leftover[:5]


SPOT_CHECKS = {
    # page → (a label in Chinese, the same label in English)
    "/admin/": [("招聘漏斗", "Recruiting funnel"), ("今日配额使用", "Today's quota")],
    "admin:recruit_job_changelist": [("岗位名称", "Job name"), ("对话引擎", "Dialogue engine"), ("岗位", "Jobs")],
    "admin:recruit_job_add": [("筛选条件", "Screening criteria"), ("打招呼语", "Greeting message")],
    "admin:recruit_screeningdecision_changelist": [("未通过", "fail (Age"), ("高中", "High school")],
    "admin:recruit_conversation_changelist": [("人工接管所选会话", "Take over selected conversations")],
    "admin:wechat_wechatfriend_changelist": [("备注名", "Remark name")],
    # Permission names are stored once, untranslated: the pickers translate them (hunter_robot.admin).
    "admin:auth_group_add": [("Can add 接口密钥", "Can add API key"), ("可导出联系结果", "Can export contact results")],
}


def _spot_pages():
    for name, labels in SPOT_CHECKS.items():
        yield (name if name.startswith("/") else reverse(name)), labels


def test_the_console_is_chinese_by_default(seeded):
    assert settings.LANGUAGE_CODE == "zh-hans"
    client = _client(seeded.root)
    for url, labels in _spot_pages():
        html = _get(client, url)
        assert '<html lang="zh-hans"' in html, url
        for chinese, english in labels:
            assert chinese in html, (url, chinese)
            assert english not in html, (url, english)


@override_settings(LANGUAGE_CODE="en")
def test_the_same_labels_in_english(seeded):
    client = _client(seeded.root)
    for url, labels in _spot_pages():
        html = _get(client, url)
        for chinese, english in labels:
            assert english in html, (url, english)
            assert chinese not in html, (url, chinese)
