"""Benchmark the bot API's task endpoints under gunicorn; prints numbers, asserts nothing.

The issue's workload (one job, 20 accounts, 5,000 screened candidates, PostgreSQL on this machine,
keyless callers on loopback, rate-limit counters in Redis), for each endpoint in turn:

- `/healthz`, the stack's floor: gunicorn, Django and the middleware, no database, no API layer;
- `account/query`, the trivial bot endpoint (one indexed read through DRF and the ORM);
- `account/task/fetch`, the accounts in rotation;
- `account/task/report`, one new candidate id per request, the accounts in rotation.

The server is gunicorn with 2 sync workers (the issue's measurements), or `--worker-class production`:
the documented production server, gunicorn.conf.py's gthread workers and threads.

The load comes from a separate process (this script, `--drive`): C closed-loop clients on raw sockets,
one selector loop, each client on its own loopback source address (127.0.0.2, .3, … are all in
API_ANONYMOUS_NETWORKS): 16 keyless bots with 16 rate-limit counters, and no shared ephemeral-port
range for the new connection a sync worker needs per request. Its own CPU per request is printed.

Per endpoint: req/s, p50/p99, server CPU per request (gunicorn arbiter and workers, /proc), PostgreSQL
CPU per request (the backends connected to the bench database, /proc), the driver's CPU, how busy the
machine was, SQL statements per request (counted in-process on the same database with Django's test
client, after a warm-up call, so the once-a-minute `last_call_at` stamp is not in them; BEGIN/COMMIT
not counted) and the ratio of req/s to account/query's.

    .venv/bin/python bench/api_bench.py --database-url postgres://postgres@127.0.0.1:5432/hunter_bench \\
        --cache-url redis://127.0.0.1:6379/14

The database is migrated and seeded once (kept for later runs; report ids are unique per run), and
VACUUM ANALYZEd before each run, as autovacuum keeps a live database. bench/api_profile.py profiles one
endpoint in-process and lists its SQL.
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import platform
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from filter_bench import ROOT, CpuMeter, Server, percentile

sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"  # fixed: the bench never sends traffic anywhere else
JOB_PLATFORM_ID = "bench-api-job"
ACCOUNT_PREFIX = "bench-api-"
SLOTS = [{"time": "09:00", "mount": 2500}, {"time": "13:00", "mount": 2500}, {"time": "17:00", "mount": 2500}]
SLOTS.append({"time": "23:59", "mount": 2500})
# A rate limit the bench never reaches (16 clients share nothing, but every counter is still kept).
RATE_LIMIT = "1000000/min"

ENDPOINTS = {
    # name: (path, body template; @A@ = account platform id, @N@ = a number unique per request). No body:
    # a GET. /healthz is the stack's own floor: the whole middleware chain, no database, no API layer.
    "healthz": ("/healthz", ""),
    "query": ("/recruit/account/query", '{"platformType":"boss","platformID":"@A@"}'),
    "fetch": ("/recruit/account/task/fetch", '{"accountID":"account_Boss_@A@"}'),
    "report": (
        "/recruit/account/task/report",
        '{"accountID":"account_Boss_@A@","taskStatus":[{"taskType":"batchTouch",'
        '"details":{"candidateList":["bench-r@N@"]}}]}',
    ),
}


# --- load driver (a separate process) -----------------------------------------------------------


class _Client:
    __slots__ = ("source", "sock", "connecting", "out", "buf", "started", "head_end", "length", "close")

    def __init__(self, source: str):
        self.source = source
        self.sock: socket.socket | None = None
        self.connecting = False
        self.out = b""
        self.buf = bytearray()
        self.started = 0.0
        self.head_end = -1
        self.length = -1
        self.close = False


def drive(spec: dict) -> None:
    """Closed loop: each client sends its next request when the last answer is complete. Prints
    "measure" when the warm-up ends, "done" when the measured phase ends, then one JSON line."""
    path, template = spec["path"], spec["template"]
    accounts, base = spec["accounts"], spec["base"]
    host, port = HOST, spec["port"]
    counter = 0

    def request() -> bytes:
        nonlocal counter
        counter += 1
        if not template:
            return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
        body = template.replace("@A@", accounts[counter % len(accounts)]).replace("@N@", f"{base}{counter}").encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    selector = selectors.DefaultSelector()
    clients = [_Client(f"127.0.0.{2 + i}") for i in range(spec["clients"])]
    latencies: list[float] = []
    errors: dict[str, int] = {}
    measuring = False
    accepting = True

    def fail(client: _Client, what: str) -> None:
        if measuring:
            errors[what] = errors.get(what, 0) + 1
        disconnect(client)
        begin(client)

    def disconnect(client: _Client) -> None:
        if client.sock is not None:
            selector.unregister(client.sock)
            client.sock.close()
            client.sock = None

    def begin(client: _Client) -> None:
        if not accepting:
            return
        client.out = request()
        client.buf = bytearray()
        client.head_end = client.length = -1
        client.close = False
        client.started = time.perf_counter()
        if client.sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind((client.source, 0))
            code = sock.connect_ex((host, port))
            if code not in (0, errno.EINPROGRESS):
                sock.close()
                raise OSError(code, os.strerror(code))
            client.sock = sock
            client.connecting = True
            selector.register(sock, selectors.EVENT_WRITE, client)
        else:
            selector.modify(client.sock, selectors.EVENT_WRITE, client)

    def finished(client: _Client) -> None:
        head = bytes(client.buf[: client.head_end])
        status_ok = head.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200"))
        body = bytes(client.buf[client.head_end + 4 : client.head_end + 4 + client.length])
        if measuring:
            if status_ok and (body.startswith(b'{"ret":0,') or not template):
                latencies.append(time.perf_counter() - client.started)
            else:
                what = head.split(b"\r\n", 1)[0] if not status_ok else body[:40]
                key = what.decode(errors="replace")
                errors[key] = errors.get(key, 0) + 1
        if client.close:
            disconnect(client)
        begin(client)

    def readable(client: _Client) -> None:
        try:
            data = client.sock.recv(65536)
        except OSError as exc:
            fail(client, type(exc).__name__)
            return
        if not data:
            fail(client, "closed early")
            return
        client.buf += data
        if client.head_end < 0:
            client.head_end = client.buf.find(b"\r\n\r\n")
            if client.head_end < 0:
                return
            for line in bytes(client.buf[: client.head_end]).lower().split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name == b"content-length":
                    client.length = int(value)
                elif name == b"connection":
                    client.close = value.strip() == b"close"
        if client.length >= 0 and len(client.buf) >= client.head_end + 4 + client.length:
            finished(client)

    def writable(client: _Client) -> None:
        try:
            if client.connecting:
                client.connecting = False
                if client.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    fail(client, "connect failed")
                    return
            sent = client.sock.send(client.out)
        except OSError as exc:
            fail(client, type(exc).__name__)
            return
        client.out = client.out[sent:]
        if not client.out:
            selector.modify(client.sock, selectors.EVENT_READ, client)

    for client in clients:
        begin(client)
    started = time.perf_counter()
    measure_at = started + spec["warmup"]
    end_at = measure_at + spec["seconds"]
    cpu0 = 0.0
    while True:
        now = time.perf_counter()
        if not measuring and now >= measure_at:
            measuring = True
            latencies.clear()
            print("measure", flush=True)
            cpu0 = _own_cpu()
            measure_started = now
        if now >= end_at:
            break
        for key, events in selector.select(timeout=0.05):
            client = key.data
            if events & selectors.EVENT_WRITE:
                writable(client)
            else:
                readable(client)
    elapsed = time.perf_counter() - measure_started
    cpu = _own_cpu() - cpu0
    print("done", flush=True)
    accepting = False
    for client in clients:
        disconnect(client)
    print(json.dumps({"latencies": latencies, "errors": errors, "elapsed": elapsed, "cpu": cpu}), flush=True)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- PostgreSQL CPU -------------------------------------------------------------------------------


def _proc_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class PgMeter:
    """CPU of the PostgreSQL backends serving the bench database (its client backends, this script's
    own connection excluded); None where the database is not PostgreSQL on this machine."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.enabled = connection.vendor == "postgresql"

    def _backends(self) -> dict[int, float]:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
            pids = [row[0] for row in cursor.fetchall()]
        return {pid: cpu for pid in pids if (cpu := _proc_cpu(pid)) is not None}

    def start(self) -> None:
        self.before = self._backends() if self.enabled else {}

    def stop(self) -> float | None:
        if not self.enabled:
            return None
        after = self._backends()
        return sum(cpu - self.before.get(pid, 0.0) for pid, cpu in after.items())


