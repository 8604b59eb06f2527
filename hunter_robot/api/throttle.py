"""Rate limiting per API key (or per client address for keyless callers), from settings.

The counters live in the default cache: Redis when configured (shared by every web process), else
per process. When the counter store fails (Redis down or hung), requests are let through and a warning
is logged (at most once a minute per process): a rate limit must not turn an outage into errors for
every bot. After a failure the store is left alone for a few seconds, so a hung Redis costs one
request its socket timeout, not every request.

In Redis the counter is DRF's sliding log (the request times of the last period, newest first) kept as a
Redis list and checked and appended by one Lua script: one round trip per request, atomic across
processes, its cost independent of how many requests the log holds, on a client kept per cache
backend (Django's RedisCache builds a new client object per call, which cost more than the round trip).
Other caches (locmem, per process) keep DRF's own get-and-set of a pickled list.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import SimpleRateThrottle

from hunter_robot.api.auth import client_address

logger = logging.getLogger(__name__)
WARN_EVERY_SECONDS = 60.0
STORE_RETRY_SECONDS = 5.0
# Per process: when the store last failed and until when it is skipped.
_store = {"warned_at": None, "down_until": 0.0}


def _store_failed(exc: Exception) -> None:
    now = time.monotonic()
    _store["down_until"] = now + STORE_RETRY_SECONDS
    last = _store["warned_at"]
    if last is None or now - last >= WARN_EVERY_SECONDS:
        _store["warned_at"] = now
        logger.warning("rate-limit counters unavailable (%s: %s); requests are not limited", type(exc).__name__, exc)


# DRF's SimpleRateThrottle.allow_request on a Redis list: drop the entries older than the period from the
# tail (oldest), refuse when the log still holds `limit` entries (answering their count and the oldest, for
# Retry-After), else push this request's time and renew the expiry. A key left in another format (the
# pickled list of an earlier version) is dropped once instead of failing every request.
SLIDING_LOG = """
local kind = redis.call('TYPE', KEYS[1]).ok
if kind ~= 'list' and kind ~= 'none' then redis.call('DEL', KEYS[1]) end
local floor = tonumber(ARGV[1]) - tonumber(ARGV[2])
while true do
  local oldest = redis.call('LINDEX', KEYS[1], -1)
  if not oldest or tonumber(oldest) > floor then break end
  redis.call('RPOP', KEYS[1])
end
local count = redis.call('LLEN', KEYS[1])
if count >= tonumber(ARGV[3]) then
  return {0, count, redis.call('LINDEX', KEYS[1], -1)}
end
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {1, count + 1}
"""


def _redis_log(backend: RedisCache):
    """The sliding-log script bound to a client holding one connection of `backend`'s write pool (its
    socket timeouts), made once per backend: Django makes a backend per thread (so the connection is
    never shared by two threads) and again when CACHES changes."""
    script = backend.__dict__.get("_bot_throttle_log")
    if script is None:
        pooled = backend._cache.get_client(write=True)
        client = type(pooled)(connection_pool=pooled.connection_pool, single_connection_client=True)
        script = backend.__dict__["_bot_throttle_log"] = client.register_script(SLIDING_LOG)
    return script


class BotRateThrottle(SimpleRateThrottle):
    scope = "bot"
    window: tuple[int, float] | None = None  # Redis: (requests in the log, oldest time) when refused

    def get_rate(self) -> str | None:
        # Read per request, so load tests and operators can change it without code.
        return settings.API_RATE_LIMIT or None

    def get_cache_key(self, request, view) -> str:
        key = request.caller.key
        ident = f"key:{key.prefix}" if key is not None else f"addr:{client_address(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if time.monotonic() < _store["down_until"]:
            return True
        try:
            backend = caches["default"]
            if self.rate is None or not isinstance(backend, RedisCache):
                return super().allow_request(request, view)
            return self._allow_in_redis(backend, request, view)
        except Exception as exc:  # the cache backend's own errors (redis.ConnectionError, timeouts, …)
            _store_failed(exc)
            return True

    def _allow_in_redis(self, backend: RedisCache, request, view) -> bool:
        self.key = self.get_cache_key(request, view)
        self.now = self.timer()
        key = backend.make_key(self.key)  # our own key: none of the characters validate_key warns about
        reply = _redis_log(backend)(keys=[key], args=[repr(self.now), self.duration, self.num_requests])
        if reply[0]:
            return True
        self.window = (int(reply[1]), float(reply[2]))
        return False

    def wait(self) -> float | None:
        """DRF's Retry-After arithmetic, on the log's count and oldest entry when they came from Redis."""
        if self.window is None:
            return super().wait()
        count, oldest = self.window
        remaining_duration = self.duration - (self.now - oldest)
        available_requests = self.num_requests - count + 1
        if available_requests <= 0:
            return None
        return remaining_duration / float(available_requests)
