from django.apps import AppConfig


class HunterRobotConfig(AppConfig):
    name = "hunter_robot"
    verbose_name = "团队与接口密钥"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hunter_robot import checks  # noqa: F401  (registers the deployment checks)
