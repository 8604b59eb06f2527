"""Dependency faults, each with real parts (issue 12 "Faults"; DESIGN: fault tests start their own victims).

- The database connection dropped: the production server (`gunicorn hunter_robot.wsgi`, one worker with
  one thread, so every request meets the same persistent connection) loses its PostgreSQL backend to
  `pg_terminate_backend` between requests, during a request, and while a chat waits on the engine.
- Redis down: a private `redis-server`, serving the rate-limit counters and the Celery broker, is stopped
  mid-run.
- The LLM and the external engine hanging, slow, answering garbage, 500 or hanging up, on fake peers on
  127.0.0.1 (`devtools.fakes`).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis as redis_lib
from django.db import OperationalError, connection, transaction
from django.test import Client, RequestFactory
from django.urls import resolve

from devtools.fakes import (
    Drop,
    FakeAlgo,
    FakeOpenAI,
    HttpError,
    Sleep,
    Trickle,
    algo_answer,
    closed_port_url,
)
from hunter_robot.api import throttle
from hunter_robot.api.middleware import ApiEnvelopeMiddleware
from recruit.models import Conversation, Greeting, Message, Notification, RecruitAccount
from tests.conftest import Api, need_service
from tests.factories import AccountFactory, JobFactory, link
from tests.production_server import ProductionGunicorn, production_env
from tests.servers import database_url, free_port
from tests.test_worker import broker

GREETING = "您好，看看客服岗？"
FAQ_SALARY = "底薪 6000"
CONTACT_ASK = "方便留个微信吗？"
QUESTION = "薪资多少？"
GOOD = {"intent": "ask_salary", "reply": "底薪六千。\n方便留个微信吗？", "next_step": "need_contact", "contact": {}}
FETCH, FILTER, REPORT, CHAT, RESULT = (
    "/recruit/account/task/fetch",
    "/recruit/candidate/filter",
    "/recruit/account/task/report",
    "/recruit/candidate/chat",
    "/recruit/candidate/result",
)


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.02)


def chat_body(cid: str, account_id: str = "account_Boss_a", text: str = QUESTION) -> dict:
    history = [{"speaker": "robot", "msg": GREETING}, {"speaker": "user", "msg": text}]
    return {"accountID": account_id, "candidateID": cid, "candidateName": "张三", "historyMsg": history}


def report_body(cid: str, account_id: str = "account_Boss_a") -> dict:
    return {"accountID": account_id, "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [cid]}}]}


# --- The database connection dropped (PostgreSQL, the production server) ------------------------------

SERVER_APP = "hunter_faults_web"  # application_name of the server's connections, to find its backends


def server_backends(*, waiting_on_lock: bool = False) -> list[int]:
    sql = "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
    if waiting_on_lock:
        sql += " AND wait_event_type = 'Lock'"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view is a snapshot
        cursor.execute(sql, [SERVER_APP])
        return [pid for (pid,) in cursor.fetchall()]


def terminate(pids: list[int]) -> None:
    """Kill the server's backends from the test's own connection, and wait until they are gone."""
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_for(lambda: not set(pids) & set(server_backends()), "the terminated backends to go")


@dataclass
class DbServer:
    web: ProductionGunicorn
    llm: FakeOpenAI
    account: RecruitAccount


@pytest.fixture
def db_server(postgres, transactional_db, tmp_path) -> Iterator[DbServer]:
    """The production server on the test database, one worker with one thread (so each request reuses
    the one persistent connection), its connections named SERVER_APP; a fake LLM it can be pointed at."""
    account = AccountFactory(platform_id="a")
    link(account, JobFactory(platform_id="rule", touch_msg=GREETING, faq_salary=FAQ_SALARY))
    link(AccountFactory(platform_id="llm"), JobFactory(platform_id="llm", touch_msg=GREETING, robot_api="llm"))
    with FakeOpenAI(GOOD) as llm:
        env = production_env(
            DATABASE_URL=f"{database_url()}?application_name={SERVER_APP}",
            WEB_WORKERS="1",
            WEB_THREADS="1",
            OPENAI_BASE_URL=llm.base_url,
            CHAT_DEADLINE="8",
            LOG_LEVEL="ERROR",
        )
        with ProductionGunicorn(env=env, log_dir=tmp_path) as web:
            yield DbServer(web=web, llm=llm, account=account)


@pytest.mark.postgres
def test_connection_killed_between_requests_the_next_request_reconnects_without_a_restart(db_server):
    web = db_server.web
    workers = web.worker_pids()
    assert web.post(FETCH, {"accountID": "account_Boss_a"})[1]["ret"] == 0
    [backend] = server_backends()  # kept between requests (CONN_MAX_AGE)

    terminate([backend])
    started = time.monotonic()
    status, answer = web.post(FETCH, {"accountID": "account_Boss_a"})
    elapsed = time.monotonic() - started

    # CONN_HEALTH_CHECKS: the request finds the connection dead before using it and opens a new one.
    assert (status, answer["ret"]) == (200, 0), answer
    assert answer["data"]["task"][0]["jobID"] == "job_Boss_rule"
    assert elapsed < 2
    assert server_backends() and backend not in server_backends()
    assert web.worker_pids() == workers, web.log_tail()


@pytest.mark.postgres
@pytest.mark.parametrize("endpoint", ["report", "chat"])
def test_connection_killed_during_a_request_answers_1503_then_the_next_request_succeeds(db_server, endpoint):
    """The server's backend is killed while its request waits on a row lock the test holds: the request
    answers 1503 with the endpoint's failure shape at once, and the same thread's next request works."""
    web, account = db_server.web, db_server.account
    workers = web.worker_pids()
    assert web.post(REPORT, report_body("c1"))[1]["ret"] == 0  # the conversation exists, greeted
    if endpoint == "report":
        path, body, shape = REPORT, report_body("c2"), None
        lock = RecruitAccount.objects.filter(pk=account.pk)  # a report locks the account first
    else:
        path, body, shape = CHAT, chat_body("c1"), {"nextStep": "", "nextStepContent": ""}
        lock = Conversation.objects.filter(account=account, candidate__platform_cid="c1")  # a turn locks it
    answers: list = []
    with transaction.atomic():
        assert lock.select_for_update().exists()
        request = threading.Thread(target=lambda: answers.append(web.post(path, body)))
        request.start()
        [blocked] = wait_for(lambda: server_backends(waiting_on_lock=True), "the request to wait on the lock")
        killed_at = time.monotonic()
        terminate([blocked])
        request.join(timeout=15)
        elapsed = time.monotonic() - killed_at
    [(status, answer)] = answers

    assert (status, answer["ret"], answer["data"]) == (503, 1503, shape), answer
    assert answer["msg"].startswith("database unavailable, retry later (request ")
    assert elapsed < 2

    status, answer = web.post(path, body)
    assert (status, answer["ret"]) == (200, 0), answer
    if endpoint == "report":
        assert answer["data"]["accepted"] == 1  # the killed request's transaction stored nothing
        assert Greeting.objects.filter(account=account, candidate__platform_cid="c2").count() == 1
    else:
        assert answer["data"]["nextStep"] == "need_contact" and FAQ_SALARY in answer["data"]["nextStepContent"]
    assert web.worker_pids() == workers, web.log_tail()


@pytest.mark.postgres
def test_no_connection_is_held_while_a_chat_waits_on_the_engine_so_a_drop_then_costs_nothing(db_server):
    web, llm = db_server.web, db_server.llm
    llm.behaviour = Sleep(1.5, GOOD)
    assert web.post(FETCH, {"accountID": "account_Boss_llm"})[1]["ret"] == 0  # a warm, persistent connection
    answers: list = []
    request = threading.Thread(target=lambda: answers.append(web.post(CHAT, chat_body("c9", "account_Boss_llm"))))
    request.start()
    wait_for(lambda: llm.requests, "the engine call")
    # The turn committed and closed its connection before asking the engine: nothing to drop.
    assert server_backends() == []
    request.join(timeout=15)
    [(status, answer)] = answers

    assert (status, answer["ret"], answer["data"]["nextStep"]) == (200, 0, "need_contact"), answer
    reply = Message.objects.filter(conversation__candidate__platform_cid="c9", engine="llm").order_by("seq")
    assert [m.text for m in reply] == ["底薪六千。", CONTACT_ASK] and not reply[0].error


def test_a_database_error_outside_the_views_is_1503_with_the_endpoints_shape_too():
    """DRF's handler maps OperationalError/InterfaceError to 1503; the middleware's last-resort handler
    (errors raised outside a DRF view) classifies the same way instead of answering 1500."""
    request = RequestFactory().post(CHAT, b"{}", content_type="application/json")
    request.request_id = "abc123"
    request.resolver_match = resolve(CHAT)
    middleware = ApiEnvelopeMiddleware(lambda _request: None)

    response = middleware.process_exception(request, OperationalError("server closed the connection unexpectedly"))

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "ret": 1503,
        "msg": "database unavailable, retry later (request abc123)",
        "data": {"nextStep": "", "nextStepContent": ""},
    }


# --- Redis down --------------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of this test's own on a free port (never the shared one), nothing persisted."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        command += ["--dir", str(tmp_path)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = redis_lib.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=2)
        wait_for(self._ping, "redis-server to start")

    def _ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis_lib.RedisError:
            return False

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    need_service(shutil.which("redis-server") is not None, "needs redis-server (Debian package redis-server)")
    server = PrivateRedis(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_backed(settings, private_redis, monkeypatch) -> Iterator[PrivateRedis]:
    """Rate-limit counters and the Celery broker on the private Redis, as production configures them."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url,
            "KEY_PREFIX": "hunter_robot",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    monkeypatch.setitem(throttle._store, "warned_at", None)  # no counter-store failure seen yet
    monkeypatch.setitem(throttle._store, "down_until", 0.0)
    with broker(private_redis.url, socket_timeout=2, socket_connect_timeout=2):
        yield private_redis


