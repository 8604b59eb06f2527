"""The lean path of task/fetch and task/report (hunter_robot.api.views.LeanBotView) answers exactly as
DRF does: the same status, envelope and headers for every kind of input, valid or not.

`?format=json` sends a request through DRF (its renderer override, which the lean path leaves to DRF)
without changing the answer, so each case is posted both ways and compared.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.views import APIView

from hunter_robot.api.views import lean_request
from hunter_robot.models import ApiKey
from tests.factories import AccountFactory, JobFactory, link

FETCH, REPORT = "/recruit/account/task/fetch", "/recruit/account/task/report"
A = "account_Boss_a"


def batch(*ids, **extra) -> dict:
    return {
        "accountID": A,
        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": list(ids)}}],
        **extra,
    }


@pytest.fixture
def account(db):
    account = AccountFactory(platform_id="a")
    link(account, JobFactory(platform_id="j", touch_msg="您好"), hello_sum=10)
    JobFactory(platform_id="other")  # registered, not the account's
    return account


def answer(path: str, raw: bytes | str, *, drf: bool, **extra) -> tuple[int, dict, dict]:
    """(status, envelope with request ids masked, the headers a bot could read)."""
    client = Client(REMOTE_ADDR=extra.pop("REMOTE_ADDR", "127.0.0.1"))
    content_type = extra.pop("content_type", "application/json")
    response = client.generic("POST", path + ("?format=json" if drf else ""), raw, content_type=content_type, **extra)
    envelope = json.loads(re.sub(r"request [0-9a-f]{12}", "request <id>", response.content.decode()))
    headers = {name: response.get(name) for name in ("Content-Type", "Allow", "Retry-After")}
    return response.status_code, envelope, headers


def both(path: str, raw, **extra) -> tuple[int, dict, dict]:
    lean = answer(path, raw, drf=False, **dict(extra))
    assert answer(path, raw, drf=True, **dict(extra)) == lean
    return lean


TOO_DEEP = '{"accountID": "account_Boss_a", "x": ' + "[" * 70 + "]" * 70 + "}"
CASES = [
    # (path, raw body, expected ret)
    (FETCH, json.dumps({"accountID": A}), 0),
    (FETCH, json.dumps({"accountID": A, "jobID": "None"}), 0),
    (FETCH, json.dumps({"accountID": A, "jobID": "job_Boss_j"}), 0),
    (FETCH, json.dumps({"accountID": A, "jobID": "job_Boss_other"}), 1003),
    (FETCH, json.dumps({"accountID": A, "jobID": "job_Boss_nothing"}), 1002),
    (FETCH, json.dumps({"accountID": "account_boss_nobody"}), 1002),
    (FETCH, json.dumps({"accountID": "nonsense"}), 1001),
    (FETCH, json.dumps({}), 1001),
    (FETCH, "", 1001),
    (FETCH, json.dumps({"accountID": None}), 1001),
    (FETCH, json.dumps({"accountID": ["a"]}), 1001),
    (FETCH, json.dumps({"accountID": True}), 1001),
    (FETCH, json.dumps({"accountID": 1.5}), 1001),
    (FETCH, json.dumps({"accountID": "   "}), 1001),
    (FETCH, json.dumps({"accountID": "account_Boss_" + "9" * 200}), 1001),
    (FETCH, '{"accountID": "account_Boss_a\\u0000"}', 1001),
    (FETCH, '{"accountID": "account_Boss_a", "x": "\\ud800"}', 1001),
    (FETCH, json.dumps({"accountID": A, "jobID": 7}), 1001),
    (FETCH, '{"accountID": ', 1001),
    (FETCH, "[1, 2]", 1001),
    (FETCH, '{"accountID": "account_Boss_a", "n": NaN}', 1001),
    (FETCH, '{"accountID": "account_Boss_a", "n": 1e999}', 1001),
    (FETCH, TOO_DEEP, 1001),
    (REPORT, json.dumps(batch()), 0),
    (REPORT, json.dumps(batch(jobID="job_Boss_other")), 1003),
    (REPORT, json.dumps(batch(jobID="job_Boss_nothing")), 1002),
    (REPORT, json.dumps({"accountID": A}), 1001),
    (REPORT, json.dumps({"accountID": A, "taskStatus": {}}), 1001),
    (REPORT, json.dumps({"accountID": A, "taskStatus": ["x"]}), 1001),
    (REPORT, json.dumps({"accountID": A, "taskStatus": [{"taskType": "batchTouch"}]}), 1001),
    (REPORT, json.dumps({"accountID": A, "taskStatus": [{"taskType": "batchTouch", "details": {}}]}), 1001),
    (REPORT, json.dumps(batch("c1", True)), 1001),
    (REPORT, json.dumps(batch("c" * 300)), 1001),
    (REPORT, json.dumps({"accountID": A, "taskStatus": [{"taskType": "other", "details": 5}]}), 0),
    (REPORT, json.dumps({"taskStatus": "x"}), 1001),
]


@pytest.mark.parametrize(("path", "raw", "ret"), CASES)
def test_lean_and_drf_answer_alike(account, path, raw, ret):
    status, envelope, headers = both(path, raw)
    assert envelope["ret"] == ret, envelope
    assert headers["Content-Type"] == "application/json; charset=utf-8" and headers["Allow"] == "POST"


def test_reports_are_recorded_alike(account):
    """Writes cannot be repeated for a comparison: each path reports its own candidates."""
    lean = answer(REPORT, json.dumps(batch("c1", "c2", "c1")), drf=False)
    drf = answer(REPORT, json.dumps(batch("c3", "c4", "c3")), drf=True)
    assert lean[0] == drf[0] == 200
    assert lean[1]["data"] == {"status": "ok", "accepted": 2, "duplicates": 1, "remaining": 8}
    assert drf[1]["data"] == {"status": "ok", "accepted": 2, "duplicates": 1, "remaining": 6}
    assert lean[2] == drf[2]


@pytest.mark.parametrize(
    ("content_type", "accept"),
    [
        ("text/plain", None),
        ("application/json; charset=utf-8", "application/json, text/plain, */*"),
        ("", "*/*"),
        ("application/json", "application/*;q=0.9"),
    ],
)
def test_content_types_and_accept_headers_bots_send(account, content_type, accept):
    extra = {"content_type": content_type, **({"HTTP_ACCEPT": accept} if accept else {})}
    assert both(FETCH, json.dumps({"accountID": A}), **extra)[1]["ret"] == 0


def test_api_keys_alike(account):
    key = ApiKey(team=account.team, name="bot")
    plain = key.issue()
    key.save()
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert both(FETCH, json.dumps({"accountID": A}), **remote)[1]["ret"] == 1401
    assert both(FETCH, json.dumps({"accountID": A}), HTTP_X_API_KEY="nope", **remote)[1]["ret"] == 1401
    assert both(FETCH, json.dumps({"accountID": A}), HTTP_X_API_KEY=plain, **remote)[1]["ret"] == 1403
    account.api_keys.add(key)
    assert both(FETCH, json.dumps({"accountID": A}), HTTP_AUTHORIZATION=f"Api-Key {plain}", **remote)[1]["ret"] == 0


def test_rate_limited_alike(account, settings):
    cache.clear()
    settings.API_RATE_LIMIT = "2/min"
    try:
        answer(FETCH, json.dumps({"accountID": A}), drf=False)
        answer(FETCH, json.dumps({"accountID": A}), drf=True)
        lean = answer(FETCH, json.dumps({"accountID": A}), drf=False)
        drf = answer(FETCH, json.dumps({"accountID": A}), drf=True)
    finally:
        cache.clear()
    assert lean[0] == drf[0] == 429
    assert lean[1]["ret"] == drf[1]["ret"] == 1429 and lean[1]["data"] == drf[1]["data"] == {"task": []}
    assert 1 <= int(lean[2]["Retry-After"]) <= 60 and 1 <= int(drf[2]["Retry-After"]) <= 60


def test_the_lean_path_builds_no_drf_request_and_the_others_do(account, monkeypatch):
    """Else the comparisons above would compare DRF with itself."""

    def no_drf(self, request, *args, **kwargs):
        raise AssertionError("DRF request built")

    monkeypatch.setattr(APIView, "initialize_request", no_drf)
    body = json.dumps({"accountID": A})
    assert answer(FETCH, body, drf=False)[0] == 200
    assert answer(REPORT, json.dumps(batch("c9")), drf=False)[0] == 200
    assert answer(FETCH, body, drf=True)[1]["ret"] == 1500  # ?format= goes through DRF
    assert answer(FETCH, body, drf=False, HTTP_ACCEPT="text/html")[1]["ret"] == 1500
    form = answer(FETCH, "accountID=account_Boss_a", drf=False, content_type="application/x-www-form-urlencoded")
    assert form[1]["ret"] == 1500
    assert answer("/recruit/candidate/chat", body, drf=False)[1]["ret"] == 1500  # a plain BotView


@pytest.mark.parametrize(
    ("meta", "query", "lean"),
    [
        ({"CONTENT_TYPE": "application/json"}, "", True),
        ({"CONTENT_TYPE": "text/plain", "HTTP_ACCEPT": "text/html, */*"}, "_t_=1", True),
        ({"CONTENT_TYPE": "multipart/form-data; boundary=x"}, "", False),
        ({"CONTENT_TYPE": "application/x-www-form-urlencoded"}, "", False),
        ({"CONTENT_TYPE": "application/json"}, "format=json", False),
        ({"CONTENT_TYPE": "application/json", "HTTP_ACCEPT": "text/html"}, "", False),
    ],
)
def test_which_requests_take_the_lean_path(rf, meta, query, lean):
    request = rf.post(f"/recruit/account/task/fetch?{query}", data=b"{}", content_type=meta.pop("CONTENT_TYPE"))
    request.META.update(meta)
    assert lean_request(request) is lean
