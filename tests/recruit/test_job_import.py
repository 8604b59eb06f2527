"""Jobs in bulk (issue 10): the job import on the job list — a preview that stores nothing, a confirmation
that creates and updates, CSV (UTF-8 with or without a BOM, GBK) and XLSX, every value validated by the
job form with errors by column in Chinese, team scoping, idempotent re-import, the audit record, and the
template (an export of the same columns that reads back unchanged)."""

from __future__ import annotations

import csv
import importlib
import io
import re
import threading
import time

import openpyxl
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from hunter_robot.audit import AuditAction
from hunter_robot.models import AuditLog
from recruit import imports
from recruit.models import Job
from tests.factories import JobFactory, TeamFactory, UserFactory, staff_client

IMPORT_URL = reverse("admin:recruit_job_import")
PROCESS_URL = reverse("admin:recruit_job_process_import")
EXPORT_URL = reverse("admin:recruit_job_export")
CSV_FORMAT, XLSX_FORMAT = "0", "1"
IMPORTER = ("recruit.view_job", "recruit.add_job", "recruit.change_job")

HEADERS = ["团队", "平台", "平台岗位ID", "岗位名称", "最小年龄", "最大年龄", "最低学历", "期望城市", "启用", "打招呼语"]


def row(**cells) -> dict:
    base = {"团队": "华东一组", "平台": "BOSS直聘", "平台岗位ID": "1001", "岗位名称": "客服专员"}
    return {**base, **cells}


def csv_file(rows: list[dict], *, encoding: str = "utf-8-sig", headers: list[str] | None = None) -> bytes:
    headers = headers or list(dict.fromkeys(key for cells in rows for key in cells))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for cells in rows:
        writer.writerow([cells.get(header, "") for header in headers])
    return out.getvalue().encode(encoding)


