"""SQL statements per call of the hot bot endpoints, pinned, and flat as the tables grow.

The numbers are data statements (SQLite logs BEGIN/COMMIT as statements, PostgreSQL does not). Each pin
is the count today: a change that adds a statement to a hot path must update it on purpose.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AccountFactory, JobFactory, link

PINS = {"fetch": 4, "report": 17, "chat": 21, "recallList": 3}


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


def test_fetch(api, setup):
    body = {"accountID": "account_Boss_q"}
    first = statements(api, "/recruit/account/task/fetch", body)
    grow(api, 40)
    assert statements(api, "/recruit/account/task/fetch", body) == first <= PINS["fetch"]


def test_report(api, setup):
    first = report(api, "r1", "r2", "r3")
    grow(api, 40)
    assert report(api, "r4", "r5", "r6") == first <= PINS["report"]
    assert report(api, *[f"r{i}" for i in range(7, 37)]) == first  # a bigger batch costs the same


def test_chat(api, setup):
    first = chat(api, "c1", "薪资多少？")
    grow(api, 40)
    assert chat(api, "c2", "薪资多少？") == first <= PINS["chat"]


def test_recall_list(api, setup):
    report(api, "x1", "x2", "x3")
    first = recall(api, ["x1", "x2", "x3"])
    grow(api, 40)
    assert recall(api, [f"g{i}" for i in range(1000, 1030)]) == first <= PINS["recallList"]
