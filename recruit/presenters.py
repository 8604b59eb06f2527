"""How a conversation is shown to people: its contact details and its transcript, masked or in full.

The console, webhook payloads and (later) exports all read these, so what is masked where is decided
here once. The masking primitives themselves (`mask_phone`, …) live in `chatbot.contacts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from chatbot.contacts import mask_email, mask_phone, mask_text, mask_wechat
from recruit.models import ContactRecord, Conversation, Message


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


def transcript_lines(conversation: Conversation, *, mask: bool) -> list[TranscriptLine]:
    """The conversation's messages in order; with `mask`, contact details in the text are masked."""
    recall = " · " + _("召回")
    return [
        TranscriptLine(
            time=timezone.localtime(m.sent_at or m.created_at).strftime("%m-%d %H:%M"),
            channel=m.get_channel_display(),
            speaker=m.get_speaker_display() + (recall if m.is_recall else ""),
            text=mask_text(m.text) if mask else m.text,
            notes=_robot_notes(m),
        )
        for m in conversation.messages.order_by("seq")
    ]


def transcript_html(conversation: Conversation, *, mask: bool) -> str:
    rows = format_html_join(
        "",
        '<tr><td>{}</td><td>{}</td><td>{}</td><td style="white-space:pre-wrap">{}</td><td>{}</td></tr>',
        (
            (line.time, line.channel, line.speaker, line.text, line.notes)
            for line in transcript_lines(conversation, mask=mask)
        ),
    )
    return format_html("<table>{}</table>", rows)
