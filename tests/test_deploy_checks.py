"""`manage.py check --deploy`: clean under the production environment the README documents; the laptop
defaults (SECRET_KEY, PII_HASH_KEY, plain HTTP) refused; the environment maps onto the HTTPS settings.

The subprocess tests start `manage.py check` with exactly the environment given (no `.env` file is read),
as a server would start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

# Django started as manage.py starts it, but without reading a developer's `.env`: the environment given is
# the whole configuration. Prints the settings that follow from it, then runs the command line.
STARTER = """
import json, sys
import environ
environ.Env.read_env = lambda *args, **kwargs: None
import django
from django.conf import settings
django.setup()
names = sys.argv[1].split(",")
print("SETTINGS " + json.dumps({name: getattr(settings, name) for name in names}, default=str))
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", *sys.argv[2:]])
"""
SHOWN = (
    "DEBUG,SECURE_SSL_REDIRECT,SESSION_COOKIE_SECURE,CSRF_COOKIE_SECURE,SECURE_HSTS_SECONDS,"
    "SECURE_HSTS_INCLUDE_SUBDOMAINS,SECURE_HSTS_PRELOAD,SECURE_PROXY_SSL_HEADER,SILENCED_SYSTEM_CHECKS"
)
# What the README's production section sets: DEBUG off, real keys, TLS terminated by a proxy in front.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k7Qe2vXb9LmN4pRs8TuW1yZa3cDf6gHj0KoPqIsUvWxYz5AbCdEfGhIjKlMnOpQr",
    "PII_HASH_KEY": "Zr8yXw6vUt4sRq2pOn0mLk9jIh7gFe5dCb3aZy1xWv",
    "ALLOWED_HOSTS": "hr.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://hr.example.com",
    "SECURE_TLS": "true",
    "TRUSTED_PROXIES": "10.0.0.5",
    "DATABASE_URL": "postgres://hunter:secret@127.0.0.1:5432/hunter",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "WHITENOISE_USE_FINDERS": "false",
}


def start(environment: dict[str, str], *argv: str) -> tuple[int, dict, str]:
    """Run `manage.py <argv>` under `environment` alone; its exit code, settings and output."""
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "hunter_robot.settings", **environment}
    done = subprocess.run(
        [sys.executable, "-c", STARTER, SHOWN, *argv],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("SETTINGS "))
    return done.returncode, json.loads(line.removeprefix("SETTINGS ")), output


def test_check_deploy_is_clean_under_the_production_environment(tmp_path):
    code, shown, output = start(
        {**PRODUCTION, "STATIC_ROOT": str(tmp_path / "static")}, "check", "--deploy", "--fail-level", "WARNING"
    )
    assert code == 0, output
    assert "System check identified no issues (0 silenced)." in output, output
    assert shown == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SILENCED_SYSTEM_CHECKS": [],
    }


def test_the_laptop_defaults_fail_check_deploy():
    code, shown, output = start({}, "check", "--deploy")
    assert code == 1, output
    assert "hunter_robot.E001" in output and "hunter_robot.E002" in output
    assert "hunter_robot.W001" in output  # plain HTTP: one warning for Django's four
    # ... and `make run` serves plain http: nothing redirects to HTTPS or needs a secure cookie.
    assert shown["SECURE_SSL_REDIRECT"] is False and shown["SECURE_HSTS_SECONDS"] == 0
    assert shown["SESSION_COOKIE_SECURE"] is False and shown["CSRF_COOKIE_SECURE"] is False
    assert shown["SECURE_PROXY_SSL_HEADER"] is None


def test_each_https_setting_can_be_set_on_its_own():
    """A proxy that redirects to HTTPS itself, a shorter HSTS while trying it out, no preload, and a proxy
    that names its header differently."""
    code, shown, output = start(
        {
            **PRODUCTION,
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "3600",
            "SECURE_HSTS_PRELOAD": "false",
            "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Scheme",
        },
        "check",
        "--deploy",
    )
    assert code == 0, output
    assert shown["SECURE_SSL_REDIRECT"] is False and shown["SECURE_HSTS_SECONDS"] == 3600
    assert shown["SECURE_HSTS_PRELOAD"] is False and shown["SESSION_COOKIE_SECURE"] is True
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SCHEME", "https"]
    # Django says what each choice gives up; nothing is silenced while SECURE_TLS is on.
    assert "security.W008" in output and "security.W021" in output


def test_a_proxy_in_front_must_be_a_trusted_proxy():
    environment = {key: value for key, value in PRODUCTION.items() if key != "TRUSTED_PROXIES"}
    code, _, output = start(environment, "check", "--deploy", "--fail-level", "WARNING")
    assert code == 1
    assert "hunter_robot.W002" in output and "System check identified 1 issue" in output, output


def test_deploy_check_fails_with_the_laptop_defaults(settings):
    settings.SECRET_KEY = settings.LAPTOP_SECRET_KEY
    settings.PII_HASH_KEY = settings.LAPTOP_PII_HASH_KEY
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", deploy=True)
    assert "hunter_robot.E001" in str(raised.value) and "hunter_robot.E002" in str(raised.value)


def test_deploy_check_names_only_the_default_still_in_use(settings):
    settings.SECRET_KEY = "x" * 60 + "a-real-secret"
    settings.PII_HASH_KEY = settings.LAPTOP_PII_HASH_KEY
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", deploy=True)
    assert "hunter_robot.E002" in str(raised.value) and "hunter_robot.E001" not in str(raised.value)


def test_the_app_still_starts_with_them(settings):
    settings.SECRET_KEY = settings.LAPTOP_SECRET_KEY
    call_command("check")  # errors only under --deploy


@pytest.mark.parametrize("name", ["LOGIN_FAILURE_LIMIT", "LOGIN_LOCKOUT_MINUTES"])
def test_the_login_lockout_needs_sensible_numbers(settings, name):
    setattr(settings, name, 0)
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    assert "hunter_robot.E003" in str(raised.value) and name in str(raised.value)
