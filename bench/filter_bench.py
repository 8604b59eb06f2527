"""Benchmark POST /recruit/candidate/filter under gunicorn; prints numbers, asserts nothing.

Two separate runs, as DESIGN "Performance targets" asks:
  1. throughput: C closed-loop clients (each sends its next request when the last answer arrives);
  2. latency: an open-loop schedule at a fixed offered rate; latency is counted from the scheduled
     send time, so a stalled server cannot hide its queue (no coordinated omission).

The script starts gunicorn on 127.0.0.1 against a database it prepares itself (a fresh SQLite file under
/tmp, or --database-url after `migrate`), registers one job and one account through the API, and stops
the server at the end. All traffic goes to 127.0.0.1. Standard library and httpx only.

    .venv/bin/python bench/filter_bench.py
    .venv/bin/python bench/filter_bench.py --database-url postgres://postgres@127.0.0.1:5432/hunter_bench
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import math
import os
import platform
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # fixed: the bench never sends traffic anywhere else
CARD = ROOT / "tests" / "fixtures" / "cards" / "boss_candidate.json"
REQUEST_TIMEOUT = 10.0
START_TIMEOUT = 60.0
JOB = {
    "platformType": "boss",
    "platformID": "bench-job",
    "jobName": "客服专员",
    "jobJD": "接待客户",
    "jobConfig": {"criteria": {"age": [18, 35], "min_degree": "大专"}},
}
ACCOUNT_ID = "account_Boss_bench-account"
ACCOUNT = {
    "platformType": "boss",
    "platformID": "bench-account",
    "jobs": ["job_Boss_bench-job"],
    "taskConfig": [
        {
            "jobID": "job_Boss_bench-job",
            "taskType": "batchTouch",
            "helloSum": 10000,  # the contract's maximum, so the quota gate stays open during a run
            "timeMount": [{"time": "23:59", "mount": 10000}],
        }
    ],
}


# --- server ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving the project on 127.0.0.1, with its own database: gthread (`threads` per worker),
    "sync" (one request at a time per worker process) or "production" (gunicorn.conf.py's own model)."""

    def __init__(
        self,
        *,
        database_url: str | None,
        workers: int,
        threads: int,
        workdir: Path,
        extra_env: dict[str, str] | None = None,
        worker_class: str = "gthread",
    ):
        self.workdir = workdir
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.database_url = database_url or f"sqlite:///{workdir / 'db.sqlite3'}"
        self.workers = workers
        self.threads = threads
        self.worker_class = worker_class
        self.log_path = workdir / "gunicorn.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hunter_robot.settings",
            "DATABASE_URL": self.database_url,
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
            "PYTHONUNBUFFERED": "1",
            "API_RATE_LIMIT": "",  # measure the server, not the rate limit
            **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None

    @property
    def database_label(self) -> str:
        if self.database_url.startswith("sqlite"):
            return f"SQLite {self.database_url.removeprefix('sqlite:///')}"
        scheme, _, rest = self.database_url.partition("://")
        return f"{scheme} …@{rest.rpartition('@')[2]}"  # no credentials in the output

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=300,
        )

    def start(self) -> None:
        log = self.log_path.open("wb")
        command = [sys.executable, "-m", "gunicorn", "hunter_robot.wsgi:application", "--bind", f"{HOST}:{self.port}"]
        if self.worker_class != "production":  # "production": the worker model of gunicorn.conf.py, as deployed
            command += ["--worker-class", self.worker_class, "--workers", str(self.workers)]
            command += ["--threads", str(self.threads)] if self.worker_class == "gthread" else []
            command += ["--keep-alive", "30", "--timeout", "60"]
        self.process = subprocess.Popen(
            [*command, "--log-level", "warning"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                httpx.post(self.base_url + "/recruit/account/query", json={}, timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn not answering after {START_TIMEOUT:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful: the arbiter stops its own workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def cpu_seconds(self) -> float | None:
        """User+system CPU of the arbiter and its workers so far (Linux /proc), None where unavailable."""
        if self.process is None:
            return None
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            for pid in [str(self.process.pid), *children]:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, ValueError, IndexError):
            return None
        return total

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def post_ok(client: httpx.Client, path: str, body: dict) -> dict:
    response = client.post(path, json=body)
    payload = response.json()
    if response.status_code != 200 or payload.get("ret") != 0:
        raise RuntimeError(f"{path}: HTTP {response.status_code} {payload}")
    return payload["data"]


def seed(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as client:
        post_ok(client, "/recruit/job/register", JOB)
        post_ok(client, "/recruit/account/register", ACCOUNT)


# --- requests ------------------------------------------------------------------------------------

GEEK_SENTINEL = 987654321987654
AGE_SENTINEL = "__AGE__"


class Cards:
    """Request bodies: a real BOSS card, a new candidate id every time, every second one too old for
    the job (so half the answers are `touch: true` with a reservation, half a refusal)."""

    def __init__(self) -> None:
        card = json.loads(CARD.read_text())
        card["geekCard"]["geekId"] = GEEK_SENTINEL
        card["geekCard"]["ageDesc"] = AGE_SENTINEL
        card["geekCard"]["ageLight"] = {"content": AGE_SENTINEL, "highlight": False}
        self.template = json.dumps({"accountID": ACCOUNT_ID, "candidateInfo": card}, ensure_ascii=False)
        # Unique per run, so a reused database never turns new candidates into duplicates.
        self.base = int(time.time() * 1000) * 1000
        self.counter = itertools.count()

    def next(self) -> bytes:
        n = next(self.counter)
        age = "26岁" if n % 2 == 0 else "45岁"
        return self.template.replace(str(GEEK_SENTINEL), str(self.base + n)).replace(AGE_SENTINEL, age).encode()


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: dict[str, int] = field(default_factory=dict)
    hits: int = 0  # answers of the interesting kind (filter: touch true; chat: the model's reply)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, latency: float, error: str | None, hit: bool = False) -> None:
        with self.lock:
            if error is None:
                self.latencies.append(latency)
                self.hits += hit
            else:
                self.errors[error] = self.errors.get(error, 0) + 1

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


Request = Callable[[httpx.Client], tuple[str | None, bool]]  # -> (error or None, hit)


def call(client: httpx.Client, path: str, body: bytes) -> tuple[str | None, dict | None]:
    """POST one JSON body: (None, data) on HTTP 200 with ret 0, else (what went wrong, None)."""
    try:
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    except httpx.HTTPError as exc:
        return type(exc).__name__, None
    if response.status_code != 200:
        return f"HTTP {response.status_code}", None
    try:
        payload = response.json()
    except ValueError:
        return "invalid JSON", None
    if payload.get("ret") != 0:
        return f"ret {payload.get('ret')}", None
    return None, payload["data"]


def filter_request(cards: Cards) -> Request:
    def request(client: httpx.Client) -> tuple[str | None, bool]:
        error, data = call(client, "/recruit/candidate/filter", cards.next())
        return error, bool(data and data["touch"])

    return request


@functools.cache
def _tls() -> ssl.SSLContext:
    # httpx builds a TLS context (loading the CA bundle) per client; one shared context keeps that
    # cost out of the client's CPU figures. The bench only speaks plain HTTP to 127.0.0.1 anyway.
    return ssl.create_default_context()


def new_client(base_url: str, connections: int = 1) -> httpx.Client:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits, verify=_tls())


def closed_loop(clients: list[httpx.Client], request: Request, *, seconds: float) -> tuple[Result, float]:
    """One thread per client (one keep-alive connection each), sending back to back for `seconds`."""
    result = Result()
    end_at = time.perf_counter() + seconds

    def run(client: httpx.Client) -> None:
        while (start := time.perf_counter()) < end_at:
            error, hit = request(client)
            result.record(time.perf_counter() - start, error, hit)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(client,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, end_at - time.perf_counter()) + REQUEST_TIMEOUT + 5)
    return result, time.perf_counter() - started


def fixed_rate(
    client: httpx.Client, request: Request, *, rate: float, seconds: float, pool: int, drain: float
) -> tuple[Result, int, float]:
    """Open loop: request i is due at start + i/rate whatever the server does; latency counts from
    the due time. Returns the result, how many were never sent (the server too slow to drain the
    queue in time) and the wall time."""
    result = Result()

    def fire(due: float) -> None:
        error, hit = request(client)
        result.record(time.perf_counter() - due, error, hit)

    futures = []
    with ThreadPoolExecutor(max_workers=pool) as executor:
        start = time.perf_counter() + 0.1
        for i in range(int(rate * seconds)):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(executor.submit(fire, due))
        wait(futures, timeout=drain)
        unsent = sum(1 for f in futures if f.cancel())  # queued and never started: counted, not waited for
        wait(futures, timeout=REQUEST_TIMEOUT + 5)
    return result, unsent, time.perf_counter() - start


# --- report --------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = min(len(sorted_values), max(1, math.ceil(q / 100 * len(sorted_values))))
    return sorted_values[rank - 1]


def latency_line(latencies: list[float], missing: int = 0) -> str:
    """Percentiles over every request; one that failed or never completed counts as slower than all."""
    values = sorted(latencies) + [math.inf] * missing

    def ms(q: float) -> str:
        value = percentile(values, q)
        return "n/a" if math.isinf(value) else f"{value * 1000:.1f} ms"

    return f"p50 {ms(50)}, p90 {ms(90)}, p99 {ms(99)}, max {ms(100)}"


def errors_line(result: Result) -> str:
    if not result.errors:
        return "0 errors"
    detail = ", ".join(f"{k}: {v}" for k, v in sorted(result.errors.items()))
    return f"{result.failed} errors ({detail})"


class CpuMeter:
    """CPU spent by the server and by this client during a phase, per completed request, and how busy
    the whole machine was (the database and anything else running included)."""

    def __init__(self, server: Server):
        self.server = server

    def __enter__(self) -> CpuMeter:
        self.client0 = self._client()
        self.server0 = self.server.cpu_seconds()
        self.machine0 = self._machine()
        return self

    def __exit__(self, *exc: object) -> None:
        self.client = self._client() - self.client0
        server1 = self.server.cpu_seconds()
        self.server_cpu = None if server1 is None or self.server0 is None else server1 - self.server0
        machine1 = self._machine()
        self.busy = None
        if machine1 and self.machine0 and machine1[1] > self.machine0[1]:
            self.busy = (machine1[0] - self.machine0[0]) / (machine1[1] - self.machine0[1])

    @staticmethod
    def _client() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    @staticmethod
    def _machine() -> tuple[int, int] | None:
        """(busy, total) jiffies over all cores from /proc/stat; None where unavailable."""
        try:
            with open("/proc/stat") as stat:
                values = [int(v) for v in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
        total = sum(values[:8])  # guest time is already counted in user
        return total - idle, total

    def line(self, requests: int) -> str:
        if not requests:
            return "n/a"
        server = "n/a" if self.server_cpu is None else f"{self.server_cpu / requests * 1000:.1f} ms"
        busy = "" if self.busy is None else f"; machine {self.busy:.0%} busy"
        return f"server {server}, client {self.client / requests * 1000:.1f} ms{busy}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Throughput (closed loop) and p99 at a fixed offered rate for POST /recruit/candidate/filter, "
        "against a gunicorn it starts on 127.0.0.1. Prints numbers; asserts nothing.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="database to migrate and use (default: $DATABASE_URL, else a fresh SQLite file under /tmp)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--clients", type=int, default=16, help="closed-loop clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="closed-loop duration")
    parser.add_argument("--rate", type=float, default=200.0, help="offered rate for the latency run (req/s)")
    parser.add_argument("--rate-seconds", type=float, default=10.0, help="fixed-rate duration")
    parser.add_argument("--pool", type=int, default=64, help="client threads available to the fixed-rate run")
    parser.add_argument("--warmup", type=float, default=2.0, help="closed-loop warm-up before measuring (s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (SQLite file, server log)")
    args = parser.parse_args(argv)
    for name in ("clients", "pool", "workers", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if not (0 < args.seconds <= 600 and 0 < args.rate_seconds <= 600 and 0 < args.rate <= 5000):
        parser.error("durations are 0..600 s and the rate 0..5000 req/s")

    workdir = Path(tempfile.mkdtemp(prefix="hunter-bench-"))
    opened: list[httpx.Client] = []
    server = Server(database_url=args.database_url, workers=args.workers, threads=args.threads, workdir=workdir)
    print("candidate/filter bench")
    print(f"  machine   {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    print(f"  server    gunicorn gthread, {args.workers} workers x {args.threads} threads, {server.base_url}")
    print(f"  database  {server.database_label}")
    try:
        server.migrate()
        server.start()
        seed(server.base_url)
        request = filter_request(Cards())
        clients = [new_client(server.base_url) for _ in range(args.clients)]
        shared = new_client(server.base_url, connections=args.pool)
        opened += [*clients, shared]
        if args.warmup > 0:
            closed_loop(clients, request, seconds=args.warmup)

        with CpuMeter(server) as cpu:
            result, elapsed = closed_loop(clients, request, seconds=args.seconds)
        print(f"throughput: {args.clients} closed-loop clients, {args.seconds:g} s")
        print(f"  {result.ok / elapsed:.1f} req/s ({result.ok} ok, {errors_line(result)}, {result.hits} touch)")
        print(f"  latency   {latency_line(result.latencies)}")
        print(f"  CPU/req   {cpu.line(result.ok)}")

        with CpuMeter(server) as cpu:
            result, unsent, elapsed = fixed_rate(
                shared,
                request,
                rate=args.rate,
                seconds=args.rate_seconds,
                pool=args.pool,
                drain=max(5.0, args.rate_seconds),
            )
        print(f"latency: fixed offered rate {args.rate:g} req/s for {args.rate_seconds:g} s, timed from each due time")
        print(
            f"  {result.ok} ok, {errors_line(result)}, {unsent} never sent, {result.hits} touch;"
            f" completed {result.ok / elapsed:.1f} req/s"
        )
        print(f"  latency   {latency_line(result.latencies, missing=result.failed + unsent)}")
        print(f"  CPU/req   {cpu.line(result.ok)}")
    except (RuntimeError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        for client in opened:
            client.close()
        server.stop()
        if args.keep:
            print(f"  kept      {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
