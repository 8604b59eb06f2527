"""`make run`: the web server plus a Celery worker with beat on the embedded broker, one command.

Stopping it (Ctrl-C, or SIGTERM or SIGHUP to this process) stops the worker and its beat too: the
worker runs in a process group of its own and is stopped by this command on the way out, and on Linux
it also gets SIGTERM should this process die without cleaning up (kill -9)."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from hunter_robot.settings import site_url
from recruit.management.commands.seed_demo import demo_login

PR_SET_PDEATHSIG = 1
WORKER_STOP_SECONDS = 10


def _die_with_parent() -> None:
    """Runs in the worker's child process before exec: SIGTERM when its parent dies (Linux only)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM/SIGHUP leave the way Ctrl-C does, through the `finally` below


def stop(worker: subprocess.Popen) -> None:
    """Warm shutdown (the worker stops its beat), then a kill if it hangs."""
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)  # its own group: the worker and its beat
        worker.wait()


class Command(BaseCommand):
    help = "Run the development server with a Celery worker and beat beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, host, port, no_worker, **options):
        # Links in notifications point here unless SITE_URL says otherwise, in this process and the worker.
        os.environ["HOST"], os.environ["PORT"] = host, str(port)
        if not os.environ.get("SITE_URL"):
            settings.SITE_URL = site_url(host, port)
        for folder in ("out", "processed", "control"):
            (settings.VAR_DIR / "broker" / folder).mkdir(parents=True, exist_ok=True)
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _interrupt)
        worker = None
        if not no_worker:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "hunter_robot",
                    "worker",
                    "-B",
                    "--pool=threads",
                    "--concurrency=4",
                    "--loglevel=INFO",
                    f"--schedule={settings.VAR_DIR / 'celerybeat-schedule'}",
                ],
                env=os.environ.copy(),
                # Its own group, so Ctrl-C reaches only this command, which stops it once, in order.
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        try:
            login = demo_login()
            login = f"  (login: {login})" if login else "  (no demo user: run `manage.py seed_demo`)"
            self.stdout.write(self.style.SUCCESS(f"\nAdmin: {site_url(host, port)}/admin/{login}\n"))
            call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
        except KeyboardInterrupt:
            pass
        finally:
            if worker is not None:
                stop(worker)
