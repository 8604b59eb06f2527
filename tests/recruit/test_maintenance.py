"""purge_expired: expired reservations and raw cards past retention go; everything else stays."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recruit import tasks
from recruit.models import Candidate, RawCard, Reservation, ScreeningDecision
from recruit.services.maintenance import purge_expired
from tests.factories import AccountFactory, JobFactory

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def job(db):
    return JobFactory(platform_id="j")


@pytest.fixture
def account(db):
    return AccountFactory(platform_id="a")


def card(name: str, *, age: timedelta) -> RawCard:
    with time_machine.travel(NOW - age, tick=False):
        return RawCard.objects.create(sha256=name.ljust(64, "0"), platform="Boss", payload={"name": name})


def candidate(cid: str, raw_card: RawCard | None = None) -> Candidate:
    return Candidate.objects.create(platform="Boss", platform_cid=cid, name=cid, raw_card=raw_card)


def reservation(job, account, cid: str, *, expires_in: timedelta) -> Reservation:
    return Reservation.objects.create(job=job, account=account, candidate=candidate(cid), expires_at=NOW + expires_in)


def test_expired_reservations_are_deleted_and_live_ones_kept(job, account):
    reservation(job, account, "expired", expires_in=-timedelta(seconds=1))
    reservation(job, account, "expires-now", expires_in=timedelta(0))  # screening treats it as free already
    live = reservation(job, account, "live", expires_in=timedelta(seconds=1))

    assert purge_expired(now=NOW) == {"reservations": 2, "raw_cards": 0}
    assert list(Reservation.objects.all()) == [live]
    assert Candidate.objects.count() == 3  # only the holds go, never the people


def test_raw_cards_past_retention_are_deleted_and_references_set_null(job, account, settings):
    settings.RAW_CARD_RETENTION_DAYS = 90
    old = card("old", age=timedelta(days=90, seconds=1))
    boundary = card("boundary", age=timedelta(days=90))
    recent = card("recent", age=timedelta(days=1))
    stale_candidate = candidate("c-old", old)
    fresh_candidate = candidate("c-recent", recent)
    decisions = [
        ScreeningDecision.objects.create(
            account=account, job=job, candidate=c, raw_card=c.raw_card, touch=False, reasons=["x"]
        )
        for c in (stale_candidate, fresh_candidate)
    ]

    assert purge_expired(now=NOW) == {"reservations": 0, "raw_cards": 1}

    assert set(RawCard.objects.values_list("pk", flat=True)) == {boundary.pk, recent.pk}
    stale_candidate.refresh_from_db()
    fresh_candidate.refresh_from_db()
    assert (stale_candidate.raw_card, stale_candidate.name) == (None, "c-old")
    assert fresh_candidate.raw_card == recent
    old_decision, fresh_decision = (ScreeningDecision.objects.get(pk=d.pk) for d in decisions)
    assert (old_decision.raw_card, old_decision.reasons) == (None, ["x"])
    assert fresh_decision.raw_card == recent


def test_retention_comes_from_settings(db, settings):
    settings.RAW_CARD_RETENTION_DAYS = 7
    card("eight-days", age=timedelta(days=8))
    kept = card("six-days", age=timedelta(days=6))

    assert purge_expired(now=NOW)["raw_cards"] == 1
    assert list(RawCard.objects.all()) == [kept]


def test_nothing_to_purge_deletes_nothing(job, account):
    card("recent", age=timedelta(hours=1))
    reservation(job, account, "live", expires_in=timedelta(minutes=30))

    assert purge_expired(now=NOW) == {"reservations": 0, "raw_cards": 0}
    assert (RawCard.objects.count(), Reservation.objects.count()) == (1, 1)


def test_the_periodic_task_purges_as_of_the_current_time(job, account, settings):
    settings.RAW_CARD_RETENTION_DAYS = 90
    card("old", age=timedelta(days=91))
    reservation(job, account, "expired", expires_in=-timedelta(minutes=1))

    with time_machine.travel(NOW, tick=False):
        result = tasks.purge_expired.apply().get()

    assert result == {"reservations": 1, "raw_cards": 1}
    assert not RawCard.objects.exists() and not Reservation.objects.exists()


def test_a_card_seen_again_is_kept_from_its_last_sighting(db):
    from recruit.services.screening import raw_card_store

    payload = {"geekCard": {"geekId": 1}}
    with time_machine.travel(NOW - timedelta(days=200), tick=False):
        first = raw_card_store(platform="Boss", payload=payload)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        again = raw_card_store(platform="Boss", payload=payload)
    assert again.pk == first.pk
    assert purge_expired(now=NOW)["raw_cards"] == 0
    assert RawCard.objects.get().seen_at == NOW - timedelta(days=1)


def test_tasks_have_time_limits_and_retry_when_the_database_blips(db, monkeypatch):
    from django.db import OperationalError

    calls = []

    def flaky(now=None):
        calls.append(now)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return {"reservations": 0, "raw_cards": 0}

    monkeypatch.setattr(tasks.maintenance, "purge_expired", flaky)
    assert tasks.purge_expired.apply().get() == {"reservations": 0, "raw_cards": 0}
    assert len(calls) == 2
    for task in (tasks.purge_expired, tasks.deliver_notifications):
        assert 0 < task.soft_time_limit < task.time_limit
        assert task.max_retries and OperationalError in task.autoretry_for
