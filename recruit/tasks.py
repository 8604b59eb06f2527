"""Celery tasks: thin wrappers around services.

Each task has a time limit (a stuck webhook or database must not hold a worker forever) and retries
with back-off when the database is briefly unavailable; the periodic schedule runs them again anyway,
so the retries only shorten the gap.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from recruit.services import maintenance, retention
from recruit.services.notify import notifications_deliver
from recruit.services.silent_slots import silent_slots_notify
from recruit.services.summary import daily_summaries_enqueue

TASK_POLICY = {
    "ignore_result": True,
    "soft_time_limit": 240,  # seconds; the hard limit below kills the worker child
    "time_limit": 300,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(**TASK_POLICY)
def deliver_notifications() -> int:
    return notifications_deliver()


@shared_task(**TASK_POLICY)
def purge_expired() -> dict:
    return maintenance.purge_expired()


@shared_task(**TASK_POLICY)
def daily_summary() -> int:
    return daily_summaries_enqueue()


@shared_task(**TASK_POLICY)
def notify_silent_slots() -> int:
    """Tell the recruiter about each account whose bot made no call through a time slot that just ended."""
    return silent_slots_notify()


# Deletes in short batches, so a long backlog (the first run on old data) may take a while: a longer
# limit. Every finished batch stays done if it is cut short; the next run goes on from there.
@shared_task(**{**TASK_POLICY, "soft_time_limit": 3 * 3600, "time_limit": 3 * 3600 + 300})
def enforce_retention() -> dict:
    return retention.retention_enforce()
