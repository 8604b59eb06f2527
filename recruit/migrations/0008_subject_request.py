"""Candidate data requests: their two permissions (given to no group), and greetings that outlive an
erased candidate as anonymous counts (the candidate reference is nulled)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recruit", "0007_export_permission_and_groups"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="candidate",
            options={
                "permissions": [
                    ("export_subject_data", "可导出候选人个人数据"),
                    ("erase_subject_data", "可删除候选人个人数据"),
                ],
                "verbose_name": "候选人",
                "verbose_name_plural": "候选人",
            },
        ),
        migrations.AlterField(
            model_name="greeting",
            name="candidate",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="greetings",
                to="recruit.candidate",
            ),
        ),
    ]
