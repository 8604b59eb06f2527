# Second-stage screening (CONTRACT §9): a job's rubric and threshold, the decision's score and reason,
# and the score cache per (masked profile, rubric version).

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recruit", "0011_recruiters_add_jobs"),
    ]

    operations = [
        migrations.CreateModel(
            name="RubricScore",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("profile_hash", models.CharField(max_length=64)),
                ("rubric_version", models.CharField(max_length=64)),
                ("score", models.PositiveSmallIntegerField(verbose_name="评分")),
                ("reason", models.CharField(blank=True, max_length=300, verbose_name="评分理由")),
                ("model", models.CharField(blank=True, max_length=100, verbose_name="模型")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="时间")),
            ],
            options={
                "verbose_name": "评分缓存",
                "verbose_name_plural": "评分缓存",
                "constraints": [
                    models.UniqueConstraint(fields=("profile_hash", "rubric_version"), name="rubric_score_unique"),
                    models.CheckConstraint(condition=models.Q(("score__lte", 100)), name="rubric_score_range"),
                ],
            },
        ),
        migrations.AddField(
            model_name="job",
            name="rubric",
            field=models.TextField(
                blank=True,
                help_text="大模型按此为通过规则筛选的候选人打分（0-100）；每行一条要点，留空不评分",
                verbose_name="评分标准",
            ),
        ),
        migrations.AddField(
            model_name="job",
            name="rubric_threshold",
            field=models.PositiveSmallIntegerField(
                default=60,
                help_text="0-100，评分不低于此值才打招呼",
                validators=[django.core.validators.MaxValueValidator(100)],
                verbose_name="评分及格线",
            ),
        ),
        migrations.AddConstraint(
            model_name="job",
            constraint=models.CheckConstraint(
                condition=models.Q(("rubric_threshold__lte", 100)), name="job_rubric_threshold_range"
            ),
        ),
        migrations.AddField(
            model_name="screeningdecision",
            name="rubric_reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="评分理由"),
        ),
        migrations.AddField(
            model_name="screeningdecision",
            name="rubric_score",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="评分"),
        ),
    ]
