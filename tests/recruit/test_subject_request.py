"""Candidate data requests (CONTRACT §8, issue 11): one person, seen on BOSS by team A (chat, contacts,
WeChat friend and tasks, pending notifications) and on maimai by team B (the same phone, an e-mail and a
CV), matched across both; exported as one zip holding every item the personal-data registry lists for
them, then erased: nothing of theirs left in any table or media folder, other people's rows untouched,
today's quotas unchanged, and (when asked) refused by filter on any job of any team afterwards.

The person's rows are the rows their seeding created (a snapshot of every table before and after), so
the checks walk the registry and the database, not a list of models kept here.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import zipfile
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.db import connection, connections, models, transaction
from django.test import Client, override_settings
from django.urls import reverse

from hunter_robot.errors import InvalidInput, NotFound
from hunter_robot.models import AuditLog, Team
from recruit import personal_data
from recruit.models import Candidate, ContactRecord, Conversation, DoNotContact, Greeting, Message
from recruit.personal_data import PERSONAL, SUBJECT, Erasure
from recruit.pii import platform_identity_hash
from recruit.services import subject as subject_service
from tests.conftest import Api
from tests.factories import (
    AccountFactory,
    JobFactory,
    TeamFactory,
    WechatAccountFactory,
    WechatAccountLinkFactory,
    WechatTaskFactory,
    link,
    staff_client,
)
from tests.recruit.fixtures import boss_card, load_card
from wechat.models import WechatFriend, WechatTask

User = get_user_model()

NAME, PHONE, WECHAT, EMAIL = "欧阳明哲", "13912345678", "oyang_mz88", "oyang.mz@example.com"
BOSS_ID, MAIMAI_ID = "733100042", "733200042"
CV = b"%PDF-1.4\n% oyang-cv-marker-7f3a9c\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CV_NAME = f"{NAME}-简历.pdf"
# Someone else, on the same accounts, jobs and WeChat account.
OTHER_NAME, OTHER_PHONE, OTHER_WECHAT = "路人乙", "13700001111", "lu_ren_yi77"
OTHER_BOSS_ID, OTHER_MAIMAI_ID = "733100777", "733200777"

NEEDLES = (NAME, PHONE, WECHAT, EMAIL, BOSS_ID, MAIMAI_ID)
SUBJECT_PERMS = ("recruit.view_candidate", "recruit.export_subject_data", "recruit.erase_subject_data")


# --- The world -------------------------------------------------------------------------------------


@dataclass
class World:
    api: Api
    team_a: Team
    team_b: Team
    team_c: Team


@pytest.fixture
def media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def world(db, media) -> World:
    team_a, team_b, team_c = (TeamFactory(name=f"subject-{x}") for x in "abc")
    # Team A: BOSS, a webhook (its notifications wait in the outbox), a WeChat account for follow-up.
    job_a = JobFactory(team=team_a, platform_id="ja", notify_webhook="https://hooks.example.invalid/a")
    account_a = AccountFactory(team=team_a, platform_id="a1")
    link(account_a, job_a)
    wechat = WechatAccountFactory(team=team_a, account_id="wx-a")
    WechatAccountLinkFactory(wechat_account=wechat, recruit_account=account_a)
    # Team B: maimai. Team C: another BOSS job, which never met anyone.
    job_b = JobFactory(team=team_b, platform="maimai", platform_id="jb", age_min=60)  # a decision with reasons
    link(AccountFactory(team=team_b, platform="maimai", platform_id="b1"), job_b)
    job_c = JobFactory(team=team_c, platform_id="jc")
    link(AccountFactory(team=team_c, platform_id="c1"), job_c)
    return World(api=Api(Client(REMOTE_ADDR="127.0.0.1")), team_a=team_a, team_b=team_b, team_c=team_c)


def maimai_card(cid: str, name: str) -> dict:
    card = load_card("maimai")
    card.update(id=int(cid), name=name)
    return card


def screen(api: Api, account_id: str, card: dict) -> dict:
    return api.ok("/recruit/candidate/filter", {"accountID": account_id, "candidateInfo": card})


def upload_result(fields: dict, cv: bytes | None = None, filename: str = "") -> None:
    data = dict(fields)
    if cv is not None:
        handle = io.BytesIO(cv)
        handle.name = filename
        data["cv"] = handle
    response = Client(REMOTE_ADDR="127.0.0.1").post("/recruit/candidate/result", data)
    assert response.status_code == 200 and json.loads(response.content)["ret"] == 0, response.content


def seed_person(world: World, *, name, phone, wechat, boss_id, maimai_id, email="", cv=False, decline=False):
    """A person met on BOSS by team A (screened, greeted, chatting: phone and WeChat id, a WeChat friend
    with its tasks) and on maimai by team B (screened, a contact result with the same phone)."""
    api = world.api
    assert screen(api, "account_Boss_a1", boss_card(geekId=int(boss_id), geekName=name))["touch"] is True
    report = {"taskType": "batchTouch", "details": {"candidateList": [boss_id]}}
    api.ok("/recruit/account/task/report", {"accountID": "account_Boss_a1", "taskStatus": [report]})
    history = [
        {"speaker": "robot", "msg": "您好，方便聊聊吗？"},
        {"speaker": "user", "msg": f"我是{name}，电话 {phone}，微信 {wechat}"},
    ]
    chat = {"accountID": "account_Boss_a1", "candidateID": boss_id, "candidateName": name, "historyMsg": history}
    api.ok("/recruit/candidate/chat", chat)
    record = ContactRecord.objects.get(conversation__candidate__platform_cid=boss_id)
    assert (record.phone, record.wechat) == (phone, wechat)
    if decline:
        history += [{"speaker": "robot", "msg": "好的"}, {"speaker": "user", "msg": "不考虑了，谢谢，别再联系我"}]
        api.ok("/recruit/candidate/chat", {**chat, "historyMsg": history})
        assert Conversation.objects.get(candidate__platform_cid=boss_id).status == "declined"
    # WeChat: the add-friend task handed out and reported, the friend accepts and writes; a nudge pending.
    friend = WechatFriend.objects.get(search_id=wechat)
    tasks = api.ok("/wechat/candidate/taskToDo", {"account_id": "wx-a"})["task_list"]
    assert any(item["search_id"] == wechat for group in tasks for item in group["content"])
    body = {"account_id": "wx-a", "alias_id": friend.alias_id, "search_id": wechat}
    assert api.ok("/wechat/candidate/addFriendReport", body) is None
    body = {
        "account_id": "wx-a",
        "alias_id": friend.alias_id,
        "msg_receive": "我通过了你的朋友验证请求，现在我们可以开始聊天了",
    }
    api.ok("/wechat/candidate/userMsguser", body)
    WechatTaskFactory(friend=friend, kind=WechatTask.Kind.SEND_MSG, msg=f"{name}您好，还在看机会吗？")
    # maimai, team B.
    screen(api, "account_maimai_b1", maimai_card(maimai_id, name))
    fields = {"accountID": "account_maimai_b1", "candidateID": maimai_id, "candidateName": name, "phone": phone}
    if email:
        fields["email"] = email
    upload_result(fields, CV if cv else None, CV_NAME)


def snapshot() -> dict[tuple[str, object], dict]:
    """Every row of every table (auto-created ones too), by (model label, pk)."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        pk = model._meta.pk.attname
        for row in model._default_manager.order_by().values():
            rows[(model._meta.label, row[pk])] = row
    return rows


