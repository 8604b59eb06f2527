"""Claimed background work: the one helper the outbox and the WeChat tasks share.

A claim takes due rows with `SELECT … FOR UPDATE SKIP LOCKED` (so concurrent workers never take the same
row and never wait on each other), counts an attempt, and pushes the row's due time out by its lease or
back-off, all in one short transaction. The work itself (an HTTP post, a bot doing the task) happens
after the claim commits, with no lock held.

Where the worker holds on to what it claimed (a Celery delivery), the claim also hands out a fresh lease
token, and completion is conditional on it: a delivery that finishes after its lease expired and the row
was claimed again cannot mark done what the newer claim holds. WeChat reports carry no token and
complete by alias (CONTRACT §6), so their claims need none.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import models, transaction


def new_token() -> str:
    return secrets.token_hex(16)


def claim(
    queryset: models.QuerySet,
    *,
    now: datetime,
    limit: int,
    due_field: str,
    lease_for: Callable[[int], timedelta],
    attempts_field: str = "attempts",
    token_field: str | None = None,
    **changes,
) -> list[models.Model]:
    """Claim up to `limit` rows of `queryset` (already filtered to the due ones), oldest due first.

    Each claimed row gets one more attempt, `due_field` = now + lease_for(attempts), a new token in
    `token_field` when given, and the other `changes` (e.g. a status). Returns the rows as saved.
    """
    with transaction.atomic():
        rows = list(queryset.select_for_update(skip_locked=True, of=("self",)).order_by(due_field, "pk")[:limit])
        for row in rows:
            attempts = getattr(row, attempts_field) + 1
            setattr(row, attempts_field, attempts)
            setattr(row, due_field, now + lease_for(attempts))
            if token_field:
                setattr(row, token_field, new_token())
            for name, value in changes.items():
                setattr(row, name, value)
        fields = [attempts_field, due_field, *changes, *([token_field] if token_field else [])]
        if rows:
            queryset.model.objects.bulk_update(rows, fields)
    return rows


def settle(row: models.Model, *, token_field: str = "lease_token", **changes) -> bool:
    """Record the outcome of a claimed row, only while the claim that produced `row` still holds it.
    False when a newer claim took the row over (its token changed): the outcome is dropped."""
    updated = type(row).objects.filter(pk=row.pk, **{token_field: getattr(row, token_field)}).update(**changes)
    return updated == 1


def backoff(base: timedelta, *, cap: int = 10) -> Callable[[int], timedelta]:
    """Exponential back-off: base × 2^attempts, the exponent capped."""
    return lambda attempts: base * 2 ** min(attempts, cap)
