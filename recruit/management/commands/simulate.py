"""`manage.py simulate`: the bot simulator (`devtools/simulator`). Drives the live API over HTTP as the
four platform bots and the WeChat bot, with scripted candidates, prints a progress line (on a terminal)
and the funnel it produced, then checks the database's invariants and exits non-zero on a violation.
Run it against a server on the same database (`--serve` starts one, as `make demo` does).

`--check RECORD` re-checks a recorded run (each run writes its record under `var/simulate/`)."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from devtools.simulator import invariants
from devtools.simulator.runner import Options, Record, Simulation
from recruit.dashboard import STAGES, Scope, funnel
from recruit.models import Job

SERVER_START_SECONDS = 60


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Simulate the recruiting bots and the WeChat bot against the live API, then check the database."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="the API (default: %(default)s)")
        parser.add_argument("--candidates", type=int, default=20, help="simulated candidates (default: %(default)s)")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same candidates and conversations")
        parser.add_argument("--concurrency", type=int, default=4, help="bot threads (default: %(default)s)")
        parser.add_argument("--delay", type=float, default=0.0, help="seconds a bot waits before each call")
        parser.add_argument("--speed", type=float, default=0.0, help="candidates started per second (0: no limit)")
        parser.add_argument("--duration", type=float, default=0.0, help="soak: run this many seconds")
        parser.add_argument("--quota", type=int, default=None, help="each account's helloSum (default: enough)")
        parser.add_argument("--tag", default="", help="run tag in every platform id (default: from the clock)")
        parser.add_argument("--api-key", default=os.environ.get("SIMULATE_API_KEY", ""))
        parser.add_argument("--record", default="", help="where to write the run's record (JSON)")
        parser.add_argument("--check", default="", metavar="RECORD", help="only re-check a recorded run")
        parser.add_argument("--serve", action="store_true", help="start the server (runserver_all) unless one answers")
        parser.add_argument("--stay", action="store_true", help="with --serve: keep serving afterwards until Ctrl-C")

    def handle(self, *args, **o):
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would bury the progress
        if o["check"]:
            record = Record.from_dict(json.loads(Path(o["check"]).read_text(encoding="utf-8")))
            return self.verdict(record)
        if o["candidates"] < 1 and not o["duration"]:
            raise CommandError("--candidates must be at least 1")
        if o["concurrency"] < 1:
            raise CommandError("--concurrency must be at least 1")
        server = None
        if o["serve"]:
            signal.signal(signal.SIGTERM, _interrupt)  # leave through `finally`, stopping the server
            server = self.serve(o["base_url"])
        try:
            options = Options(
                base_url=o["base_url"],
                candidates=o["candidates"],
                seed=o["seed"],
                concurrency=o["concurrency"],
                delay=o["delay"],
                speed=o["speed"],
                duration=o["duration"],
                tag=o["tag"],
                quota=o["quota"],
                api_key=o["api_key"],
            )
            tty = self.stdout.isatty()
            simulation = Simulation(
                options, today=lambda: timezone.localdate().isoformat(), on_progress=self.progress if tty else None
            )
            self.stdout.write(
                f"simulating {options.candidates if not options.duration else 'soak'} candidates "
                f"against {options.base_url} (run {simulation.tag}, seed {options.seed})"
            )
            record = simulation.run()
            if tty:
                self.stdout.write("")
            path = Path(o["record"] or settings.VAR_DIR / "simulate" / f"{record.tag}.json")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
            self.summary(record)
            self.stdout.write(f"record: {path}")
            self.verdict(record, exit_on_violation=not (server and o["stay"]))
            if server and o["stay"]:
                self.stdout.write(
                    self.style.SUCCESS("The server keeps running: open the admin above. Ctrl-C stops it.")
                )
                server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            if server is not None and server.poll() is None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()

    def progress(self, s: dict) -> None:
        line = (
            f"\r{s['elapsed']:6.1f}s  candidates {s['done']}/{s['candidates']}  greeted {s['greeted']}  "
            f"replied {s['replied']}  contact {s['contact']}  wechat {s['wechat']}  "
            f"requests {s['requests']}  errors {s['errors']}"
        )
        self.stdout.write(line, ending="")
        self.stdout.flush()

    def summary(self, record: Record) -> None:
        """The funnel of the run's jobs (the console's, recruit/dashboard.py), and what the bots saw."""
        jobs = Job.objects.filter(platform_id=record.platform_id).values_list("pk", flat=True)
        start, end = (timezone.datetime.fromisoformat(d).date() for d in (record.day_first, record.day_last))
        totals = dict.fromkeys((key for key, _label in STAGES), 0)
        for job in jobs:
            _days, total = funnel(Scope(job_id=job), start, end)
            for key in totals:
                totals[key] += total.counts[key]
        runs = record.candidates
        personas = {}
        for c in runs:
            personas[c.persona] = personas.get(c.persona, 0) + 1
        self.stdout.write(
            f"{len(runs)} candidates ({', '.join(f'{k} {v}' for k, v in sorted(personas.items()))}), "
            f"{sum(c.touched for c in runs)} screened in, {sum(not c.touched for c in runs)} screened out, "
            f"{record.requests} requests"
        )
        self.stdout.write("funnel:")
        greeted = totals["greeted"]
        for key, label in STAGES:
            share = f"{totals[key] / greeted:6.1%}" if greeted else "     -"
            self.stdout.write(f"  {key:<13}{totals[key]:>6}  {share}  {label}")
        queued = [c for c in runs if c.contacts.get("wechat") and not c.wechat_alias]
        if queued:
            self.stdout.write(f"{len(queued)} WeChat friend requests still queued (daily add limit)")

    def verdict(self, record: Record, *, exit_on_violation: bool = True) -> None:
        violations = invariants.check(record)
        if not violations:
            self.stdout.write(self.style.SUCCESS("invariants: all hold"))
            return
        for line in violations:
            self.stderr.write(f"VIOLATION {line}")
        if exit_on_violation:
            sys.exit(1)

    def serve(self, base_url: str) -> subprocess.Popen | None:
        """Start `runserver_all` on the URL's host and port unless a server already answers there."""
        if self.answers(base_url):
            self.stdout.write(f"using the server already running at {base_url}")
            return None
        url = httpx.URL(base_url)
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver_all", "--host", url.host, "--port", str(url.port or 80)],
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"the server exited with {server.returncode}")
            if self.answers(base_url):
                return server
            time.sleep(0.3)
        server.terminate()
        raise CommandError(f"the server did not answer at {base_url} within {SERVER_START_SECONDS} s")

    @staticmethod
    def answers(base_url: str) -> bool:
        try:
            return httpx.get(base_url.rstrip("/") + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False
