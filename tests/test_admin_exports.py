"""The console's export of contact results (recruit/admin/exports.py): only with the export permission;
exactly the list's filtered rows of the user's teams, in the shared columns; CSV with a BOM and XLSX that
openpyxl reads back; contacts masked without the personal-data permission; an audit row per export; no
query per row."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hunter_robot.models import AuditLog
from recruit.models import Conversation
from tests.factories import (
    AccountFactory,
    ContactRecordFactory,
    ConversationFactory,
    JobFactory,
    TeamFactory,
    WechatFriendFactory,
)
from tests.recruit.test_exports import BOM, HEADERS
from tests.test_admin import logged_in, make_staff, make_superuser

EXPORT = reverse("admin:recruit_conversation_export")
CHANGELIST = reverse("admin:recruit_conversation_changelist")
CSV, XLSX = "0", "1"  # the export form's format choices
VIEW, EXPORT_PERM, PII = "recruit.view_conversation", "recruit.export_results", "recruit.view_contact_pii"


@pytest.fixture
def teams(db):
    """Team A: two finished conversations with a phone, one open; team B: one finished."""
    a, b = TeamFactory(name="A组"), TeamFactory(name="B组")

    def conversation(team, name, status):
        job, account = JobFactory(team=team), AccountFactory(team=team)
        row = ConversationFactory(job=job, account=account, candidate__name=name, status=status)
        ContactRecordFactory(conversation=row, phone="13800138000")
        return row

    conversation(a, "甲", "finished")
    conversation(a, "乙", "finished")
    conversation(a, "丙", "open")
    conversation(b, "丁", "finished")
    return a, b


def export(client, fmt=CSV, query="status__exact=finished"):
    return client.post(f"{EXPORT}?{query}" if query else EXPORT, {"format": fmt, "resource": "0"})


def csv_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(BOM)
    return list(csv.reader(io.StringIO(response.content[len(BOM) :].decode("utf-8"))))


def test_without_the_export_permission_there_is_no_button_and_no_export(teams):
    a, _b = teams
    client = logged_in(make_staff(a, VIEW, PII))
    assert EXPORT not in client.get(CHANGELIST).content.decode()
    assert client.get(EXPORT).status_code == 403
    assert export(client).status_code == 403
    assert not AuditLog.objects.filter(action="export_results").exists()


def test_the_export_permission_alone_is_not_enough_without_seeing_the_list(teams):
    a, _b = teams
    assert export(logged_in(make_staff(a, EXPORT_PERM))).status_code == 403


def test_the_button_keeps_the_lists_filters(teams):
    a, _b = teams
    client = logged_in(make_staff(a, VIEW, EXPORT_PERM))
    page = client.get(CHANGELIST, {"status__exact": "finished"}).content.decode()
    assert f'href="{EXPORT}?status__exact=finished"' in page
    form = client.get(f"{EXPORT}?status__exact=finished")
    assert form.status_code == 200 and "xlsx" in form.content.decode()


def test_the_export_is_the_lists_filtered_rows_of_the_users_teams(teams):
    a, _b = teams
    response = export(logged_in(make_staff(a, VIEW, EXPORT_PERM)))
    rows = csv_of(response)
    assert rows[0] == HEADERS
    assert sorted(row[0] for row in rows[1:]) == ["乙", "甲"]  # not 丙 (open), not 丁 (team B)
    assert 'attachment; filename="contact-results-' in response["Content-Disposition"]

    everything = csv_of(export(logged_in(make_staff(a, VIEW, EXPORT_PERM)), query=""))
    assert sorted(row[0] for row in everything[1:]) == ["丙", "乙", "甲"]


def test_a_superuser_exports_every_team(teams):
    rows = csv_of(export(logged_in(make_superuser())))
    assert sorted(row[0] for row in rows[1:]) == ["丁", "乙", "甲"]


def test_contacts_are_masked_without_the_personal_data_permission(teams):
    a, _b = teams
    phone = HEADERS.index("手机号")
    masked = csv_of(export(logged_in(make_staff(a, VIEW, EXPORT_PERM))))
    assert {row[phone] for row in masked[1:]} == {"138****8000"}
    full = csv_of(export(logged_in(make_staff(a, VIEW, EXPORT_PERM, PII))))
    assert {row[phone] for row in full[1:]} == {"13800138000"}


def test_xlsx_opens_with_openpyxl(teams):
    a, _b = teams
    response = export(logged_in(make_staff(a, VIEW, EXPORT_PERM, PII)), fmt=XLSX)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS
    assert sorted(row[0] for row in rows[1:]) == ["乙", "甲"]
    assert {row[HEADERS.index("手机号")] for row in rows[1:]} == {"13800138000"}


def test_every_export_is_recorded(teams):
    a, _b = teams
    user = make_staff(a, VIEW, EXPORT_PERM)
    export(logged_in(user))
    export(logged_in(user), fmt=XLSX, query="")

    first, second = AuditLog.objects.filter(action="export_results").order_by("pk")
    assert (first.user, first.object_type) == (user, "conversation")
    for part in ("控制台", "csv", "2 行", "已脱敏", "status__exact=finished"):
        assert part in first.detail
    for part in ("xlsx", "3 行", "筛选: 无"):
        assert part in second.detail


def test_the_export_costs_no_query_per_row(teams):
    a, _b = teams
    client = logged_in(make_staff(a, VIEW, EXPORT_PERM, PII))

    def statements() -> int:
        with CaptureQueriesContext(connection) as queries:
            csv_of(export(client, query=""))
        return len(queries)

    few = statements()
    for i in range(6):
        row = ConversationFactory(job=JobFactory(team=a), account=AccountFactory(team=a), candidate__name=f"多{i}")
        ContactRecordFactory(conversation=row, cv_file="cv/x.pdf")
        WechatFriendFactory(conversation=row, accepted_at=row.created_at)
    assert statements() == few
    assert Conversation.objects.filter(job__team=a).count() == 9