def xlsx_file(rows: list[dict]) -> bytes:
    headers = list(dict.fromkeys(key for cells in rows for key in cells))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for cells in rows:
        sheet.append([cells.get(header) for header in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def preview(client: Client, data: bytes, *, name: str = "jobs.csv", file_format: str = CSV_FORMAT):
    upload = SimpleUploadedFile(name, data)
    return client.post(IMPORT_URL, {"resource": "0", "format": file_format, "import_file": upload})


def confirm(client: Client, previewed):
    form = previewed.context["confirm_form"]
    assert form is not None, "the preview offers no confirmation"
    return client.post(PROCESS_URL, {name: form.initial.get(name, "") for name in form.fields})


def rows_of(response) -> list:
    return list(response.context["result"].rows)


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def team(db):
    return TeamFactory(name="华东一组")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="华北二组")


@pytest.fixture
def importer(team) -> Client:
    return staff_client(team, *IMPORTER)


def recruiter_group() -> Group:
    """The 招聘专员 group as the migrations make it (again: a flush by a transactional test removes it)."""

    class SchemaEditor:
        connection = connection

    importlib.import_module("recruit.migrations.0007_export_permission_and_groups").create_groups(apps, SchemaEditor())
    importlib.import_module("recruit.migrations.0011_recruiters_add_jobs").grant_add_job(apps, SchemaEditor())
    return Group.objects.get(name="招聘专员")


# --- preview and confirmation ---------------------------------------------------------------------


def test_the_preview_shows_each_row_and_stores_nothing(importer, team):
    existing = JobFactory(team=team, platform="Boss", platform_id="2002", name="电话销售", age_max=40)
    data = csv_file(
        [
            row(最小年龄="18", 最大年龄="35", 最低学历="本科", 期望城市="北京\n上海"),
            row(平台岗位ID="2002", 岗位名称="电话销售", 最大年龄="45"),
        ],
        headers=HEADERS,
    )

    response = preview(importer, data)

    assert response.status_code == 200
    new, update = rows_of(response)
    assert (new.line, new.import_type, new.team) == (2, "new", "华东一组")
    assert ("期望城市", "北京\n上海") in new.values
    assert (update.line, update.import_type) == (3, "update")
    assert update.changes == [("最大年龄", "40", "45")]
    html = page(response)
    assert "客服专员（BOSS直聘 1001）" in html
    assert "最大年龄" in html and "确认导入" in html
    # A dry run: nothing stored, nothing audited.
    assert list(Job.objects.values_list("platform_id", flat=True)) == ["2002"]
    existing.refresh_from_db()
    assert existing.age_max == 40
    assert not AuditLog.objects.filter(action=AuditAction.JOB_IMPORT).exists()


def test_confirming_creates_and_updates_validated_like_the_form_and_audits(importer, team):
    existing = JobFactory(team=team, platform="maimai", platform_id="m-7", name="旧名字", cities="广州", jd="原介绍")
    data = csv_file(
        [
            row(最小年龄="18", 最大年龄="35", 最低学历="bachelor", 期望城市="北京\n上海", 启用="否", 打招呼语="您好！"),
            row(平台="脉脉", 平台岗位ID="m-7", 岗位名称="新名字", 期望城市="广州"),
        ]
    )

    response = confirm(importer, preview(importer, data))

    assert response.status_code == 302 and response.url == reverse("admin:recruit_job_changelist")
    created = Job.objects.get(platform="Boss", platform_id="1001")
    assert (created.team, created.name, created.age_min, created.age_max) == (team, "客服专员", 18, 35)
    assert (created.min_degree, created.cities, created.active, created.touch_msg) == (
        "本科",
        "北京\n上海",
        False,
        "您好！",
    )
    assert (created.school_tier, created.max_contact_asks) == ("any", 2)  # columns left out: the defaults
    existing.refresh_from_db()
    assert (existing.name, existing.cities, existing.jd) == ("新名字", "广州", "原介绍")  # no 岗位介绍 column: kept
    [record] = AuditLog.objects.filter(action=AuditAction.JOB_IMPORT)
    assert (record.user.teams.get(), record.object_type, record.object_id) == (team, "team", str(team.pk))
    assert record.detail == "jobs.csv：新建 1，更新 1，未变 0"
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["导入完成：新建 1 个岗位，更新 1 个，未变 0 个。"]


def test_importing_the_same_file_again_changes_nothing(importer, team):
    data = csv_file([row(期望城市="北京\n上海"), row(平台岗位ID="1002", 岗位名称="前台")])
    confirm(importer, preview(importer, data))
    before = dict(Job.objects.values_list("platform_id", "updated_at"))

    again = preview(importer, data)

    assert [result.import_type for result in rows_of(again)] == ["skip", "skip"]
    assert "与现有岗位相同" in page(again)
    confirm(importer, again)
    assert dict(Job.objects.values_list("platform_id", "updated_at")) == before
    assert Job.objects.count() == 2
    details = list(
        AuditLog.objects.filter(action=AuditAction.JOB_IMPORT).order_by("pk").values_list("detail", flat=True)
    )
    assert details == ["jobs.csv：新建 2，更新 0，未变 0", "jobs.csv：新建 0，更新 0，未变 2"]


def test_a_row_failing_at_confirmation_rolls_the_whole_file_back(importer, team, other_team):
    """Between preview and confirmation another team registered one of the file's jobs: nothing is
    imported, the row says why, and the other team's job is untouched."""
    data = csv_file([row(平台岗位ID="1001"), row(平台岗位ID="1002", 岗位名称="前台")])
    previewed = preview(importer, data)
    theirs = JobFactory(team=other_team, platform="Boss", platform_id="1002", name="他们的岗位")

    response = confirm(importer, previewed)

    assert response.status_code == 200
    assert not Job.objects.filter(platform_id="1001").exists()
    theirs.refresh_from_db()
    assert (theirs.name, theirs.team) == ("他们的岗位", other_team)
    [ok, failed] = rows_of(response)
    assert failed.import_type == "invalid" and failed.line == 3
    assert failed.problems == [("平台岗位ID", ["这个平台岗位ID已被其他团队的岗位使用，不能导入"])]
    html = page(response)
    assert "没有导入任何数据" in html and "他们的岗位" not in html and "华北二组" not in html
    assert not AuditLog.objects.filter(action=AuditAction.JOB_IMPORT).exists()


def test_a_stale_confirmation_is_refused_without_an_error_page(importer):
    response = importer.post(
        PROCESS_URL, {"import_file_name": "gone.csv", "original_file_name": "x.csv", "format": "0"}
    )
    assert response.status_code == 200 and "上传的文件已失效" in page(response)
    forged = importer.post(PROCESS_URL, {"import_file_name": "x", "original_file_name": "x.csv", "format": "7"})
    assert forged.status_code == 200 and not Job.objects.exists()


# --- files ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"], ids=["utf8-bom", "utf8", "gbk"])
def test_csv_files_in_the_encodings_spreadsheets_write(importer, team, encoding):
    data = csv_file([row(岗位名称="客服专员（夜班）", 期望城市="北京\n上海")], encoding=encoding)

    confirm(importer, preview(importer, data))

    job = Job.objects.get()
    assert (job.name, job.cities) == ("客服专员（夜班）", "北京\n上海")


def test_an_xlsx_file_with_numbers_and_lines_in_cells(importer, team):
    data = xlsx_file(
        [{**row(平台岗位ID=1001), "最小年龄": 18, "最大年龄": 35.0, "期望城市": "北京\n上海", "启用": True}]
    )

    response = preview(importer, data, name="jobs.xlsx", file_format=XLSX_FORMAT)
    assert [result.import_type for result in rows_of(response)] == ["new"]
    confirm(importer, response)

    job = Job.objects.get()
    assert (job.platform_id, job.age_min, job.age_max, job.cities, job.active) == ("1001", 18, 35, "北京\n上海", True)


def test_a_file_that_cannot_be_read_is_an_error_of_the_form(importer):
    xlsx_as_csv = preview(importer, xlsx_file([row()]), name="jobs.xlsx", file_format=CSV_FORMAT)
    assert xlsx_as_csv.status_code == 200
    assert "这是一个 XLSX 文件" in str(xlsx_as_csv.context["form"].errors["import_file"])

    csv_as_xlsx = preview(importer, csv_file([row()]), file_format=XLSX_FORMAT)
    assert "无法读取这个文件" in str(csv_as_xlsx.context["form"].errors["import_file"])

    header_only = preview(importer, csv_file([], headers=HEADERS))
    assert "文件中没有数据" in str(header_only.context["form"].errors["import_file"])
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (["团队", "平台", "岗位名称"], "缺少必需的列：平台岗位ID"),
        (["平台岗位ID", "岗位名称"], "缺少必需的列：平台"),
        (["平台", "平台岗位ID", "备注"], "无法识别的列：备注"),
        (["平台", "平台岗位ID", "岗位名称", "岗位名称"], "重复的列：岗位名称"),
    ],
)
def test_a_file_with_wrong_columns_imports_nothing(importer, headers, message):
    response = preview(importer, csv_file([row(备注="x")], headers=headers))

    assert response.status_code == 200
    assert message in page(response)
    assert response.context.get("confirm_form") is None
    assert not Job.objects.exists()


