"""Concurrency guarantees, proven on PostgreSQL with real threads and real commits."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from recruit.models import Conversation, Greeting, Message
from tests.conftest import Api
from tests.factories import AccountFactory, JobFactory, link

pytestmark = pytest.mark.django_db(transaction=True)


def run_threads(target, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_20_concurrent_reports_lose_and_double_count_nothing(postgres):
    job = JobFactory(platform_id="j")
    account = AccountFactory(platform_id="a")
    link(account, job, hello_sum=100)

    def report(index: int):
        # Overlapping batches: candidate ids index..index+4, so most are reported by several threads.
        ids = [str(i) for i in range(index, index + 5)]
        body = {
            "accountID": "account_Boss_a",
            "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": ids}}],
        }
        return Api(Client(REMOTE_ADDR="127.0.0.1")).ok("/recruit/account/task/report", body)

    results = run_threads(report, 20)
    assert all(r is not None for r in results)
    distinct = 24  # ids 0..23
    assert Greeting.objects.count() == distinct
    assert sum(r["accepted"] for r in results) == distinct
    assert sum(r["duplicates"] for r in results) == 20 * 5 - distinct
    assert min(r["remaining"] for r in results) == 100 - distinct
    assert Conversation.objects.count() == distinct
    assert Message.objects.count() == distinct  # one greeting each, none doubled


def test_10_accounts_screening_one_candidate_at_once_get_one_touch(postgres):
    from tests.recruit.test_filter_api import boss_card

    job = JobFactory(platform_id="j")
    for i in range(10):
        link(AccountFactory(platform_id=f"acc{i}"), job)

    def screen(index: int):
        body = {"accountID": f"account_Boss_acc{index}", "candidateInfo": boss_card(42)}
        return Api(Client(REMOTE_ADDR="127.0.0.1")).ok("/recruit/candidate/filter", body)

    results = run_threads(screen, 10)
    assert sum(1 for r in results if r["touch"]) == 1
    assert all(r["reasons"] == ["reserved: held by another account"] for r in results if not r["touch"])
    from recruit.models import Candidate, Reservation

    assert Candidate.objects.count() == 1 and Reservation.objects.count() == 1
