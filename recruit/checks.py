"""System checks of the recruiting settings: a typo in RETENTION_DAYS stops `manage.py` and the server
from starting instead of keeping data longer (or shorter) than configured; one in PLATFORM_DAILY_CAP
instead of greeting without the ceiling."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def retention_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from recruit.services.retention import retention_days

    try:
        retention_days()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="e.g. RETENTION_DAYS=message=180,cv=90", id="recruit.E001")]
    return []


@checks.register()
def daily_cap_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """PLATFORM_DAILY_CAP must name platforms and whole numbers: a typo would silently lift the ceiling."""
    from django.conf import settings

    from recruit.quota import daily_caps

    try:
        daily_caps(settings.PLATFORM_DAILY_CAP)
    except ValueError as exc:
        return [checks.Error(str(exc), hint="e.g. PLATFORM_DAILY_CAP=Boss=150,maimai=100", id="recruit.E002")]
    return []