# --- seeding and statement counts (in this process, through Django) -----------------------------


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def account_ids(count: int) -> list[str]:
    return [f"{ACCOUNT_PREFIX}{i:02d}" for i in range(count)]


def seed(*, accounts: int, candidates: int) -> str:
    """The data set, once: one job, `accounts` accounts sharing it (helloSum 10000, four slots),
    `candidates` screened candidates (a decision each, by the accounts in turn; half passed), and
    today 100 greetings per account with their conversations. Returns what it did."""
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from recruit import jobconfig
    from recruit.models import Candidate, Conversation, Greeting, Job, Message, RecruitAccount, ScreeningDecision

    if Job.objects.filter(platform="Boss", platform_id=JOB_PLATFORM_ID).exists():
        return "kept the existing data set"
    client = Client(REMOTE_ADDR=HOST)

    def post(path: str, body: dict) -> None:
        response = client.post(path, json.dumps(body, ensure_ascii=False), content_type="application/json")
        assert response.status_code == 200 and response.json()["ret"] == 0, response.content

    job_ref = f"job_Boss_{JOB_PLATFORM_ID}"
    criteria = {"age": [18, 35], "min_degree": "大专"}
    post(
        "/recruit/job/register",
        {
            "platformType": "boss",
            "platformID": JOB_PLATFORM_ID,
            "jobName": "客服专员",
            "jobJD": "接待客户",
            "jobConfig": {"touch_msg": "您好，我们在招客服专员，方便聊聊吗？", "criteria": criteria},
        },
    )
    for platform_id in account_ids(accounts):
        task = {"jobID": job_ref, "taskType": "batchTouch", "helloSum": 10000, "timeMount": SLOTS}
        task["filter"] = {"city": "北京", "salary": "6-8K"}
        post(
            "/recruit/account/register",
            {"platformType": "boss", "platformID": platform_id, "jobs": [job_ref], "taskConfig": [task]},
        )
    job = Job.objects.get(platform="Boss", platform_id=JOB_PLATFORM_ID)
    rows = list(RecruitAccount.objects.filter(platform_id__startswith=ACCOUNT_PREFIX).order_by("platform_id"))
    now = timezone.now()
    today = timezone.localdate(now)
    greeting = jobconfig.greeting(job)
    with transaction.atomic():
        people = Candidate.objects.bulk_create(
            Candidate(
                platform="Boss",
                platform_cid=f"bench-c{n}",
                name=f"候选人{n}",
                profile={"age": 20 + n % 30, "degree": "大专", "city": "北京"},
            )
            for n in range(candidates)
        )
        people = list(Candidate.objects.filter(platform="Boss", platform_cid__startswith="bench-c").order_by("pk"))
        ScreeningDecision.objects.bulk_create(
            ScreeningDecision(
                account=rows[n % len(rows)],
                job=job,
                candidate=person,
                touch=n % 2 == 0,
                reasons=[] if n % 2 == 0 else ["age: 45 not in 18-35"],
                details=[],
                profile=person.profile,
            )
            for n, person in enumerate(people)
        )
        greeted = [(rows[n % len(rows)], person) for n, person in enumerate(people[: 100 * len(rows)])]
        Greeting.objects.bulk_create(
            Greeting(account=a, job=job, candidate=p, day=today, touch_msg=greeting) for a, p in greeted
        )
        talks = Conversation.objects.bulk_create(
            Conversation(
                account=a,
                job=job,
                candidate=p,
                message_count=1,
                last_speaker="robot",
                last_robot_at=now,
                last_message_at=now,
            )
            for a, p in greeted
        )
        Message.objects.bulk_create(
            Message(conversation=c, seq=0, speaker="robot", text=greeting, engine="greeting") for c in talks
        )
    return f"seeded 1 job, {len(rows)} accounts, {len(people)} screened candidates, {len(greeted)} greetings today"


