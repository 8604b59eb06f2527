from __future__ import annotations

import json
import os

import pytest
from django.db import connection
from django.test import Client

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# The suite sends thousands of requests from one address; the rate-limit test turns it back on.
os.environ["API_RATE_LIMIT"] = ""


def need_service(available: bool, reason: str) -> None:
    """Skip when a service is absent on a laptop; fail under CI's REQUIRE_SERVICES=1."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis at REDIS_URL (skip on a laptop without one; fail under REQUIRE_SERVICES=1)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        available = bool(client.ping())
    except redis.RedisError:
        available = False
    finally:
        client.close()
    need_service(available, f"needs Redis at {REDIS_URL}: set REDIS_URL")
    return REDIS_URL


@pytest.fixture
def postgres(db):
    need_service(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL")


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return tmp_path / "private"


class Api:
    """Posts like a bot: JSON body, any path, returns (HTTP status, parsed envelope)."""

    def __init__(self, client: Client):
        self.client = client

    def post(self, path: str, body=None, *, raw: bytes | str | None = None, content_type="application/json", **extra):
        data = raw if raw is not None else json.dumps(body if body is not None else {}, ensure_ascii=False)
        response = self.client.generic("POST", path, data, content_type=content_type, **extra)
        return response.status_code, json.loads(response.content)

    def ok(self, path: str, body=None, **extra):
        status, payload = self.post(path, body, **extra)
        assert status == 200 and payload["ret"] == 0, payload
        return payload["data"]


@pytest.fixture
def api(db) -> Api:
    return Api(Client(REMOTE_ADDR="127.0.0.1"))
