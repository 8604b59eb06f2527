"""purge_expired: expired reservations go; everything else stays. (Raw cards past their age go with the
retention task: tests/recruit/test_retention.py.)"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from recruit import tasks
from recruit.models import Candidate, RawCard, Reservation
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

    assert purge_expired(now=NOW) == {"reservations": 2}
    assert list(Reservation.objects.all()) == [live]
    assert Candidate.objects.count() == 3  # only the holds go, never the people


def test_nothing_to_purge_deletes_nothing(job, account):
    card("old", age=timedelta(days=400))  # raw cards are the retention task's
    reservation(job, account, "live", expires_in=timedelta(minutes=30))

    assert purge_expired(now=NOW) == {"reservations": 0}
    assert (RawCard.objects.count(), Reservation.objects.count()) == (1, 1)


def test_the_periodic_task_purges_as_of_the_current_time(job, account):
    reservation(job, account, "expired", expires_in=-timedelta(minutes=1))
    reservation(job, account, "live", expires_in=timedelta(minutes=1))

    with time_machine.travel(NOW, tick=False):
        result = tasks.purge_expired.apply().get()

    assert result == {"reservations": 1}
    assert list(Reservation.objects.values_list("candidate__platform_cid", flat=True)) == ["live"]


def test_tasks_have_time_limits_and_retry_when_the_database_blips(db, monkeypatch):
    from django.db import OperationalError

    calls = []

    def flaky(now=None):
        calls.append(now)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return {"reservations": 0}

    monkeypatch.setattr(tasks.maintenance, "purge_expired", flaky)
    assert tasks.purge_expired.apply().get() == {"reservations": 0}
    assert len(calls) == 2
    for task in (tasks.purge_expired, tasks.deliver_notifications, tasks.enforce_retention):
        assert 0 < task.soft_time_limit < task.time_limit
        assert task.max_retries and OperationalError in task.autoretry_for