def reset() -> str:
    """Each run starts from the same state: the candidates earlier runs reported (and their greetings,
    conversations and messages) are deleted, and the seeded greetings are today's. Else every run would
    count more greetings per account and day than a bot's helloSum ever allows."""
    from django.utils import timezone

    from recruit.models import Candidate, Greeting

    Greeting.objects.filter(candidate__platform_cid__startswith="bench-c").update(day=timezone.localdate())
    # A greeting outlives its candidate (SET_NULL, kept as a count): deleted first.
    deleted, _by_model = Greeting.objects.filter(candidate__platform_cid__startswith="bench-r").delete()
    more, _by_model = Candidate.objects.filter(platform_cid__startswith="bench-r").delete()
    deleted += more
    return f"deleted {deleted} rows of earlier runs" if deleted else "no earlier run to clear"


def vacuum() -> None:
    """VACUUM ANALYZE the tables the endpoints read (PostgreSQL): what autovacuum keeps true of a live
    database, and not yet of one seeded or written by an earlier run seconds ago (index-only scans
    fetch every heap row until the visibility map is set)."""
    from django.db import connection

    from recruit.models import AccountJob, Candidate, Conversation, Greeting, Message, RecruitAccount, Reservation

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (RecruitAccount, AccountJob, Greeting, Candidate, Conversation, Message, Reservation):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def count_statements(path: str, body: str) -> int:
    """SQL statements of one request, BEGIN/COMMIT/SAVEPOINT releases included as the database runs them
    (SQLite logs BEGIN, PostgreSQL does not: the counts below are of the database the bench runs on)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(REMOTE_ADDR=HOST)
    with CaptureQueriesContext(connection) as ctx:
        response = client.generic("POST", path, body.encode(), content_type="application/json")
    assert response.status_code == 200 and response.json()["ret"] == 0, response.content
    return sum(1 for q in ctx.captured_queries if q["sql"].split()[0].upper() not in ("BEGIN", "COMMIT"))


def statement_counts(accounts: list[str], base: str) -> dict[str, int]:
    """Per endpoint, for an account that already called this minute (so without its `last_call_at`
    stamp, a write at most once a minute per account)."""
    counts = {"healthz": 0}
    for name, (path, template) in ENDPOINTS.items():
        if not template:
            continue
        body = template.replace("@A@", accounts[0])
        count_statements(path, body.replace("@N@", f"{base}w"))  # warm: stamp, first-use caches
        counts[name] = count_statements(path, body.replace("@N@", f"{base}c"))
    report_path, _template = ENDPOINTS["report"]
    many = json.dumps(
        {
            "accountID": f"account_Boss_{accounts[0]}",
            "taskStatus": [
                {"taskType": "batchTouch", "details": {"candidateList": [f"bench-r{base}m{i}" for i in range(30)]}}
            ],
        }
    )
    counts["report (30 ids)"] = count_statements(report_path, many)
    return counts


# --- orchestration --------------------------------------------------------------------------------


def run_phase(server: Server, name: str, args, accounts: list[str], base: str) -> dict:
    from django.db import connection

    path, template = ENDPOINTS[name]
    spec = {
        "port": server.port,
        "path": path,
        "template": template,
        "accounts": accounts,
        "base": f"{base}{name[0]}",
        "clients": args.clients,
        "seconds": args.seconds,
        "warmup": args.warmup,
    }
    pg = PgMeter()
    driver = subprocess.Popen(
        [sys.executable, __file__, "--drive", json.dumps(spec)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    meter = CpuMeter(server)
    try:
        assert driver.stdout.readline().strip() == "measure"
        pg.start()
        meter.__enter__()
        assert driver.stdout.readline().strip() == "done"
        meter.__exit__(None, None, None)
        pg_cpu = pg.stop()
        result = json.loads(driver.stdout.readline())
    finally:
        driver.wait(timeout=60)
        connection.close()  # no idle connection of ours between phases
    ok = len(result["latencies"])
    values = sorted(result["latencies"])
    return {
        "name": name,
        "rps": ok / result["elapsed"],
        "ok": ok,
        "errors": result["errors"],
        "p50": percentile(values, 50) * 1000 if values else math.nan,
        "p99": percentile(values, 99) * 1000 if values else math.nan,
        "server_ms": meter.server_cpu / ok * 1000 if ok and meter.server_cpu is not None else math.nan,
        "pg_ms": pg_cpu / ok * 1000 if ok and pg_cpu is not None else math.nan,
        "client_ms": result["cpu"] / ok * 1000 if ok else math.nan,
        "busy": meter.busy,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Closed-loop req/s, latency, server and PostgreSQL CPU and statements per request of "
        "/healthz, account/query, account/task/fetch and account/task/report under gunicorn on 127.0.0.1.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="database to migrate, seed, use")
    parser.add_argument(
        "--cache-url", default=os.environ.get("CACHE_URL", ""), help="rate-limit counters (Redis); empty: per process"
    )
    parser.add_argument("--rate-limit", default=RATE_LIMIT, help="API_RATE_LIMIT of the server")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--worker-class",
        default="sync",
        choices=["sync", "gthread", "production"],
        help="gunicorn worker class; production: the documented server, gunicorn.conf.py's workers and threads",
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread only)")
    parser.add_argument("--clients", type=int, default=16, help="closed-loop clients (at most 250)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured duration per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="closed-loop warm-up before measuring (s)")
    parser.add_argument(
        "--endpoints", default="healthz,query,fetch,report", help="comma-separated, from healthz,query,fetch,report"
    )
    parser.add_argument("--accounts", type=int, default=20, help="accounts in the data set")
    parser.add_argument("--candidates", type=int, default=5000, help="screened candidates in the data set")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.drive:
        drive(json.loads(args.drive))
        return 0
    endpoints = [name.strip() for name in args.endpoints.split(",") if name.strip()]
    if not endpoints or any(name not in ENDPOINTS for name in endpoints):
        parser.error(f"--endpoints: choose from {', '.join(ENDPOINTS)}")
    if not (1 <= args.clients <= 250 and 0 < args.seconds <= 600 and 0 <= args.warmup <= 60):
        parser.error("--clients 1..250, --seconds 0..600, --warmup 0..60")

    workdir = Path(tempfile.mkdtemp(prefix="hunter-api-bench-"))
    env = {
        "DJANGO_SETTINGS_MODULE": "hunter_robot.settings",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "API_RATE_LIMIT": args.rate_limit,
        "CACHE_URL": args.cache_url,
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),  # as production runs several workers
    }
    (workdir / "metrics").mkdir()
    server = Server(
        database_url=args.database_url,
        workers=args.workers,
        threads=args.threads,
        workdir=workdir,
        extra_env=env,
        worker_class=args.worker_class,
    )
    env["DATABASE_URL"] = server.database_url
    print("task endpoints bench")
    print(f"  machine   {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    shape = f"{args.workers} workers" + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
    if args.worker_class == "production":
        shape = "gunicorn.conf.py (WEB_WORKERS x WEB_THREADS)"
    print(f"  server    gunicorn {args.worker_class}, {shape}, {server.base_url}")
    print(f"  database  {server.database_label}; rate limit {args.rate_limit or 'off'} in {args.cache_url or 'locmem'}")
    print(
        f"  load      {args.clients} closed-loop clients, {args.warmup:g} s warm-up + {args.seconds:g} s per endpoint"
    )
    try:
        server.migrate()
        setup_django(env)
        accounts = account_ids(args.accounts)
        print(f"  data      {seed(accounts=args.accounts, candidates=args.candidates)}")
        print(f"  reset     {reset()}")
        vacuum()
        base = str(int(time.time()))
        counts = statement_counts(accounts, base)
        from django.db import connection

        connection.close()
        server.start()
        results = [run_phase(server, name, args, accounts, base) for name in endpoints]
    except (RuntimeError, AssertionError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        print(f"bench failed: {exc}\n{server.log_tail()}", file=sys.stderr)
        return 1
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    floor = next((r["rps"] for r in results if r["name"] == "query"), None)  # the trivial bot endpoint
    print()
    print("| endpoint | req/s | p50 / p99 ms | server CPU/req | PostgreSQL CPU/req | statements | vs query | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        errors = sum(r["errors"].values())
        ratio = f"{r['rps'] / floor:.2f}" if floor else "n/a"
        print(
            f"| {r['name']} | {r['rps']:,.0f} | {r['p50']:.1f} / {r['p99']:.1f} | {r['server_ms']:.2f} ms"
            f" | {r['pg_ms']:.2f} ms | {counts[r['name']]} | {ratio} | {errors} |"
        )
    print()
    print(f"statements, report of 30 new ids: {counts['report (30 ids)']}")
    for r in results:
        busy = "n/a" if r["busy"] is None else f"{r['busy']:.0%}"
        detail = f"; errors {r['errors']}" if r["errors"] else ""
        print(f"{r['name']}: driver CPU {r['client_ms']:.2f} ms/req, machine {busy} busy{detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
