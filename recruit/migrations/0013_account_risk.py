"""The account safety fuse (CONTRACT §9): the risk a bot reported on an account (kind, time, detail;
nullable, cleared by the resume) and the account_risk notification kind."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recruit", "0012_rubric"),
    ]

    operations = [
        migrations.AddField(
            model_name="recruitaccount",
            name="risk_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="风控时间"),
        ),
        migrations.AddField(
            model_name="recruitaccount",
            name="risk_detail",
            field=models.CharField(blank=True, editable=False, max_length=500, null=True, verbose_name="风控详情"),
        ),
        migrations.AddField(
            model_name="recruitaccount",
            name="risk_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("captcha", "验证码"),
                    ("rate_limited", "操作频繁"),
                    ("login_expired", "登录失效"),
                    ("banned", "封禁"),
                    ("other", "其他"),
                ],
                editable=False,
                max_length=16,
                null=True,
                verbose_name="风控类型",
            ),
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
                    ("account_risk", "账号风控"),
                ],
                max_length=16,
                verbose_name="类型",
            ),
        ),
    ]
