"""A recruiter's actions in the console: take over or hand back a conversation, clear its flag, set
its status, pause or resume an account. Each takes the acting user, writes an audit row in its own
transaction and returns whether it changed anything (a repeat is a no-op, not audited twice).

Conversation actions bump `Conversation.version` (through `conversation_save`): a chat reply the
engine computed before the change carries the old version and is neither saved nor sent
(`recruit.services.chat._save_reply` compares versions under the same row lock).
"""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from hunter_robot.audit import AuditAction
from hunter_robot.services import audit_record
from recruit.models import Conversation, RecruitAccount
from recruit.services.conversations import conversation_save

CLOSING_MILESTONES = {Conversation.Status.FINISHED: "finished_at", Conversation.Status.DECLINED: "declined_at"}


def _conversation_locked(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def _conversation_changed(conversation: Conversation, locked: Conversation, *fields: str) -> None:
    """Save the locked row (bumping its version) and mirror the result onto the caller's instance."""
    conversation_save(locked, *fields)
    for name in (*fields, "version"):
        setattr(conversation, name, getattr(locked, name))


@transaction.atomic
def conversation_take_over(*, conversation: Conversation, user) -> bool:
    """`user` answers this candidate from now on; the robot stays silent until handed back.

    Concurrency: under the conversation's row lock; the version bump makes a reply computed before
    the takeover unsaveable, so the robot never speaks after this commits. Taking over from another
    recruiter reassigns it (audited with the previous one); the same user again changes nothing.
    """
    locked = _conversation_locked(conversation)
    if locked.taken_over_by_id == user.pk:
        return False
    previous = locked.taken_over_by
    locked.taken_over_by = user
    _conversation_changed(conversation, locked, "taken_over_by")
    audit_record(
        user=user,
        action=AuditAction.TAKE_OVER,
        obj=locked,
        detail=f"from {previous.get_username()}" if previous else "",
    )
    return True


@transaction.atomic
def conversation_hand_back(*, conversation: Conversation, user) -> bool:
    """The robot answers again from the next chat turn. A conversation nobody holds is left alone.

    Concurrency: under the conversation's row lock, version bumped.
    """
    locked = _conversation_locked(conversation)
    if locked.taken_over_by_id is None:
        return False
    previous = locked.taken_over_by
    locked.taken_over_by = None
    _conversation_changed(conversation, locked, "taken_over_by")
    audit_record(user=user, action=AuditAction.HAND_BACK, obj=locked, detail=f"from {previous.get_username()}")
    return True


@transaction.atomic
def conversation_flag_clear(*, conversation: Conversation, user) -> bool:
    """Clear "needs human" (set by the engine's need-ensure step); the robot answers again.

    Concurrency: under the conversation's row lock, version bumped; a turn that sets the flag again
    after this commits wins, as it should (the engine asked for a human again).
    """
    locked = _conversation_locked(conversation)
    if not locked.needs_human:
        return False
    locked.needs_human = False
    _conversation_changed(conversation, locked, "needs_human")
    audit_record(user=user, action=AuditAction.CLEAR_FLAG, obj=locked)
    return True


@transaction.atomic
def conversation_status_set(*, conversation: Conversation, user, status: str) -> bool:
    """A recruiter closes (finished / declined) or reopens a conversation by hand. Closing stamps the
    milestone (`finished_at` / `declined_at`) the first time, as a chat turn that closes it does.

    Concurrency: under the conversation's row lock, only `status`, the milestone and the version are
    written, so transcript counters a concurrent chat turn advanced are never overwritten; a reply
    computed before the change is dropped by the version check.
    """
    if status not in Conversation.Status.values:
        raise ValueError(f"unknown conversation status {status!r}")
    locked = _conversation_locked(conversation)
    if locked.status == status:
        return False
    previous = locked.status
    locked.status = status
    fields = ["status"]
    milestone = CLOSING_MILESTONES.get(status)
    if milestone and getattr(locked, milestone) is None:
        setattr(locked, milestone, timezone.now())
        fields.append(milestone)
    _conversation_changed(conversation, locked, *fields)
    audit_record(user=user, action=AuditAction.SET_STATUS, obj=locked, detail=f"{previous} -> {status}")
    return True


def active_set(obj: models.Model, user, *, active: bool, detail: str = "") -> bool:
    """Pause (`active` False) or resume an account of any kind (recruiting, WeChat): under its row lock,
    writing only `active` (and `updated_at` where the model has one), audited as "pause" / "resume"
    (with `detail`, e.g. the risk report that paused it). Call inside a transaction. Returns whether it
    changed anything."""
    model = type(obj)
    locked = model.objects.select_for_update().get(pk=obj.pk)
    if locked.active == active:
        obj.active = active
        return False
    locked.active = active
    fields = ["active", *(["updated_at"] if any(f.name == "updated_at" for f in model._meta.fields) else [])]
    locked.save(update_fields=fields)
    for name in fields:
        setattr(obj, name, getattr(locked, name))
    audit_record(user=user, action=AuditAction.RESUME if active else AuditAction.PAUSE, obj=locked, detail=detail)
    return True


@transaction.atomic
def account_pause(*, account: RecruitAccount, user, detail: str = "") -> bool:
    """Stop this account greeting: its tasks have no quota left and screening answers "paused",
    until resumed. `user` None is the system (a bot's risk report, `recruit.services.risk`).

    Concurrency: under the account's row lock; only `active` (and `updated_at`) is written, so a
    concurrent edit of other fields is not overwritten. A fetch already answered keeps its tasks;
    the next call sees the pause.
    """
    return active_set(account, user, active=False, detail=detail)


@transaction.atomic
def account_resume(*, account: RecruitAccount, user) -> bool:
    """Hand this account greeting tasks again; a pause a risk report caused is cleared with it (its
    kind, time and detail), the audit row naming the risk. Concurrency: as `account_pause`; the risk
    fields are read and cleared under the same row lock, so a report racing the resume either lands
    before it (and is cleared) or after it (and pauses again)."""
    locked = RecruitAccount.objects.select_for_update().get(pk=account.pk)
    risk = locked.risk_kind
    changed = active_set(account, user, active=True, detail=f"risk cleared: {risk}" if risk else "")
    if risk:
        RecruitAccount.objects.filter(pk=account.pk).update(risk_kind=None, risk_at=None, risk_detail=None)
        account.risk_kind = account.risk_at = account.risk_detail = None
        if not changed:  # active already (edited outside the console): the clearing is recorded still
            audit_record(user=user, action=AuditAction.RESUME, obj=locked, detail=f"risk cleared: {risk}")
        changed = True
    return changed
