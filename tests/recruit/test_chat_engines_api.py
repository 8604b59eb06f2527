"""candidate/chat with the LLM and external engines against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import time

import pytest

from devtools.fakes import FakeAlgo, FakeOpenAI, HttpError, Sleep, algo_answer, closed_port_url
from recruit.models import ContactRecord, Message
from tests.factories import AccountFactory, JobFactory, link

GREETING = "您好，看看客服岗？"
GOOD = {"intent": "ask_salary", "reply": "底薪六千。\n方便留个微信吗？", "next_step": "need_contact", "contact": {}}


@pytest.fixture
def llm_job(db, settings):
    settings.CHAT_DEADLINE = 2.0
    settings.LLM_MAX_RETRIES = 0
    job = JobFactory(
        platform_id="j", touch_msg=GREETING, faq_salary="底薪 6000", robot_api="llm", contact_ask="方便留个微信吗？"
    )
    link(AccountFactory(platform_id="a"), job)
    return job


def chat(api, text="薪资多少？"):
    history = [{"speaker": "robot", "msg": GREETING}, {"speaker": "user", "msg": text}]
    body = {"accountID": "account_Boss_a", "candidateID": "c1", "candidateName": "张三", "historyMsg": history}
    return api.ok("/recruit/candidate/chat", body)


def test_llm_good_answer_is_used_and_recorded(api, llm_job, settings):
    with FakeOpenAI(GOOD) as server:
        settings.OPENAI_BASE_URL = server.base_url
        answer = chat(api, "薪资多少？我电话13800138000")
    assert answer == {"nextStep": "need_contact", "nextStepContent": "底薪六千。\n方便留个微信吗？"}
    robot = list(Message.objects.filter(speaker="robot", engine="llm").order_by("seq"))
    assert [m.text for m in robot] == ["底薪六千。", "方便留个微信吗？"]
    assert (robot[0].prompt_tokens, robot[0].completion_tokens, robot[0].intent) == (123, 45, "ask_salary")
    sent = json.dumps(server.requests[0], ensure_ascii=False)
    assert "13800138000" not in sent and "138****8000" in sent  # masked before leaving the server
    assert ContactRecord.objects.get().phone == "13800138000"  # but extracted and stored in full


def test_llm_model_override(api, llm_job, settings):
    llm_job.robot_api = "llm:qwen-max"
    llm_job.save()
    with FakeOpenAI(GOOD) as server:
        settings.OPENAI_BASE_URL = server.base_url
        chat(api)
    assert server.requests[0]["model"] == "qwen-max"


@pytest.mark.parametrize(
    "behaviour",
    ["not json at all", {"intent": "x", "reply": "hi", "next_step": "dance"}, HttpError(500)],
    ids=["invalid-json", "invalid-step", "http-500"],
)
def test_llm_failures_fall_back_to_rule_reply(api, llm_job, settings, behaviour):
    with FakeOpenAI(behaviour) as server:
        settings.OPENAI_BASE_URL = server.base_url
        answer = chat(api)
    assert answer["nextStep"] == "algo_abnormal"
    assert "底薪 6000" in answer["nextStepContent"]  # the rule engine's FAQ answer
    failed = Message.objects.filter(speaker="robot").exclude(engine="greeting").first()
    assert failed.error and failed.engine == "llm"


def test_llm_connection_refused_falls_back(api, llm_job, settings):
    settings.OPENAI_BASE_URL = closed_port_url("/v1")
    answer = chat(api)
    assert answer["nextStep"] == "algo_abnormal" and answer["nextStepContent"]


def test_hung_llm_does_not_hang_the_request(api, llm_job, settings):
    with FakeOpenAI(Sleep(30, GOOD)) as server:
        settings.OPENAI_BASE_URL = server.base_url
        settings.LLM_TIMEOUT = 60  # the chat deadline (2 s) must win over a lax model timeout
        started = time.monotonic()
        answer = chat(api)
        elapsed = time.monotonic() - started
    assert answer["nextStep"] == "algo_abnormal" and answer["nextStepContent"]
    assert elapsed < 10


@pytest.fixture
def algo_job(db, settings):
    settings.ALGO_BASE_URL = ""
    job = JobFactory(platform_id="j", touch_msg=GREETING, faq_salary="底薪 6000")
    link(AccountFactory(platform_id="a"), job)
    return job


def test_external_engine_success(api, algo_job, settings):
    with FakeAlgo(algo_answer("您好，底薪六千", "询问薪资")) as server:
        settings.ALGO_BASE_URL = server.url
        algo_job.robot_api = "/vision/chat/receive/message/generic/v1"
        algo_job.save()
        answer = chat(api)
    assert answer == {"nextStep": "normal_chat", "nextStepContent": "您好，底薪六千"}
    request = server.requests[0]
    assert request["conversation_id"] == "account_Boss_a_job_Boss_j_c1"
    assert request["message"] == "薪资多少？"
    assert len(request["message_time"]) == 19


def test_external_engine_refusal_intent_finishes(api, algo_job, settings):
    with FakeAlgo(algo_answer("好的，打扰了", "拒绝")) as server:
        algo_job.robot_api = server.url + "/chat"
        algo_job.save()
        answer = chat(api, "不需要")
    assert answer["nextStep"] == "finish"


@pytest.mark.parametrize(
    "behaviour", [algo_answer("x", status=0), HttpError(502), "<html>"], ids=["status0", "502", "html"]
)
def test_external_engine_failure_falls_back(api, algo_job, behaviour):
    with FakeAlgo(behaviour) as server:
        algo_job.robot_api = server.url + "/chat"
        algo_job.save()
        answer = chat(api)
    assert answer["nextStep"] == "algo_abnormal"
    assert "底薪 6000" in answer["nextStepContent"]
