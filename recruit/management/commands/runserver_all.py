"""`make run`: the web server plus a Celery worker with beat on the embedded broker, one command."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the development server with a Celery worker and beat beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, host, port, no_worker, **options):
        worker = None
        if not no_worker:
            for folder in ("out", "processed"):
                (settings.VAR_DIR / "broker" / folder).mkdir(parents=True, exist_ok=True)
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
            )
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "hunter-demo")
        self.stdout.write(self.style.SUCCESS(f"\nAdmin: http://{host}:{port}/admin/  (login: admin / {password})\n"))
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
