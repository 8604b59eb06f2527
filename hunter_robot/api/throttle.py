"""Rate limiting per API key (or per client address for keyless callers), from settings."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from hunter_robot.api.auth import client_address


class BotRateThrottle(SimpleRateThrottle):
    scope = "bot"

    def get_rate(self) -> str | None:
        # Read per request, so load tests and operators can change it without code.
        return settings.API_RATE_LIMIT or None

    def get_cache_key(self, request, view) -> str:
        key = request.caller.key
        ident = f"key:{key.prefix}" if key is not None else f"addr:{client_address(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