def test_columns_may_be_headed_by_field_names_or_english_labels(importer, team):
    data = csv_file([{"platform": "boss", "Platform job ID": "1001", "name": "客服专员", "AGE_MIN": "20"}])

    confirm(importer, preview(importer, data))

    assert Job.objects.values_list("platform", "platform_id", "age_min").get() == ("Boss", "1001", 20)


# --- values, validated as in the form ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"平台": "抖音"}, "平台", "选择一个有效的选项"),
        ({"最小年龄": "-1"}, "最小年龄", "大于或等于0"),
        ({"最小年龄": "十八"}, "最小年龄", "输入整数"),
        ({"最小年龄": "40", "最大年龄": "30"}, "最大年龄", "不能小于下限"),
        ({"期望城市": "北京，上海"}, "期望城市", "每行填一项：“北京，上海”中有“，”"),
        ({"关键词(任一)": "客服、销售"}, "关键词(任一)", "中有“、”"),
        ({"最低学历": "不限"}, "最低学历", "选择一个有效的选项"),
        ({"启用": "也许"}, "启用", "请填写“是”或“否”"),
        ({"院校要求": "清华"}, "院校要求", "选择一个有效的选项"),
        ({"通知 Webhook": "not a url"}, "通知 Webhook", "请输入合法的URL"),
        ({"岗位名称": ""}, "岗位名称", "该字段是必填项"),
        ({"平台岗位ID": "x" * 129}, "平台岗位ID", "不超过 128 字符"),
    ],
)
def test_a_bad_value_is_an_error_naming_its_column_and_nothing_changes(importer, team, cells, column, message):
    existing = JobFactory(team=team, platform="Boss", platform_id="2002", name="电话销售")
    data = csv_file([row(平台岗位ID="2002", 岗位名称="改名"), row(**cells)])

    response = preview(importer, data)

    assert response.status_code == 200
    ok, bad = rows_of(response)
    assert ok.import_type == "update" and bad.import_type == "invalid"
    [(named, messages)] = bad.problems
    assert named == column and message in " ".join(messages)
    assert response.context.get("confirm_form") is None
    html = page(response)
    assert "有错误的行" in html and message.split("“")[0] in html
    existing.refresh_from_db()
    assert existing.name == "电话销售" and Job.objects.count() == 1


