"""Recruiter notifications through the outbox (written in the event's transaction, delivered later)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chatbot.contacts import mask_text
from hunter_robot import workqueue
from recruit import notify_formats
from recruit.models import Conversation, Job, Notification
from recruit.pii import name_shown
from recruit.presenters import contact_masked

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
WEBHOOK_TIMEOUT = 10.0


def notification_enqueue(*, conversation: Conversation, kind: str, detail: str = "") -> Notification:
    """Queue a notification. Call inside the event's transaction: both commit or neither does.

    The payload carries masked contact details, the candidate's name masked ("张**") and an admin link,
    never the transcript: it leaves the console (a group chat, another system). `detail` (an engine's
    intent, a task kind) is machine text, masked as logs are.
    """
    contact = getattr(conversation, "contact", None)
    name = conversation.candidate.name
    payload = {
        "kind": kind,
        "detail": mask_text(detail, names=(name,), loose=False),  # machine text: codes are not WeChat ids
        "job": conversation.job.name,
        "jobID": conversation.job.job_id,
        "accountID": conversation.account.account_id,
        "candidate": name_shown(name, mask=True),
        "contact": contact_masked(contact),
        "url": admin_url("admin:recruit_conversation_change", conversation.pk),
    }
    [notification] = notifications_enqueue(
        [notification_for(conversation.job, kind=kind, payload=payload, conversation=conversation)]
    )
    return notification


def notifications_enqueue(rows: list[Notification]) -> list[Notification]:
    """Write outbox rows (one INSERT) and ask a worker to deliver them once the transaction commits."""
    created = Notification.objects.bulk_create(rows)
    if any(row.webhook for row in created):
        transaction.on_commit(_kick_delivery)
    return created


def admin_url(name: str, *args, query: str = "") -> str:
    """An absolute link into the console (SITE_URL), for people reading the notification elsewhere."""
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args) + (f"?{query}" if query else "")


def notification_for(job: Job, *, kind: str, payload: dict, conversation: Conversation | None = None) -> Notification:
    """An unsaved outbox row for `job`'s team, to its webhook in its format (both fixed now, so the row
    goes out in the shape of the URL it was written for); without a webhook it is kept in admin only."""
    return Notification(
        team_id=job.team_id,
        kind=kind,
        conversation=conversation,
        webhook=job.notify_webhook,
        notify_format=job.notify_format,
        payload=payload,
        status=Notification.Status.PENDING if job.notify_webhook else Notification.Status.SKIPPED,
        next_attempt_at=timezone.now(),
    )


def _kick_delivery() -> None:
    """Ask a worker to deliver now. A broker outage loses nothing: the row is committed and the
    periodic task picks it up, so the bot's request must not fail here."""
    from recruit.tasks import deliver_notifications

    try:
        deliver_notifications.delay()
    except Exception as exc:  # kombu raises transport-specific errors
        logger.warning("broker unavailable, notification left for the periodic task: %s", type(exc).__name__)


# The outbox's lease is its back-off: a claimed row is due again after 2, 4, 8 … minutes (capped), so a
# delivery that never reports back is retried, and a failed one waits longer each time.
RETRY_BACKOFF = workqueue.backoff(timedelta(minutes=1))


def notifications_claim(*, now: datetime | None = None, limit: int = 50) -> list[Notification]:
    """Claim due notifications for delivery (`SKIP LOCKED`, one more attempt, a new lease token)."""
    now = now or timezone.now()
    due = Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)
    return workqueue.claim(
        due, now=now, limit=limit, due_field="next_attempt_at", lease_for=RETRY_BACKOFF, token_field="lease_token"
    )


def notification_deliver(row: Notification) -> bool:
    """Post one claimed notification and record the outcome, unless a newer claim took the row over
    meanwhile (its lease expired): then that claim's outcome counts and this one is dropped. Returns
    whether the webhook accepted it."""
    body = notify_formats.render(row.notify_format, row.payload)
    try:
        response = httpx.post(row.webhook, json=body, timeout=WEBHOOK_TIMEOUT)
        response.raise_for_status()
        error = notify_formats.rejection(row.notify_format, _json_or_none(response))
    except httpx.HTTPError as exc:
        error = type(exc).__name__
    if error:
        failed = row.attempts >= MAX_ATTEMPTS
        workqueue.settle(
            row,
            last_error=error[:255],
            status=Notification.Status.FAILED if failed else Notification.Status.PENDING,
        )
        logger.warning("notification %s attempt %s failed: %s", row.pk, row.attempts, error)
        return False
    workqueue.settle(row, status=Notification.Status.SENT, sent_at=timezone.now())
    return True


def _json_or_none(response: httpx.Response):
    try:
        return response.json()
    except ValueError:
        return None


def notifications_deliver(*, limit: int = 50) -> int:
    """Post due notifications. The claim commits before any HTTP call, so no lock is held while
    waiting on the peer. Returns how many were accepted."""
    return sum(notification_deliver(row) for row in notifications_claim(limit=limit))
