"""`make run`: the login it prints works, stopping it stops the worker and beat, it writes only under
var/, and links in notifications follow HOST/PORT.

The server tests run `manage.py runserver_all` for real, in a copy of the checkout (so its var/ is a
fresh one and any file written outside var/ shows up), as `make run` does after migrate and seed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.test_rate_limit_shared import settings_of_a_process_with

ROOT = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 15.0
User = get_user_model()


# --- (a) The printed login is the one that works ----------------------------------------------------


def seed(monkeypatch, capsys, password: str | None) -> str:
    if password is None:
        monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("DEMO_ADMIN_PASSWORD", password)
    call_command("seed_demo")
    return capsys.readouterr().out


def test_seed_demo_login_is_the_one_that_works(db, monkeypatch, capsys):
    out = seed(monkeypatch, capsys, None)
    assert User.objects.get(username="admin").check_password("hunter-demo")
    assert "admin / hunter-demo" in out

    # Given later, DEMO_ADMIN_PASSWORD becomes the password (it was printed but not used before).
    out = seed(monkeypatch, capsys, "s3cret-later")
    assert User.objects.get(username="admin").check_password("s3cret-later")
    assert "admin / s3cret-later" in out

    # Not given any more: the password is kept, and the default is not claimed.
    out = seed(monkeypatch, capsys, None)
    assert User.objects.get(username="admin").check_password("s3cret-later")
    assert "hunter-demo" not in out and "s3cret-later" not in out
    assert "password changed" in out


def test_seed_demo_keeps_a_password_changed_in_the_console(db, monkeypatch, capsys):
    seed(monkeypatch, capsys, None)
    admin = User.objects.get(username="admin")
    admin.set_password("changed-by-hand")
    admin.save()
    out = seed(monkeypatch, capsys, None)
    assert User.objects.get(username="admin").check_password("changed-by-hand")
    assert "hunter-demo" not in out


# --- (d) Links in notifications follow HOST/PORT -------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "site_url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"HOST": "192.0.2.10", "PORT": "9123"}, "http://192.0.2.10:9123"),
        ({"HOST": "0.0.0.0", "PORT": "9123"}, "http://127.0.0.1:9123"),
        ({"HOST": "::1", "PORT": "9123"}, "http://[::1]:9123"),
        ({"HOST": "192.0.2.10", "PORT": "9123", "SITE_URL": "https://hr.example.com"}, "https://hr.example.com"),
    ],
    ids=["default", "host-port", "wildcard", "ipv6", "site-url-wins"],
)
def test_site_url_follows_host_and_port(env, site_url):
    assert settings_of_a_process_with("SITE_URL", **env)["SITE_URL"] == site_url


# --- (b), (c) Stopping it stops everything; it writes only under var/ -------------------------------


def files_outside_var(root: Path) -> set[str]:
    skip = {"var", "__pycache__", ".venv"}
    found = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not (Path(folder) == root and d in skip) and d != "__pycache__"]
        found.update(str(Path(folder, name).relative_to(root)) for name in files + dirs)
    return found


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Iterator[Path]:
    """A copy of the checkout, migrated and seeded as `make run` does, and its files before any run."""
    copy = tmp_path_factory.mktemp("make-run") / "checkout"
    ignore = shutil.ignore_patterns(".git", ".venv", "var", "__pycache__", ".pytest_cache", ".ruff_cache", ".env")
    shutil.copytree(ROOT, copy, ignore=ignore)
    before = files_outside_var(copy)
    prepare = "import django; django.setup(); from django.core.management import call_command as c; "
    prepare += "c('migrate', verbosity=0); c('seed_demo')"
    done = subprocess.run(
        [sys.executable, "-c", prepare], cwd=copy, env=child_env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    yield copy
    assert files_outside_var(copy) == before, "a run wrote outside var/"


def child_env(**extra: str) -> dict[str, str]:
    """Our environment without what points at this run's database, broker or ports."""
    drop = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "SITE_URL", "HOST", "PORT", "DEMO_ADMIN_PASSWORD")
    env = {name: value for name, value in os.environ.items() if name not in drop}
    env.update(DJANGO_SETTINGS_MODULE="hunter_robot.settings", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], what: str, timeout: float = WAIT_SECONDS) -> object:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.1)
    return value


def proc_stat(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, state, start time) of a live process from /proc, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[1]), fields[0], fields[19]


def descendants(pid: int) -> dict[int, str]:
    """Every live descendant of `pid`, with its start time (to tell a reused pid apart)."""
    children: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := proc_stat(int(entry.name))):
            children.setdefault(stat[0], []).append(int(entry.name))
            starts[int(entry.name)] = stat[2]
    found, todo = {}, list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found[child] = starts[child]
        todo.extend(children.get(child, []))
    return found


def alive(pid: int, start: str) -> bool:
    stat = proc_stat(pid)
    return stat is not None and stat[2] == start and stat[1] != "Z"


@dataclass
class Run:
    output: str
    port: int
    processes: dict[int, str]  # the server's descendants while serving: worker and beat
    worker_env: dict[str, str]
    exit_seconds: float


def serve_and_stop(checkout: Path, tmp_path: Path, stop: Callable[[subprocess.Popen], None]) -> Run:
    """`manage.py runserver_all` until it answers HTTP and its worker and beat run, then `stop` it."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to see the worker processes")
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver_all"],
            cwd=checkout,
            env=child_env(HOST="127.0.0.1", PORT=str(port)),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own, like a terminal's foreground job
        )
    processes: dict[int, str] = {}
    try:

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=2) as response:
                    return response.status == 200
            except OSError:
                assert server.poll() is None, log.read_text()
                return False

        wait_for(answers, "the server to answer")
        # The worker, and beat forked by it, once the worker reports ready.
        wait_for(lambda: "ready." in log.read_text() and len(descendants(server.pid)) >= 2, "worker and beat")
        processes = descendants(server.pid)
        [worker] = [pid for pid in processes if proc_stat(pid)[0] == server.pid]
        raw = Path(f"/proc/{worker}/environ").read_bytes().split(b"\0")
        worker_env = dict(item.decode().split("=", 1) for item in raw if b"=" in item)

        started = time.monotonic()
        stop(server)
        server.wait(timeout=WAIT_SECONDS)
        exit_seconds = time.monotonic() - started
        wait_for(lambda: not any(alive(pid, start) for pid, start in processes.items()), "no orphans", timeout=5)
        return Run(log.read_text(), port, processes, worker_env, exit_seconds)
    finally:
        # On failure: whatever this test started and is still there.
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        for pid, start in processes.items():
            if alive(pid, start):
                os.kill(pid, signal.SIGKILL)


def test_sigterm_stops_the_worker_and_beat_too(checkout, tmp_path):
    run = serve_and_stop(checkout, tmp_path, lambda server: server.send_signal(signal.SIGTERM))
    assert len(run.processes) >= 2
    assert run.exit_seconds < 12
    assert f"Admin: http://127.0.0.1:{run.port}/admin/  (login: admin / hunter-demo)" in run.output
    # The worker builds the same links in notifications as the server.
    assert (run.worker_env["HOST"], run.worker_env["PORT"]) == ("127.0.0.1", str(run.port))
    # The broker's broadcast tables are under var/, not in the working directory.
    assert (checkout / "var" / "broker" / "control").is_dir()
    assert not (checkout / "control").exists()


def test_ctrl_c_to_the_process_group_stops_everything(checkout, tmp_path):
    run = serve_and_stop(checkout, tmp_path, lambda server: os.killpg(server.pid, signal.SIGINT))
    assert len(run.processes) >= 2
    assert run.exit_seconds < 12
