"""The periodic work beat runs, as django-celery-beat rows: the rows are the schedules' one home.

They are created once, by migration `hunter_robot 0002` (and never by beat's start-up: settings define no
CELERY_BEAT_SCHEDULE), and from then on edited in admin (周期任务): a recruiter or operator may change a
time, disable or delete a task, and nothing here writes over it. `periodic_tasks_install` creates only
the tasks whose name does not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    description: str
    every_minutes: int | None = None  # an interval …
    cron: tuple[str, str] | None = None  # … or a (minute, hour) crontab in TIME_ZONE, daily
    expire_seconds: int | None = None  # a run the worker did not start by then is dropped (the next one comes)


PERIODIC_TASKS = (
    Periodic(
        "deliver-notifications",
        "recruit.tasks.deliver_notifications",
        "投递待发送的通知（Webhook），失败的按退避重试",
        every_minutes=1,
        expire_seconds=60,
    ),
    Periodic(
        "purge-expired",
        "recruit.tasks.purge_expired",
        "清理过期的预留和超过保留期的原始简历卡片",
        every_minutes=60,
        expire_seconds=3600,
    ),
    Periodic(
        "wechat-lease-expiry",
        "wechat.tasks.expire_leases",
        "微信任务第三次领取超时后标记失败并通知招聘者",
        every_minutes=1,
        expire_seconds=60,
    ),
    Periodic(
        "wechat-nudges",
        "wechat.tasks.queue_nudges",
        "给通过好友后长时间未回复的候选人发送微信提醒",
        every_minutes=15,
        expire_seconds=900,
    ),
    Periodic(
        "daily-summary",
        "recruit.tasks.daily_summary",
        "每天 18:00 向各岗位的通知 Webhook 发送当日汇总",
        cron=("0", "18"),
        expire_seconds=6 * 3600,
    ),
)


def periodic_tasks_install(apps, time_zone: str) -> list[str]:
    """Create the periodic tasks that do not exist yet (by name); existing rows are left exactly as they
    are. `apps` is a migration's app registry (or `django.apps.apps`). Returns the names created."""
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    existing = set(
        PeriodicTask.objects.filter(name__in=[p.name for p in PERIODIC_TASKS]).values_list("name", flat=True)
    )
    created = []
    for periodic in PERIODIC_TASKS:
        if periodic.name in existing:
            continue
        if periodic.cron:
            minute, hour = periodic.cron
            cron = {"day_of_week": "*", "day_of_month": "*", "month_of_year": "*", "timezone": time_zone}
            schedule = {"crontab": _first_or_create(CrontabSchedule, minute=minute, hour=hour, **cron)}
        else:
            schedule = {"interval": _first_or_create(IntervalSchedule, every=periodic.every_minutes, period="minutes")}
        PeriodicTask.objects.create(
            name=periodic.name,
            task=periodic.task,
            description=periodic.description,
            expire_seconds=periodic.expire_seconds,
            **schedule,
        )
        created.append(periodic.name)
    if created:
        # What PeriodicTask's save signal does (a migration's models send none): a running beat re-reads.
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
    return created


def _first_or_create(model, **fields):
    """The schedule row with these fields (several may exist: admin does not stop duplicates), or a new one."""
    return model.objects.filter(**fields).order_by("pk").first() or model.objects.create(**fields)