def test_the_job_form_rejects_a_list_typed_on_one_line_too(team):
    """One rule for the page and the file: the import validates with the job admin's form."""
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.create_superuser("root", "root@example.com", None)
    form = admin.site._registry[Job].get_form(request)(data={"cities": "北京,上海"})
    assert not form.is_valid()
    assert "每行填一项" in " ".join(form.errors["cities"])


def test_a_job_may_appear_once_per_file(importer, team):
    response = preview(importer, csv_file([row(), row(平台="boss", 岗位名称="又一个")]))

    first, second = rows_of(response)
    assert first.import_type == "new"
    assert second.problems == [("平台岗位ID", ["和第 2 行是同一个岗位：一个岗位只能出现一次"])]


def test_blank_cells_clear_optional_fields_and_keep_required_ones(importer, team):
    job = JobFactory(team=team, platform="Boss", platform_id="1001", cities="北京", active=False, max_contact_asks=5)
    data = csv_file([row(期望城市="", 启用="", 最多索要次数="")])

    confirm(importer, preview(importer, data))

    job.refresh_from_db()
    assert (job.cities, job.active, job.max_contact_asks) == ("", False, 5)


# --- teams ------------------------------------------------------------------------------------------


def test_another_teams_job_is_an_error_row_never_an_update(importer, team, other_team):
    theirs = JobFactory(team=other_team, platform="Boss", platform_id="9009", name="华北的岗位", age_max=30)

    response = preview(importer, csv_file([row(团队="", 平台岗位ID="9009", 岗位名称="改掉", 最大年龄="50")]))

    [bad] = rows_of(response)
    assert bad.import_type == "invalid"
    assert bad.problems == [("平台岗位ID", ["这个平台岗位ID已被其他团队的岗位使用，不能导入"])]
    html = page(response)
    assert bad.team == "" and "华北二组" not in html and "华北的岗位" not in html
    assert response.context.get("confirm_form") is None
    theirs.refresh_from_db()
    assert (theirs.name, theirs.age_max) == ("华北的岗位", 30)


@pytest.mark.parametrize("named", ["华北二组", "不存在的组"])
def test_a_team_that_is_not_the_users_is_an_error_saying_the_same_either_way(importer, other_team, named):
    response = preview(importer, csv_file([row(团队=named)]))

    [bad] = rows_of(response)
    assert bad.problems == [("团队", ["不是您所在的团队"])]
    assert not Job.objects.exists()


def test_a_user_of_several_teams_names_the_team_and_cannot_move_a_job(team):
    second = TeamFactory(name="华南三组")
    client = staff_client(team, *IMPORTER)
    get_user_model().objects.get(teams=team).teams.add(second)
    job = JobFactory(team=team, platform="Boss", platform_id="2002")

    response = preview(
        client,
        csv_file([row(团队=""), row(团队="华南三组", 平台岗位ID="2002"), row(团队="华南三组", 平台岗位ID="3003")]),
    )

    missing, moved, ok = rows_of(response)
    assert missing.problems == [("团队", ["请填写团队（您属于多个团队）"])]
    assert moved.problems == [("团队", ["导入不能更换已有岗位的团队"])]
    assert (ok.import_type, ok.team) == ("new", "华南三组")
    job.refresh_from_db()
    assert job.team == team


def test_a_superuser_imports_into_any_team(team, other_team):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", None))

    confirm(client, preview(client, csv_file([row(团队="华北二组"), row(团队="华东一组", 平台岗位ID="1002")])))

    assert dict(Job.objects.values_list("platform_id", "team__name")) == {"1001": "华北二组", "1002": "华东一组"}
    response = preview(client, csv_file([row(团队="不存在的组", 平台岗位ID="1003")]))
    assert rows_of(response)[0].problems == [("团队", ["没有这个团队"])]


