from __future__ import annotations

import json
import os
import time

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


class OtherConnections:
    """An observer on its own PostgreSQL connection, counting the client connections to the test
    database other than its own (to prove a request holds none while it waits on a model)."""

    def __init__(self):
        import psycopg2

        params = connection.settings_dict
        self.observer = psycopg2.connect(
            dbname=params["NAME"],
            user=params["USER"],
            password=params["PASSWORD"] or None,
            host=params["HOST"] or None,
            port=params["PORT"] or None,
        )
        self.observer.autocommit = True

    def count(self) -> int:
        with self.observer.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]

    def settled(self, within: float = 1.0) -> int:
        """The count once it reaches 0, or after `within` seconds: a backend exits a moment after its
        client disconnects."""
        deadline = time.monotonic() + within
        count = self.count()
        while count and time.monotonic() < deadline:
            time.sleep(0.05)
            count = self.count()
        return count


@pytest.fixture
def other_connections(postgres):
    watch = OtherConnections()
    yield watch
    watch.observer.close()


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
