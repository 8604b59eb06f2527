"""SQL statements per call of the hot bot endpoints, pinned, and flat as the tables grow.

The numbers are data statements (SQLite logs BEGIN/COMMIT as statements, PostgreSQL does not). Each pin
is the count today: a change that adds a statement to a hot path must update it on purpose.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AccountFactory, JobFactory, link
from tests.recruit.fixtures import load_card

PINS = {"chat": 21, "recallList": 3, "preFilter": 9}
# The task endpoints, exactly (issue 13: fetch ≤ 2, report ≤ 4 whatever the list length or jobID), per
# database: PostgreSQL runs a report as the account and job lookups, the account lock and one statement
# of CTEs (recruit.services.greetings); SQLite, which runs one writer at a time, takes the ORM's steps.
# Counted without a surrounding test transaction (transactional tests), as a server runs them: an
# atomic block is BEGIN/COMMIT (not counted), a savepoint would be counted.
TASK_PINS = {
    "postgresql": {"fetch": 2, "fetch_job": 4, "report": 4, "report_job": 4},
    "sqlite": {"fetch": 2, "fetch_job": 4, "report": 15, "report_job": 16},
}


@pytest.fixture
def setup(db):
    job = JobFactory(platform_id="q", faq_salary="底薪6000")
    link(AccountFactory(platform_id="q"), job)
    return job


def statements(api, path: str, body: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        api.ok(path, body)
    return sum(1 for q in ctx.captured_queries if q["sql"].split()[0].upper() not in ("BEGIN", "COMMIT"))


def report(api, *cids) -> int:
    body = {
        "accountID": "account_Boss_q",
        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": list(cids)}}],
    }
    return statements(api, "/recruit/account/task/report", body)


def chat(api, cid: str, text: str) -> int:
    body = {
        "accountID": "account_Boss_q",
        "candidateID": cid,
        "candidateName": "张三",
        "historyMsg": [{"speaker": "robot", "msg": "您好"}, {"speaker": "user", "msg": text}],
    }
    return statements(api, "/recruit/candidate/chat", body)


def recall(api, cids) -> int:
    return statements(api, "/recruit/candidate/recallList", {"accountID": "account_Boss_q", "candidateIDs": cids})


def grow(api, n: int, start: int = 1000) -> None:
    """More greetings, conversations and messages in the tables."""
    report(api, *[f"g{i}" for i in range(start, start + n)])
    for i in range(start, start + n // 4):
        chat(api, f"g{i}", "薪资多少？")


@pytest.mark.django_db(transaction=True)
def test_fetch(api, setup):
    pins = TASK_PINS[connection.vendor]
    fetch = "/recruit/account/task/fetch"
    assert statements(api, fetch, {"accountID": "account_Boss_q"}) == pins["fetch"]
    assert statements(api, fetch, {"accountID": "account_Boss_q", "jobID": "job_Boss_q"}) == pins["fetch_job"]
    grow(api, 40)
    assert statements(api, fetch, {"accountID": "account_Boss_q"}) == pins["fetch"]
    assert statements(api, fetch, {"accountID": "account_Boss_q", "jobID": "job_Boss_q"}) == pins["fetch_job"]


@pytest.mark.django_db(transaction=True)
def test_report(api, setup):
    pins = TASK_PINS[connection.vendor]
    assert report(api, "r1") == pins["report"]
    grow(api, 40)
    assert report(api, "r2") == pins["report"]
    assert report(api, "r3", "r4", "r5") == pins["report"]
    # 100 ids cost what one does; SQLite's ORM inserts at most 999 variables a statement (30 rows here).
    many = 100 if connection.vendor == "postgresql" else 30
    assert report(api, *[f"r{i}" for i in range(6, 6 + many)]) == pins["report"]
    with_job = {
        "accountID": "account_Boss_q",
        "jobID": "job_Boss_q",
        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [f"j{i}" for i in range(30)]}}],
    }
    assert statements(api, "/recruit/account/task/report", with_job) == pins["report_job"]


def test_chat(api, setup):
    first = chat(api, "c1", "薪资多少？")
    grow(api, 40)
    assert chat(api, "c2", "薪资多少？") == first <= PINS["chat"]


def test_recall_list(api, setup):
    report(api, "x1", "x2", "x3")
    first = recall(api, ["x1", "x2", "x3"])
    grow(api, 40)
    assert recall(api, [f"g{i}" for i in range(1000, 1030)]) == first <= PINS["recallList"]


def screen(api, account_id: str, cid: str) -> None:
    card = load_card("Boss")
    card["geekCard"]["geekId"] = cid
    api.ok("/recruit/candidate/filter", {"accountID": account_id, "candidateInfo": card})


def prefilter(api, cid: str) -> int:
    return statements(api, "/recruit/candidate/preFilter/v2", {"accountID": "account_Boss_q", "candidate_id": cid})


def test_prefilter(api, setup):
    """The team's own stored profile is a subquery of the candidate's query: the count stays the same
    however many cards other teams' bots stored for the candidate."""
    screen(api, "account_Boss_q", "p1")
    first = prefilter(api, "p1")
    other = AccountFactory(platform_id="other")
    link(other, JobFactory(team=other.team))
    for _ in range(5):
        screen(api, "account_Boss_other", "p1")
    grow(api, 40)
    assert prefilter(api, "p1") == first <= PINS["preFilter"]