# --- who may import ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "perms",
    [("recruit.view_job",), ("recruit.view_job", "recruit.change_job"), ("recruit.view_job", "recruit.add_job")],
    ids=["view", "view+change", "view+add"],
)
def test_a_user_without_adding_and_changing_jobs_can_neither_see_nor_use_the_import(team, perms):
    client = staff_client(team, *perms)

    changelist = page(client.get(reverse("admin:recruit_job_changelist")))
    assert IMPORT_URL not in changelist
    assert EXPORT_URL in changelist  # the template: whoever sees the list may export it
    assert client.get(IMPORT_URL).status_code == 403
    assert preview(client, csv_file([row()])).status_code == 403
    assert (
        client.post(PROCESS_URL, {"import_file_name": "x", "original_file_name": "x", "format": "0"}).status_code == 403
    )
    assert not Job.objects.exists()


def test_a_recruiter_of_one_team_imports_without_a_team_column(team):
    user = UserFactory()
    user.groups.add(recruiter_group())
    team.members.add(user)
    client = Client()
    client.force_login(user)
    assert IMPORT_URL in page(client.get(reverse("admin:recruit_job_changelist")))
    assert client.get(IMPORT_URL).status_code == 200

    data = csv_file([{"平台": "猎聘", "平台岗位ID": "lp-1", "岗位名称": "仓库管理员", "期望城市": "苏州"}])
    confirm(client, preview(client, data))

    job = Job.objects.get()
    assert (job.team, job.platform, job.name, job.cities) == (team, "liepin", "仓库管理员", "苏州")
    assert AuditLog.objects.get(action=AuditAction.JOB_IMPORT).user == user


# --- the template -----------------------------------------------------------------------------------


def test_the_template_is_an_export_of_the_users_jobs_that_reads_back_unchanged(importer, team, other_team):
    JobFactory(
        team=team,
        platform="Boss",
        platform_id="1001",
        name="客服专员",
        cities="北京\r\n上海",  # as a browser's textarea sends it
        min_degree="大专",
        school_tier="211",
        age_min=18,
        touch_msg="=您好",  # a spreadsheet would run it: exported with a leading '
        notify_format="wecom",
    )
    JobFactory(team=other_team, platform="Boss", platform_id="9009", name="华北的岗位")

    assert importer.get(EXPORT_URL).status_code == 200
    exported = importer.post(EXPORT_URL, {"resource": "0", "format": "0"})

    assert exported.status_code == 200
    text = exported.content.decode("utf-8")
    assert text.startswith("\ufeff团队,平台,平台岗位ID,岗位名称,启用")
    records = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [record["平台岗位ID"] for record in records] == ["1001"]  # the user's teams only
    [record] = records
    assert (record["团队"], record["平台"], record["院校要求"], record["通知格式"]) == (
        "华东一组",
        "BOSS直聘",
        "211",
        "企业微信机器人",
    )
    assert (record["启用"], record["最小年龄"], record["最大年龄"], record["打招呼语"]) == ("是", "18", "", "'=您好")

    again = preview(importer, exported.content)
    assert [result.import_type for result in rows_of(again)] == ["skip"]


def test_the_template_as_xlsx_reads_back_unchanged(importer, team):
    JobFactory(
        team=team, platform="Linkedin", platform_id="li-1", name="Engineer", keywords="Python\nDjango", age_max=40
    )

    exported = importer.post(EXPORT_URL, {"resource": "0", "format": "1"})

    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    assert [cell.value for cell in sheet[1]][:4] == ["团队", "平台", "平台岗位ID", "岗位名称"]
    response = preview(importer, exported.content, name="jobs.xlsx", file_format=XLSX_FORMAT)
    assert [result.import_type for result in rows_of(response)] == ["skip"]


def test_the_import_page_explains_the_file_and_links_the_template(importer):
    html = page(importer.get(IMPORT_URL))

    assert "平台岗位ID" in html and "单元格内换行" in html and EXPORT_URL in html


def test_blank_rows_and_empty_columns_are_left_out_and_rows_keep_their_spreadsheet_numbers(importer, team):
    data = "平台,平台岗位ID,岗位名称,,\nBOSS直聘,1001,客服专员,,\n,,,,\nBOSS直聘,1002,前台,,\n".encode()

    response = preview(importer, data)

    assert [(result.line, result.import_type) for result in rows_of(response)] == [(2, "new"), (4, "new")]


