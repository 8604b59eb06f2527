"""candidate/filter, filter/v2 and preFilter/v2 through the API (CONTRACT §4)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from recruit.models import Candidate, Conversation, RawCard, Reservation, ScreeningDecision
from tests.conftest import Api
from tests.factories import AccountFactory, JobFactory, link

SH = ZoneInfo("Asia/Shanghai")
CARDS = Path(__file__).resolve().parents[1] / "fixtures" / "cards"


def boss_card(geek_id=100000001, **card_overrides) -> dict:
    card = json.loads((CARDS / "boss_candidate.json").read_text())
    card["geekCard"]["geekId"] = geek_id
    card["geekCard"].update(card_overrides)
    return card


@pytest.fixture
def job(db):
    return JobFactory(platform_id="j", name="客服专员")


def account_on(job, platform_id="a", **link_kw):
    account = AccountFactory(platform_id=platform_id)
    link(account, job, **link_kw)
    return account


def screen(api, account_id="account_Boss_a", card=None, **extra):
    body = {"accountID": account_id, "candidateInfo": card if card is not None else boss_card(), **extra}
    return api.ok("/recruit/candidate/filter", body)


def test_job_without_criteria_accepts_and_reserves(api, job):
    account = account_on(job)
    assert screen(api) == {"touch": True, "reasons": []}
    reservation = Reservation.objects.get()
    assert (reservation.account, reservation.job, reservation.candidate.platform_cid) == (account, job, "100000001")
    decision = ScreeningDecision.objects.get()
    assert decision.touch and decision.profile["name"] == "测试候选人"


def test_v2_is_the_same(api, job):
    account_on(job)
    assert api.ok("/recruit/candidate/filter/v2", {"accountID": "account_Boss_a", "candidateInfo": boss_card()})[
        "touch"
    ]


def test_reservation_is_reentrant_for_the_holder(api, job):
    account_on(job)
    assert screen(api)["touch"] and screen(api)["touch"]
    assert Reservation.objects.count() == 1


def test_reserved_candidate_is_refused_to_another_account_until_expiry(api, job, settings):
    account_on(job, "a")
    account_on(job, "b")
    start = datetime(2026, 12, 2, 10, tzinfo=SH)
    with time_machine.travel(start, tick=False):
        assert screen(api, "account_Boss_a")["touch"]
        refused = screen(api, "account_Boss_b")
    assert refused == {"touch": False, "reasons": ["reserved: held by another account"]}
    with time_machine.travel(start + timedelta(seconds=settings.RESERVATION_TTL + 1), tick=False):
        assert screen(api, "account_Boss_b")["touch"]
        assert Reservation.objects.get().account.platform_id == "b"


def test_greeted_candidate_is_deduplicated_for_every_account(api, job):
    account_on(job, "a")
    account_on(job, "b")
    assert screen(api, "account_Boss_a")["touch"]
    report = {
        "accountID": "account_Boss_a",
        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": ["100000001"]}}],
    }
    api.ok("/recruit/account/task/report", report)
    assert not Reservation.objects.exists()  # the reservation became the greeting
    for account_id in ("account_Boss_a", "account_Boss_b"):
        assert screen(api, account_id) == {"touch": False, "reasons": ["dedupe: already contacted for this job"]}


def test_numeric_and_string_ids_are_one_candidate(api, job):
    account_on(job)
    screen(api, card=boss_card(geek_id=5))
    screen(api, card=boss_card(geek_id="5"))
    screen(api, card=boss_card(geek_id=6), candidateID=5)
    assert Candidate.objects.count() == 1


def test_raw_card_stored_once_per_content(api, job):
    account_on(job)
    screen(api)
    screen(api)
    screen(api, card=boss_card(geekName="改名了"))
    assert RawCard.objects.count() == 2
    assert ScreeningDecision.objects.count() == 3


def test_quota_counts_live_reservations_and_returns_the_next_day(api, job):
    account_on(job, hello_sum=2)
    day1 = datetime(2026, 12, 2, 10, tzinfo=SH)
    with time_machine.travel(day1, tick=False):
        assert screen(api, card=boss_card(1))["touch"]
        assert screen(api, card=boss_card(2))["touch"]
        assert screen(api, card=boss_card(3)) == {"touch": False, "reasons": ["quota: none left today"]}
        ids = {"taskType": "batchTouch", "details": {"candidateList": [1, 2]}}
        api.ok("/recruit/account/task/report", {"accountID": "account_Boss_a", "taskStatus": [ids]})
        assert screen(api, card=boss_card(3))["reasons"] == ["quota: none left today"]
    with time_machine.travel(day1 + timedelta(days=1), tick=False):
        assert screen(api, card=boss_card(3)) == {"touch": True, "reasons": []}


def test_criteria_failures_are_reasons_and_stored_with_values(api, job):
    job.age_max = 25
    job.min_degree = "本科"
    job.save()
    account_on(job)
    result = screen(api)
    assert result["touch"] is False
    assert [r.split(":")[0] for r in result["reasons"]] == ["age", "degree"]
    assert not Reservation.objects.exists()
    decision = ScreeningDecision.objects.get()
    details = {d["code"]: d for d in decision.details}
    assert details["age"]["passed"] is False and details["age"]["actual"] == 26


def test_paused_account_and_job(api, job):
    account = account_on(job)
    account.active = False
    account.save()
    assert "inactive: account paused" in screen(api)["reasons"]


def test_declined_candidate_is_never_touched(api, job):
    from recruit.services.conversations import do_not_contact_add

    account = account_on(job)
    other_job = JobFactory(platform_id="j2")
    link(account, other_job, position=1)
    candidate = Candidate.objects.create(platform="Boss", platform_cid="100000001", name="x")
    conversation = Conversation.objects.create(account=account, job=other_job, candidate=candidate)
    do_not_contact_add(conversation, reason="declined")
    Candidate.objects.filter(pk=candidate.pk).update(do_not_contact=False)  # the platform-id hash alone must block
    result = screen(api, jobID="job_Boss_j")
    assert result["touch"] is False and result["reasons"][0].startswith("do_not_contact")


def test_unparseable_payload_still_gets_a_decision(api, job):
    job.age_min = 18
    job.save()
    account_on(job)
    result = screen(api, card={"weird": [1, 2]}, candidateID="x1")
    assert result == {"touch": False, "reasons": ["age: missing"]}


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        ({"candidateInfo": "x"}, "candidateInfo: expected an object"),
        ({"candidateInfo": [1]}, "candidateInfo: expected an object"),
        ({}, "candidateInfo: this field is required"),
        ({"candidateInfo": {"weird": 1}}, "candidateID: this field is required"),
    ],
)
def test_bad_candidate_info_is_1001_with_filter_shape(api, job, body, msg):
    account_on(job)
    status, payload = api.post("/recruit/candidate/filter", {"accountID": "account_Boss_a", **body})
    assert (status, payload["ret"]) == (400, 1001)
    assert payload["msg"].startswith(msg)
    assert payload["data"] == {"touch": False, "reasons": [payload["msg"]]}
    assert not Candidate.objects.exists() and not ScreeningDecision.objects.exists()


def test_unknown_job_is_1002_and_stores_nothing(api, job):
    account_on(job)
    status, payload = api.post(
        "/recruit/candidate/filter",
        {"accountID": "account_Boss_a", "candidateInfo": boss_card(), "jobID": "job_Boss_zz"},
    )
    assert (status, payload["ret"]) == (404, 1002)
    assert not Candidate.objects.exists()


def test_prefilter(api, job):
    account_on(job)
    body = {"accountID": "account_Boss_a", "jobID": "job_Boss_j", "candidate_id": 100000001}
    assert api.ok("/recruit/candidate/preFilter/v2", body) == {"candidate_in_db": False}
    screen(api)
    assert api.ok("/recruit/candidate/preFilter/v2", body) == {"candidate_in_db": True, "touch": True, "reasons": []}
    job.age_max = 20
    job.save()
    again = api.ok("/recruit/candidate/preFilter/v2", body)
    assert again["candidate_in_db"] is True and again["touch"] is False and again["reasons"][0].startswith("age")


def test_prefilter_failure_shape(api, job):
    status, payload = api.post(
        "/recruit/candidate/preFilter/v2", {"accountID": "account_Boss_nobody", "candidate_id": 1}
    )
    assert (status, payload["data"]) == (404, {"candidate_in_db": False})


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_job", [False, True])
def test_filter_runs_a_constant_number_of_queries(with_job):
    job = JobFactory(platform_id="j")
    account_on(job)
    api = Api(Client(REMOTE_ADDR="127.0.0.1"))
    extra = {"jobID": "job_Boss_j"} if with_job else {}

    def count(geek_id) -> int:
        with CaptureQueriesContext(connection) as ctx:
            api.ok(
                "/recruit/candidate/filter",
                {"accountID": "account_Boss_a", "candidateInfo": boss_card(geek_id), **extra},
            )
        # SQLite logs its BEGIN IMMEDIATE/COMMIT as statements; PostgreSQL does not. Count data queries.
        return sum(1 for q in ctx.captured_queries if q["sql"].split()[0].upper() not in ("BEGIN", "COMMIT"))

    first = count(1)
    # Grow the tables: more candidates, conversations and greetings must not add queries.
    for i in range(2, 40):
        card = copy.deepcopy(boss_card(i))
        api.ok("/recruit/candidate/filter", {"accountID": "account_Boss_a", "candidateInfo": card})
        api.ok(
            "/recruit/account/task/report",
            {
                "accountID": "account_Boss_a",
                "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [i]}}],
            },
        )
    assert count(999) == first
    assert first <= 9  # a `true` locks the account row before reserving: quotas hold across servers


def test_without_job_id_the_job_of_the_latest_conversation_is_used(api, job):
    account = account_on(job)
    second = JobFactory(platform_id="j2")
    link(account, second, position=1)
    assert screen(api)["touch"]  # no conversation yet: the first job
    assert Reservation.objects.get().job == job
    candidate = Candidate.objects.get()
    Conversation.objects.create(account=account, job=second, candidate=candidate)
    assert screen(api) == {"touch": False, "reasons": ["dedupe: already contacted for this job"]}
    assert ScreeningDecision.objects.order_by("-created_at", "-id").first().job == second
