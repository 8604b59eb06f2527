"""task/report's two forms record the same rows: on PostgreSQL one statement of CTEs after the account
lock (`_report_in_one_statement`), elsewhere the ORM's steps (`_report_orm`). Both run here on
PostgreSQL, each on its own copy of the same situation, and every row they write is compared."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from hunter_robot.errors import Conflict
from recruit.models import Candidate, Conversation, Greeting, Message, Reservation
from recruit.services import greetings
from tests.conftest import Api
from tests.factories import (
    AccountFactory,
    CandidateFactory,
    ConversationFactory,
    GreetingFactory,
    JobFactory,
    MessageFactory,
    ReservationFactory,
    link,
)

FORMS = {"sql": greetings._report_in_one_statement, "orm": greetings._report_orm}
# Fields compared as they are; the timestamps the database or the ORM sets at the write are compared to
# the call's window instead.
WRITE_TIMES = {"created_at", "updated_at"}


def world(tag: str, *, hello_sum: int = 10, active: bool = True, task_active: bool = True):
    """An account with one task, and candidates in every state a report meets (ids prefixed by `tag`)."""
    job = JobFactory(platform_id=f"{tag}-job", touch_msg="您好，方便聊聊吗？")
    account = AccountFactory(platform_id=f"{tag}-acc", team=job.team, active=active)
    other = AccountFactory(platform_id=f"{tag}-other", team=job.team)
    link(account, job, hello_sum=hello_sum, active=task_active)

    def person(name: str):
        return CandidateFactory(platform_cid=f"{tag}-{name}", name=name)

    ReservationFactory(account=account, job=job, candidate=person("held"))  # screened by this account
    ReservationFactory(account=other, job=job, candidate=person("held-by-other"))
    GreetingFactory(account=account, job=job, candidate=person("greeted"), touch_msg="早先的招呼")
    GreetingFactory(account=other, job=job, candidate=person("greeted-by-other"))
    chatted = ConversationFactory(account=account, job=job, candidate=person("chatted"), message_count=1)
    MessageFactory(conversation=chatted, speaker="user", text="你好")
    ConversationFactory(account=account, job=job, candidate=person("empty"))  # opened, nothing said
    return account, job


REPORTED = ["new", "held", "held-by-other", "greeted", "greeted-by-other", "chatted", "empty", "new", "new-2"]


def run(form: str, tag: str, names=REPORTED, *, now, **options):
    """Report `names` in `form` at `now` (the report's time, the same for both forms)."""
    account, job = world(tag, **options)
    cids = [f"{tag}-{name}" for name in names]
    started = timezone.now()
    with transaction.atomic():
        result = FORMS[form](account=account, job=job, cids=cids, now=now, verify_job=False)
    return result, snapshot(account, tag, started, timezone.now())


def fields(row, skip=()) -> dict:
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if not f.primary_key and f.attname not in skip and not f.is_relation
    }


def snapshot(account, tag: str, started, ended) -> dict:
    def cid(candidate_id) -> str:
        return Candidate.objects.get(pk=candidate_id).platform_cid.removeprefix(f"{tag}-")

    def when(row) -> None:
        for name in WRITE_TIMES & {f.attname for f in row._meta.concrete_fields}:
            assert started - timedelta(seconds=1) <= getattr(row, name) <= ended, (row, name)

    state: dict = {"greetings": {}, "conversations": {}, "messages": {}, "candidates": {}, "reservations": []}
    for row in Greeting.objects.filter(account=account):
        when(row)
        state["greetings"][cid(row.candidate_id)] = fields(row, WRITE_TIMES)
    for row in Conversation.objects.filter(account=account):
        when(row)
        state["conversations"][cid(row.candidate_id)] = fields(row, WRITE_TIMES)
        for message in row.messages.order_by("seq"):
            if message.speaker == "robot":
                when(message)
            state["messages"].setdefault(cid(row.candidate_id), []).append(fields(message, WRITE_TIMES))
    for row in Candidate.objects.filter(platform_cid__startswith=f"{tag}-"):
        when(row)
        state["candidates"][row.platform_cid.removeprefix(f"{tag}-")] = fields(row, WRITE_TIMES | {"platform_cid"})
    for row in Reservation.objects.filter(job__platform_id=f"{tag}-job").select_related("candidate", "account"):
        state["reservations"].append((row.candidate.platform_cid.removeprefix(f"{tag}-"), row.account.platform_id))
    state["reservations"] = sorted(r[0] + "@" + r[1].removeprefix(f"{tag}-") for r in state["reservations"])
    return state


