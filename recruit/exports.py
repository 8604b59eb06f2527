"""Exports of contact results: one row per conversation, with its columns defined once, here.

The console's export (django-import-export: `recruit.admin.exports`) and `manage.py export_results` both
take their columns from `COLUMNS`, their rows from `results_queryset` and `result_row`, and record the
export with `export_record`. What a person sees of the contacts (masked or in full) is decided by
`recruit.presenters`, as everywhere else: full values need `recruit.view_contact_pii`, exporting at all
needs `recruit.export_results` (EXPORT_PERMISSION).

Cells are made safe for spreadsheets: text a spreadsheet would run as a formula (a candidate naming
themselves "=HYPERLINK(…)") gets a leading apostrophe, and control characters XLSX cannot hold are
dropped. Times are local (TIME_ZONE), to the second, without a zone (Excel has none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chatbot.contacts import mask_text
from hunter_robot.audit import AuditAction
from hunter_robot.models import AuditLog
from recruit import presenters
from recruit.models import ContactRecord, Conversation
from recruit.services.notify import admin_url
from wechat.models import WechatFriend

EXPORT_PERMISSION = "recruit.export_results"
PII_PERMISSION = "recruit.view_contact_pii"
# Rows fetched per round trip: the export holds one chunk of model instances at a time.
CHUNK_SIZE = 2000

_FORMULA_START = tuple("=+-@\t\r")
_INTERNATIONAL_PHONE = re.compile(r"\+\d{8,15}")  # a normalised phone number: the one value starting with "+"
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(value: str) -> str:
    """`value` as a spreadsheet shows it and never runs it (OWASP "CSV injection")."""
    value = _NOT_IN_XLSX.sub("", value)
    if value.startswith(_FORMULA_START) and not _INTERNATIONAL_PHONE.fullmatch(value):
        return "'" + value
    return value


def local_time(at: datetime | None) -> datetime | None:
    """A stored time as the local wall-clock time, to the second, without a zone."""
    if at is None:
        return None
    return timezone.localtime(at).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    # (conversation from `results_queryset`, mask) -> the cell: text, a local time or None.
    value: Callable[[Conversation, bool], object]


EXCHANGED = _("平台内已交换")


def _contact(kind: str) -> Callable[[Conversation, bool], str]:
    """A contact detail, masked or in full (presenters decide how); for a phone or WeChat id exchanged
    through the platform's own button, whose value we never saw, a note saying so."""

    def value(conversation: Conversation, mask: bool) -> str:
        record = presenters.conversation_contact(conversation)
        if record is None:
            return ""
        shown = presenters.contact_masked(record)[kind] if mask else getattr(record, kind)
        if not shown and getattr(record, f"{kind}_exchanged", False):
            return str(EXCHANGED)
        return shown

    return value


def _cv_link(conversation: Conversation, mask: bool) -> str:
    """The console's download link (needs `recruit.download_cv` and is recorded when followed)."""
    record: ContactRecord | None = presenters.conversation_contact(conversation)
    if record is None or not record.cv_file:
        return ""
    return admin_url("admin:recruit_conversation_cv", conversation.pk)


def _contact_obtained_at(conversation: Conversation, mask: bool) -> datetime | None:
    times = [
        at
        for at in (conversation.phone_at, conversation.wechat_at, conversation.email_at, conversation.cv_at)
        if at is not None
    ]
    return local_time(min(times)) if times else None


def _interview_slot(conversation: Conversation, mask: bool) -> str:
    # The candidate's own words: contact details in them are masked like a transcript's.
    slot = conversation.interview_slot or ""
    return mask_text(slot) if mask else slot


