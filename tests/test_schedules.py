"""Background work's schedules have one home: django-celery-beat rows, created once by a migration and
edited in admin. Beat's start-up writes none of them (no CELERY_BEAT_SCHEDULE, no result expiry)."""

from __future__ import annotations

import importlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.conf import settings
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from hunter_robot.celery import app as celery_app
from hunter_robot.schedules import PERIODIC_TASKS, periodic_tasks_install

MIGRATION = importlib.import_module("hunter_robot.migrations.0002_periodic_tasks")
EXPECTED = {
    "deliver-notifications": ("recruit.tasks.deliver_notifications", "interval", 1),
    "purge-expired": ("recruit.tasks.purge_expired", "interval", 60),
    "wechat-lease-expiry": ("wechat.tasks.expire_leases", "interval", 1),
    "wechat-nudges": ("wechat.tasks.queue_nudges", "interval", 15),
    "daily-summary": ("recruit.tasks.daily_summary", "crontab", "0 18"),
    "retention": ("recruit.tasks.enforce_retention", "crontab", "30 3"),
    "silent-slots": ("recruit.tasks.notify_silent_slots", "interval", 5),
}


@pytest.fixture
def installed(db, monkeypatch):
    """What the migration leaves (tests before this one may have flushed the tables).

    Beat closes stale database connections before reading the schedule; inside a test's transaction
    that would drop the test's own connection (PostgreSQL), so here it is left open."""
    monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)
    PeriodicTask.objects.all().delete()
    MIGRATION.install(django_apps, None)
    return {task.name: task for task in PeriodicTask.objects.select_related("interval", "crontab")}


def test_the_migration_creates_each_periodic_task_once(installed):
    found = {}
    for name, task in installed.items():
        if task.crontab_id:
            schedule = ("crontab", f"{task.crontab.minute} {task.crontab.hour}")
            assert str(task.crontab.timezone) == settings.TIME_ZONE == "Asia/Shanghai"
            assert (task.crontab.day_of_week, task.crontab.day_of_month, task.crontab.month_of_year) == ("*", "*", "*")
        else:
            assert task.interval.period == IntervalSchedule.MINUTES
            schedule = ("interval", task.interval.every)
        found[name] = (task.task, *schedule)
        assert task.enabled and task.description and task.expire_seconds
    assert found == EXPECTED


def test_every_scheduled_task_is_a_registered_celery_task():
    celery_app.loader.import_default_modules()
    assert {p.task for p in PERIODIC_TASKS} <= set(celery_app.tasks)


def test_what_someone_edited_in_admin_is_never_overwritten(installed):
    nudges = installed["wechat-nudges"]
    nudges.interval = IntervalSchedule.objects.create(every=30, period=IntervalSchedule.MINUTES)
    nudges.enabled = False
    nudges.save()
    summary = installed["daily-summary"]
    summary.crontab = CrontabSchedule.objects.create(minute="30", hour="19", timezone="Asia/Shanghai")
    summary.save()
    installed["purge-expired"].delete()

    assert periodic_tasks_install(django_apps, settings.TIME_ZONE) == ["purge-expired"]  # only what is missing
    nudges.refresh_from_db()
    assert (nudges.interval.every, nudges.enabled) == (30, False)
    summary.refresh_from_db()
    assert (summary.crontab.minute, summary.crontab.hour) == ("30", "19")

    # Beat starting (the DatabaseScheduler `make run` and production use) writes no schedule either.
    before = list(PeriodicTask.objects.order_by("name").values("name", "task", "interval", "crontab", "enabled"))
    DatabaseScheduler(app=celery_app, lazy=False).close()
    assert (
        list(PeriodicTask.objects.order_by("name").values("name", "task", "interval", "crontab", "enabled")) == before
    )


def test_settings_define_no_static_schedule():
    assert not hasattr(settings, "CELERY_BEAT_SCHEDULE")
    assert celery_app.conf.beat_schedule == {}
    assert celery_app.conf.result_expires is None  # else beat installs and rewrites celery.backend_cleanup
    assert celery_app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("local_time", "due"),
    [((17, 59, 30), False), ((18, 0, 30), True)],
    ids=["17:59", "18:00"],
)
def test_beat_runs_the_daily_summary_at_18_00_shanghai_time(installed, local_time, due):
    yesterday = datetime(2026, 3, 9, 18, 0, 5, tzinfo=SHANGHAI)
    PeriodicTask.objects.filter(name="daily-summary").update(last_run_at=yesterday)
    with time_machine.travel(datetime(2026, 3, 10, *local_time, tzinfo=SHANGHAI), tick=False):
        scheduler = DatabaseScheduler(app=celery_app, lazy=False)
        entry = scheduler.schedule.get("daily-summary")  # beat lists crontab rows due around this hour
        assert entry is not None
        assert entry.is_due().is_due is due
        scheduler.close()
