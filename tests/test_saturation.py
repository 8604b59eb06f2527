"""Saturation (issue 12): a hung engine must never starve the bot endpoints.

Engine calls in flight are bounded per process (`chatbot.engines.EngineSlots`, ENGINE_MAX_IN_FLIGHT); a
chat over the bound answers at once with `algo_abnormal` and the rule engine's reply. The end-to-end test
runs the production server command (`gunicorn hunter_robot.wsgi`, worker model from gunicorn.conf.py and
hunter_robot/serving.py, defaults untouched) on 127.0.0.1 against PostgreSQL, with CHAT_DEADLINE=2 and an
LLM that hangs: 64 concurrent chats answer within 10 s, and fetch/filter/report calls made meanwhile
within 2 s (wide margins, as DESIGN asks; bounded and loopback only).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from prometheus_client import REGISTRY

from chatbot import engines
from chatbot.types import ChatContext, JobScript, Turn
from devtools.fakes import FakeOpenAI, Sleep
from hunter_robot import serving
from recruit.models import Message
from tests.factories import AccountFactory, JobFactory, link
from tests.production_server import ProductionGunicorn, production_env
from tests.test_faults import CHAT, FETCH, FILTER, GOOD, GREETING, REPORT, chat_body, report_body, wait_for

FAQ_SALARY = "底薪 6000"
SCRIPT = {"touch_msg": GREETING, "faq_salary": FAQ_SALARY, "contact_ask": "方便留个微信吗？"}


def busy_turns() -> float:
    return REGISTRY.get_sample_value("hunter_engine_turns_total", {"engine": "llm", "outcome": "busy"}) or 0


def hold_slot(results: list) -> None:
    """One engine turn on the job's LLM from a thread of its own (no database): holds a slot while the
    model hangs."""
    ctx = ChatContext(
        conversation_key="account_Boss_x_job_Boss_x_c0",
        candidate_name="李四",
        job=JobScript(name="客服专员", faq={"salary": FAQ_SALARY}),
        transcript=[Turn("user", "你好")],
        new_user_text="你好",
        message_time=timezone.now(),
    )
    results.append(engines.run_turn("llm", ctx))


def test_a_chat_over_the_bound_answers_at_once_with_the_rule_reply_and_the_slot_comes_back(api, settings):
    settings.ENGINE_MAX_IN_FLIGHT = 2
    settings.CHAT_DEADLINE = 3.0  # a turn that got a slot would wait 2.5 s for this model
    settings.LLM_TIMEOUT = 60
    account = AccountFactory(platform_id="a")
    link(account, JobFactory(platform_id="llm", robot_api="llm", **SCRIPT), position=0)
    link(account, JobFactory(platform_id="rule", **SCRIPT), position=1)
    rule = api.ok(CHAT, {**chat_body("c-rule"), "jobID": "job_Boss_rule"})
    busy_before = busy_turns()

    with FakeOpenAI(Sleep(30, GOOD)) as llm:
        settings.OPENAI_BASE_URL = llm.base_url
        held: list = []
        holders = [threading.Thread(target=hold_slot, args=(held,)) for _ in range(2)]
        for holder in holders:
            holder.start()
        wait_for(lambda: len(llm.requests) == 2, "both slots to be taken")

        started = time.monotonic()
        answer = api.ok(CHAT, {**chat_body("c1"), "jobID": "job_Boss_llm"})
        elapsed = time.monotonic() - started
        asked_meanwhile = len(llm.requests)

        for holder in holders:
            holder.join(timeout=10)
        # Both hung calls gave up at their deadline and freed their slots: the next turn reaches the model.
        llm.behaviour = GOOD
        wait_for(lambda: engines.slots.submit(lambda: None) is not None, "a free slot")
        after = api.ok(CHAT, {**chat_body("c2"), "jobID": "job_Boss_llm"})

    assert answer == {"nextStep": "algo_abnormal", "nextStepContent": rule["nextStepContent"]}
    assert elapsed < 1.0  # at once: not after the 2.5 s a slot's turn would wait
    assert asked_meanwhile == 2  # the turn over the bound never called the model
    busy = Message.objects.filter(conversation__candidate__platform_cid="c1", engine="llm")
    assert {m.error for m in busy} == {"llm: busy, 2 calls in flight in this process"}
    assert busy_turns() == busy_before + 1
    assert len(held) == 2 and all(outcome.error.startswith("llm: ") for outcome in held)  # timed out
    assert after == {"nextStep": "need_contact", "nextStepContent": "底薪六千。\n方便留个微信吗？"}


def test_the_default_bound_leaves_threads_for_the_bot_endpoints():
    assert serving.engine_max_in_flight(serving.WEB_THREADS) == serving.WEB_THREADS - serving.BOT_THREADS == 16
    assert serving.engine_max_in_flight(4) == 2 and serving.engine_max_in_flight(1) == 1
    # The settings a process without WEB_THREADS / ENGINE_MAX_IN_FLIGHT in its environment gets.
    assert django_settings.ENGINE_MAX_IN_FLIGHT == serving.engine_max_in_flight(django_settings.WEB_THREADS)


# --- The production server on a hung engine -----------------------------------------------------------

CHATS = 64
CHAT_LIMIT = 10.0  # seconds for every one of the 64 chats
BOT_LIMIT = 2.0  # seconds for each fetch/filter/report made meanwhile
# The bot calls start once this many engine calls hang: one worker's bound, which 64 chats on 2 workers
# always reach (one of them takes at least 32).
HUNG = serving.engine_max_in_flight(serving.WEB_THREADS)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_64_chats_on_a_hung_engine_answer_within_10s_and_bot_endpoints_meanwhile_within_2s(postgres, tmp_path):
    """The bot calls start once a worker's bound of engine calls hang and go on until every chat has
    answered: the question is whether hung engine calls starve the bot endpoints (without the bound,
    ENGINE_MAX_IN_FLIGHT=WEB_THREADS, a filter took 3.4 s here). The 64 chats themselves cost CPU to
    take in (~20-40 ms each, bench/), which any worker model pays."""
    account = AccountFactory(platform_id="a")
    link(account, JobFactory(platform_id="llm", robot_api="llm", **SCRIPT), position=0)
    link(account, JobFactory(platform_id="rule", **SCRIPT), position=1, hello_sum=1000)
    with FakeOpenAI(Sleep(30, GOOD)) as llm:
        env = production_env(OPENAI_BASE_URL=llm.base_url, CHAT_DEADLINE="2", LOG_LEVEL="ERROR")
        with ProductionGunicorn(env=env, log_dir=tmp_path) as web:
            status, rule = web.post(CHAT, {**chat_body("c-rule"), "jobID": "job_Boss_rule"})
            assert (status, rule["ret"]) == (200, 0), rule
            with ThreadPoolExecutor(max_workers=8) as warm:  # both workers past their first request
                list(warm.map(lambda _: web.post(FETCH, {"accountID": "account_Boss_a"}), range(16)))

            chats: list = [None] * CHATS  # (seconds, answered at, status, envelope)
            bot_calls: list = []  # (path, seconds, sent at, status, ret)
            start = threading.Barrier(CHATS + 1)
            chats_done = threading.Event()

            def chat(index: int) -> None:
                start.wait()
                began = time.monotonic()
                status, answer = web.post(CHAT, {**chat_body(f"c{index}"), "jobID": "job_Boss_llm"}, timeout=30)
                chats[index] = (time.monotonic() - began, time.monotonic(), status, answer)

            def bot_endpoints() -> None:
                start.wait()
                wait_for(lambda: len(llm.requests) >= HUNG, "engine calls to hang", timeout=CHAT_LIMIT)
                round_ = 0
                while not chats_done.is_set() or round_ < 3:
                    cid = f"b{round_}"
                    card = {"geekCard": {"geekId": cid}}
                    for path, body in (
                        (FETCH, {"accountID": "account_Boss_a"}),
                        (FILTER, {"accountID": "account_Boss_a", "jobID": "job_Boss_rule", "candidateInfo": card}),
                        (REPORT, {**report_body(cid), "jobID": "job_Boss_rule"}),
                    ):
                        began = time.monotonic()
                        status, answer = web.post(path, body, timeout=30)
                        bot_calls.append((path, time.monotonic() - began, began, status, answer["ret"]))
                    round_ += 1

            threads = [threading.Thread(target=chat, args=(i,)) for i in range(CHATS)]
            threads.append(threading.Thread(target=bot_endpoints))
            for thread in threads:
                thread.start()
            for thread in threads[:CHATS]:
                thread.join(timeout=60)
            chats_done.set()
            threads[-1].join(timeout=60)
            log = web.log_tail()

    assert all(chats) and bot_calls, log
    assert [(status, answer["ret"]) for _s, _at, status, answer in chats] == [(200, 0)] * CHATS, log
    expected = {"nextStep": "algo_abnormal", "nextStepContent": rule["data"]["nextStepContent"]}
    assert all(answer["data"] == expected for *_, answer in chats)
    slowest_chat = max(seconds for seconds, *_ in chats)
    assert slowest_chat < CHAT_LIMIT, sorted(round(seconds, 2) for seconds, *_ in chats)

    assert [(path, status, ret) for path, _s, _at, status, ret in bot_calls] == [(p, 200, 0) for p, *_ in bot_calls]
    assert {path for path, *_ in bot_calls} == {FETCH, FILTER, REPORT} and len(bot_calls) >= 9
    slowest_bot = max(seconds for _path, seconds, *_ in bot_calls)
    assert slowest_bot < BOT_LIMIT, [(path, round(seconds, 3)) for path, seconds, *_ in bot_calls]
    # Meanwhile: the bot calls began while chats were still waiting on the hung engine.
    last_chat_answered = max(at for _s, at, *_ in chats)
    waiting = [path for path, _seconds, sent, *_ in bot_calls if sent < last_chat_answered]
    assert waiting, bot_calls

    turns = Message.objects.filter(conversation__job__platform_id="llm", engine="llm", seq=2)
    busy = sum(m.error.startswith("llm: busy") for m in turns)
    print(
        f"\nsaturation: {CHATS} chats, slowest {slowest_chat:.2f}s, {busy} over the bound, {len(llm.requests)} model "
        f"calls; {len(bot_calls)} bot calls ({len(waiting)} sent while chats waited), slowest {slowest_bot:.2f}s"
    )
