"""Periodic clean-up: expired reservations. (Raw cards past their age go with the other kinds of
candidate data, in `recruit.services.retention`.)"""

from __future__ import annotations

from django.utils import timezone

from recruit.models import Reservation


def purge_expired(now=None) -> dict:
    """Expiry is judged when a reservation is read; this only removes old rows."""
    now = now or timezone.now()
    reservations, _ = Reservation.objects.filter(expires_at__lte=now).delete()
    return {"reservations": reservations}
