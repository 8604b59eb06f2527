"""Recruiter notifications through the outbox (written in the event's transaction, delivered later)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hunter_robot import workqueue
from recruit.models import Conversation, Notification
from recruit.presenters import contact_masked

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
WEBHOOK_TIMEOUT = 10.0


def notification_enqueue(*, conversation: Conversation, kind: str, detail: str = "") -> Notification:
    """Queue a notification. Call inside the event's transaction: both commit or neither does.

    The payload carries masked contact details and an admin link, never the transcript.
    """
    contact = getattr(conversation, "contact", None)
    payload = {
        "kind": kind,
        "detail": detail,
        "job": conversation.job.name,
        "jobID": conversation.job.job_id,
        "accountID": conversation.account.account_id,
        "candidate": conversation.candidate.name,
        "contact": contact_masked(contact),
        "url": settings.SITE_URL.rstrip("/") + reverse("admin:recruit_conversation_change", args=[conversation.pk]),
    }
    webhook = conversation.job.notify_webhook
    notification = Notification.objects.create(
        team_id=conversation.job.team_id,
        kind=kind,
        conversation=conversation,
        webhook=webhook,
        payload=payload,
        status=Notification.Status.PENDING if webhook else Notification.Status.SKIPPED,
        next_attempt_at=timezone.now(),
    )
    if webhook:
        transaction.on_commit(_kick_delivery)
    return notification


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
    try:
        response = httpx.post(row.webhook, json=row.payload, timeout=WEBHOOK_TIMEOUT)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        failed = row.attempts >= MAX_ATTEMPTS
        workqueue.settle(
            row,
            last_error=f"{type(exc).__name__}"[:255],
            status=Notification.Status.FAILED if failed else Notification.Status.PENDING,
        )
        logger.warning("notification %s attempt %s failed: %s", row.pk, row.attempts, type(exc).__name__)
        return False
    workqueue.settle(row, status=Notification.Status.SENT, sent_at=timezone.now())
    return True


def notifications_deliver(*, limit: int = 50) -> int:
    """Post due notifications. The claim commits before any HTTP call, so no lock is held while
    waiting on the peer. Returns how many were accepted."""
    return sum(notification_deliver(row) for row in notifications_claim(limit=limit))
