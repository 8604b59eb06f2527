"""Bots at a glance: each recruiting account's last bot call, the outbox's dedupe key and the silent-slot
notification kind, and the `silent-slots` periodic task (`hunter_robot.schedules`), created once for
that task only; from then on edited in admin."""

from django.conf import settings
from django.db import migrations, models

from hunter_robot.schedules import periodic_tasks_install


def install(apps, schema_editor):
    periodic_tasks_install(apps, settings.TIME_ZONE, names={"silent-slots"})


class Migration(migrations.Migration):
    dependencies = [
        ("recruit", "0009_retention_run"),
        ("hunter_robot", "0002_periodic_tasks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="dedupe_key",
            field=models.CharField(blank=True, editable=False, max_length=100, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="recruitaccount",
            name="last_call_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="最近调用"),
        ),
        migrations.AddField(
            model_name="recruitaccount",
            name="last_call_endpoint",
            field=models.CharField(blank=True, editable=False, max_length=100, verbose_name="最近调用接口"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("contact", "获得联系方式"),
                    ("need_human", "需要人工"),
                    ("task_failed", "任务失败"),
                    ("summary", "每日汇总"),
                    ("silent_slot", "机器人未调用"),
                ],
                max_length=16,
                verbose_name="类型",
            ),
        ),
        # Reversing keeps the row: it may have been edited since, and it is not this app's data.
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
