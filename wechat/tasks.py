"""Celery tasks of the WeChat channel: thin wrappers around services, with the project's task policy
(time limits, retries on a briefly unavailable database). Their schedules are rows of django-celery-beat
(`hunter_robot.schedules`)."""

from __future__ import annotations

from celery import shared_task

from recruit.tasks import TASK_POLICY
from wechat import nudges, services


@shared_task(**TASK_POLICY)
def expire_leases() -> int:
    """Fail the tasks whose third lease expired, and notify the recruiter."""
    return services.wechat_leases_expire()


@shared_task(**TASK_POLICY)
def queue_nudges() -> int:
    return nudges.wechat_nudges_queue()
