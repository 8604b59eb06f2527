"""The rate limit's counters in Redis (hunter_robot.api.throttle): DRF's sliding log, kept as a Redis
list and checked by one script, so it is exact across threads and processes and answers DRF's
Retry-After; a key left in the earlier format (DRF's pickled list) does not break it."""

from __future__ import annotations

import logging
import threading
import types
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache

from hunter_robot.api.throttle import BotRateThrottle

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def redis_counters(redis_url, settings):
    """The default cache on Redis, under a prefix of this test's own (its keys deleted after it: the
    database may be shared, so no FLUSHDB)."""
    prefix = f"test-throttle-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    yield
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def bot(prefix: str = "k1"):
    """A request as the throttle sees it: the caller's key (its counter) and the client address."""
    return types.SimpleNamespace(caller=types.SimpleNamespace(key=types.SimpleNamespace(prefix=prefix)), META={})


def allowed(request, at: datetime) -> tuple[bool, float | None]:
    with time_machine.travel(at, tick=False):
        throttle = BotRateThrottle()
        ok = throttle.allow_request(request, None)
        return ok, None if ok else throttle.wait()


def test_concurrent_requests_get_exactly_the_limit(redis_counters, settings):
    settings.API_RATE_LIMIT = "30/min"
    request = bot(uuid.uuid4().hex[:8])
    barrier = threading.Barrier(8)
    answers: list[bool] = []
    lock = threading.Lock()

    def spend() -> None:
        barrier.wait()
        for _ in range(10):
            ok = BotRateThrottle().allow_request(request, None)
            with lock:
                answers.append(ok)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 80 and answers.count(True) == 30


@pytest.mark.parametrize("store", ["redis", "locmem"])
def test_the_window_slides_and_retry_after_is_drfs(request, settings, store):
    """The same requests at the same times get the same answers and waits from Redis as from DRF's own
    history list (locmem)."""
    if store == "redis":
        request.getfixturevalue("redis_counters")
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.API_RATE_LIMIT = "3/min"
    caller = bot(uuid.uuid4().hex[:8])
    seconds = [0, 10, 20, 30, 59, 60.5, 61, 75]
    answers = [allowed(caller, T0 + timedelta(seconds=s)) for s in seconds]
    assert answers == [
        (True, None),
        (True, None),
        (True, None),
        (False, pytest.approx(30.0)),  # the oldest (t0) leaves the window at t0+60
        (False, pytest.approx(1.0)),
        (True, None),  # t0 is out
        (False, pytest.approx(9.0)),  # t10, t20 and t60.5 in the window: t10 leaves at t70
        (True, None),
    ]


def test_a_key_in_the_earlier_format_is_replaced_not_an_error(redis_counters, settings, caplog):
    settings.API_RATE_LIMIT = "2/min"
    caller = bot(uuid.uuid4().hex[:8])
    cache.set(f"throttle_bot_key:{caller.caller.key.prefix}", [T0.timestamp()] * 5, 60)  # DRF's pickled list
    caplog.set_level(logging.WARNING, logger="hunter_robot.api.throttle")
    assert [allowed(caller, T0 + timedelta(seconds=s))[0] for s in (1, 2, 3)] == [True, True, False]
    assert not caplog.records  # the store was never considered down
