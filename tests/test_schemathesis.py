"""Schemathesis against the published schema (`/api/schema/`), in-process through the WSGI app: every
operation, examples, coverage cases and fuzzed bodies, positive and negative; zero 5xx, zero answers the
schema does not allow (status, content type, body, headers), and schema-invalid input refused.

Bounded: 25 fuzzed examples per operation, derandomized (the same cases on every run), no stateful
phase, no shrinking. The rate limit stays on, raised, so its code runs. Requests carry a manage API key
and anonymous networks are off, so the auth check (no key → 1401) applies. The contract's examples
name a job, an account, a WeChat account and a friend that exist here, so the examples phase exercises
the success paths too.

Part of the normal suite (`make test`, hence `.ci/run`).
"""

from __future__ import annotations

import json

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client
from schemathesis.config import SchemathesisConfig

from hunter_robot.api import schema as contract
from recruit.models import Conversation
from tests.factories import ApiKeyFactory, WechatFriendFactory
from wechat.models import WechatAccount

MAX_EXAMPLES = 25
SUPPRESSED = [
    hypothesis.HealthCheck.too_slow,
    hypothesis.HealthCheck.filter_too_much,
    hypothesis.HealthCheck.data_too_large,
]
SEED = 20261201


def post(client: Client, key: str, path: str, body: dict) -> dict:
    response = client.post(
        path, json.dumps(body, ensure_ascii=False), content_type="application/json", HTTP_X_API_KEY=key
    )
    payload = json.loads(response.content)
    assert payload["ret"] == 0, (path, payload)
    return payload["data"]


def seed(key: str) -> None:
    """What the contract's examples name: job 1001, account 27175761 with a greeted candidate, WeChat
    account wx-hr-01 with a friend (registered through the API with the manage key, so it is bound)."""
    client = Client(REMOTE_ADDR="127.0.0.1")
    post(client, key, "/recruit/job/register", contract.JOB_REGISTER.example)
    post(client, key, "/recruit/account/register", contract.ACCOUNT_REGISTER.example)
    post(client, key, "/recruit/account/task/report", contract.TASK_REPORT.example)
    post(client, key, "/recruit/candidate/chat", contract.CHAT.example)
    post(client, key, "/wechat/account/register", contract.WECHAT_REGISTER.example)
    friend = contract.ADD_FRIEND_REPORT.example
    WechatFriendFactory(
        wechat_account=WechatAccount.objects.get(account_id=friend["account_id"]),
        conversation=Conversation.objects.get(candidate__platform_cid=contract.CANDIDATE),
        search_id=friend["search_id"],
        alias_id=friend["alias_id"],
    )


CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "suppress-health-check": [check.name for check in SUPPRESSED],  # a busy machine is no failure
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "no-shrink": True,
            "allow-x00": False,
            "codec": "utf-8",
            "database": "none",
        },
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            # Valid JSON Schema cannot say everything the server checks (min ≤ max in a range, unique slot
            # times, a taskConfig job listed in `jobs`, a phone number's shape), so schema-valid input may
            # still be refused with 1001; the other checks all run.
            "positive_data_acceptance": {"enabled": False},
        },
    }
)
# Loaded when the module is collected (pytest-django has set Django up by then; generating the schema
# touches no database): one test per operation.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler(), config=CONFIG)


@pytest.fixture
def api_key(db, settings):
    """A manage key holding the examples' entities, with the rate limit raised and no anonymous network."""
    settings.API_RATE_LIMIT = "100000/min"
    settings.API_ANONYMOUS_NETWORKS = []
    key = ApiKeyFactory(manage=True)
    seed(key.plain)
    # As django.test.Client does: the requests run inside the test's transaction, which closing the
    # connection at the end of each request would break.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield key.plain
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
# The fixture runs once per operation on purpose: its entities serve all of that operation's cases. (This
# list replaces the config's, so it repeats it.)
@hypothesis.settings(suppress_health_check=[*SUPPRESSED, hypothesis.HealthCheck.function_scoped_fixture])
def test_api(case, api_key):
    case.call_and_validate(headers={"X-Api-Key": api_key})
