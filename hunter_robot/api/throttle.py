"""Rate limiting per API key (or per client address for keyless callers), from settings.

The counters live in the default cache: Redis when configured (shared by every web process), else
per process. When the counter store fails (Redis down or hung), requests are let through and a warning
is logged (at most once a minute per process): a rate limit must not turn an outage into errors for
every bot. After a failure the store is left alone for a few seconds, so a hung Redis costs one
request its socket timeout, not every request.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
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


class BotRateThrottle(SimpleRateThrottle):
    scope = "bot"

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
            return super().allow_request(request, view)
        except Exception as exc:  # the cache backend's own errors (redis.ConnectionError, timeouts, …)
            _store_failed(exc)
            return True
