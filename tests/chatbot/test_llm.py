"""LLMEngine against a real OpenAI-protocol server on 127.0.0.1 (the SDK makes real requests)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from chatbot.llm import SYSTEM_PREFIX, LLMConfig, LLMEngine
from chatbot.types import FINISH, NEED_CONTACT, ChatContext, EngineError, JobScript, Turn
from devtools.fakes import FakeOpenAI, HttpError, Sequence, Sleep, closed_port_url

GOOD = {
    "intent": "询问薪资",
    "reply": "薪资是 20-30K，15 薪。\n方便留个微信吗？",
    "next_step": "need_contact",
    "contact": {"phone": "", "wechat": "", "email": ""},
}


def make_ctx(**overrides) -> ChatContext:
    job = JobScript(
        name="Python 后端工程师",
        jd="负责招聘机器人后端开发",
        touch_msg="您好，看了您的简历很匹配",
        faq={"salary": "20-30K·15薪", "location": "上海徐汇"},
        contact_ask=["方便留个微信吗？"],
        max_contact_asks=2,
        closing_msg="感谢，稍后 HR 联系您",
    )
    values = dict(
        conversation_key="acc1_job1_cand1",
        candidate_name="张三",
        job=job,
        transcript=[
            Turn("robot", "您好，看了您的简历很匹配"),
            Turn("system", "对方已查看您的消息"),
            Turn("user", "薪资多少？我电话 138****8000"),
            Turn("recruiter", "稍等"),
            Turn("user", "在上海哪里？"),
        ],
        new_user_text="在上海哪里？",
        message_time=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
        contact_asks=1,
        has_contact=False,
        user_turns=2,
    )
    values.update(overrides)
    return ChatContext(**values)


def engine_for(server: FakeOpenAI | None = None, *, base_url: str = "", **config) -> LLMEngine:
    values = dict(base_url=base_url or server.base_url, api_key="sk-test", model="gpt-test", timeout=15.0)
    values.update(config)
    return LLMEngine(LLMConfig(**values))


@pytest.fixture
def server():
    with FakeOpenAI(GOOD) as fake:
        yield fake


def test_good_answer_is_validated_and_request_carries_prompt_and_roles(server):
    reply = engine_for(server).reply(make_ctx(), timeout=5)

    assert reply.next_step == NEED_CONTACT
    assert reply.content == GOOD["reply"]
    assert reply.intent == "询问薪资"
    assert reply.model == "gpt-test"
    assert (reply.prompt_tokens, reply.completion_tokens) == (123, 45)
    assert not reply.contact.any()

    assert len(server.requests) == 1
    body = server.requests[0]
    assert server.request_paths == ["/v1/chat/completions"]
    assert server.headers[0]["authorization"] == "Bearer sk-test"
    assert body["model"] == "gpt-test"
    assert body["response_format"] == {"type": "json_object"}
    system, *turns = body["messages"]
    assert system["role"] == "system"
    for fact in ("Python 后端工程师", "20-30K·15薪", "上海徐汇", "方便留个微信吗？", "感谢，稍后 HR 联系您"):
        assert fact in system["content"]
    assert "need_contact" in system["content"] and '"next_step"' in system["content"]
    assert "已索要联系方式次数：1，上限：2" in system["content"]
    assert [(m["role"], m["content"]) for m in turns] == [
        ("assistant", "您好，看了您的简历很匹配"),
        ("user", SYSTEM_PREFIX + "对方已查看您的消息"),
        ("user", "薪资多少？我电话 138****8000"),
        ("assistant", "稍等"),
        ("user", "在上海哪里？"),
    ]


def test_prompt_follows_state_exhausted_asks_and_wechat_goal(server):
    engine = engine_for(server)
    engine.reply(make_ctx(contact_asks=2), timeout=5)
    engine.reply(make_ctx(channel="wechat"), timeout=5)

    exhausted = server.requests[0]["messages"][0]["content"]
    assert "不能用 need_contact" in exhausted
    wechat = server.requests[1]["messages"][0]["content"]
    assert "微信" in wechat and "简历" in wechat and "面试时间" in wechat


def test_contacts_from_answer_keep_only_well_formed_values(server):
    server.behaviour = {
        **GOOD,
        "next_step": "finish",
        "contact": {"phone": "138 0013 8000", "wechat": "zhang_san88", "email": "zs@example.com"},
    }
    reply = engine_for(server).reply(make_ctx(), timeout=5)
    assert reply.next_step == FINISH
    assert (reply.contact.phone, reply.contact.wechat, reply.contact.email) == (
        "13800138000",
        "zhang_san88",
        "zs@example.com",
    )

    server.behaviour = {**GOOD, "contact": {"phone": "138****8000", "wechat": "无", "email": 42}}
    reply = engine_for(server).reply(make_ctx(), timeout=5)
    assert (reply.contact.phone, reply.contact.wechat, reply.contact.email) == ("", "", "")


def test_missing_usage_gives_none_tokens():
    with FakeOpenAI(GOOD, usage=None) as fake:
        reply = engine_for(fake).reply(make_ctx(), timeout=5)
    assert (reply.prompt_tokens, reply.completion_tokens) == (None, None)


def test_model_override_reaches_the_server(server):
    reply = engine_for(server).reply(make_ctx(model="qwen-max"), timeout=5)
    assert server.requests[0]["model"] == "qwen-max"
    assert reply.model == "qwen-max"


def test_fenced_json_is_accepted(server):
    server.behaviour = "```json\n" + json.dumps(GOOD, ensure_ascii=False) + "\n```"
    assert engine_for(server).reply(make_ctx(), timeout=5).next_step == NEED_CONTACT


def test_invalid_json_is_an_engine_error(server):
    server.behaviour = "好的，我来回答：薪资 20K"
    with pytest.raises(EngineError, match="not JSON"):
        engine_for(server).reply(make_ctx(), timeout=5)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({**GOOD, "next_step": "foo"}, "next_step"),
        ({**GOOD, "next_step": "algo_abnormal"}, "next_step"),
        ({k: v for k, v in GOOD.items() if k != "next_step"}, "next_step"),
        ({**GOOD, "reply": ""}, "reply"),
        ({**GOOD, "reply": "   "}, "reply"),
        ({**GOOD, "reply": ["hi"]}, "reply"),
        ({k: v for k, v in GOOD.items() if k != "reply"}, "reply"),
        ({**GOOD, "intent": 3}, "intent"),
        ({**GOOD, "contact": "13800138000"}, "contact"),
        ([GOOD], "JSON object"),
    ],
)
def test_invalid_fields_are_engine_errors(server, answer, reason):
    server.behaviour = answer
    with pytest.raises(EngineError, match=reason) as excinfo:
        engine_for(server).reply(make_ctx(), timeout=5)
    # Reasons never carry the transcript or the answer's text.
    assert "138" not in str(excinfo.value) and "薪资" not in str(excinfo.value)


def test_empty_content_is_an_engine_error(server):
    server.behaviour = ""
    with pytest.raises(EngineError, match="empty"):
        engine_for(server).reply(make_ctx(), timeout=5)


def test_slow_answer_times_out_within_the_call_timeout(server):
    server.behaviour = Sleep(5, GOOD)
    started = time.monotonic()
    with pytest.raises(EngineError, match="timeout"):
        engine_for(server, max_retries=1).reply(make_ctx(), timeout=1)
    elapsed = time.monotonic() - started
    # The retry must not restart the clock: one timeout ends the call.
    assert elapsed < 3
    assert len(server.requests) == 1


def test_config_timeout_caps_a_larger_call_timeout(server):
    server.behaviour = Sleep(5, GOOD)
    started = time.monotonic()
    with pytest.raises(EngineError, match="timeout"):
        engine_for(server, timeout=1).reply(make_ctx(), timeout=30)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(("max_retries", "attempts"), [(0, 1), (1, 2)])
def test_http_500_is_an_engine_error_after_the_configured_retries(server, max_retries, attempts):
    server.behaviour = HttpError(500)
    with pytest.raises(EngineError, match="HTTP 500"):
        engine_for(server, max_retries=max_retries).reply(make_ctx(), timeout=5)
    assert len(server.requests) == attempts


def test_a_retry_after_500_can_succeed(server):
    server.behaviour = Sequence([HttpError(502), GOOD])
    reply = engine_for(server, max_retries=1).reply(make_ctx(), timeout=5)
    assert reply.next_step == NEED_CONTACT
    assert len(server.requests) == 2


def test_http_400_is_not_retried(server):
    server.behaviour = HttpError(400, {"error": {"message": "bad model", "type": "invalid_request_error"}})
    with pytest.raises(EngineError, match="HTTP 400"):
        engine_for(server, max_retries=1).reply(make_ctx(), timeout=5)
    assert len(server.requests) == 1


def test_connection_refused_is_an_engine_error():
    engine = engine_for(base_url=closed_port_url("/v1"), max_retries=0)
    started = time.monotonic()
    with pytest.raises(EngineError, match="connection error"):
        engine.reply(make_ctx(), timeout=5)
    assert time.monotonic() - started < 2


def test_personalise_recall(server):
    # The model sees the name masked, inside the template too, and addresses the candidate by the mask;
    # the nudge goes out with the name.
    server.behaviour = {"msg": "张**您好，看到您做过 Django 后端，这个职位很适合您，考虑聊聊吗？"}
    job = make_ctx().job
    msg = engine_for(server).personalise_recall(
        template_msg="张三您好，还在看机会吗？",
        name="张三",
        job=job,
        profile_summary="Django；Python",
        timeout=5,
    )
    assert msg == "张三您好，看到您做过 Django 后端，这个职位很适合您，考虑聊聊吗？"
    body = server.requests[0]
    assert body["response_format"] == {"type": "json_object"}
    assert "Python 后端工程师" in body["messages"][0]["content"]
    user = json.loads(body["messages"][1]["content"])
    assert user == {"候选人称呼": "张**", "候选人背景": "Django；Python", "模板消息": "张**您好，还在看机会吗？"}
    assert "张三" not in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("answer", [{"msg": ""}, {"message": "hi"}, {"msg": 1}, {"msg": "长" * 301}, "not json"])
def test_personalise_recall_rejects_invalid_answers(server, answer):
    server.behaviour = answer
    with pytest.raises(EngineError):
        engine_for(server).personalise_recall(
            template_msg="您好", name="张三", job=make_ctx().job, profile_summary="", timeout=5
        )
