"""The rate limit holds across processes when Redis is configured, and lets requests through when the
counter store is down (README "API"; settings CACHES).

Settings are evaluated in child processes started with a given environment, as production starts
them, so the checks cover CACHES as built from CACHE_URL / CELERY_BROKER_URL, not this test's overrides.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from devtools.fakes import closed_port_url
from hunter_robot.api import throttle
from hunter_robot.models import ApiKey
from tests.conftest import Api
from tests.factories import AccountFactory, TeamFactory

ROOT = Path(__file__).resolve().parent.parent
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
# Variables that decide the settings under test; a child gets only the ones a test gives it.
DECIDING = ("CACHE_URL", "CELERY_BROKER_URL", "SITE_URL", "HOST", "PORT", "API_RATE_LIMIT")


def run_with_settings(script: str, *args: str, **env: str) -> str:
    """Run `script` in a child Python whose settings come from our environment plus `env` (and, for
    the variables in DECIDING, only from `env`; an empty value reads as unset, even over a .env file)."""
    child_env = {name: value for name, value in os.environ.items() if name not in DECIDING}
    child_env.update({name: "" for name in DECIDING if name != "API_RATE_LIMIT"})
    child_env.update(DJANGO_SETTINGS_MODULE="hunter_robot.settings", LOG_LEVEL="ERROR", **env)
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=child_env, cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


PRINT_SETTINGS = """
import json, sys
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in sys.argv[1:]}))
"""


def settings_of_a_process_with(*names: str, **env: str) -> dict:
    return json.loads(run_with_settings(PRINT_SETTINGS, *names, **env))


@pytest.mark.parametrize(
    ("env", "backend", "location"),
    [
        ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/15"}, REDIS_CACHE, "redis://127.0.0.1:6379/15"),
        (
            {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/15", "CACHE_URL": "redis://10.0.0.7:6379/3"},
            REDIS_CACHE,
            "redis://10.0.0.7:6379/3",
        ),
        ({"CACHE_URL": "rediscache://10.0.0.7:6379/1"}, REDIS_CACHE, "redis://10.0.0.7:6379/1"),
        ({}, "django.core.cache.backends.locmem.LocMemCache", None),
    ],
    ids=["broker-redis", "cache-url-wins", "cache-url-alone", "no-redis"],
)
def test_counters_use_redis_whenever_redis_is_configured(env, backend, location):
    [cache_config] = settings_of_a_process_with("CACHES", **env)["CACHES"].values()
    assert cache_config["BACKEND"] == backend
    assert cache_config.get("LOCATION") == location
    if backend == REDIS_CACHE:
        assert cache_config["KEY_PREFIX"] == "hunter_robot"  # beside the broker's keys, never among them
        assert cache_config["OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


# --- Real Redis, two processes ---------------------------------------------------------------------

SPEND = """
import sys, types, django
django.setup()
from hunter_robot.api.throttle import BotRateThrottle
request = types.SimpleNamespace(caller=types.SimpleNamespace(key=types.SimpleNamespace(prefix=sys.argv[1])))
print(" ".join(str(BotRateThrottle().allow_request(request, None)) for _ in range(int(sys.argv[2]))))
"""


@pytest.fixture
def keyed_bot(db) -> tuple[Api, str, ApiKey]:
    """A remote bot with its own key (a fresh random prefix: its counter is shared with nobody else)."""
    key = ApiKey(team=TeamFactory(), name="bot")
    plain = key.issue()
    key.save()
    account = AccountFactory(team=key.team, platform_id="mine")
    account.api_keys.add(key)
    return Api(Client(REMOTE_ADDR="203.0.113.9")), plain, key


FETCH = {"accountID": "account_Boss_mine"}


@pytest.fixture
def fresh_store_state(monkeypatch):
    """This process has seen no counter-store failure yet."""
    monkeypatch.setitem(throttle._store, "warned_at", None)
    monkeypatch.setitem(throttle._store, "down_until", 0.0)


@pytest.mark.redis
def test_limit_is_shared_by_processes_through_the_brokers_redis(redis_url, keyed_bot, settings, fresh_store_state):
    api, plain, key = keyed_bot
    env = {"CELERY_BROKER_URL": redis_url, "API_RATE_LIMIT": "3/min"}
    settings.CACHES = settings_of_a_process_with("CACHES", **env)["CACHES"]  # what web processes get
    settings.API_RATE_LIMIT = "3/min"
    try:
        for _ in range(2):
            api.ok("/recruit/account/task/fetch", FETCH, HTTP_X_API_KEY=plain)
        # Another process, same key: one request left of the three, then limited.
        assert run_with_settings(SPEND, key.prefix, "2", **env).split() == ["True", "False"]
        status, body = api.post("/recruit/account/task/fetch", FETCH, HTTP_X_API_KEY=plain)
        assert (status, body["ret"]) == (429, 1429)
    finally:
        cache.delete(f"throttle_bot_key:{key.prefix}")


def use_cache_of_a_process_with(settings, **env: str) -> None:
    settings.CACHES = settings_of_a_process_with("CACHES", **env)["CACHES"]


def test_redis_down_lets_requests_through_and_warns(keyed_bot, settings, caplog, fresh_store_state):
    api, plain, _key = keyed_bot
    use_cache_of_a_process_with(settings, CELERY_BROKER_URL=closed_port_url().replace("http://", "redis://") + "/0")
    settings.API_RATE_LIMIT = "1/min"
    caplog.set_level(logging.WARNING, logger="hunter_robot.api.throttle")

    for _ in range(3):
        api.ok("/recruit/account/task/fetch", FETCH, HTTP_X_API_KEY=plain)

    warnings = [r.getMessage() for r in caplog.records if r.name == "hunter_robot.api.throttle"]
    assert len(warnings) == 1, warnings  # once a minute, not once a request
    assert warnings[0].startswith("rate-limit counters unavailable (ConnectionError")


class HungRedis:
    """Accepts connections and never answers; counts them."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.connections.append(self.server.accept()[0])
            except OSError:
                return

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"

    def close(self) -> None:
        self.server.close()
        for connection in self.connections:
            connection.close()


def test_hung_redis_costs_one_request_a_timeout_not_every_request(keyed_bot, settings, fresh_store_state):
    api, plain, _key = keyed_bot
    hung = HungRedis()
    try:
        use_cache_of_a_process_with(settings, CELERY_BROKER_URL=hung.url)
        settings.API_RATE_LIMIT = "1/min"
        started = time.monotonic()
        for _ in range(3):
            api.ok("/recruit/account/task/fetch", FETCH, HTTP_X_API_KEY=plain)
        elapsed = time.monotonic() - started
    finally:
        hung.close()
    assert len(hung.connections) == 1  # the first request waited; the next ones skipped the store
    assert elapsed < 5
