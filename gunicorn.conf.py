"""gunicorn's configuration. The production web server, run from the project folder (gunicorn reads this
file from the working directory):

    .venv/bin/gunicorn hunter_robot.wsgi

It listens on HOST:PORT (default 127.0.0.1:8000, as `make run`) with WEB_WORKERS gthread workers of
WEB_THREADS threads each (defaults and the reasoning: hunter_robot/serving.py), all read from the
environment or `.env` like the settings. Command-line options win over this file; the workers are told
the numbers really in use, so the engine bound (ENGINE_MAX_IN_FLIGHT) follows them.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ

from hunter_robot import serving

environ.Env.read_env(Path(__file__).resolve().parent / ".env", overwrite=False)
env = environ.Env()

_host = env.str("HOST", default="") or "127.0.0.1"
_port = env.str("PORT", default="") or "8000"
bind = [f"[{_host}]:{_port}" if ":" in _host else f"{_host}:{_port}"]
wsgi_app = "hunter_robot.wsgi:application"

worker_class = "gthread"
workers = env.int("WEB_WORKERS", default=serving.WEB_WORKERS)
threads = env.int("WEB_THREADS", default=serving.WEB_THREADS)
# Seconds: a worker silent this long is restarted (gthread workers report from their main loop, so a chat
# waiting on an engine does not count). On SIGTERM a chat in progress (CHAT_DEADLINE, 20 s by default)
# may finish within graceful_timeout.
timeout = 30
graceful_timeout = 30
keepalive = 5  # seconds an idle bot connection is kept open (no thread is held meanwhile)


def on_starting(server) -> None:
    """Metrics of several workers (PROMETHEUS_MULTIPROC_DIR): start from an empty folder, or counters
    of an earlier run keep being added to this one's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def post_fork(server, worker) -> None:
    """In each new worker, before it loads the app (no preload_app): the worker model really in use, so
    its settings derive the engine bound from the threads it has."""
    os.environ["WEB_WORKERS"] = str(server.cfg.workers)
    os.environ["WEB_THREADS"] = str(server.cfg.threads)
