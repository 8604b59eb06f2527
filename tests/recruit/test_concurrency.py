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


def test_concurrent_filters_of_one_account_never_collect_more_trues_than_its_quota(postgres):
    from recruit.models import Reservation
    from tests.recruit.test_filter_api import boss_card

    link(AccountFactory(platform_id="a"), JobFactory(platform_id="j"), hello_sum=3)

    def screen(index: int):
        body = {"accountID": "account_Boss_a", "candidateInfo": boss_card(1000 + index)}
        return Api(Client(REMOTE_ADDR="127.0.0.1")).ok("/recruit/candidate/filter", body)

    results = run_threads(screen, 12)
    assert sum(1 for r in results if r["touch"]) == 3
    assert all(r["reasons"] == ["quota: none left today"] for r in results if not r["touch"])
    assert Reservation.objects.count() == 3


def test_concurrent_chat_calls_for_one_conversation_store_one_turn_and_one_reply(postgres):
    job = JobFactory(platform_id="j", touch_msg="您好", faq_salary="底薪 6000", contact_ask="方便留个微信吗？")
    link(AccountFactory(platform_id="a"), job)
    history = [{"speaker": "robot", "msg": "您好"}, {"speaker": "user", "msg": "薪资多少？"}]
    body = {"accountID": "account_Boss_a", "candidateID": "c1", "candidateName": "张三", "historyMsg": history}

    results = run_threads(lambda i: Api(Client(REMOTE_ADDR="127.0.0.1")).ok("/recruit/candidate/chat", body), 8)

    rows = list(Message.objects.order_by("seq").values_list("speaker", "text", "engine"))
    assert [r[:2] for r in rows[:2]] == [("recruiter", "您好"), ("user", "薪资多少？")]
    replies = [r for r in rows[2:] if r[0] == "robot"]
    assert replies and all(r[2] == "rule" for r in replies)
    reply_text = "\n".join(r[1] for r in replies)
    assert len(rows) == 2 + len(replies)  # the turn and one reply, nothing doubled
    answered = [r for r in results if r["nextStep"]]
    assert answered and all(r == {"nextStep": "need_contact", "nextStepContent": reply_text} for r in answered)
    assert Conversation.objects.get().contact_asks == 1


def test_locking_one_conversation_does_not_block_another_of_the_same_job(postgres):
    import time

    from django.db import transaction

    from recruit.models import Candidate
    from recruit.services.conversations import conversation_lock

    job = JobFactory(platform_id="j")
    account = AccountFactory(platform_id="a")
    first, second = (Candidate.objects.create(platform="Boss", platform_cid=c) for c in ("c1", "c2"))
    holding = threading.Event()
    waited: list[float] = []

    def hold(index: int):
        with transaction.atomic():
            conversation_lock(account=account, job=job, candidate=first, source="greeting")
            holding.set()
            time.sleep(2)

    def other(index: int):
        holding.wait(10)
        started = time.monotonic()
        with transaction.atomic():
            conversation_lock(account=account, job=job, candidate=second, source="greeting")
        waited.append(time.monotonic() - started)

    run_threads(lambda i: hold(i) if i == 0 else other(i), 2)
    assert waited and waited[0] < 1.0  # only the conversation row is locked, not its job or account
