"""Periodic clean-up: expired reservations and raw cards past retention."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from recruit.models import RawCard, Reservation

PURGE_BATCH = 500


def purge_expired(now=None) -> dict:
    """Expiry is judged when a reservation is read; this only removes old rows."""
    now = now or timezone.now()
    reservations, _ = Reservation.objects.filter(expires_at__lte=now).delete()
    cutoff = now - timedelta(days=settings.RAW_CARD_RETENTION_DAYS)
    cards = 0
    # In batches, fetching only ids: the payloads never need to be loaded to be deleted.
    while ids := list(RawCard.objects.filter(seen_at__lt=cutoff).values_list("pk", flat=True)[:PURGE_BATCH]):
        RawCard.objects.filter(pk__in=ids).only("pk").delete()
        cards += len(ids)
    return {"reservations": reservations, "raw_cards": cards}
