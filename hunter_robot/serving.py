"""The production web server's worker model: one home for the numbers `gunicorn.conf.py` serves with and
settings derive the engine bound from (no Django imports: gunicorn's master reads it before any app).

Bot endpoints (fetch, filter, report, …) are CPU-bound and answer in milliseconds; chat turns wait up to
CHAT_DEADLINE on an LLM or external engine. gunicorn's gthread workers serve both: WEB_WORKERS processes
with WEB_THREADS threads each. A chat waiting on an engine pins one thread, so the engine calls in flight
per process are bounded (ENGINE_MAX_IN_FLIGHT, `chatbot.engines.EngineSlots`) below the thread count:
whatever the engines do, BOT_THREADS threads per worker stay free for the bot endpoints, and a chat over
the bound answers at once with the rule engine's reply.

Each thread may hold one database connection (CONN_MAX_AGE): WEB_WORKERS x WEB_THREADS, plus the Celery
worker's, must stay under PostgreSQL's max_connections (100 by default).
"""

from __future__ import annotations

WEB_WORKERS = 2  # one per core of the 2-core machines measured in bench/
WEB_THREADS = 24
BOT_THREADS = 8  # per worker, never pinned by engine calls (bench/: 2 x 8 threads saturate 2 cores)


def engine_max_in_flight(threads: int) -> int:
    """The default bound on engine calls in flight per process: every thread but BOT_THREADS, and at
    least half of them (24 threads: 16)."""
    return max(1, threads // 2, threads - BOT_THREADS)
