"""Real server processes for tests that need more than the in-process test client: gunicorn serving the
project and Celery workers, started as subprocesses on 127.0.0.1 against the test database.

They are configured only through the environment, as production starts them (`server_env`), and read
the database the test process uses (`database_url()`): a test that starts them must commit its data
(`django_db(transaction=True)`). Idle, they may stay up while a test's rows are flushed (a module-scoped
fixture serving several tests); they must be stopped before the test database is dropped. Only
PostgreSQL can be shared this way (the SQLite test database lives in memory), so callers request the
`postgres` fixture (or check the vendor, as tests/test_scale_out.py does for its module fixture).
gunicorn also reads a `gunicorn.conf.py` in the project root, should there be one; the flags given
here win over it.

Each process gets its own session (process group), SIGTERM when the test process dies (Linux), and a
log file; `log_tail()` goes into failure messages.

    with Gunicorn(env=server_env(API_RATE_LIMIT="60/min"), log_dir=tmp_path) as web:
        status, envelope = web.post("/recruit/account/task/fetch", {"accountID": "account_Boss_a"})
"""

from __future__ import annotations

import ctypes
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # fixed: these servers never listen anywhere else
START_SECONDS = 60.0
STOP_SECONDS = 20.0
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """DATABASE_URL of the database this test process uses (pytest-django's test_<name>), for a child."""
    config = connection.settings_dict
    if connection.vendor != "postgresql":
        raise RuntimeError("server subprocesses share the test database on PostgreSQL only")
    user = urllib.parse.quote(config.get("USER") or "", safe="")
    password = urllib.parse.quote(config.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = config.get("HOST") or "127.0.0.1"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{config['NAME']}"


def server_env(**overrides: str) -> dict[str, str]:
    """The environment of a server or worker process: this process's, with the test database, no debug,
    quiet logs, rate limit off, an in-memory broker and per-process cache, then `overrides`.

    Variables that would otherwise leak from a developer's shell (or `make`) into the child's settings
    are set explicitly; an empty value reads as unset."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hunter_robot.settings",
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "API_RATE_LIMIT": "",
        "CELERY_BROKER_URL": "memory://",
        "CELERY_BROKER_KEY_PREFIX": "",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CACHE_URL": "",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # one process's metrics in memory, no files
    env.update(overrides)
    return env


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM when the spawning thread (the test process) dies (Linux),
    so a killed pytest leaves no server holding connections to its test database."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class _Process:
    """A child process in its own session, logging to a file; stopped with SIGTERM, then SIGKILL."""

    name = "process"

    def __init__(self, *, env: dict[str, str], log_dir: Path, name: str | None = None):
        self.env = env
        self.name = name or self.name
        self.log_path = Path(log_dir) / f"{self.name}.log"
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    def _check_alive(self, what: str) -> None:
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
            raise RuntimeError(f"{self.name} exited ({code}) {what}:\n{self.log_tail()}")

    def terminate(self) -> None:
        """Ask for a graceful stop (SIGTERM to the main process, which stops its own children)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """Graceful stop, then SIGKILL to the process group if it hangs."""
        self.terminate()
        process = self.process
        if process is None:
            return
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_SECONDS)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self):
        """Spawn and wait until ready. To start several at once, `spawn()` each, then `wait_ready()`
        each. Spawn from the thread that lives as long as the process should: on Linux the child gets
        SIGTERM when the thread that spawned it ends (PR_SET_PDEATHSIG), not only the process."""
        self.spawn()
        return self.wait_ready()

    def wait_ready(self):
        raise NotImplementedError


class Gunicorn(_Process):
    """gunicorn serving the project on 127.0.0.1:<free port>; `start()` returns once `/readyz` answers
    200 (the database is reachable). gthread workers by default, as `bench/` measures them."""

    name = "web"

    def __init__(
        self,
        *,
        env: dict[str, str],
        log_dir: Path,
        name: str | None = None,
        workers: int = 2,
        threads: int = 4,
        worker_class: str = "gthread",
        args: tuple[str, ...] = (),
    ):
        super().__init__(env=env, log_dir=log_dir, name=name)
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.workers, self.threads, self.worker_class, self.args = workers, threads, worker_class, args

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "gunicorn", "hunter_robot.wsgi:application"]
        command += ["--bind", f"{HOST}:{self.port}", "--workers", str(self.workers)]
        command += ["--worker-class", self.worker_class, "--threads", str(self.threads)]
        command += ["--timeout", "60", "--graceful-timeout", "10", "--log-level", "warning", *self.args]
        return command

    def wait_ready(self) -> Gunicorn:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if self.request("GET", "/readyz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            self._check_alive("before answering /readyz")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} not ready after {START_SECONDS:.0f}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout=30.0
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a fresh connection: (HTTP status, headers with lower-cased names, body)."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            try:
                conn.request(method, path, body, headers or {})
            except (BrokenPipeError, ConnectionResetError):
                # A refusal (bad key, rate limit) may answer and close before reading a large body;
                # the answer is in the socket's receive buffer all the same.
                pass
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def post(self, path: str, body: Any, *, headers: dict[str, str] | None = None, timeout=30.0) -> tuple[int, Any]:
        """POST `body` as JSON like a bot; returns (HTTP status, parsed envelope)."""
        data = json.dumps(body, ensure_ascii=False).encode()
        status, _headers, raw = self.request(
            "POST", path, data, {"Content-Type": "application/json", **(headers or {})}, timeout
        )
        return status, json.loads(raw)


class CeleryWorker(_Process):
    """`celery -A hunter_robot worker` (thread pool); `start()` returns once it logged that it is ready.
    No mingle or gossip: those talk to every worker on the broker, and tests share a Redis."""

    name = "worker"

    def __init__(
        self, *, env: dict[str, str], log_dir: Path, name: str | None = None, concurrency: int = 2, pool="threads"
    ):
        super().__init__(env=env, log_dir=log_dir, name=name)
        self.concurrency, self.pool = concurrency, pool

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "celery", "-A", "hunter_robot", "worker", "--loglevel=INFO"]
        command += [f"--pool={self.pool}", f"--concurrency={self.concurrency}", f"--hostname={self.name}@%h"]
        return [*command, "--without-mingle", "--without-gossip"]

    def wait_ready(self) -> CeleryWorker:
        deadline = time.monotonic() + START_SECONDS
        while " ready." not in self._log():
            self._check_alive("before it was ready")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} not ready after {START_SECONDS:.0f}s:\n{self.log_tail()}")
            time.sleep(0.1)
        return self

    def _log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def stop_all(processes: list[_Process]) -> None:
    """Stop several side by side: each gets SIGTERM first, so their graceful shutdowns overlap."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.stop()
