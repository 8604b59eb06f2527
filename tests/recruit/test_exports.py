"""Exports of contact results (recruit/exports.py) and `manage.py export_results`: one definition of the
columns, masked or in full, spreadsheet-safe cells, the command's filters and formats, its audit row,
and memory that stays flat as rows grow (the 100,000-row figure is measured in bench/export_bench.py)."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import date, datetime, time, timedelta

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hunter_robot.models import AuditLog
from recruit import exports
from recruit.models import Candidate, ContactRecord, Conversation
from tests.factories import (
    AccountFactory,
    ContactRecordFactory,
    ConversationFactory,
    JobFactory,
    TeamFactory,
    WechatAccountFactory,
    WechatFriendFactory,
)

HEADERS = [
    "候选人",
    "平台候选人ID",
    "平台",
    "岗位",
    "招聘账号",
    "团队",
    "手机号",
    "微信号",
    "邮箱",
    "简历链接",
    "获得联系方式时间",
    "最近消息时间",
    "会话状态",
    "添加微信时间",
    "约定面试时间",
    "面试时段",
]
BOM = b"\xef\xbb\xbf"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A time on `day` in TIME_ZONE (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


DAY = date(2026, 3, 10)


@pytest.fixture
def full(db, settings):
    """A conversation with every column filled: contacts, CV, milestones, two WeChat friends."""
    settings.SITE_URL = "https://hr.example.com"
    team = TeamFactory(name="华东一组")
    job = JobFactory(team=team, name="客服专员", platform="Boss")
    account = AccountFactory(team=team, platform="Boss", platform_id="27175761")
    conversation = ConversationFactory(
        job=job,
        account=account,
        candidate__name="张三",
        candidate__platform_cid="100000001",
        status=Conversation.Status.FINISHED,
        wechat_at=at(DAY, 10, 5),
        phone_at=at(DAY, 9, 30),
        cv_at=at(DAY, 11),
        last_message_at=at(DAY, 12, 0),
    )
    ContactRecordFactory(
        conversation=conversation,
        phone="13800138000",
        wechat="zhang_san88",
        email="zhangsan@example.com",
        cv_file="cv/2026/03/abc.pdf",
        cv_name="张三简历.pdf",
    )
    WechatFriendFactory(conversation=conversation, accepted_at=at(DAY, 15), interview_at=at(DAY + timedelta(1), 9))
    WechatFriendFactory(
        conversation=conversation,
        wechat_account=WechatAccountFactory(team=team),
        accepted_at=at(DAY, 14),
        interview_at=at(DAY + timedelta(1), 10),
        interview_slot="周二 14:00，电话 13900139000",
    )
    return conversation


def row_of(conversation: Conversation, *, mask: bool) -> list:
    [row] = exports.iter_rows(Conversation.objects.filter(pk=conversation.pk), mask=mask)
    return row


def test_the_columns_are_defined_once_in_this_order():
    assert exports.headers() == HEADERS
    assert len(exports.COLUMNS) == len(set(exports.COLUMN_KEYS))


def test_a_row_in_full(full):
    assert row_of(full, mask=False) == [
        "张三",
        "100000001",
        "BOSS直聘",
        "客服专员",
        "account_Boss_27175761",
        "华东一组",
        "13800138000",
        "zhang_san88",
        "zhangsan@example.com",
        f"https://hr.example.com/admin/recruit/conversation/{full.pk}/cv/",
        datetime(2026, 3, 10, 9, 30),  # the earliest contact milestone, local time
        datetime(2026, 3, 10, 12, 0),
        "已完成",
        datetime(2026, 3, 10, 14, 0),  # the first friend to accept
        datetime(2026, 3, 11, 9, 0),
        "周二 14:00，电话 13900139000",  # the most recent interview agreed
    ]


def test_a_row_masked(full):
    row = dict(zip(HEADERS, row_of(full, mask=True), strict=True))
    assert (row["手机号"], row["微信号"], row["邮箱"]) == ("138****8000", "zh****", "zh****@example.com")
    assert row["面试时段"] == "周二 14:00，电话 139****9000"  # the candidate's words, contacts masked
    assert row["简历链接"].endswith(f"/conversation/{full.pk}/cv/")  # the link itself needs download_cv
    assert row["候选人"] == "张三"


def test_a_conversation_without_contacts_or_friends_has_empty_cells(db):
    conversation = ConversationFactory(candidate__name="李四")
    row = dict(zip(HEADERS, row_of(conversation, mask=False), strict=True))
    assert row["候选人"] == "李四" and row["会话状态"] == "进行中"
    empty = (
        "手机号",
        "微信号",
        "邮箱",
        "简历链接",
        "获得联系方式时间",
        "最近消息时间",
        "添加微信时间",
        "约定面试时间",
        "面试时段",
    )
    assert [row[name] for name in empty] == [""] * len(empty)


def test_a_contact_exchanged_through_the_platform_is_noted(db):
    conversation = ConversationFactory()
    ContactRecordFactory(conversation=conversation, phone="", wechat_exchanged=True)
    row = dict(zip(HEADERS, row_of(conversation, mask=True), strict=True))
    assert (row["手机号"], row["微信号"]) == ("", "平台内已交换")


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://x","点我")', '\'=HYPERLINK("http://x","点我")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("+4420794601234", "+4420794601234"),  # an international phone number as stored
        ("张\x07三\x1b", "张三"),  # control characters XLSX cannot hold
        ("王五", "王五"),
    ],
)
def test_cells_are_safe_in_a_spreadsheet(text, cell):
    assert exports.safe_text(text) == cell


def test_a_formula_as_a_name_is_exported_as_text(db):
    conversation = ConversationFactory(candidate__name="=1+1")
    assert row_of(conversation, mask=True)[0] == "'=1+1"


def test_rows_cost_no_query_per_row(db, django_assert_num_queries):
    team = TeamFactory()
    for _ in range(3):
        conversation = ConversationFactory(job__team=team, account__team=team)
        ContactRecordFactory(conversation=conversation, cv_file="cv/x.pdf")
        WechatFriendFactory(conversation=conversation, accepted_at=timezone.now())
    with django_assert_num_queries(1):
        assert len(list(exports.iter_rows(Conversation.objects.all(), mask=True))) == 3


# --- manage.py export_results ------------------------------------------------------------------------


@pytest.fixture
def two_teams(db):
    """Team A: job 1 (two conversations, one created each side of a local midnight) and job 2 on another
    account; team B: one conversation."""
    a, b = TeamFactory(name="A组"), TeamFactory(name="B组")
    job1, job2 = JobFactory(team=a, platform_id="1001"), JobFactory(team=a, platform_id="1002")
    acc1, acc2 = AccountFactory(team=a, platform_id="111"), AccountFactory(team=a, platform_id="222")
    rows = {
        "a-late": (job1, acc1, at(DAY, 23, 59)),
        "a-early": (job1, acc1, at(DAY + timedelta(1), 0, 0)),  # 16:00 UTC the day before
        "a-job2": (job2, acc2, at(DAY + timedelta(1), 12)),
        "b": (JobFactory(team=b), AccountFactory(team=b), at(DAY, 12)),
    }
    for name, (job, account, created) in rows.items():
        conversation = ConversationFactory(job=job, account=account, candidate__name=name)
        ContactRecordFactory(conversation=conversation, phone="13800138000")
        Conversation.objects.filter(pk=conversation.pk).update(created_at=created)
    return a, b


def run(tmp_path, *args, fmt="csv") -> tuple[str, str, object]:
    output = tmp_path / f"out.{fmt}"
    out, err = io.StringIO(), io.StringIO()
    call_command("export_results", f"--format={fmt}", f"--output={output}", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), output


def csv_rows(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(BOM)  # Excel reads UTF-8 only with it
    return list(csv.reader(io.StringIO(raw[len(BOM) :].decode("utf-8"))))


def names(rows: list[list]) -> set[str]:
    return {row[0] for row in rows[1:]}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), {"a-late", "a-early", "a-job2", "b"}),
        (("--team=A组",), {"a-late", "a-early", "a-job2"}),
        (("--job=job_Boss_1001",), {"a-late", "a-early"}),
        (("--job=job_boss_1002",), {"a-job2"}),
        (("--account=account_Boss_222",), {"a-job2"}),
        (("--team=A组", "--since=2026-03-11"), {"a-early", "a-job2"}),  # local days, not UTC ones
        (("--team=A组", "--until=2026-03-10"), {"a-late"}),
        (("--since=2026-03-10", "--until=2026-03-10"), {"a-late", "b"}),
    ],
)
def test_the_command_exports_exactly_the_filtered_rows(two_teams, tmp_path, args, expected):
    out, _err, output = run(tmp_path, *args)
    rows = csv_rows(output)
    assert rows[0] == HEADERS
    assert names(rows) == expected and len(rows) == len(expected) + 1
    assert f"{len(expected)} 行" in out


def test_the_command_by_database_ids(two_teams, tmp_path):
    a, _b = two_teams
    job = a.jobs.get(platform_id="1002")
    _out, _err, output = run(tmp_path, f"--team={a.pk}", f"--job={job.pk}")
    assert names(csv_rows(output)) == {"a-job2"}


@pytest.mark.parametrize(
    "args",
    [
        ("--job=job_Boss_404",),
        ("--job=nonsense",),
        ("--account=999999",),
        ("--team=没有这个组",),
        ("--since=2026-13-01",),
    ],
)
def test_the_command_refuses_unknown_filters(two_teams, tmp_path, args):
    with pytest.raises(CommandError):
        run(tmp_path, *args)
    assert not AuditLog.objects.exists()


def test_the_command_writes_full_contacts_unless_masked_and_says_so(two_teams, tmp_path):
    _out, err, output = run(tmp_path, "--job=job_Boss_1002")
    assert csv_rows(output)[1][6] == "13800138000"
    assert "完整联系方式" in err

    _out, err, output = run(tmp_path, "--job=job_Boss_1002", "--masked")
    assert csv_rows(output)[1][6] == "138****8000"
    assert "完整" not in err


def test_the_command_writes_xlsx(full, tmp_path):
    _out, _err, output = run(tmp_path, fmt="xlsx")
    sheet = openpyxl.load_workbook(output).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS
    assert rows[1][:3] == ["张三", "100000001", "BOSS直聘"]
    assert rows[1][6] == "13800138000"
    assert rows[1][10] == datetime(2026, 3, 10, 9, 30)  # a real date cell, local time
    assert rows[1][HEADERS.index("面试时段")] == "周二 14:00，电话 13900139000"


def test_the_command_records_the_export(two_teams, tmp_path):
    run(tmp_path, "--team=A组", "--since=2026-03-11", "--masked")
    record = AuditLog.objects.get()
    assert (record.action, record.object_type, record.user) == ("export_results", "conversation", None)
    assert record.detail.startswith("命令行 ")
    for part in ("csv", "2 行", "已脱敏", "--team=A组", "--since=2026-03-11"):
        assert part in record.detail


def test_the_progress_bar_only_on_a_terminal(two_teams, tmp_path, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    run(tmp_path)
    assert "4/4 100%" in terminal.getvalue()

    plain = io.StringIO()
    monkeypatch.setattr("sys.stderr", plain)
    run(tmp_path)
    assert plain.getvalue() == ""


# --- Memory stays flat --------------------------------------------------------------------------------


def seed_rows(job, account, n: int, start: int) -> None:
    """`n` conversations with contacts on `job`, in three bulk inserts."""
    candidates = Candidate.objects.bulk_create(
        Candidate(platform="Boss", platform_cid=f"m{start + i}", name=f"候选人{start + i}") for i in range(n)
    )
    now = timezone.now()
    conversations = Conversation.objects.bulk_create(
        Conversation(job=job, account=account, candidate=c, phone_at=now, last_message_at=now) for c in candidates
    )
    ContactRecord.objects.bulk_create(
        ContactRecord(conversation=c, phone="13800138000", wechat="zhang_san88", email="a@example.com")
        for c in conversations
    )


def peak_bytes(tmp_path, *args, fmt: str) -> int:
    tracemalloc.start()
    try:
        run(tmp_path, *args, fmt=fmt)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_memory_stays_flat_as_rows_grow(db, tmp_path, fmt, monkeypatch):
    # Smaller chunks than in production, so both runs read several (the peak includes two chunks
    # while the next one is fetched).
    monkeypatch.setattr(exports, "CHUNK_SIZE", 100)
    team = TeamFactory()
    account = AccountFactory(team=team)
    small, large = JobFactory(team=team, platform_id="small"), JobFactory(team=team, platform_id="large")
    seed_rows(small, account, 500, 0)
    seed_rows(large, account, 1_500, 10_000)
    run(tmp_path, "--job=job_Boss_small", fmt=fmt)  # imports and caches warmed up, outside the measure

    few = peak_bytes(tmp_path, "--job=job_Boss_small", fmt=fmt)
    many = peak_bytes(tmp_path, "--job=job_Boss_large", fmt=fmt)

    # Rows are read in chunks and written as they come: three times the rows, about the same peak (a
    # list of all rows would triple it).
    assert many < few * 1.5, (few, many)
