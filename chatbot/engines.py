"""Choosing a job's engine from `robotApi` and running it under the chat deadline with a fallback."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from django.conf import settings

from chatbot.external import ExternalEngine, resolve_external_url
from chatbot.llm import LLMConfig, LLMEngine
from chatbot.rule import RuleEngine
from chatbot.types import ChatContext, Engine, EngineError, EngineReply, EngineTimeout
from hunter_robot import metrics

logger = logging.getLogger(__name__)


class EngineBusy(Exception):
    """Every engine slot of this process is taken (`EngineSlots`)."""


class EngineSlots:
    """At most `settings.ENGINE_MAX_IN_FLIGHT` engine calls in flight in this process, each on a thread
    of the engines' own pool.

    A call holds its slot until the engine returns, not until its caller stops waiting: a hung peer
    keeps its slots, and a turn over the bound is told so at once (`submit` returns None) instead of
    queueing behind it, so a hung engine pins at most that many of a web worker's threads and never
    starves the bot endpoints. Per process: gunicorn's N workers allow N x the bound in all.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.limit = 0
        self._semaphore: threading.BoundedSemaphore | None = None
        self._pool: ThreadPoolExecutor | None = None

    def _current(self) -> tuple[threading.BoundedSemaphore, ThreadPoolExecutor]:
        limit = max(1, settings.ENGINE_MAX_IN_FLIGHT)
        with self._lock:
            if limit != self.limit or self._pool is None:
                # A changed setting (tests, a reload) starts a new pair; calls already running finish
                # on the old pool and free the old semaphore.
                if self._pool is not None:
                    self._pool.shutdown(wait=False)
                self.limit = limit
                self._semaphore = threading.BoundedSemaphore(limit)
                self._pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="engine")
            return self._semaphore, self._pool

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future | None:
        """Run `fn` on the pool if a slot is free (never waits for one); None when all are taken."""
        semaphore, pool = self._current()
        if not semaphore.acquire(blocking=False):
            return None
        try:
            future = pool.submit(fn, *args, **kwargs)
        except BaseException:
            semaphore.release()
            raise
        future.add_done_callback(lambda _done: semaphore.release())
        return future


slots = EngineSlots()
_rule = RuleEngine()
# The deadline leaves this much for saving the reply and answering.
DEADLINE_MARGIN = 0.5


def engine_kind(robot_api: str) -> str:
    """rule | llm | external | unknown (served by the rule engine, shown as unrecognised in admin)."""
    value = (robot_api or "").strip()
    if value in ("", "rule"):
        return "rule"
    if value == "llm" or value.startswith("llm:"):
        return "llm"
    if value.lower().startswith(("http://", "https://")) or value.startswith("/"):
        return "external"
    return "unknown"


def engine_for(robot_api: str) -> tuple[Engine, str]:
    """The engine and the model override (for `llm:<model>`)."""
    value = (robot_api or "").strip()
    kind = engine_kind(value)
    if kind == "llm":
        config = LLMConfig(
            base_url=settings.OPENAI_BASE_URL,
            api_key=settings.OPENAI_API_KEY or "unset",
            model=settings.LLM_MODEL,
            timeout=settings.LLM_TIMEOUT,
            max_retries=settings.LLM_MAX_RETRIES,
        )
        return LLMEngine(config), value[4:] if value.startswith("llm:") else ""
    if kind == "external":
        url = resolve_external_url(value, settings.ALGO_BASE_URL)
        if url:
            return ExternalEngine(url), ""
    return _rule, ""


@dataclass
class Outcome:
    """`reply` is the engine's answer, or the rule engine's when `error` is set (its next step
    still drives the conversation state; the bot is told `algo_abnormal`)."""

    reply: EngineReply
    engine: str
    latency_ms: int
    error: str = ""


def run_turn(robot_api: str, ctx: ChatContext, *, deadline: float | None = None) -> Outcome:
    """Ask the job's engine; on any failure, past the deadline, or with every engine slot of this
    process taken (`slots`: answered at once), answer `algo_abnormal` with the rule engine's reply for
    this turn (never empty). Never raises."""
    deadline = settings.CHAT_DEADLINE if deadline is None else deadline
    engine, model = engine_for(robot_api)
    ctx.model = model
    started = time.monotonic()
    budget = max(0.1, deadline - DEADLINE_MARGIN)
    error = ""
    if engine is _rule:
        reply = _rule.reply(ctx, timeout=budget)
        metrics.engine_turn("rule", "ok", time.monotonic() - started)
        return Outcome(reply=reply, engine="rule", latency_ms=int((time.monotonic() - started) * 1000))
    future = slots.submit(engine.reply, ctx, timeout=budget)
    outcome = "ok"
    try:
        if future is None:
            raise EngineBusy(f"{slots.limit} calls in flight in this process")
        reply = future.result(timeout=budget)
    except EngineBusy as exc:
        error, outcome = f"{engine.name}: busy, {exc}", "busy"
    except FutureTimeout:
        error, outcome = f"{engine.name}: no answer within {budget:.1f}s", "timeout"
    except EngineTimeout as exc:
        error, outcome = f"{engine.name}: {exc}", "timeout"
    except EngineError as exc:
        error, outcome = f"{engine.name}: {exc}", "error"
    except Exception as exc:  # an engine bug must not cost the bot its answer
        logger.exception("engine %s crashed", engine.name)
        error, outcome = f"{engine.name}: {type(exc).__name__}", "crash"
    metrics.engine_turn(engine.name, outcome, time.monotonic() - started)
    latency = int((time.monotonic() - started) * 1000)
    if not error:
        return Outcome(reply=reply, engine=engine.name, latency_ms=latency)
    logger.warning("engine failure, falling back to rules: %s", error)
    fallback = _rule.reply(ctx, timeout=0)
    return Outcome(reply=fallback, engine=engine.name, latency_ms=latency, error=error[:255])
