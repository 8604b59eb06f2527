"""The periodic work beat runs, as django-celery-beat rows: the rows are the schedules' one home.

They are created once, by migration `hunter_robot 0002` (a task added later by its own migration, for
that task only, e.g. `0003` for `retention`), never by beat's start-up (settings define no
CELERY_BEAT_SCHEDULE), and from then on edited in admin (周期任务): a recruiter or operator may change a
time, disable or delete a task, and nothing here writes over it. `periodic_tasks_install` creates only
the tasks whose name does not exist yet.
"""

from __future__ import annotations

from collections.abc import Collection
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
        "清理过期的预留",
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
    Periodic(
        "silent-slots",
        "recruit.tasks.notify_silent_slots",
        "招聘账号的机器人在某个时段内没有调用时通知招聘者（每个时段一次）",
        every_minutes=5,
        expire_seconds=300,
    ),
    Periodic(
        "retention",
        "recruit.tasks.enforce_retention",
        "每天 03:30 按保留期限清除过期的候选人数据（原始名片、聊天记录、联系方式、简历、筛选记录、审计记录）",
        cron=("30", "3"),
        expire_seconds=6 * 3600,
    ),
)
# What `purge-expired` said before raw cards moved to `retention` (migration hunter_robot 0003 updates a
# row still carrying it).
PURGE_EXPIRED_OLD_DESCRIPTION = "清理过期的预留和超过保留期的原始简历卡片"


def periodic_tasks_install(apps, time_zone: str, names: Collection[str] | None = None) -> list[str]:
    """Create the periodic tasks that do not exist yet (by name); existing rows are left exactly as they
    are. `apps` is a migration's app registry (or `django.apps.apps`). `names` limits it to those tasks:
    a later migration adding one task must not bring back another that someone deleted in admin.
    Returns the names created."""
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    wanted = [p for p in PERIODIC_TASKS if names is None or p.name in names]
    existing = set(PeriodicTask.objects.filter(name__in=[p.name for p in wanted]).values_list("name", flat=True))
    created = []
    for periodic in wanted:
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
