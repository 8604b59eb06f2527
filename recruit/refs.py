"""The deterministic public IDs: `job_<Platform>_<platformID>` and `account_<Platform>_<platformID>`."""

from __future__ import annotations

from recruit.platforms.ids import canonical_platform


def parse_ref(kind: str, value: str) -> tuple[str, str] | None:
    """`account_boss_1` → ("Boss", "1"); None when the string is not a well-formed ID of `kind`."""
    head, sep, rest = value.partition("_")
    if head.lower() != kind or not sep:
        return None
    platform_raw, sep, platform_id = rest.partition("_")
    platform = canonical_platform(platform_raw)
    if platform is None or not sep or not platform_id.strip():
        return None
    return platform, platform_id.strip()
