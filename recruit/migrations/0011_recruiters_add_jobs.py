"""招聘专员 (and 数据导出, which holds its permissions) may add jobs: the job import (issue 10) creates
jobs in the recruiter's own teams, and importing needs adding and changing jobs.

Idempotent like 0007: only a missing permission is added, to the groups that exist (a group an
administrator deleted stays deleted). Reversing leaves the permission in place.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("招聘专员", "数据导出")
ADD_JOB = ("recruit", "add_job")


def grant_add_job(apps, schema_editor):
    alias = schema_editor.connection.alias
    # On a fresh database permissions are created after all migrations (post_migrate): make them now.
    create_permissions(global_apps.get_app_config("recruit"), apps=apps, using=alias, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = ADD_JOB
    permission = Permission.objects.using(alias).get(content_type__app_label=app_label, codename=codename)
    for group in Group.objects.using(alias).filter(name__in=GROUPS):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("recruit", "0010_bot_activity"),
    ]

    operations = [
        migrations.RunPython(grant_add_job, migrations.RunPython.noop),
    ]