def test_redis_going_down_leaves_the_api_working_unlimited_and_notifications_in_the_outbox(
    transactional_db, redis_backed, settings, caplog
):
    job = JobFactory(platform_id="j", touch_msg=GREETING, faq_salary=FAQ_SALARY, notify_webhook=closed_port_url("/h"))
    link(AccountFactory(platform_id="a"), job)
    api = Api(Client(REMOTE_ADDR="127.0.0.1"))
    settings.API_RATE_LIMIT = "100/min"
    caplog.set_level(logging.WARNING)

    def every_endpoint(n: int) -> list[tuple[str, int, int, float]]:
        cid = f"up{n}" if n < 0 else f"c{n}"
        calls = [
            (FETCH, {"accountID": "account_Boss_a"}),
            (FILTER, {"accountID": "account_Boss_a", "candidateInfo": {"geekCard": {"geekId": cid}}}),
            (REPORT, report_body(cid)),
            (CHAT, chat_body(cid)),
            (
                RESULT,
                {"accountID": "account_Boss_a", "candidateID": cid, "candidateName": "张三", "phone": "13800138000"},
            ),
        ]
        answers = []
        for path, body in calls:
            started = time.monotonic()
            status, answer = api.post(path, body)
            answers.append((path, status, answer["ret"], time.monotonic() - started))
        return answers

    # Up: the counters live in Redis, a notification's delivery is queued on the broker.
    assert [ret for _path, _status, ret, _s in every_endpoint(-1)] == [0] * 5
    assert any(b"throttle_bot_addr" in key for key in redis_backed.client.keys("hunter_robot*"))
    assert redis_backed.client.llen("celery") == 1  # deliver_notifications, kicked after the commit

    redis_backed.stop()
    settings.API_RATE_LIMIT = "2/min"  # would refuse most of what follows, if it could count
    down = [answer for n in range(3) for answer in every_endpoint(n)]

    assert [(path, status, ret) for path, status, ret, _s in down] == [(path, 200, 0) for path, *_ in down]
    assert max(seconds for *_, seconds in down) < 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    limiter = [w for w in warnings if w.startswith("rate-limit counters unavailable")]
    assert len(limiter) == 1, warnings  # once a minute, not once a request
    assert sum(w.startswith("broker unavailable, notification left for the periodic task") for w in warnings) == 3
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    waiting = Notification.objects.filter(kind="contact", conversation__candidate__platform_cid__in=["c0", "c1", "c2"])
    assert [(n.status, n.attempts) for n in waiting] == [(Notification.Status.PENDING, 0)] * 3


