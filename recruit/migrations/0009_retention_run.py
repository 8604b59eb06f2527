"""The record of each retention pass (recruit.services.retention)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recruit", "0008_subject_request"),
    ]

    operations = [
        migrations.CreateModel(
            name="RetentionRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("raw_card", "原始名片"),
                            ("message", "聊天记录"),
                            ("contact", "联系方式"),
                            ("cv", "简历"),
                            ("decision", "筛选记录"),
                            ("audit", "审计记录"),
                        ],
                        max_length=16,
                        verbose_name="数据类别",
                    ),
                ),
                ("days", models.PositiveIntegerField(verbose_name="保留天数")),
                ("cutoff", models.DateTimeField(help_text="早于此时间的数据被清除", verbose_name="截止时间")),
                ("removed", models.PositiveIntegerField(default=0, verbose_name="清除条数")),
                ("files_removed", models.PositiveIntegerField(default=0, verbose_name="删除文件数")),
                ("batches", models.PositiveIntegerField(default=0, verbose_name="批次")),
                ("started_at", models.DateTimeField(db_index=True, verbose_name="开始时间")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="完成时间")),
            ],
            options={
                "verbose_name": "数据保留清理",
                "verbose_name_plural": "数据保留清理",
                "ordering": ["-started_at", "-id"],
            },
        ),
    ]
