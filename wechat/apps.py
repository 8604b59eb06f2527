from django.apps import AppConfig


class WechatConfig(AppConfig):
    name = "wechat"
    verbose_name = "微信跟进"
    default_auto_field = "django.db.models.BigAutoField"