@override_settings(LANGUAGE_CODE="en")
def test_the_import_speaks_english_with_language_code_en(importer, team):
    """English headers (the template in English) are read, and the page and its errors are English."""
    assert not re.findall(r"[\u4e00-\u9fff]+", page(importer.get(IMPORT_URL)))
    data = csv_file(
        [
            {"Team": "", "Platform": "boss", "Platform job ID": "1", "Job name": "Agent", "Minimum age": "-1"},
            {"Team": "other", "Platform": "boss", "Platform job ID": "2", "Job name": "Clerk", "Minimum age": "20"},
            {"Team": "", "Platform": "boss", "Platform job ID": "3", "Job name": "Cook", "Preferred cities": "A,B"},
        ]
    )

    response = preview(importer, data)

    negative, other_team, listed = rows_of(response)
    assert negative.problems[0][0] == "Minimum age"
    assert other_team.problems == [("Team", ["Not one of your teams"])]
    assert listed.problems[0][0] == "Preferred cities"
    assert not re.findall(r"[\u4e00-\u9fff]+", page(response).replace(team.name, ""))


# --- concurrency (PostgreSQL) -------------------------------------------------------------------------


def run_import(user, data: bytes):
    """What the console's confirmation runs, outside a request (for threads)."""
    request = RequestFactory().post(PROCESS_URL)
    request.user = user
    form_class = admin.site._registry[Job].get_form(request)
    resource = imports.JobResource(user=user, form_class=form_class)
    dataset = imports.CSV().create_dataset(data)
    return resource.import_data(dataset, dry_run=False, rollback_on_validation_errors=True, file_name="t.csv")


@pytest.mark.django_db(transaction=True)
def test_a_job_row_is_read_under_a_lock_so_the_file_applies_to_the_committed_job(postgres):
    """A colleague's edit commits while the import waits on the job's row lock: the import then reads
    the edited job, so its preview of the row is true and the file's values win (without the lock it
    would have read the old age, seen "no change" and left the colleague's 30 in place)."""
    team = TeamFactory(name="华东一组")
    user = UserFactory()
    team.members.add(user)
    job = JobFactory(team=team, platform="Boss", platform_id="1001", name="原名", age_min=None)
    locked = threading.Event()
    errors = []

    def colleague():
        try:
            with transaction.atomic():
                Job.objects.select_for_update().filter(pk=job.pk).update(name="同事改的名字", age_min=30)
                locked.set()
                time.sleep(1)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=colleague)
    thread.start()
    assert locked.wait(10)
    try:
        result = run_import(user, csv_file([{"平台": "Boss", "平台岗位ID": "1001", "最小年龄": "", "最大年龄": "40"}]))
    finally:
        thread.join(10)
    assert not errors
    [imported] = result.rows
    assert imported.import_type == "update"
    assert imported.changes == [("最小年龄", "30", "（空）"), ("最大年龄", "（空）", "40")]
    job.refresh_from_db()
    assert (job.name, job.age_min, job.age_max) == ("同事改的名字", None, 40)


@pytest.mark.django_db(transaction=True)
def test_two_imports_creating_the_same_job_at_once_make_one(postgres, monkeypatch):
    team = TeamFactory(name="华东一组")
    users = [UserFactory(), UserFactory()]
    team.members.add(*users)
    both_looked = threading.Barrier(2, timeout=10)
    original = imports.JobResource.do_instance_save

    def save_after_both_looked(self, instance, is_create):
        both_looked.wait()  # each import has found no job with the key: both will insert it
        original(self, instance, is_create)

    monkeypatch.setattr(imports.JobResource, "do_instance_save", save_after_both_looked)
    results = []

    def worker(user):
        try:
            results.append(run_import(user, csv_file([row(团队="")])))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert Job.objects.count() == 1
    assert sorted(result.totals["new"] for result in results) == [0, 1]
    [lost] = [result for result in results if result.has_validation_errors()]
    [(column, messages)] = lost.rows[0].problems
    assert column == "平台岗位ID" and "刚刚被创建" in messages[0]
    assert AuditLog.objects.filter(action=AuditAction.JOB_IMPORT).count() == 1
