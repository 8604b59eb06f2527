"""ExternalEngine against a real HTTP server on 127.0.0.1 speaking the original algorithm contract."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from chatbot.external import ExternalEngine, resolve_external_url
from chatbot.types import FINISH, NEED_CONTACT, NORMAL_CHAT, ChatContext, EngineError, JobScript, Turn
from devtools.fakes import FakeAlgo, HttpError, Sleep, algo_answer, closed_port_url

SHANGHAI = timezone(timedelta(hours=8))


def make_ctx(**overrides) -> ChatContext:
    values = dict(
        conversation_key="acc1_job1_cand1",
        candidate_name="张三",
        job=JobScript(name="Python 后端"),
        transcript=[Turn("robot", "您好"), Turn("user", "你好"), Turn("user", "薪资多少")],
        new_user_text="你好\n薪资多少",
        message_time=datetime(2024, 5, 1, 9, 5, 7, tzinfo=SHANGHAI),
        has_contact=False,
        user_turns=2,
    )
    values.update(overrides)
    return ChatContext(**values)


@pytest.fixture
def algo():
    with FakeAlgo() as fake:
        yield fake


def test_posts_the_exact_body(algo):
    algo.behaviour = algo_answer("20-30K", "询问薪资")
    ExternalEngine(algo.url + "/vision/chat/receive/message/generic/v1").reply(make_ctx(), timeout=5)
    assert algo.request_paths == ["/vision/chat/receive/message/generic/v1"]
    # The time is written in the datetime's own zone, not converted to UTC.
    assert algo.requests == [
        {
            "conversation_id": "acc1_job1_cand1",
            "message": "你好\n薪资多少",
            "message_time": "2024-05-01 09:05:07",
        }
    ]


@pytest.mark.parametrize(
    ("intent", "has_contact", "user_turns", "next_step"),
    [
        ("拒绝", False, 3, FINISH),
        ("拒绝", True, 1, FINISH),
        ("询问薪资", False, 2, NEED_CONTACT),
        ("", False, 5, NEED_CONTACT),
        ("询问薪资", False, 1, NORMAL_CHAT),  # the candidate's first answer: no ask yet
        ("询问薪资", True, 4, NORMAL_CHAT),  # contact already obtained
    ],
)
def test_intent_mapping(algo, intent, has_contact, user_turns, next_step):
    algo.behaviour = algo_answer("好的，薪资 20-30K", intent)
    reply = ExternalEngine(algo.url).reply(make_ctx(has_contact=has_contact, user_turns=user_turns), timeout=5)
    assert reply.next_step == next_step
    assert reply.content == "好的，薪资 20-30K"
    assert reply.intent == intent


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        (algo_answer("好的", "同意", status=0), "status"),
        ({"data": {"message": "好的"}}, "status"),
        (algo_answer("", "同意"), "empty message"),
        (algo_answer("   ", "同意"), "empty message"),
        ({"status": 1, "data": {"last_message_intent": "同意"}}, "empty message"),
        ({"status": 1, "data": "好的"}, "data"),
        ("<html>502 Bad Gateway</html>", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (HttpError(500), "HTTP 500"),
        (HttpError(404, {"status": 1, "data": {"message": "hi"}}), "HTTP 404"),
    ],
)
def test_failures_are_engine_errors(algo, behaviour, reason):
    algo.behaviour = behaviour
    with pytest.raises(EngineError, match=reason):
        ExternalEngine(algo.url).reply(make_ctx(), timeout=5)


def test_timeout(algo):
    algo.behaviour = Sleep(5, algo_answer("迟到的回复"))
    started = time.monotonic()
    with pytest.raises(EngineError, match="timeout"):
        ExternalEngine(algo.url).reply(make_ctx(), timeout=1)
    assert time.monotonic() - started < 3


def test_connection_refused():
    with pytest.raises(EngineError, match="connection error"):
        ExternalEngine(closed_port_url("/chat")).reply(make_ctx(), timeout=5)


@pytest.mark.parametrize(
    ("robot_api", "base", "expected"),
    [
        ("http://algo.local:8000/chat", "", "http://algo.local:8000/chat"),
        ("  HTTPS://algo.local/chat  ", "http://ignored", "HTTPS://algo.local/chat"),
        ("/vision/chat/v1", "http://algo.local:8000/", "http://algo.local:8000/vision/chat/v1"),
        ("/vision/chat/v1", "http://algo.local:8000", "http://algo.local:8000/vision/chat/v1"),
        ("/vision/chat/v1", "", None),
        ("/vision/chat/v1", "algo.local", None),
        ("ftp://algo.local/chat", "http://algo.local", None),
        ("my-algo", "http://algo.local", None),
        ("", "http://algo.local", None),
    ],
)
def test_resolve_external_url(robot_api, base, expected):
    assert resolve_external_url(robot_api, base) == expected