# --- The LLM and the external engine failing ---------------------------------------------------------

DEADLINE = 2.0
# DESIGN: a functional deadline is asserted with a wide margin (a loaded CI machine); the engine's share
# (the reply's recorded latency) is held to the deadline itself.
MARGIN = 2.0


def garbage_body(_request) -> tuple[int, str]:
    return 200, "<html><body>502 Bad Gateway</body></html>"


LLM_FAULTS = {
    "hang": Sleep(30, GOOD),
    "slow": Trickle(10, GOOD),  # the answer drips in: no single read ever times out
    "garbage-content": "好的，我这就回复您！",  # a completion whose content is not the JSON asked for
    "garbage-body": garbage_body,  # not a completion at all
    "http-500": HttpError(500),
    "hang-up": Drop(),
}
ALGO_GOOD = algo_answer("您好，底薪六千", "询问薪资")
ALGO_FAULTS = {
    "hang": Sleep(30, ALGO_GOOD),
    "slow": Trickle(10, ALGO_GOOD),
    "garbage-content": {"status": 1, "data": {"reply": "字段名不对"}},
    "garbage-body": garbage_body,
    "http-500": HttpError(500),
    "hang-up": Drop(),
}


@pytest.fixture
def engine_jobs(db, settings):
    """An account with two jobs talking the same script: one on the engine under test, one on the rule
    engine, whose reply is what a failed turn must answer."""
    settings.CHAT_DEADLINE = DEADLINE
    script = {"touch_msg": GREETING, "faq_salary": FAQ_SALARY, "contact_ask": CONTACT_ASK}
    account = AccountFactory(platform_id="a")
    link(account, JobFactory(platform_id="engine", **script), position=0)
    link(account, JobFactory(platform_id="rule", **script), position=1)
    Api(Client(REMOTE_ADDR="127.0.0.1")).ok(FETCH, {"accountID": "account_Boss_a"})  # a warm process: URLs, views
    return account


