"""The export permission (`recruit.export_results`) and the console's two groups.

招聘专员 (recruiter): edits jobs (with their recall steps), accounts and their daily tasks and time slots,
WeChat accounts; works conversations (take over, hand back, status); reads candidates, screening
decisions, notifications, WeChat friends and tasks. Not: full contacts or CVs (`view_contact_pii`,
`download_cv`, granted per person), exports, teams, keys, users, the audit log, schedules, deleting.
数据导出 (export): 招聘专员's permissions plus `export_results`.

Idempotent: a group that exists keeps its members and any permission an administrator added; only the
missing ones are added. Reversing leaves the groups in place (they may have members by then).
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

RECRUITER = "招聘专员"
EXPORTER = "数据导出"

# app label -> model -> actions (Django's add / change / delete / view).
RECRUITER_PERMISSIONS = {
    "recruit": {
        "job": ("view", "change"),
        "recallstep": ("view", "add", "change", "delete"),
        "recruitaccount": ("view", "change"),
        "accountjob": ("view", "add", "change"),
        "timeslot": ("view", "add", "change", "delete"),
        "conversation": ("view", "change"),
        "candidate": ("view",),
        "screeningdecision": ("view",),
        "notification": ("view",),
    },
    "wechat": {
        "wechataccount": ("view", "change"),
        "wechatfriend": ("view",),
        "wechattask": ("view",),
    },
}
EXPORT_CODENAME = ("recruit", "export_results")


def codenames(table: dict) -> list[tuple[str, str]]:
    return [
        (app, f"{action}_{model}")
        for app, models in table.items()
        for model, actions in models.items()
        for action in actions
    ]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); on a fresh database they do
    # not exist yet, so create this app's and wechat's now (the historical models, their permissions).
    alias = schema_editor.connection.alias
    for label in ("recruit", "wechat"):
        create_permissions(global_apps.get_app_config(label), apps=apps, using=alias, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(pairs):
        found = []
        for app, codename in pairs:
            found.append(Permission.objects.using(alias).get(content_type__app_label=app, codename=codename))
        return found

    recruiter = permissions(codenames(RECRUITER_PERMISSIONS))
    for name, granted in ((RECRUITER, recruiter), (EXPORTER, [*recruiter, *permissions([EXPORT_CODENAME])])):
        group, _created = Group.objects.using(alias).get_or_create(name=name)
        group.permissions.add(*granted)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("recruit", "0006_notification_summary_and_format"),
        ("wechat", "0002_wechat_pacing_and_milestones"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="conversation",
            options={
                "permissions": [("export_results", "可导出联系结果")],
                "verbose_name": "会话",
                "verbose_name_plural": "会话",
            },
        ),
        migrations.RunPython(create_groups, migrations.RunPython.noop),
    ]
