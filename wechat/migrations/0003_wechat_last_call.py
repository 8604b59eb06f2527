"""Each WeChat account's last bot call (recruit.activity.call_stamp)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wechat", "0002_wechat_pacing_and_milestones"),
    ]

    operations = [
        migrations.AddField(
            model_name="wechataccount",
            name="last_call_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="最近调用"),
        ),
        migrations.AddField(
            model_name="wechataccount",
            name="last_call_endpoint",
            field=models.CharField(blank=True, editable=False, max_length=100, verbose_name="最近调用接口"),
        ),
    ]
