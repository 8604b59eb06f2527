"""The console's groups, created by migration recruit 0007 (and given adding jobs by 0011, for the job
import): 招聘专员 and 数据导出 with exactly the intended permissions, idempotent, and what they allow: a
数据导出 member exports, a 招聘专员 member cannot."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations import RunPython
from django.test import Client
from django.urls import reverse

from tests.factories import ContactRecordFactory, ConversationFactory, TeamFactory

migration = importlib.import_module("recruit.migrations.0007_export_permission_and_groups")
add_jobs = importlib.import_module("recruit.migrations.0011_recruiters_add_jobs")

RECRUITER = {
    "recruit.view_job",
    "recruit.add_job",
    "recruit.change_job",
    "recruit.view_recallstep",
    "recruit.add_recallstep",
    "recruit.change_recallstep",
    "recruit.delete_recallstep",
    "recruit.view_recruitaccount",
    "recruit.change_recruitaccount",
    "recruit.view_accountjob",
    "recruit.add_accountjob",
    "recruit.change_accountjob",
    "recruit.view_timeslot",
    "recruit.add_timeslot",
    "recruit.change_timeslot",
    "recruit.delete_timeslot",
    "recruit.view_conversation",
    "recruit.change_conversation",
    "recruit.view_candidate",
    "recruit.view_screeningdecision",
    "recruit.view_notification",
    "wechat.view_wechataccount",
    "wechat.change_wechataccount",
    "wechat.view_wechatfriend",
    "wechat.view_wechattask",
}


def granted(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


class _SchemaEditor:
    connection = connection


@pytest.fixture(autouse=True)
def groups(db):
    """What the migrations made (again: a flush by an earlier transactional test removes its rows)."""
    migration.create_groups(apps, _SchemaEditor())
    add_jobs.grant_add_job(apps, _SchemaEditor())


def test_the_migration_runs_create_groups():
    [run] = [op for op in migration.Migration.operations if isinstance(op, RunPython)]
    assert run.code is migration.create_groups


def test_the_groups_have_exactly_the_intended_permissions(db):
    assert granted("招聘专员") == RECRUITER
    assert granted("数据导出") == RECRUITER | {"recruit.export_results"}
    # Personal data stays a per-person grant.
    assert not {"recruit.view_contact_pii", "recruit.download_cv"} & granted("数据导出")


def test_running_it_again_restores_what_is_missing_and_keeps_what_an_administrator_added(db):
    recruiter = Group.objects.get(name="招聘专员")
    extra = Permission.objects.get(content_type__app_label="recruit", codename="view_contact_pii")
    recruiter.permissions.add(extra)
    recruiter.permissions.remove(Permission.objects.get(codename="view_job"))

    migration.create_groups(apps, _SchemaEditor())

    assert Group.objects.filter(name__in=["招聘专员", "数据导出"]).count() == 2
    assert granted("招聘专员") == RECRUITER | {"recruit.view_contact_pii"}  # the missing one is back


@pytest.fixture
def members(db):
    team = TeamFactory()
    ContactRecordFactory(conversation=ConversationFactory(job__team=team, account__team=team, candidate__name="张三"))
    clients = {}
    for name in ("招聘专员", "数据导出"):
        user = get_user_model().objects.create_user(f"member-{name}", is_staff=True)
        user.groups.add(Group.objects.get(name=name))
        team.members.add(user)
        clients[name] = Client()
        clients[name].force_login(user)
    return clients


def test_a_data_export_member_can_export_and_a_recruiter_cannot(members):
    url = reverse("admin:recruit_conversation_export")
    exported = members["数据导出"].post(url, {"format": "0", "resource": "0"})
    assert exported.status_code == 200 and "张三" in exported.content.decode("utf-8-sig")
    assert "138****8000" in exported.content.decode("utf-8-sig")  # no personal-data permission: masked

    assert members["招聘专员"].post(url, {"format": "0", "resource": "0"}).status_code == 403
    page = members["招聘专员"].get(reverse("admin:recruit_conversation_changelist"))
    assert page.status_code == 200 and url not in page.content.decode()
