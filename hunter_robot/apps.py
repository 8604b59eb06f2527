from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HunterRobotConfig(AppConfig):
    name = "hunter_robot"
    verbose_name = _("团队与接口密钥")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hunter_robot import checks  # noqa: F401  (registers the deployment checks)
