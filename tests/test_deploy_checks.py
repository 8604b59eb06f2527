"""`manage.py check --deploy` refuses the laptop defaults of SECRET_KEY and PII_HASH_KEY."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


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
