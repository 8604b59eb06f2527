"""Deployment checks (`manage.py check --deploy`): the laptop defaults must not reach production."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def laptop_secrets(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    if settings.SECRET_KEY == settings.LAPTOP_SECRET_KEY:
        errors.append(
            checks.Error(
                "SECRET_KEY is the built-in laptop default.",
                hint="Set SECRET_KEY to a long random string in the environment.",
                id="hunter_robot.E001",
            )
        )
    if settings.PII_HASH_KEY == settings.LAPTOP_PII_HASH_KEY:
        errors.append(
            checks.Error(
                "PII_HASH_KEY is the built-in laptop default: anyone can recompute the do-not-contact hashes.",
                hint="Set PII_HASH_KEY to a long random string before the first candidate declines, and never "
                "change it afterwards (changing it orphans the do-not-contact list).",
                id="hunter_robot.E002",
            )
        )
    return errors