def scan_tables(needles) -> list[str]:
    """`label.field` of every text, char, JSON or file column in any table holding one of `needles`."""
    types = (models.CharField, models.TextField, models.JSONField, models.FileField)
    found = []
    for model in apps.get_models(include_auto_created=True):
        columns = [f for f in model._meta.concrete_fields if isinstance(f, types)]
        for column in columns:
            for value in model._default_manager.order_by().values_list(column.attname, flat=True):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                found += [f"{model._meta.label}.{column.name}: {n}" for n in needles if n and n in text]
    return found


def scan_media(root, needles, content: bytes) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if content in data or any(n.encode() in data or n in str(path) for n in needles):
                found.append(str(path))
    return found


@dataclass
class Seeded:
    rows: set  # (label, pk) of the rows the person's seeding created
    before: dict  # every row just before the request


def seed_everyone(world: World, **person) -> Seeded:
    """Someone else first, then the person (with console views, a CV download and an admin change on
    their records); the person's rows are the ones their part created."""
    seed_person(
        world, name=OTHER_NAME, phone=OTHER_PHONE, wechat=OTHER_WECHAT, boss_id=OTHER_BOSS_ID, maimai_id=OTHER_MAIMAI_ID
    )
    viewer_a = staff_client(world.team_a, "recruit.view_conversation", "recruit.view_contact_pii")
    viewer_b = staff_client(world.team_b, "recruit.view_conversation", "recruit.download_cv")
    start = snapshot()
    seed_person(world, name=NAME, phone=PHONE, wechat=WECHAT, boss_id=BOSS_ID, maimai_id=MAIMAI_ID, **person)
    boss = Conversation.objects.get(candidate__platform_cid=BOSS_ID)
    maimai = Conversation.objects.get(candidate__platform_cid=MAIMAI_ID)
    assert viewer_a.get(reverse("admin:recruit_conversation_change", args=[boss.pk])).status_code == 200
    if person.get("cv"):
        response = viewer_b.get(reverse("admin:recruit_conversation_cv", args=[maimai.pk]))
        assert b"".join(response.streaming_content) == CV
    # The console's change history names the row changed (the candidate's name).
    LogEntry.objects.log_actions(User.objects.filter(is_staff=True).first().pk, [boss], CHANGE, change_message="[]")
    after = snapshot()
    return Seeded(rows=set(after) - set(start), before=after)


