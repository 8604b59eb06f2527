"""System checks. Under `manage.py check --deploy`: the laptop defaults must not reach production, the
console must not go over plain HTTP, and a proxy in front must be named in TRUSTED_PROXIES. Always: the
login lockout's settings make sense."""

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


@checks.register(checks.Tags.security, deploy=True)
def transport(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    warnings = []
    if not settings.SECURE_TLS:
        # Stands in for Django's W004, W008, W012 and W016, silenced while SECURE_TLS is off (settings.py).
        warnings.append(
            checks.Warning(
                "SECURE_TLS is off: console passwords and session cookies travel over plain HTTP, with no HTTPS "
                "redirect and no HSTS.",
                hint="Terminate TLS in front of the app and set SECURE_TLS=true.",
                id="hunter_robot.W001",
            )
        )
    if settings.SECURE_PROXY_SSL_HEADER and not settings.TRUSTED_PROXIES:
        warnings.append(
            checks.Warning(
                "SECURE_PROXY_SSL_HEADER says a proxy is in front, but TRUSTED_PROXIES is empty: every client "
                "then has the proxy's address, so anyone's failed logins lock a user out for everyone, and all "
                "keyless callers share one rate limit.",
                hint="Set TRUSTED_PROXIES to the proxy's addresses (it must append X-Forwarded-For).",
                id="hunter_robot.W002",
            )
        )
    return warnings


@checks.register(checks.Tags.security)
def login_lockout(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    for name in ("LOGIN_FAILURE_LIMIT", "LOGIN_LOCKOUT_MINUTES"):
        if getattr(settings, name) < 1:
            errors.append(
                checks.Error(
                    f"{name} must be at least 1 (it is {getattr(settings, name)}).",
                    hint="Failed console logins lock a username and address out after LOGIN_FAILURE_LIMIT "
                    "failures, for LOGIN_LOCKOUT_MINUTES.",
                    id="hunter_robot.E003",
                )
            )
    return errors
