"""Conversation rows, transcript appends and contact records, shared by chat, result and recall."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F
from django.utils import timezone

from chatbot.history import ROBOT_SIDE
from chatbot.types import SYSTEM, USER, Contacts
from recruit.models import Candidate, ContactRecord, Conversation, DoNotContact, Job, Message, RecruitAccount
from recruit.pii import identity_hash, platform_identity_hash
from recruit.services.notify import notification_enqueue


def conversation_lock(*, account: RecruitAccount, job: Job, candidate: Candidate, source: str) -> Conversation:
    """The (account, job, candidate) conversation, created if needed, locked for this transaction.

    Concurrency: creation goes through the unique constraint (`ignore_conflicts`), then the row is
    taken with `select_for_update`, so concurrent turns of one conversation run one at a time.
    """
    Conversation.objects.bulk_create(
        [Conversation(account=account, job=job, candidate=candidate, source=source)], ignore_conflicts=True
    )
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("job", "account", "candidate")
        .get(account=account, job=job, candidate=candidate)
    )


APPEND_FIELDS = ("message_count", "last_message_at", "last_speaker", "last_robot_at", "first_reply_at")
"""The conversation fields `messages_append` may change, for the caller's `conversation_save`."""


def messages_append(conversation: Conversation, rows: list[Message], *, now: datetime) -> None:
    """Append rows in order; the caller holds the conversation lock and saves APPEND_FIELDS.

    `last_speaker` and `last_robot_at` describe the platform chat (its precedence, recall timing):
    lines on the WeChat channel leave them as they are."""
    if not rows:
        return
    for row in rows:
        row.conversation = conversation
        row.seq = conversation.message_count
        conversation.message_count += 1
        conversation.last_message_at = now
        platform = row.channel == Message.Channel.PLATFORM
        if row.speaker != SYSTEM and platform:
            conversation.last_speaker = row.speaker
        if row.speaker in ROBOT_SIDE and not row.is_recall and platform:
            conversation.last_robot_at = now
        if row.speaker == USER and conversation.first_reply_at is None:
            conversation.first_reply_at = now
    Message.objects.bulk_create(rows)


CONTACT_KINDS = {
    "phone": ("phone", "phone_exchanged"),
    "wechat": ("wechat", "wechat_exchanged"),
    "email": ("email",),
    "cv": ("cv_received", "cv_file"),
}
"""Each kind of contact a recruiter is told about, and the record fields that show it."""


def contact_kinds(record: ContactRecord) -> list[str]:
    """The kinds of contact the record holds, in CONTACT_KINDS order."""
    return [kind for kind, fields in CONTACT_KINDS.items() if any(getattr(record, name) for name in fields)]


def contact_merge(conversation: Conversation, found: Contacts) -> tuple[ContactRecord, list[str]]:
    """Merge what was found into the conversation's contact record; empty values never erase.

    Returns the record and the names of fields that are new. Notifies a recruiter once per kind of
    contact obtained (phone, wechat, email, cv: a new value of a kind already held does not notify
    again), and queues WeChat follow-up for a new WeChat id. Call under the conversation lock.
    """
    record, _created = ContactRecord.objects.get_or_create(conversation=conversation)
    had_kinds = contact_kinds(record)
    changed = []
    for name in ("phone", "wechat", "email"):
        value = getattr(found, name)
        if value and value != getattr(record, name):
            setattr(record, name, value)
            changed.append(name)
    for name in ("phone_exchanged", "wechat_exchanged", "cv_received"):
        if getattr(found, name) and not getattr(record, name):
            setattr(record, name, True)
            changed.append(name)
    if not changed:
        return record, changed
    record.save()
    conversation.contact = record
    _block_if_listed(conversation.candidate, record)
    if "wechat" in changed:
        from wechat.services import wechat_followup_queue

        wechat_followup_queue(conversation=conversation, wechat_id=record.wechat)
    new_kinds = [kind for kind in contact_kinds(record) if kind not in had_kinds]
    if new_kinds:
        # Milestones: when each kind was first obtained (saved at once; callers save other fields).
        now = timezone.now()
        firsts = {f"{kind}_at": now for kind in new_kinds}
        for name, value in firsts.items():
            setattr(conversation, name, value)
        Conversation.objects.filter(pk=conversation.pk).update(**firsts)
        notification_enqueue(conversation=conversation, kind="contact", detail=",".join(new_kinds))
    return record, changed


def _contact_hashes(record: ContactRecord | None) -> list[tuple[str, str]]:
    if record is None:
        return []
    values = ((DoNotContact.Kind.PHONE, record.phone), (DoNotContact.Kind.WECHAT, record.wechat))
    return [(kind, identity_hash(kind, value)) for kind, value in values if value]


def _block_if_listed(candidate: Candidate, record: ContactRecord) -> None:
    """A phone or WeChat id already on the do-not-contact list blocks this candidate too."""
    pairs = _contact_hashes(record)
    if pairs and not candidate.do_not_contact:
        hits = DoNotContact.objects.filter(value_hash__in=[h for _k, h in pairs]).exists()
        if hits:
            Candidate.objects.filter(pk=candidate.pk).update(do_not_contact=True)


def do_not_contact_add(conversation: Conversation, *, reason: str) -> None:
    """The candidate declined: never screen them in again, on any job, by any of their identifiers."""
    record = ContactRecord.objects.filter(conversation=conversation).first()
    DoNotContact.objects.bulk_create(
        [
            DoNotContact(kind=kind, value_hash=value, reason=reason)
            for kind, value in [
                (DoNotContact.Kind.PLATFORM_ID, platform_identity_hash(conversation.candidate)),
                *_contact_hashes(record),
            ]
        ],
        ignore_conflicts=True,
    )
    Candidate.objects.filter(pk=conversation.candidate_id).update(do_not_contact=True)


def conversation_save(conversation: Conversation, *fields: str) -> None:
    conversation.version = F("version") + 1
    conversation.save(update_fields=[*fields, "version", "updated_at"])
    conversation.refresh_from_db(fields=["version"])