def of_label(rows: set, label: str) -> list:
    return sorted(pk for row_label, pk in rows if row_label == label)


def fetch_hello_sum(api: Api) -> int:
    [task] = api.ok("/recruit/account/task/fetch", {"accountID": "account_Boss_a1"})["task"]
    return task["helloSum"]


def candidate_page(client: Client, candidate: Candidate) -> str:
    return client.get(reverse("admin:recruit_candidate_change", args=[candidate.pk])).content.decode()


def export_url(candidate: Candidate) -> str:
    return reverse("admin:recruit_candidate_subject_export", args=[candidate.pk])


def erase_url(candidate: Candidate) -> str:
    return reverse("admin:recruit_candidate_subject_erase", args=[candidate.pk])


def zip_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def assert_export_holds_every_registered_item(archive: zipfile.ZipFile, seeded: Seeded) -> dict:
    """Walk the registry: every personal field of every row of the person holding a value is in the
    manifest (files: their bytes in the zip), every kind present is listed, and nothing else is in it."""
    manifest = json.loads(archive.read("manifest.json"))
    kinds = set()
    for registered in personal_data.personal_fields():
        label = registered.model._meta.label
        column = registered.model._meta.get_field(registered.name)
        exported = {item["pk"]: item["fields"] for item in manifest["items"].get(label, [])}
        for obj in registered.model._default_manager.filter(pk__in=of_label(seeded.rows, label)):
            value = getattr(obj, registered.name)
            if not value:
                continue
            kinds.add(registered.kind.value)
            assert obj.pk in exported, f"{label} #{obj.pk} missing from the export"
            if isinstance(column, models.FileField):
                with value.open("rb") as stored:
                    assert archive.read(exported[obj.pk][column.attname]) == stored.read()
            else:
                assert exported[obj.pk][column.attname] == value, f"{label}.{registered.name}"
    assert set(manifest["kinds"]) == kinds
    for label, items in manifest["items"].items():
        for item in items:
            assert (label, item["pk"]) in seeded.rows, f"{label} #{item['pk']} is not the person's"
    return manifest


# --- Export and erasure through the console ----------------------------------------------------------


