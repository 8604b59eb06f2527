"""Celery tasks: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from recruit.services import maintenance
from recruit.services.notify import notifications_deliver


@shared_task(ignore_result=True)
def deliver_notifications() -> int:
    return notifications_deliver()


@shared_task(ignore_result=True)
def purge_expired() -> dict:
    return maintenance.purge_expired()
