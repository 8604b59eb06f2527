"""Access records (CONTRACT §8, issue 11): every full view of a phone, WeChat id or e-mail, every CV
download and every export is in the audit log with its kind (`hunter_robot.audit`); the console's audit
log is filterable by user, kind and date, and stays team-scoped (filters included)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from hunter_robot.audit import ACCESS_ACTIONS, AuditAction, action_label
from hunter_robot.models import AuditLog
from recruit.models import Conversation
from tests.factories import (
    AccountFactory,
    AuditLogFactory,
    ContactRecordFactory,
    ConversationFactory,
    JobFactory,
    TeamFactory,
    WechatAccountFactory,
    WechatFriendFactory,
)
from tests.test_admin import list_cells, logged_in, make_staff, make_superuser
from wechat.models import WechatFriend

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VIEW, PII, CV, EXPORT = (
    "recruit.view_conversation",
    "recruit.view_contact_pii",
    "recruit.download_cv",
    "recruit.export_results",
)
AUDIT_LIST = reverse("admin:hunter_robot_auditlog_changelist")
SH = ZoneInfo("Asia/Shanghai")


def conversation_of(team, **contact) -> Conversation:
    job = JobFactory(team=team)
    conversation = ConversationFactory(job=job, account=AccountFactory(team=team))
    ContactRecordFactory(conversation=conversation, **contact)
    return conversation


def records(action: str) -> list[AuditLog]:
    return list(AuditLog.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def team(db):
    return TeamFactory(name="A组")


def test_every_kind_has_a_chinese_label_and_access_kinds_are_named_once():
    assert all(label and not label.isascii() for label in AuditAction.labels)
    assert ACCESS_ACTIONS == {"view_contact", "download_cv", "export_results", "subject_export", "subject_erase"}
    assert action_label("view_contact") == "查看联系方式" and action_label("something_old") == "something_old"


def test_a_full_view_of_a_conversations_contacts_is_recorded_with_what_it_showed(team, private_media):
    cv = SimpleUploadedFile("cv.pdf", PDF)
    conversation = conversation_of(team, phone="13912345678", email="a.b@example.com", cv_file=cv, cv_name="cv.pdf")
    url = reverse("admin:recruit_conversation_change", args=[conversation.pk])

    assert logged_in(make_staff(team, VIEW)).get(url).status_code == 200  # masked: not an access
    assert records(AuditAction.VIEW_CONTACT) == []

    viewer = make_staff(team, VIEW, PII)
    page = logged_in(viewer).get(url).content.decode()
    assert "13912345678" in page
    [record] = records(AuditAction.VIEW_CONTACT)
    assert (record.user, record.object_type, record.object_id) == (viewer, "conversation", str(conversation.pk))
    assert record.detail == "手机、邮箱、简历"  # the kinds shown, never the values


def test_a_full_view_of_a_wechat_friends_id_is_recorded(team):
    friend = WechatFriendFactory(wechat_account=WechatAccountFactory(team=team), search_id="linxt_2024")
    viewer = make_staff(team, "wechat.view_wechatfriend", PII)
    page = logged_in(viewer).get(reverse("admin:wechat_wechatfriend_change", args=[friend.pk])).content.decode()
    assert "linxt_2024" in page
    [record] = records(AuditAction.VIEW_CONTACT)
    assert (record.user, record.object_type, record.object_id, record.detail) == (
        viewer,
        WechatFriend._meta.model_name,
        str(friend.pk),
        "微信",
    )


def test_a_cv_download_is_recorded(team, private_media):
    conversation = conversation_of(team, cv_file=SimpleUploadedFile("cv.pdf", PDF), cv_name="cv.pdf", cv_type="pdf")
    user = make_staff(team, VIEW, CV)
    response = logged_in(user).get(reverse("admin:recruit_conversation_cv", args=[conversation.pk]))
    assert b"".join(response.streaming_content) == PDF
    [record] = records(AuditAction.DOWNLOAD_CV)
    assert (record.user, record.object_id) == (user, str(conversation.pk))


def test_exports_from_the_console_and_the_command_are_recorded(team, tmp_path):
    conversation_of(team, phone="13912345678")
    user = make_staff(team, VIEW, EXPORT)
    export = reverse("admin:recruit_conversation_export")
    assert logged_in(user).post(export, {"format": "0", "resource": "0"}).status_code == 200
    output = tmp_path / "out.csv"
    call_command("export_results", f"--output={output}", stdout=io.StringIO(), stderr=io.StringIO())
    console, command = records(AuditAction.EXPORT_RESULTS)
    assert console.user == user and "已脱敏" in console.detail and "1 行" in console.detail
    assert "完整联系方式" in command.detail


# --- the console's audit log --------------------------------------------------------------------------


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=SH)


@pytest.fixture
def log(db):
    """Audit rows about team A's and team B's conversations, by their own users, on three days."""
    a, b = TeamFactory(name="A组"), TeamFactory(name="B组")
    alice, anna, bob = make_staff(a), make_staff(a), make_staff(b)
    mine, theirs = conversation_of(a), conversation_of(b)
    rows = {
        "alice-view": (alice, AuditAction.VIEW_CONTACT, mine, at(1)),
        "alice-cv": (alice, AuditAction.DOWNLOAD_CV, mine, at(2)),
        "anna-take": (anna, AuditAction.TAKE_OVER, mine, at(2, 15)),
        "anna-view": (anna, AuditAction.VIEW_CONTACT, mine, at(9)),
        "bob-view": (bob, AuditAction.VIEW_CONTACT, theirs, at(2)),
        "bob-status": (bob, AuditAction.SET_STATUS, theirs, at(3)),
    }
    for tag, (user, action, conversation, when) in rows.items():
        record = AuditLogFactory(user=user, action=action, object_id=str(conversation.pk), detail=tag)
        AuditLog.objects.filter(pk=record.pk).update(created_at=when)
    return {"a": a, "b": b, "alice": alice, "anna": anna, "bob": bob}


def shown(client, **query) -> list[str]:
    response = client.get(AUDIT_LIST, query)
    assert response.status_code == 200
    return sorted(record.detail for record in response.context["cl"].result_list)


def choices(client, title: str) -> list[str]:
    response = client.get(AUDIT_LIST)
    cl = response.context["cl"]
    [spec] = [spec for spec in cl.filter_specs if str(spec.title) == title]
    return [str(choice["display"]) for choice in spec.choices(cl)][1:]  # without "全部"


def test_the_audit_log_filters_by_kind_user_and_date(log):
    root = logged_in(make_superuser())
    assert shown(root, kind="access") == ["alice-cv", "alice-view", "anna-view", "bob-view"]
    assert shown(root, kind="view_contact") == ["alice-view", "anna-view", "bob-view"]
    assert shown(root, kind="take_over") == ["anna-take"]
    assert shown(root, user__id__exact=log["alice"].pk) == ["alice-cv", "alice-view"]
    assert shown(root, kind="access", user__id__exact=log["anna"].pk) == ["anna-view"]
    # The date drill-down (year, month, day), local days.
    assert shown(root, created_at__year=2026, created_at__month=3, created_at__day=2) == [
        "alice-cv",
        "anna-take",
        "bob-view",
    ]
    # A range (the sidebar's date filter takes any from/until pair).
    since, until = at(2, 0).isoformat(), at(4, 0).isoformat()
    assert shown(root, created_at__gte=since, created_at__lt=until) == [
        "alice-cv",
        "anna-take",
        "bob-status",
        "bob-view",
    ]


def test_the_list_shows_each_kind_by_its_label(log):
    html = logged_in(make_superuser()).get(AUDIT_LIST, {"kind": "access"}).content.decode()
    assert sorted(set(list_cells(html, "kind"))) == ["下载简历", "查看联系方式"]


def test_a_staff_user_filters_only_their_teams_records_users_and_kinds(log):
    client = logged_in(make_staff(log["a"], "hunter_robot.view_auditlog"))
    assert shown(client) == ["alice-cv", "alice-view", "anna-take", "anna-view"]
    assert shown(client, kind="access") == ["alice-cv", "alice-view", "anna-view"]
    assert shown(client, user__id__exact=log["bob"].pk) == []  # another team's user: nothing of theirs shows
    users = [name for name in choices(client, "用户") if name != "-"]  # "-": records of a deleted user
    assert sorted(users) == sorted([log["alice"].username, log["anna"].username])
    assert choices(client, "类型") == ["个人数据访问（全部）", "查看联系方式", "下载简历", "接管会话"]
