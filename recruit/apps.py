from django.apps import AppConfig


class RecruitConfig(AppConfig):
    name = "recruit"
    verbose_name = "招聘"
    default_auto_field = "django.db.models.BigAutoField"
