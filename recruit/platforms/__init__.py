"""Platform card parsers: one normalised `Profile` from each platform's raw `candidateInfo`."""

from __future__ import annotations

from recruit.platforms import boss, liepin, linkedin, maimai
from recruit.platforms.ids import canonical_platform
from recruit.platforms.profile import DATA_FIELDS, Profile

_PARSERS = {"Boss": boss.parse, "maimai": maimai.parse, "liepin": liepin.parse, "Linkedin": linkedin.parse}

__all__ = ["Profile", "parse_profile"]


def parse_profile(platform: str, info: object) -> Profile:
    """The normalised profile of a raw card. Never raises: whatever cannot be read stays None/empty and
    is named in `missing`, so a card we cannot parse still gets a screening decision (CONTRACT §4)."""
    canonical = canonical_platform(platform)
    label = canonical or (platform if isinstance(platform, str) else "")
    parser = _PARSERS.get(canonical)
    if parser is not None:
        try:
            return parser(info)
        except Exception:  # build_profile already isolates fields; this is the last line of the promise
            pass
    return Profile(platform=label, missing=list(DATA_FIELDS))
