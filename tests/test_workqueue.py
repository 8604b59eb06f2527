"""The shared work-queue helper, and the outbox that claims through it (lease tokens)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from devtools.fakes import FakeServer
from hunter_robot import workqueue
from recruit.models import Notification
from recruit.services.notify import notification_deliver, notifications_claim
from tests.factories import AccountFactory, ConversationFactory, JobFactory, link


@pytest.fixture
def webhook():
    with FakeServer({"ok": True}) as server:
        yield server


def _notifications(url: str, n: int = 1) -> list[Notification]:

    job = JobFactory(notify_webhook=f"{url}/hook")
    account = AccountFactory()
    link(account, job)
    conversation = ConversationFactory(account=account, job=job)
    now = timezone.now()
    return [
        Notification.objects.create(
            team_id=job.team_id,
            kind="contact",
            conversation=conversation,
            webhook=job.notify_webhook,
            payload={"n": i},
            next_attempt_at=now,
        )
        for i in range(n)
    ]


def test_claim_counts_an_attempt_pushes_the_due_time_and_hands_out_a_token(db, webhook):
    [row] = _notifications(webhook.url)
    now = timezone.now()
    [claimed] = notifications_claim(now=now)
    stored = Notification.objects.get(pk=row.pk)
    assert (stored.attempts, stored.lease_token) == (1, claimed.lease_token) and len(claimed.lease_token) == 32
    assert stored.next_attempt_at == now + timedelta(minutes=2)
    assert notifications_claim(now=now) == []  # not due again until its lease (back-off) runs out


def test_a_delivery_that_outlived_its_lease_does_not_settle_the_newer_claim(db, webhook):
    [row] = _notifications(webhook.url)
    now = timezone.now()
    [first] = notifications_claim(now=now)
    # The first worker is slow; its lease runs out and another worker claims the row again.
    [second] = notifications_claim(now=now + timedelta(minutes=3))
    assert second.pk == first.pk and second.lease_token != first.lease_token

    assert notification_deliver(first) is True  # the webhook got it (at-least-once)...
    stored = Notification.objects.get(pk=row.pk)
    assert (stored.status, stored.sent_at) == ("pending", None)  # ...but the outcome is not first's to record
    assert stored.lease_token == second.lease_token

    assert notification_deliver(second) is True
    assert Notification.objects.get(pk=row.pk).status == "sent"
    assert len(webhook.requests) == 2


def test_settle_is_conditional_on_the_token(db, webhook):
    [row] = _notifications(webhook.url)
    [claimed] = notifications_claim()
    stale = Notification.objects.get(pk=row.pk)
    stale.lease_token = workqueue.new_token()
    assert workqueue.settle(stale, status="sent") is False
    assert workqueue.settle(claimed, status="sent") is True
    assert Notification.objects.get(pk=row.pk).status == "sent"


def test_backoff_doubles_and_is_capped():
    step = workqueue.backoff(timedelta(minutes=1), cap=3)
    assert [step(n) for n in (1, 2, 3, 4, 9)] == [timedelta(minutes=m) for m in (2, 4, 8, 8, 8)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_share_a_row(postgres, webhook):
    rows = _notifications(webhook.url, n=40)
    barrier = threading.Barrier(4)
    claimed: list[list[int]] = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            got = [row.pk for row in notifications_claim(limit=15)]
            with lock:
                claimed.append(got)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [pk for got in claimed for pk in got]
    assert len(every) == len(set(every)) == len(rows)  # 4 × 15 asked, 40 exist: each claimed exactly once
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}
