"""Choosing a job's engine from `robotApi` and running it under the chat deadline with a fallback."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from django.conf import settings

from chatbot.external import ExternalEngine, resolve_external_url
from chatbot.llm import LLMConfig, LLMEngine
from chatbot.rule import RuleEngine
from chatbot.types import ChatContext, Engine, EngineError, EngineReply

logger = logging.getLogger(__name__)

# Engine calls wait on I/O; a shared pool bounds the threads a hung peer can pin.
_pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="engine")
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
    """Ask the job's engine; on any failure or past the deadline, answer `algo_abnormal` with the
    rule engine's reply for this turn (never empty). Never raises."""
    deadline = settings.CHAT_DEADLINE if deadline is None else deadline
    engine, model = engine_for(robot_api)
    ctx.model = model
    started = time.monotonic()
    budget = max(0.1, deadline - DEADLINE_MARGIN)
    error = ""
    if engine is _rule:
        reply = _rule.reply(ctx, timeout=budget)
        return Outcome(reply=reply, engine="rule", latency_ms=int((time.monotonic() - started) * 1000))
    future = _pool.submit(engine.reply, ctx, timeout=budget)
    try:
        reply = future.result(timeout=budget)
    except FutureTimeout:
        error = f"{engine.name}: no answer within {budget:.1f}s"
    except EngineError as exc:
        error = f"{engine.name}: {exc}"
    except Exception as exc:  # an engine bug must not cost the bot its answer
        logger.exception("engine %s crashed", engine.name)
        error = f"{engine.name}: {type(exc).__name__}"
    latency = int((time.monotonic() - started) * 1000)
    if not error:
        return Outcome(reply=reply, engine=engine.name, latency_ms=latency)
    logger.warning("engine failure, falling back to rules: %s", error)
    fallback = _rule.reply(ctx, timeout=0)
    return Outcome(reply=fallback, engine=engine.name, latency_ms=latency, error=error[:255])
