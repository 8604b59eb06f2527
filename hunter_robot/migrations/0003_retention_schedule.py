"""The `retention` periodic task (`hunter_robot.schedules`), created once; from then on edited in admin.

Raw cards moved from `purge-expired` to `retention`, so `purge-expired`'s description is updated too,
but only while it still reads as migration 0002 wrote it (someone may have edited it since).
"""

from django.conf import settings
from django.db import migrations

from hunter_robot.schedules import PERIODIC_TASKS, PURGE_EXPIRED_OLD_DESCRIPTION, periodic_tasks_install


def install(apps, schema_editor):
    periodic_tasks_install(apps, settings.TIME_ZONE, names={"retention"})
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    [purge] = [p for p in PERIODIC_TASKS if p.name == "purge-expired"]
    PeriodicTask.objects.filter(name=purge.name, description=PURGE_EXPIRED_OLD_DESCRIPTION).update(
        description=purge.description
    )


class Migration(migrations.Migration):
    dependencies = [
        ("hunter_robot", "0002_periodic_tasks"),
    ]

    # Reversing keeps the row: it may have been edited since, and it is not this app's data.
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
