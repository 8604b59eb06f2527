"""Candidate identity rows, shared by screening, greetings and chat."""

from __future__ import annotations

from recruit.models import Candidate


def candidates_ensure(*, platform: str, cids: list[str], names: dict[str, str] | None = None) -> dict[str, Candidate]:
    """The Candidate rows for these platform ids, created as needed.

    Concurrency: creation relies on the (platform, platform_cid) unique constraint with
    `ignore_conflicts`, then re-reads, so concurrent callers end with the same rows.
    """
    names = names or {}
    found = {c.platform_cid: c for c in Candidate.objects.filter(platform=platform, platform_cid__in=cids)}
    missing = [cid for cid in dict.fromkeys(cids) if cid not in found]
    if missing:
        Candidate.objects.bulk_create(
            [Candidate(platform=platform, platform_cid=cid, name=names.get(cid, "")) for cid in missing],
            ignore_conflicts=True,
        )
        found.update((c.platform_cid, c) for c in Candidate.objects.filter(platform=platform, platform_cid__in=missing))
    return found
