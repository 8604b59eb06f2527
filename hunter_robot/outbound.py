"""The outbound allowlist: which hosts and ports an API caller may make the server post to.

`OUTBOUND_ALLOWED_HOSTS` entries are `host` (the URL scheme's default port only: 80 for http, 443 for
https) or `host:port` (exactly that port); IPv6 literals in brackets (`[::1]:8080`, `[2001:db8::7]`).
Hosts compare case-insensitively, without a trailing dot, IP addresses in canonical form. A
malformed entry allows nothing. One home for the rule: the API serializers call `check_outbound_url`.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}


class OutboundURLRejected(ValueError):
    """The URL is malformed or names a host/port the allowlist does not hold (message: English)."""


def _host(value: str) -> str:
    host = value.strip().lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _port(value: str) -> int | None:
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= 65535:
        return None
    return int(value)


def parse_entry(entry: str) -> tuple[str, int | None] | None:
    """`host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 literal → (host, port or None);
    None for a malformed entry."""
    entry = entry.strip()
    port: int | None = None
    if entry.startswith("["):
        host, bracket, rest = entry[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        if rest:
            port = _port(rest[1:])
            if port is None:
                return None
    elif entry.count(":") == 1:
        host, _colon, raw_port = entry.partition(":")
        port = _port(raw_port)
        if port is None:
            return None
    else:
        host = entry  # a name, an IPv4 address, or an IPv6 literal without brackets (no port)
    host = _host(host)
    return (host, port) if host else None


@lru_cache(maxsize=8)
def _allowlist(entries: tuple[str, ...]) -> frozenset[tuple[str, int | None]]:
    parsed = set()
    for entry in entries:
        item = parse_entry(entry)
        if item is None:
            if entry.strip():
                logger.warning("OUTBOUND_ALLOWED_HOSTS: ignoring malformed entry %r", entry)
            continue
        parsed.add(item)
    return frozenset(parsed)


def check_outbound_url(url: str, allowed: Iterable[str] | None = None) -> str:
    """Return `url` when its scheme is http(s) and its (host, port) is allowed (`allowed` defaults to
    OUTBOUND_ALLOWED_HOSTS); raise OutboundURLRejected otherwise, malformed ports included."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        raise OutboundURLRejected("malformed URL") from None
    if parts.scheme not in DEFAULT_PORTS or not hostname:
        raise OutboundURLRejected("expected an http(s) URL")
    try:
        port = parts.port
    except ValueError as exc:
        reason = "port out of range" if "range" in str(exc) else "malformed port"
        raise OutboundURLRejected(reason) from None
    if port == 0:
        raise OutboundURLRejected("port out of range")
    default = DEFAULT_PORTS[parts.scheme]
    port = default if port is None else port
    host = _host(hostname)
    entries = _allowlist(tuple(settings.OUTBOUND_ALLOWED_HOSTS if allowed is None else allowed))
    if (host, port) in entries or (port == default and (host, None) in entries):
        return url
    if any(entry_host == host for entry_host, _entry_port in entries):
        raise OutboundURLRejected(f"host {hostname}: port {port} is not allowed by OUTBOUND_ALLOWED_HOSTS")
    raise OutboundURLRejected(f"host {hostname} is not in OUTBOUND_ALLOWED_HOSTS")
