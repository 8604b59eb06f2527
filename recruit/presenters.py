"""How a conversation is shown to people: its contact details and its transcript, masked or in full.

The console, webhook payloads and (later) exports all read these, so what is masked where is decided
here once. The masking primitives themselves (`mask_phone`, …) live in `chatbot.contacts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from chatbot.contacts import mask_email, mask_phone, mask_text, mask_wechat
from recruit.models import ContactRecord, Conversation, Message

if TYPE_CHECKING:
    from wechat.models import WechatFriend


def conversation_contact(conversation: Conversation) -> ContactRecord | None:
    """The conversation's contact record, or None (uses a `select_related("contact")` when given)."""
    try:
        return conversation.contact
    except ContactRecord.DoesNotExist:
        return None


def contact_masked(record: ContactRecord | None) -> dict[str, str]:
    """Phone, WeChat id and e-mail, masked; "" for what is missing (webhook payloads)."""
    if record is None:
        return {"phone": "", "wechat": "", "email": ""}
    return {
        "phone": mask_phone(record.phone) if record.phone else "",
        "wechat": mask_wechat(record.wechat) if record.wechat else "",
        "email": mask_email(record.email) if record.email else "",
    }


def contact_summary(record: ContactRecord | None) -> str:
    """One masked line: what was obtained, e.g. "138****8000 / 简历"; "-" when nothing."""
    if record is None:
        return "-"
    parts = [*contact_masked(record).values(), _("简历") if record.cv_file else ""]
    return " / ".join(part for part in parts if part) or "-"


def contact_details_html(conversation: Conversation, record: ContactRecord | None) -> str:
    """Every contact detail in full, with the CV download link. Only for users allowed to see them."""
    if record is None:
        return "-"
    cv = "-"
    if record.cv_file:
        url = reverse("admin:recruit_conversation_cv", args=[conversation.pk])
        cv = format_html(
            '<a href="{}">{}</a> ({}, {} bytes)', url, record.cv_name or _("下载"), record.cv_type, record.cv_size
        )
    return format_html(
        "{}: {}<br>{}: {}<br>{}: {}<br>{}: {}",
        _("手机"),
        record.phone or "-",
        _("微信"),
        record.wechat or "-",
        _("邮箱"),
        record.email or "-",
        _("简历"),
        cv,
    )


@dataclass(frozen=True)
class TranscriptLine:
    time: str
    channel: str
    speaker: str
    text: str
    notes: str  # robot turns: engine, intent, next step, latency, error


def _robot_notes(message: Message) -> str:
    latency = f"{message.latency_ms}ms" if message.latency_ms is not None else ""
    return " ".join(x for x in (message.engine, message.intent, message.next_step, latency, message.error) if x)


def transcript_lines(conversation: Conversation, *, mask: bool, channel: str | None = None) -> list[TranscriptLine]:
    """The conversation's messages in order, on one channel (`Message.Channel`) or all; with `mask`,
    contact details in the text are masked."""
    recall = " · " + _("召回")
    messages = conversation.messages.order_by("seq")
    if channel is not None:
        messages = messages.filter(channel=channel)
    return [
        TranscriptLine(
            time=timezone.localtime(m.sent_at or m.created_at).strftime("%m-%d %H:%M"),
            channel=m.get_channel_display(),
            speaker=m.get_speaker_display() + (recall if m.is_recall else ""),
            text=mask_text(m.text) if mask else m.text,
            notes=_robot_notes(m),
        )
        for m in messages
    ]


def transcript_html(conversation: Conversation, *, mask: bool, channel: str | None = None) -> str:
    """The transcript as a table: one channel's (without a channel column), or every channel's."""
    lines = transcript_lines(conversation, mask=mask, channel=channel)
    if not lines:
        return "-"
    cells = ("time", "speaker", "text", "notes") if channel else ("time", "channel", "speaker", "text", "notes")
    row = "".join('<td style="white-space:pre-wrap">{}</td>' if cell == "text" else "<td>{}</td>" for cell in cells)
    rows = format_html_join("", f"<tr>{row}</tr>", (tuple(getattr(line, cell) for cell in cells) for line in lines))
    return format_html("<table>{}</table>", rows)


def wechat_id_shown(wechat_id: str, *, mask: bool) -> str:
    """A candidate's WeChat id (a WeChat friend's `search_id`), masked unless `mask` is off."""
    return (mask_wechat(wechat_id) if mask else wechat_id) if wechat_id else "-"


def friend_progress(friend: WechatFriend) -> str:
    """A WeChat friend's state and milestones on one line, e.g. "已约面 · 通过 12-01 10:00 · 约面 12-02 09:30
    · (周二 14:00)". The agreed slot is the candidate's words: contact details in it are masked."""
    parts = [friend.get_status_display()]
    for label, at in (
        (_("申请"), friend.requested_at),
        (_("通过"), friend.accepted_at),
        (_("简历"), friend.cv_at),
        (_("约面"), friend.interview_at),
    ):
        if at is not None:
            parts.append(f"{label} {timezone.localtime(at):%m-%d %H:%M}")
    if friend.interview_slot:
        parts.append(f"({mask_text(friend.interview_slot)})")
    return " · ".join(parts)