def test_export_holds_everything_of_the_person_and_erasure_leaves_nothing(
    world, media, django_capture_on_commit_callbacks
):
    seeded = seed_everyone(world, email=EMAIL, cv=True)
    boss = Candidate.objects.get(platform_cid=BOSS_ID)
    cv_path = (
        media / "private" / ContactRecord.objects.get(conversation__candidate__platform_cid=MAIMAI_ID).cv_file.name
    )
    assert cv_path.read_bytes() == CV
    assert len(of_label(seeded.rows, "recruit.Notification")) >= 2  # contacts on both platforms
    assert Candidate.objects.filter(platform_cid__in=[BOSS_ID, MAIMAI_ID]).count() == 2
    hello_sum = fetch_hello_sum(world.api)
    assert hello_sum == 48  # both people greeted today
    operator = staff_client(world.team_a, *SUBJECT_PERMS)

    # The page offers both requests; the export is one zip (the maimai side found through the phone).
    page = candidate_page(operator, boss)
    assert export_url(boss) in page and erase_url(boss) in page
    response = operator.get(export_url(boss))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert NAME not in response["Content-Disposition"]
    archive = zip_of(response)
    manifest = assert_export_holds_every_registered_item(archive, seeded)
    assert {"identity", "profile", "raw_card", "decision", "message", "contact", "cv", "notification", "audit"} <= set(
        manifest["kinds"]
    )
    assert {(p["platform"], p["id"]) for p in manifest["identifiers"]["platform_ids"]} == {
        ("Boss", BOSS_ID),
        ("maimai", MAIMAI_ID),
    }
    assert len(manifest["items"]["wechat.WechatTask"]) == 2 and [f["missing"] for f in manifest["files"]] == [False]
    assert archive.read(manifest["files"][0]["path"]) == CV
    assert AuditLog.objects.filter(action="subject_export", object_id=platform_identity_hash(boss)).count() == 1

    # The confirmation page: counts, the 不再联系 checkbox, no value of theirs; nothing erased yet.
    page = operator.get(erase_url(boss)).content.decode()
    assert "不再联系" in page and 'name="do_not_contact"' in page
    assert not [n for n in (PHONE, WECHAT, EMAIL) if n in page]
    assert Candidate.objects.filter(platform_cid=BOSS_ID).exists()

    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(erase_url(boss), {"do_not_contact": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("admin:recruit_candidate_changelist")
    after = snapshot()

    # Nothing of theirs in any table, nor in the media folders; the CV file is gone.
    assert scan_tables(NEEDLES) == []
    assert scan_media(media, NEEDLES, CV) == [] and not cv_path.exists()
    # Each of their rows deleted, or kept as SUBJECT says with the reference or personal text emptied.
    for label, pk in seeded.rows:
        holding = SUBJECT.get(label)
        if holding is None:
            continue
        row = after.get((label, pk))
        if holding.erasure == Erasure.DELETE:
            assert row is None, f"{label} #{pk} survived"
        elif holding.erasure == Erasure.ANONYMISE:
            assert row[f"{holding.path}_id"] is None
        elif holding.erasure == Erasure.BLANK:
            assert all(row[name] == "" for name in PERSONAL[label])
    # Everyone else's rows untouched; new rows only the audit record and the do-not-contact hashes.
    changed = [key for key, row in before.items() if key not in seeded.rows and after.get(key) != row]
    assert changed == []
    assert {label for label, _pk in set(after) - set(before)} == {"hunter_robot.AuditLog", "recruit.DoNotContact"}
    assert Candidate.objects.filter(platform_cid__in=[OTHER_BOSS_ID, OTHER_MAIMAI_ID]).count() == 2
    # Greetings stay as anonymous counts: today's quota is what it was.
    assert Greeting.objects.filter(candidate__isnull=True).count() == 1
    assert fetch_hello_sum(world.api) == hello_sum
    # Recorded: who, the person's keyed hash, the counts; never a value (the table scan covers those).
    audit = AuditLog.objects.get(action="subject_erase")
    assert (audit.user.username, audit.object_type, audit.object_id) == (
        response.wsgi_request.user.username,
        "person",
        platform_identity_hash(boss),
    )
    assert "candidate=2" in audit.detail and "files=1" in audit.detail and "do_not_contact=kept" in audit.detail
    assert audit.detail.endswith("via=console")  # whole, not cut at the column's length
    # Ticked 不再联系: refused by filter on any job of any team, on either platform.
    api = world.api
    for account_id, card in (
        ("account_Boss_a1", boss_card(geekId=int(BOSS_ID), geekName=NAME)),
        ("account_Boss_c1", boss_card(geekId=int(BOSS_ID), geekName=NAME)),
        ("account_maimai_b1", maimai_card(MAIMAI_ID, NAME)),
    ):
        decision = screen(api, account_id, card)
        assert decision["touch"] is False and decision["reasons"][0].startswith("do_not_contact"), account_id


def test_a_person_who_declined_keeps_only_the_do_not_contact_hashes(world, media, django_capture_on_commit_callbacks):
    seeded = seed_everyone(world, decline=True)
    boss = Candidate.objects.get(platform_cid=BOSS_ID)
    operator = staff_client(world.team_a, *SUBJECT_PERMS)
    manifest = assert_export_holds_every_registered_item(zip_of(operator.get(export_url(boss))), seeded)
    assert "hash" in manifest["kinds"]  # the do-not-contact entries written when they declined
    assert "此人已要求不再联系" in operator.get(erase_url(boss)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(erase_url(boss), {})  # not ticked: they asked themselves
    assert response.status_code == 302
    assert scan_tables(NEEDLES) == []
    kinds = set(DoNotContact.objects.values_list("kind", flat=True))
    assert kinds == {"platform_id", "phone", "wechat"}  # the maimai identity added to the list too
    assert screen(world.api, "account_maimai_b1", maimai_card(MAIMAI_ID, NAME))["touch"] is False
    assert screen(world.api, "account_Boss_c1", boss_card(geekId=int(BOSS_ID), geekName=NAME))["touch"] is False


def test_without_do_not_contact_nothing_is_kept_and_they_can_be_met_again(
    world, media, django_capture_on_commit_callbacks
):
    seed_everyone(world)
    boss = Candidate.objects.get(platform_cid=BOSS_ID)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(world.team_a, *SUBJECT_PERMS).post(erase_url(boss), {})
    assert response.status_code == 302
    assert scan_tables(NEEDLES) == [] and not DoNotContact.objects.exists()
    assert "do_not_contact=none" in AuditLog.objects.get(action="subject_erase").detail
    # A new card of theirs is a new candidate for team C (team A already greeted them today: the
    # anonymous greeting counts against its quota, but it no longer knows whom it greeted).
    assert screen(world.api, "account_Boss_c1", boss_card(geekId=int(BOSS_ID), geekName=NAME)) == {
        "touch": True,
        "reasons": [],
    }


# --- Permissions --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "perms, export_status, erase_status",
    [
        (("recruit.view_candidate",), 403, 403),
        (("recruit.view_candidate", "recruit.export_subject_data"), 200, 403),
        (("recruit.view_candidate", "recruit.erase_subject_data"), 403, 200),
    ],
)
def test_each_request_needs_its_own_permission(world, perms, export_status, erase_status):
    seed_person(world, name=NAME, phone=PHONE, wechat=WECHAT, boss_id=BOSS_ID, maimai_id=MAIMAI_ID)
    boss = Candidate.objects.get(platform_cid=BOSS_ID)
    client = staff_client(world.team_a, *perms)
    page = candidate_page(client, boss)
    assert (export_url(boss) in page, erase_url(boss) in page) == (export_status == 200, erase_status == 200)
    assert client.get(export_url(boss)).status_code == export_status
    assert client.get(erase_url(boss)).status_code == erase_status
    if erase_status == 403:
        assert client.post(erase_url(boss), {"do_not_contact": "on"}).status_code == 403
        assert Candidate.objects.filter(platform_cid=BOSS_ID).exists()
    assert AuditLog.objects.filter(action="subject_export").count() == (export_status == 200)


def test_a_candidate_the_users_teams_never_met_is_404(world):
    seed_person(world, name=NAME, phone=PHONE, wechat=WECHAT, boss_id=BOSS_ID, maimai_id=MAIMAI_ID)
    boss = Candidate.objects.get(platform_cid=BOSS_ID)
    client = staff_client(world.team_c, *SUBJECT_PERMS)
    assert client.get(export_url(boss)).status_code == 404
    assert client.post(erase_url(boss), {}).status_code == 404
    assert Candidate.objects.filter(platform_cid=BOSS_ID).exists() and not AuditLog.objects.exists()


def test_no_group_holds_the_request_permissions(db):
    codenames = {"export_subject_data", "erase_subject_data"}
    assert Permission.objects.filter(content_type__app_label="recruit", codename__in=codenames).count() == 2
    assert not Group.objects.filter(permissions__codename__in=codenames).exists()
    assert Group.objects.filter(name__in=["招聘专员", "数据导出"]).count() == 2  # the groups do exist


@override_settings(LANGUAGE_CODE="en")
def test_the_confirmation_page_speaks_english_with_language_code_en(world):
    seed_person(world, name=NAME, phone=PHONE, wechat=WECHAT, boss_id=BOSS_ID, maimai_id=MAIMAI_ID)
    boss = Candidate.objects.get(platform_cid=BOSS_ID)
    client = staff_client(world.team_a, *SUBJECT_PERMS)
    page = client.get(erase_url(boss)).content.decode().replace(NAME, "")  # the name in the breadcrumbs
    assert "Do not contact again" in page
    assert re.findall(r"[\u4e00-\u9fff]+", page) == []
    assert "Export personal data" in candidate_page(client, boss)


def test_superusers_get_both_buttons(world):
    seed_person(world, name=NAME, phone=PHONE, wechat=WECHAT, boss_id=BOSS_ID, maimai_id=MAIMAI_ID)
    boss = Candidate.objects.get(platform_cid=BOSS_ID)
    client = Client()
    client.force_login(User.objects.create_superuser("subject-root", "root@example.com", None))
    page = candidate_page(client, boss)
    assert "导出个人数据" in page and "删除个人数据" in page


# --- The command --------------------------------------------------------------------------------------


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("subject_request", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_finds_the_person_from_any_identifier_exports_and_erases(
    world, media, tmp_path, django_capture_on_commit_callbacks
):
    seeded = seed_everyone(world, email=EMAIL, cv=True)
    # The e-mail (given on maimai) finds the maimai candidate, its phone the BOSS one, its WeChat id the friend.
    target = tmp_path / "out" / "person.zip"
    target.parent.mkdir()
    out, err = run("export", f"--email={EMAIL.upper()}", f"--out={target}")
    assert str(target) in out and "完整个人数据" in err
    assert target.stat().st_mode & 0o077 == 0  # readable by the operator only
    with zipfile.ZipFile(target) as archive:
        manifest = assert_export_holds_every_registered_item(archive, seeded)
    assert manifest["counts"]["recruit.Candidate"] == 2 and manifest["counts"]["wechat.WechatFriend"] == 1
    assert [p.name for p in target.parent.iterdir()] == ["person.zip"]
    audit = AuditLog.objects.get(action="subject_export")
    assert audit.user is None and audit.detail.endswith(f"via=command:{audit.detail.rsplit(':', 1)[1]}")

    # Without --yes: the counts, and nothing erased.
    with pytest.raises(CommandError, match="--yes"):
        run("erase", "--platform=BOSS直聘", f"--platform-id={BOSS_ID}")
    assert Candidate.objects.filter(platform_cid__in=[BOSS_ID, MAIMAI_ID]).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run("erase", "--platform=BOSS直聘", f"--platform-id={BOSS_ID}", "--do-not-contact", "--yes")
    assert "已删除" in out and "已保留" in out
    assert scan_tables(NEEDLES) == [] and scan_media(media, NEEDLES, CV) == []
    assert screen(world.api, "account_Boss_c1", boss_card(geekId=int(BOSS_ID), geekName=NAME))["touch"] is False
    assert Candidate.objects.filter(platform_cid__in=[OTHER_BOSS_ID, OTHER_MAIMAI_ID]).count() == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--phone=12345"], "phone: not a phone number"),
        (["--wechat=x"], "wechat: not a WeChat id"),
        (["--email=not-an-email"], "email: not an e-mail address"),
        (["--platform=weibo", "--platform-id=1"], "platform: not a platform we serve"),
        (["--platform=Boss"], "platform_id: candidate id is empty"),
        ([], "identifiers: give a platform"),
        (["--phone=13900000000"], "identifiers: no stored candidate matches them"),
    ],
)
def test_command_names_the_identifier_at_fault(db, args, message):
    with pytest.raises(CommandError, match=message):
        run("export", *args)


# --- The service ----------------------------------------------------------------------------------------


def test_matching_is_transitive_across_platforms_and_wechat(world):
    seed_person(world, name=NAME, phone=PHONE, wechat=WECHAT, boss_id=BOSS_ID, maimai_id=MAIMAI_ID, email=EMAIL)
    seed_person(
        world, name=OTHER_NAME, phone=OTHER_PHONE, wechat=OTHER_WECHAT, boss_id=OTHER_BOSS_ID, maimai_id=OTHER_MAIMAI_ID
    )
    ours = set(Candidate.objects.filter(platform_cid__in=[BOSS_ID, MAIMAI_ID]).values_list("pk", flat=True))
    for identifiers in (
        subject_service.Identifiers.parse(platform="maimai", platform_id=MAIMAI_ID),
        subject_service.Identifiers.parse(emails=[EMAIL]),
        subject_service.Identifiers.parse(wechat_ids=[WECHAT.upper()]),  # WeChat ids match without case
        subject_service.Identifiers.parse(phones=[f"+86 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}"]),
    ):
        subject = subject_service.subject_find(identifiers)
        assert subject.candidate_ids == ours
        assert (subject.phones, subject.wechat_ids, subject.emails) == ({PHONE}, {WECHAT}, {EMAIL})
    # A WeChat id that is a phone number is looked for as a phone too (WeChat finds people by phone).
    assert subject_service.subject_find(subject_service.Identifiers.parse(wechat_ids=[PHONE])).candidate_ids == ours
    counts = subject_service.subject_counts(subject)
    assert counts["recruit.Candidate"] == 2 and counts["wechat.WechatFriend"] == 1
    with pytest.raises(NotFound):
        subject_service.subject_find(subject_service.Identifiers.parse(platform="Boss", platform_id="1"))
    with pytest.raises(InvalidInput, match="^phone: not a phone number$"):
        subject_service.Identifiers.parse(phones=["5"])


def test_the_registry_says_how_every_model_pointing_at_a_person_is_found_and_erased(monkeypatch):
    assert personal_data.unheld_models() == []
    assert set(PERSONAL) <= set(SUBJECT)
    monkeypatch.delitem(SUBJECT, "recruit.Reservation")
    assert personal_data.unheld_models() == ["recruit.Reservation"]


def test_every_subject_model_has_a_way_to_find_its_rows(world):
    seed_person(world, name=NAME, phone=PHONE, wechat=WECHAT, boss_id=BOSS_ID, maimai_id=MAIMAI_ID)
    subject = subject_service.subject_find(subject_service.Identifiers.parse(platform="Boss", platform_id=BOSS_ID))
    for label, holding in SUBJECT.items():
        assert subject.rows(label).model is apps.get_model(label)
        if holding.erasure == Erasure.ANONYMISE:
            field = apps.get_model(label)._meta.get_field(holding.path)
            assert field.null and field.remote_field.on_delete is models.SET_NULL


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_erasure_waits_for_a_turn_in_progress_and_erases_what_it_wrote(postgres, world, media):
    """A chat turn holding the conversation's lock commits a message with the phone in it while the
    erasure waits on that lock; the erasure then finds and deletes it too."""
    seed_person(world, name=NAME, phone=PHONE, wechat=WECHAT, boss_id=BOSS_ID, maimai_id=MAIMAI_ID)
    conversation = Conversation.objects.get(candidate__platform_cid=BOSS_ID)
    locked, done = threading.Event(), threading.Event()

    def turn():
        try:
            with transaction.atomic():
                row = Conversation.objects.select_for_update().get(pk=conversation.pk)
                locked.set()
                time.sleep(0.5)
                Message.objects.create(
                    conversation=row, seq=row.message_count, speaker="user", text=f"再说一次 {PHONE}"
                )
                Conversation.objects.filter(pk=row.pk).update(message_count=row.message_count + 1)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=turn)
    thread.start()
    assert locked.wait(5)
    started = time.monotonic()
    result = subject_service.subject_erase(
        identifiers=subject_service.Identifiers.parse(platform="Boss", platform_id=BOSS_ID)
    )
    thread.join(5)
    assert done.is_set() and time.monotonic() - started >= 0.3  # it waited for the turn
    assert result.counts["recruit.Message"] >= 1
    assert not Message.objects.filter(text__contains=PHONE).exists()
    assert scan_tables(NEEDLES) == []
    assert connection.vendor == "postgresql"
