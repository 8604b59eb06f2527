"""Platform names and candidate ids (CONTRACT section 3). Pure functions, no Django."""

from __future__ import annotations

import re

from recruit.platforms.profile import dig

PLATFORMS = ("Boss", "maimai", "Linkedin", "liepin")

# Identifier lengths (CONTRACT §1): one limit per kind, checked when input is validated, at or below
# every column that stores that kind (tests/test_input_hardening.py compares them with the models).
PLATFORM_ID_MAX = 128  # platformID: Job.platform_id, RecruitAccount.platform_id
CANDIDATE_ID_MAX = 128  # candidate ids as sent and as normalised: Candidate.platform_cid
REF_MAX = 160  # accountID / jobID: `account_<Platform>_<platformID>`; UnknownAccount.account_id

# Keys are compared after lower-casing and dropping spaces, so "BOSS 直聘" and "LinkedIn" match too.
_ALIASES = {
    "boss": "Boss",
    "zhipin": "Boss",
    "boss直聘": "Boss",
    "bosszhipin": "Boss",
    "直聘": "Boss",
    "maimai": "maimai",
    "脉脉": "maimai",
    "liepin": "liepin",
    "猎聘": "liepin",
    "linkedin": "Linkedin",
    "领英": "Linkedin",
}

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def canonical_platform(value: object) -> str | None:
    """The canonical platform name for `value`, or None when it names no platform we serve."""
    if not isinstance(value, str):
        return None
    return _ALIASES.get("".join(value.split()).lower())


def _linkedin_id(text: str) -> str:
    text = _SCHEME.sub("", text.lower())
    text = text.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    host, slash, path = text.partition("/")
    # Country pages (cn.linkedin.com/in/x) show the same member as www.linkedin.com/in/x.
    if host.endswith(".linkedin.com"):
        host = "linkedin.com"
    host = host.removeprefix("www.")
    return host + slash + path


def normalise_candidate_id(platform: str, raw: object) -> str:
    """The stored form of a candidate id: clients send BOSS ids as numbers in some calls and strings in
    others, and LinkedIn profile URLs in several spellings; each person must map to one string."""
    # bool is an int subclass, and a float id would round-trip through JSON unreliably.
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValueError(f"candidate id must be a string or an integer, not {type(raw).__name__}")
    text = str(raw).strip()
    if canonical_platform(platform) == "Linkedin":
        text = _linkedin_id(text)
    if not text:
        raise ValueError("candidate id is empty")
    # Normalising can lengthen an id (lower-casing "İ" gives two characters); the stored form must fit.
    if len(text) > CANDIDATE_ID_MAX:
        raise ValueError(f"candidate id longer than {CANDIDATE_ID_MAX} characters")
    return text


def _first_usable(platform: str, *values: object) -> str | None:
    for value in values:
        try:
            cid = normalise_candidate_id(platform, value)
        except ValueError:
            continue
        # Cards carry 0 as a placeholder (e.g. BOSS geekWorks[].geekId); taking it as an id would
        # merge every such card into one person and let dedupe block them all.
        if cid != "0":
            return cid
    return None


def candidate_id_from_info(platform: str, info: object) -> str | None:
    """The platform's own candidate id read from a raw card, normalised; None when absent or unusable.

    BOSS's `encryptGeekId` is deliberately not used: it differs per recruiter session, so it would
    split one person into several candidates."""
    canonical = canonical_platform(platform)
    if canonical is None or not isinstance(info, dict):
        return None
    if canonical == "Boss":
        return _first_usable(canonical, dig(info, "geekCard", "geekId"), info.get("geekId"))
    if canonical == "maimai":
        return _first_usable(canonical, info.get("id"))
    if canonical == "liepin":
        return _first_usable(canonical, info.get("usercIdEncode"))
    return _first_usable(canonical, info.get("id"), dig(info, "profile", "contactInfo", "url"))
