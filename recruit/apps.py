from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecruitConfig(AppConfig):
    name = "recruit"
    verbose_name = _("招聘")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from recruit import checks  # noqa: F401  (registers the settings checks)
