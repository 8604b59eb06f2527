"""Periodic clean-up: expired reservations and raw cards past retention."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from recruit.models import RawCard, Reservation


def purge_expired(now=None) -> dict:
    """Expiry is judged when a reservation is read; this only removes old rows."""
    now = now or timezone.now()
    reservations, _ = Reservation.objects.filter(expires_at__lte=now).delete()
    cutoff = now - timedelta(days=settings.RAW_CARD_RETENTION_DAYS)
    cards, _ = RawCard.objects.filter(created_at__lt=cutoff).delete()
    return {"reservations": reservations, "raw_cards": cards}
