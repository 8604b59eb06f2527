"""API-key authentication for bots, with an anonymous allowance for trusted networks (CONTRACT §7)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from hunter_robot.api.errors import Unauthenticated
from hunter_robot.errors import Forbidden
from hunter_robot.models import ApiKey, Team

# Avoid a write per request: last_used_at is refreshed at most this often.
LAST_USED_GRANULARITY = timedelta(minutes=5)


@dataclass(frozen=True)
class Caller:
    key: ApiKey | None  # None: anonymous, from an allowed network

    @property
    def anonymous(self) -> bool:
        return self.key is None

    def team(self) -> Team:
        return self.key.team if self.key else Team.default()

    def require_manage(self) -> None:
        if self.key is not None and not self.key.manage:
            raise Forbidden("this API key lacks the manage scope")

    def check_team(self, team_id: int | None, what: str) -> None:
        """A key acts only within its team. A missing entity (None) is refused for a key too, so a
        key cannot probe which jobs exist."""
        if self.key is not None and (team_id is None or self.key.team_id != team_id):
            raise Forbidden(f"{what}: not allowed for this API key")

    def check_account(self, account, field: str = "accountID") -> None:
        """Anonymous callers act on any account; a key only on the accounts bound to it. A missing
        account (None) is refused for a key too, so a key cannot probe which accounts exist."""
        if self.key is None:
            return
        if account is None or not account.api_keys.filter(pk=self.key.pk).exists():
            raise Forbidden(f"{field}: not allowed for this API key")


@lru_cache(maxsize=16)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _in(address: str, spec: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(spec)))


def client_address(request) -> str:
    """REMOTE_ADDR, or the first untrusted hop of X-Forwarded-For read right to left."""
    address = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or not _in(address, settings.TRUSTED_PROXIES):
        return address
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        address = hop
        if not _in(hop, settings.TRUSTED_PROXIES):
            break
    return address


def _presented_key(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:8].lower() == "api-key ":
        return header[8:].strip()
    return request.META.get("HTTP_X_API_KEY", "").strip() or None


def authenticate(request) -> Caller:
    plain = _presented_key(request)
    if plain is None:
        if _in(client_address(request), settings.API_ANONYMOUS_NETWORKS):
            return Caller(key=None)
        raise Unauthenticated("Authorization: API key required")
    prefix = ApiKey.prefix_of(plain)
    key = ApiKey.objects.select_related("team").filter(prefix=prefix).first() if prefix else None
    now = timezone.now()
    if key is None or not key.matches(plain) or not key.is_usable(now):
        raise Unauthenticated("Authorization: invalid, revoked or expired API key")
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_GRANULARITY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return Caller(key=key)
