"""Keyed hashes of personal identifiers, so the do-not-contact list survives erasure without
keeping the phone number or WeChat id itself."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def platform_identity_hash(candidate) -> str:
    """The do-not-contact hash of a candidate's platform id (`platform_id` kind)."""
    return identity_hash("platform_id", f"{candidate.platform}:{candidate.platform_cid}")


def identity_hash(kind: str, value: str) -> str:
    normalised = value.strip().lower()
    return hmac.new(settings.PII_HASH_KEY.encode(), f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()
