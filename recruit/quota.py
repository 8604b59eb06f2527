"""Daily quota and time-slot arithmetic (CONTRACT account/task/fetch). Pure: no database."""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from recruit.platforms.ids import canonical_platform


def remaining(hello_sum: int, done: int) -> int:
    return max(0, hello_sum - done)


def parse_slot_spec(spec: list[str]) -> list[tuple[time, int]]:
    """`["09:00=25", "16:00=25"]` (the DEFAULT_TIME_MOUNT setting) → [(09:00, 25), (16:00, 25)]."""
    slots = []
    for item in spec:
        at, _sep, mount = item.partition("=")
        hours, minutes = at.strip().split(":")
        slots.append((time(int(hours), int(minutes)), int(mount)))
    return slots


def rescale(slots: list[tuple[time, int]], now: time, left: int) -> list[tuple[time, int]]:
    """Keep slots strictly later than `now` (minute precision) and share `left` among them.

    Shares are proportional to the configured mounts and sum exactly to `left`: largest-remainder
    rounding, ties to the earlier slot; if every kept mount is 0 they share evenly.
    """
    current = now.replace(second=0, microsecond=0)
    kept = sorted((at, mount) for at, mount in slots if at > current)
    if not kept or left <= 0:
        return []
    weights = [mount for _at, mount in kept]
    if sum(weights) == 0:
        weights = [1] * len(kept)
    total = sum(weights)
    floors = [left * w // total for w in weights]
    remainders = [left * w % total for w in weights]
    # Python's sort is stable, so equal remainders keep time order: ties go to the earlier slot.
    by_remainder = sorted(range(len(kept)), key=lambda i: -remainders[i])
    for i in by_remainder[: left - sum(floors)]:
        floors[i] += 1
    return [(at, share) for (at, _mount), share in zip(kept, floors, strict=True)]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a calendar day in TIME_ZONE, as aware datetimes for range filters."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def daily_caps(raw: dict) -> dict[str, int]:
    """PLATFORM_DAILY_CAP (`Boss=150,maimai=100`) as {canonical platform: ceiling}. Platform names are
    matched as the API matches them (case, aliases); ValueError names an unknown platform or a value
    that is not a whole number ≥ 0. Cached per distinct setting: fetch reads it on every call."""
    return dict(_daily_caps(tuple(sorted((str(k), str(v)) for k, v in raw.items()))))


@functools.cache
def _daily_caps(items: tuple[tuple[str, str], ...]) -> tuple[tuple[str, int], ...]:
    caps = {}
    for name, value in items:
        platform = canonical_platform(name)
        if platform is None:
            raise ValueError(f"PLATFORM_DAILY_CAP: unknown platform {name!r}")
        if not value.strip().isdigit():
            raise ValueError(f"PLATFORM_DAILY_CAP: {name}={value!r} is not a whole number of greetings")
        caps[platform] = int(value)
    return tuple(caps.items())


def ceiling_split(lefts: list[int], *, cap: int | None, greeted: int) -> list[int]:
    """CONTRACT §9 pacing ceiling: what each of an account's tasks may still greet today, in list order,
    when the account's platform caps the day at `cap` greetings and the account greeted `greeted` today
    (every job, listed or not). The tasks' own remaining quotas (`lefts`) are served in order until
    `cap - greeted` is spent; the later ones get what is left, down to 0. No cap: `lefts` unchanged."""
    if cap is None:
        return list(lefts)
    budget = max(0, cap - greeted)
    shares = []
    for left in lefts:
        share = min(max(0, left), budget)
        shares.append(share)
        budget -= share
    return shares
