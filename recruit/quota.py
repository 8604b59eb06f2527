"""Daily quota and time-slot arithmetic (CONTRACT account/task/fetch). Pure: no database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


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
