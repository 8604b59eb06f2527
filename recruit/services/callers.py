"""Unregistered callers, listed in admin so an operator can register them (CONTRACT §3)."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from recruit.models import UnknownAccount

PATH_MAX = UnknownAccount._meta.get_field("last_path").max_length


def unknown_caller_record(*, account_id: str, path: str = "") -> None:
    """Count one call from an unregistered accountID.

    Concurrency: one atomic upsert (INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1), so
    simultaneous first calls count every hit and never collide on the unique account_id.
    """
    table = connection.ops.quote_name(UnknownAccount._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (account_id, hits, last_path, first_seen, last_seen)
            VALUES (%s, 1, %s, %s, %s)
            ON CONFLICT (account_id) DO UPDATE
               SET hits = {table}.hits + 1, last_path = excluded.last_path, last_seen = excluded.last_seen
            """,
            [account_id, path[:PATH_MAX], now, now],
        )
