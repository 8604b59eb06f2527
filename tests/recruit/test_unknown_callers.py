"""Unregistered accountIDs are listed for operators with an exact hit count (CONTRACT §3)."""

from __future__ import annotations

import pytest
from django.test import Client

from hunter_robot.api.auth import Caller
from hunter_robot.errors import NotFound
from recruit import lookups
from recruit.models import UnknownAccount
from recruit.services.callers import unknown_caller_record
from tests.conftest import Api
from tests.recruit.test_concurrency import run_threads


def test_first_call_counts_one_and_each_later_call_one_more(api):
    status, body = api.post("/recruit/account/task/fetch", {"accountID": "account_boss_999"})
    assert (status, body["ret"]) == (404, 1002)
    seen = UnknownAccount.objects.get()
    assert (seen.account_id, seen.hits, seen.last_path) == ("account_Boss_999", 1, "/recruit/account/task/fetch")
    api.post("/recruit/candidate/filter", {"accountID": "account_Boss_999", "candidateInfo": {}})
    seen = UnknownAccount.objects.get()
    assert (seen.hits, seen.last_path) == (2, "/recruit/candidate/filter")


def test_the_selector_only_reads(db):
    with pytest.raises(NotFound):
        lookups.account_for(Caller(key=None), "account_Boss_999")
    assert not UnknownAccount.objects.exists()


def test_record_is_an_upsert(db):
    unknown_caller_record(account_id="account_Boss_1", path="/x")
    unknown_caller_record(account_id="account_Boss_1", path="/y")
    assert list(UnknownAccount.objects.values_list("account_id", "hits", "last_path")) == [("account_Boss_1", 2, "/y")]


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_calls_count_every_hit(postgres):
    def call(index: int):
        return Api(Client(REMOTE_ADDR="127.0.0.1")).post("/recruit/account/task/fetch", {"accountID": "account_Boss_9"})

    results = run_threads(call, 8)
    assert [(status, body["ret"]) for status, body in results] == [(404, 1002)] * 8  # no IntegrityError (1500)
    assert UnknownAccount.objects.get().hits == 8
