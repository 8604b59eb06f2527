"""Benchmark LLM-bound POST /recruit/candidate/chat under gunicorn; prints numbers, asserts nothing.

DESIGN "Performance targets": 64 concurrent turns at 1 s model latency. A fake OpenAI-compatible
server on 127.0.0.1 (devtools.fakes.FakeOpenAI, the one the tests use) answers every completion
after --model-latency seconds; C closed-loop clients each send one turn of a new conversation, wait
for the answer, and send the next. Ideal throughput is C / model latency. On PostgreSQL the script
also samples how many connections the server holds (the design says none while waiting on the model).

    .venv/bin/python bench/chat_bench.py
    .venv/bin/python bench/chat_bench.py --database-url postgres://postgres@127.0.0.1:5432/hunter_bench
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from filter_bench import (
    ROOT,
    CpuMeter,
    Request,
    Server,
    call,
    closed_loop,
    errors_line,
    latency_line,
    new_client,
    post_ok,
)

sys.path.insert(0, str(ROOT))
from devtools.fakes import FakeOpenAI, Sleep  # noqa: E402  (project code, standard library only)

GREETING = "您好，我们在招客服专员，方便聊聊吗？"
ANSWER = {
    "intent": "ask_salary",
    "reply": "底薪六千，五险一金。方便留个微信吗？",
    "next_step": "need_contact",
    "contact": {},
}
JOB = {
    "platformType": "boss",
    "platformID": "bench-chat-job",
    "jobName": "客服专员",
    "robotApi": "llm",
    "jobConfig": {"touch_msg": GREETING, "faq": {"salary": "底薪6000"}},
}
ACCOUNT_ID = "account_Boss_bench-chat-account"
ACCOUNT = {"platformType": "boss", "platformID": "bench-chat-account", "jobs": ["job_Boss_bench-chat-job"]}


def chat_request() -> Request:
    """One turn of a new conversation each time, so every request does the full write path."""
    base = int(time.time() * 1000) * 1000  # unique per run: a reused database has no such candidates
    counter = itertools.count()

    def request(client: httpx.Client) -> tuple[str | None, bool]:
        n = next(counter)
        body = {
            "accountID": ACCOUNT_ID,
            "candidateID": str(base + n),
            "candidateName": f"候选人{n}",
            "historyMsg": [{"speaker": "robot", "msg": GREETING}, {"speaker": "user", "msg": "薪资多少？"}],
        }
        error, data = call(client, "/recruit/candidate/chat", json.dumps(body, ensure_ascii=False).encode())
        return error, bool(data and data["nextStepContent"] == ANSWER["reply"])  # the model's, not the fallback

    return request


class ConnectionSampler:
    """Samples the server's PostgreSQL connections (pg_stat_activity) every 50 ms in a thread."""

    def __init__(self, database_url: str):
        import psycopg2  # the project's own driver; only needed for this PostgreSQL figure

        self.conn = psycopg2.connect(database_url, connect_timeout=5)
        self.conn.autocommit = True
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self.conn.cursor() as cursor:
            while not self._stop.wait(0.05):
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                self.samples.append(cursor.fetchone()[0])

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.conn.close()

    def line(self) -> str:
        if not self.samples:
            return "n/a"
        ordered = sorted(self.samples)
        return f"peak {ordered[-1]}, median {ordered[len(ordered) // 2]} (sampled every 50 ms)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Closed-loop throughput and latency of LLM-bound candidate/chat turns against a gunicorn it "
        "starts on 127.0.0.1, with a fake model that answers after a fixed delay. Prints numbers; asserts nothing.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="database to migrate and use (default: $DATABASE_URL, else a fresh SQLite file under /tmp)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=40, help="threads per gunicorn worker")
    parser.add_argument("--clients", type=int, default=64, help="closed-loop clients (concurrent turns)")
    parser.add_argument("--model-latency", type=float, default=1.0, help="seconds the fake model takes per answer")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured duration")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up before measuring (s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (SQLite file, server log)")
    args = parser.parse_args(argv)
    if min(args.clients, args.workers, args.threads) < 1:
        parser.error("--clients, --workers and --threads must be at least 1")
    if not (0 < args.seconds <= 600 and 0 <= args.warmup <= 60 and 0 <= args.model_latency <= 10):
        parser.error("--seconds is 0..600, --warmup 0..60, --model-latency 0..10")

    workdir = Path(tempfile.mkdtemp(prefix="hunter-bench-"))
    model = FakeOpenAI(Sleep(args.model_latency, ANSWER))
    server = Server(
        database_url=args.database_url,
        workers=args.workers,
        threads=args.threads,
        workdir=workdir,
        extra_env={"OPENAI_BASE_URL": model.base_url, "OPENAI_API_KEY": "bench", "LLM_MAX_RETRIES": "0"},
    )
    postgres = server.database_url.startswith(("postgres", "pgsql"))
    print("candidate/chat bench (LLM engine, fake model on 127.0.0.1)")
    print(f"  machine   {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    print(f"  server    gunicorn gthread, {args.workers} workers x {args.threads} threads, {server.base_url}")
    print(f"  database  {server.database_label}")
    print(f"  model     answers after {args.model_latency:g} s")
    opened: list[httpx.Client] = []
    try:
        server.migrate()
        server.start()
        with httpx.Client(base_url=server.base_url, timeout=10.0) as client:
            post_ok(client, "/recruit/job/register", JOB)
            post_ok(client, "/recruit/account/register", ACCOUNT)
        request = chat_request()
        clients = [new_client(server.base_url) for _ in range(args.clients)]
        opened += clients
        if args.warmup > 0:
            closed_loop(clients, request, seconds=args.warmup)

        sampler = ConnectionSampler(server.database_url) if postgres else None
        with CpuMeter(server) as cpu:
            if sampler:
                with sampler:
                    result, elapsed = closed_loop(clients, request, seconds=args.seconds)
            else:
                result, elapsed = closed_loop(clients, request, seconds=args.seconds)
        ideal = args.clients / args.model_latency if args.model_latency else float("inf")
        print(f"throughput: {args.clients} closed-loop clients, {args.seconds:g} s")
        print(
            f"  {result.ok / elapsed:.1f} turns/s (ideal {ideal:.1f}); {result.ok} ok, {errors_line(result)},"
            f" {result.hits} answered by the model, {result.ok - result.hits} by the fallback"
        )
        print(f"  latency   {latency_line(result.latencies)}")
        print(f"  CPU/turn  {cpu.line(result.ok)}")
        if sampler:
            print(f"  DB conns  {sampler.line()}")
    except (RuntimeError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        for client in opened:
            client.close()
        server.stop()
        model.stop()
        if args.keep:
            print(f"  kept      {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