def test_both_forms_write_the_same_rows(postgres):
    now = timezone.now()
    sql_result, sql_rows = run("sql", "s", now=now)
    orm_result, orm_rows = run("orm", "o", now=now)
    assert sql_result == orm_result == greetings.ReportResult(accepted=7, duplicates=2, remaining=2)
    assert sql_rows == orm_rows
    # What they agree on is what the contract says.
    assert set(sql_rows["greetings"]) == {
        "new",
        "new-2",
        "held",
        "held-by-other",
        "greeted-by-other",
        "chatted",
        "empty",
        "greeted",
    }
    assert sql_rows["greetings"]["greeted"]["touch_msg"] == "早先的招呼"  # recorded once, kept
    assert sql_rows["reservations"] == ["held-by-other@other"]  # this account's reservation became the greeting
    assert [m["text"] for m in sql_rows["messages"]["chatted"]] == ["你好"]  # a conversation with turns: no greeting
    for name in ("new", "empty", "held"):
        assert [(m["seq"], m["speaker"], m["engine"], m["text"]) for m in sql_rows["messages"][name]] == [
            (0, "robot", "greeting", "您好，方便聊聊吗？")
        ]
        assert sql_rows["conversations"][name]["message_count"] == 1


@pytest.mark.parametrize(
    ("options", "remaining"),
    [({"hello_sum": 3}, 0), ({"active": False}, 0), ({"task_active": False}, 0), ({"hello_sum": 100}, 92)],
    ids=["beyond-quota", "paused-account", "task-off", "room-left"],
)
def test_both_forms_count_what_is_left_alike(postgres, options, remaining):
    now = timezone.now()
    sql_result, sql_rows = run("sql", "s", now=now, **options)
    orm_result, orm_rows = run("orm", "o", now=now, **options)
    assert sql_result == orm_result and sql_result.remaining == remaining
    assert sql_rows == orm_rows


def test_an_empty_list_records_nothing_alike(postgres):
    now = timezone.now()
    sql_result, sql_rows = run("sql", "s", names=[], now=now)
    orm_result, orm_rows = run("orm", "o", names=[], now=now)
    assert sql_result == orm_result == greetings.ReportResult(accepted=0, duplicates=0, remaining=9)
    assert sql_rows == orm_rows


@pytest.mark.parametrize("form", FORMS)
def test_a_job_not_in_the_list_is_refused_under_the_lock_and_writes_nothing(postgres, form):
    account, _job = world(form)
    stranger = JobFactory(platform_id=f"{form}-stranger", team=account.team)
    before = (Candidate.objects.count(), Greeting.objects.count(), Message.objects.count())
    with pytest.raises(Conflict, match=f"jobID: {stranger.job_id} is not"), transaction.atomic():
        FORMS[form](account=account, job=stranger, cids=["x1"], now=timezone.now(), verify_job=True)
    assert (Candidate.objects.count(), Greeting.objects.count(), Message.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_two_accounts_greeting_one_new_candidate_at_once_both_record_it(postgres):
    """The candidate upsert returns the row another transaction inserted meanwhile (a plain ON CONFLICT
    DO NOTHING would not: the row is not in the statement's snapshot), so no greeting is lost."""
    job = JobFactory(platform_id="j")
    for n in range(8):
        link(AccountFactory(platform_id=f"a{n}", team=job.team), job, hello_sum=100)
    barrier = threading.Barrier(8)
    results: list = [None] * 8

    def report(n: int) -> None:
        try:
            barrier.wait()
            body = {
                "accountID": f"account_Boss_a{n}",
                "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": ["newcomer", f"own{n}"]}}],
            }
            results[n] = Api(Client(REMOTE_ADDR="127.0.0.1")).ok("/recruit/account/task/report", body)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r == {"status": "ok", "accepted": 2, "duplicates": 0, "remaining": 98} for r in results), results
    assert Candidate.objects.filter(platform_cid="newcomer").count() == 1
    assert Greeting.objects.filter(candidate__platform_cid="newcomer").count() == 8
    assert Message.objects.filter(conversation__candidate__platform_cid="newcomer").count() == 8
