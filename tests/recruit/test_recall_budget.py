"""recallList personalisation has one time budget for the whole call and holds no database
connection while a model thinks (CONTRACT §4 recallList; RECALL_PERSONALISE_BUDGET).

The model is a real OpenAI-compatible HTTP server on 127.0.0.1 that sleeps before answering.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from devtools.fakes import FakeOpenAI, Sleep, completion
from recruit.models import Candidate, Conversation, RecallStep
from tests.conftest import Api
from tests.factories import AccountFactory, JobFactory, link

NAMES = ["张一", "张二", "张三", "张四", "张五"]
PERSONAL = "您好，看您做过客服，这个岗位很匹配～"


def due_conversations(count: int) -> list[str]:
    """`count` greeted candidates on an LLM job, silent long enough for the first nudge."""
    job = JobFactory(platform_id="j", name="客服专员", robot_api="llm")
    RecallStep.objects.create(job=job, position=0, after_hours=24, msg="{name}您好，{job_name}还在招")
    link(AccountFactory(platform_id="a"), job)
    ids = [f"c{i}" for i in range(count)]
    report = {
        "accountID": "account_Boss_a",
        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": ids}}],
    }
    Api(Client(REMOTE_ADDR="127.0.0.1")).ok("/recruit/account/task/report", report)
    for cid, name in zip(ids, NAMES, strict=False):
        Candidate.objects.filter(platform_cid=cid).update(name=name)
    Conversation.objects.update(last_robot_at=timezone.now() - timedelta(hours=25))
    return ids


def recall_list(ids: list[str]) -> list[dict]:
    body = {"accountID": "account_Boss_a", "candidateIDs": ids}
    return Api(Client(REMOTE_ADDR="127.0.0.1")).ok("/recruit/candidate/recallList", body)


@pytest.fixture
def llm(settings):
    settings.RECALL_PERSONALISE_BUDGET = 2.5  # the first answer (1.5 s) fits; the second cannot
    settings.LLM_MAX_RETRIES = 0
    with FakeOpenAI(Sleep(1.5, {"msg": PERSONAL})) as server:
        settings.OPENAI_BASE_URL = server.base_url
        yield server


def test_one_budget_for_the_whole_call_then_the_template(db, llm):
    ids = due_conversations(5)
    started = time.monotonic()
    items = recall_list(ids)
    elapsed = time.monotonic() - started
    assert elapsed < 6.0  # 5 × 1.5 s sequentially would be 7.5 s; the bots wait 60 s at most
    assert len(items) == 5
    # The first nudge is personalised within the budget; once it is spent the rest use the template.
    msgs = [item["recall_msg"] for item in items]
    assert msgs[0] == PERSONAL
    assert msgs[1:] == [f"{item['candidate_name']}您好，客服专员还在招" for item in items[1:]]
    assert len(llm.requests) <= 2  # the model is not called again after the budget is spent
    offered = dict(Conversation.objects.values_list("candidate__name", "recall_offered_msg"))
    assert offered == {item["candidate_name"]: item["recall_msg"] for item in items}


@pytest.mark.django_db(transaction=True)
def test_no_database_connection_is_held_while_the_model_thinks(other_connections, settings):
    ids = due_conversations(2)
    seen_during_wait: list[int] = []

    def model(payload):
        seen_during_wait.append(other_connections.settled())
        return 200, completion(json.dumps({"msg": PERSONAL}, ensure_ascii=False), model=payload.get("model", ""))

    settings.RECALL_PERSONALISE_BUDGET = 8.0
    with FakeOpenAI(model) as server:
        settings.OPENAI_BASE_URL = server.base_url
        connection.ensure_connection()
        assert other_connections.count() >= 1  # the observer sees the request thread's connection when it is open
        items = recall_list(ids)
    assert [item["recall_msg"] for item in items] == [PERSONAL, PERSONAL]
    assert seen_during_wait == [0, 0]
    assert Conversation.objects.filter(recall_offered_msg=PERSONAL).count() == 2  # saved after the wait