COLUMNS: tuple[Column, ...] = (
    Column("candidate", _("候选人"), lambda c, mask: c.candidate.name),
    Column("candidate_id", _("平台候选人ID"), lambda c, mask: c.candidate.platform_cid),
    Column("platform", _("平台"), lambda c, mask: c.job.get_platform_display()),
    Column("job", _("岗位"), lambda c, mask: c.job.name),
    Column("account", _("招聘账号"), lambda c, mask: c.account.account_id),
    Column("team", _("团队"), lambda c, mask: c.job.team.name),
    Column("phone", _("手机号"), _contact("phone")),
    Column("wechat", _("微信号"), _contact("wechat")),
    Column("email", _("邮箱"), _contact("email")),
    Column("cv", _("简历链接"), _cv_link),
    Column("contact_at", _("获得联系方式时间"), _contact_obtained_at),
    Column("last_message_at", _("最近消息时间"), lambda c, mask: local_time(c.last_message_at)),
    Column("status", _("会话状态"), lambda c, mask: c.get_status_display()),
    Column("wechat_added_at", _("添加微信时间"), lambda c, mask: local_time(c.wechat_added_at)),
    Column("interview_agreed_at", _("约定面试时间"), lambda c, mask: local_time(c.interview_agreed_at)),
    Column("interview_slot", _("面试时段"), _interview_slot),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)


def headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]


def cell(column: Column, conversation: Conversation, *, mask: bool):
    """A cell as written: text made safe, a time as it is (XLSX shows it as a date), nothing as ""."""
    value = column.value(conversation, mask)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value
    return safe_text(str(value))


def result_row(conversation: Conversation, *, mask: bool) -> list:
    """One conversation's cells, in `COLUMNS` order."""
    return [cell(column, conversation, mask=mask) for column in COLUMNS]


def results_queryset(conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """`conversations` with everything a row reads, so exporting costs no query per row: related rows
    joined, and the first WeChat friend acceptance and interview agreed as subqueries (a conversation
    may have several friends, one per WeChat account)."""
    friends = WechatFriend.objects.filter(conversation=OuterRef("pk"))
    first = {
        "wechat_added_at": friends.filter(accepted_at__isnull=False).order_by("accepted_at").values("accepted_at"),
        "interview_agreed_at": friends.filter(interview_at__isnull=False)
        .order_by("interview_at")
        .values("interview_at"),
        "interview_slot": friends.exclude(interview_slot="").order_by("-interview_at").values("interview_slot"),
    }
    return (
        conversations.select_related("candidate", "job__team", "account", "contact")
        .defer("candidate__profile", "recall_offered_msg")
        .annotate(**{name: Subquery(rows[:1]) for name, rows in first.items()})
    )


def iter_rows(conversations: QuerySet[Conversation], *, mask: bool) -> Iterator[list]:
    """Rows of `results_queryset(conversations)`, read in chunks (constant memory)."""
    for conversation in results_queryset(conversations).iterator(chunk_size=CHUNK_SIZE):
        yield result_row(conversation, mask=mask)


def conversations_filtered(
    *,
    conversations: QuerySet[Conversation] | None = None,
    job=None,
    account=None,
    team=None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Conversation]:
    """The command's filters: a job, an account, a team (a conversation's team is its job's, as in the
    console), and local days of the conversation's creation, both ends included (the console's date
    drill-down filters the same field)."""
    rows = Conversation.objects.all() if conversations is None else conversations
    if job is not None:
        rows = rows.filter(job=job)
    if account is not None:
        rows = rows.filter(account=account)
    if team is not None:
        rows = rows.filter(job__team=team)
    if since is not None:
        rows = rows.filter(created_at__gte=_start_of(since))
    if until is not None:
        rows = rows.filter(created_at__lt=_start_of(until + timedelta(days=1)))
    return rows.order_by("pk")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def export_record(*, user, file_format: str, rows: int, masked: bool, filters: str, via: str) -> AuditLog:
    """The audit row every export writes: who (the user, or the operator's login for the command),
    when (the row's time), what (format, row count, masked or full, the filters)."""
    detail = "；".join(
        part
        for part in (
            via,
            file_format,
            f"{rows} 行",
            "已脱敏" if masked else "完整联系方式",
            f"筛选: {filters}" if filters else "筛选: 无",
        )
        if part
    )
    return AuditLog.objects.create(
        user=user,
        action=AuditAction.EXPORT_RESULTS,
        object_type="conversation",
        object_id="-",
        detail=detail[:255],
    )
