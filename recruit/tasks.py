"""Celery tasks: thin wrappers around services.

Each task has a time limit (a stuck webhook or database must not hold a worker forever) and retries
with back-off when the database is briefly unavailable; the periodic schedule runs them again anyway,
so the retries only shorten the gap.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from recruit.services import maintenance
from recruit.services.notify import notifications_deliver
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
