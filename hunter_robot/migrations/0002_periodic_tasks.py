"""Create the periodic tasks once (`hunter_robot.schedules`); from then on they are edited in admin."""

from django.conf import settings
from django.db import migrations

from hunter_robot.schedules import periodic_tasks_install


def install(apps, schema_editor):
    periodic_tasks_install(apps, settings.TIME_ZONE)


class Migration(migrations.Migration):
    dependencies = [
        ("hunter_robot", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    # Reversing keeps the rows: they may have been edited since, and they are not this app's data.
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