def chat_on(api: Api, job: str, cid: str) -> tuple[dict, float]:
    started = time.monotonic()
    answer = api.ok(CHAT, {**chat_body(cid), "jobID": job})
    return answer, time.monotonic() - started


def assert_rule_fallback(api: Api, answer: dict, elapsed: float, engine: str, caplog) -> None:
    # A failing peer is an expected fault, not a crash of ours (no traceback logged at ERROR).
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    rule_answer, _ = chat_on(api, "job_Boss_rule", "c-rule")
    assert rule_answer["nextStep"] == "need_contact" and FAQ_SALARY in rule_answer["nextStepContent"]
    assert answer == {"nextStep": "algo_abnormal", "nextStepContent": rule_answer["nextStepContent"]}
    assert elapsed < DEADLINE + MARGIN
    failed = Message.objects.filter(conversation__job__platform_id="engine", speaker="robot").exclude(engine="greeting")
    assert {m.engine for m in failed} == {engine} and all(m.error.startswith(f"{engine}: ") for m in failed)
    assert all(m.latency_ms < DEADLINE * 1000 for m in failed)


@pytest.mark.parametrize("fault", LLM_FAULTS, ids=list(LLM_FAULTS))
def test_llm_fault_answers_algo_abnormal_with_the_rule_reply_within_the_deadline(
    api, engine_jobs, settings, caplog, fault
):
    with FakeOpenAI(LLM_FAULTS[fault]) as llm:
        settings.OPENAI_BASE_URL = llm.base_url
        settings.LLM_TIMEOUT = 60  # the chat deadline must win over a lax model timeout
        engine_jobs.jobs.filter(platform_id="engine").update(robot_api="llm")
        answer, elapsed = chat_on(api, "job_Boss_engine", "c1")
        assert llm.requests  # the model was really asked
    assert_rule_fallback(api, answer, elapsed, "llm", caplog)


@pytest.mark.parametrize("fault", ALGO_FAULTS, ids=list(ALGO_FAULTS))
def test_external_engine_fault_answers_algo_abnormal_with_the_rule_reply_within_the_deadline(
    api, engine_jobs, caplog, fault
):
    with FakeAlgo(ALGO_FAULTS[fault]) as algo:
        engine_jobs.jobs.filter(platform_id="engine").update(robot_api=algo.url + "/chat")
        answer, elapsed = chat_on(api, "job_Boss_engine", "c1")
        assert algo.requests
    assert_rule_fallback(api, answer, elapsed, "external", caplog)


def test_a_slow_engine_within_the_deadline_is_waited_for(api, engine_jobs, settings):
    with FakeOpenAI(Sleep(0.5, GOOD)) as llm:
        settings.OPENAI_BASE_URL = llm.base_url
        engine_jobs.jobs.filter(platform_id="engine").update(robot_api="llm")
        answer, elapsed = chat_on(api, "job_Boss_engine", "c1")
    assert answer == {"nextStep": "need_contact", "nextStepContent": "底薪六千。\n方便留个微信吗？"}
    assert 0.5 <= elapsed < DEADLINE + MARGIN
