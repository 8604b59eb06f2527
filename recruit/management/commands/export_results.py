"""`manage.py export_results`: contact results to a CSV or XLSX file, the console export's columns
(`recruit.exports`), streamed in constant memory.

Operators run it (they can read the database anyway), so contacts are in full unless `--masked`; the
command says so on stderr, and every run writes an audit row with the operator's login, the format, the
filters and the rows written (also when it is interrupted).
"""

from __future__ import annotations

import csv
import getpass
import sys
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hunter_robot.models import Team
from recruit import exports
from recruit.models import Job, RecruitAccount
from recruit.refs import parse_ref

FORMATS = ("csv", "xlsx")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


def _by_ref(model, kind: str, value: str):
    """A job or account by its public id (`job_Boss_1001`) or its database id."""
    if value.isdigit():
        found = model.objects.filter(pk=int(value)).first()
    else:
        ref = parse_ref(kind, value)
        found = model.objects.filter(platform=ref[0], platform_id=ref[1]).first() if ref else None
    if found is None:
        raise CommandError(f"no {kind}: {value}")
    return found


def _team(value: str) -> Team:
    found = Team.objects.filter(pk=int(value)).first() if value.isdigit() else None
    found = found or Team.objects.filter(name=value).first()
    if found is None:
        raise CommandError(f"no team: {value}")
    return found


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal, at most 10 times a second."""

    def __init__(self, stream, total: int):
        self.stream, self.total, self.drawn_at = stream, total, 0.0

    def update(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.drawn_at < 0.1:
            return
        self.drawn_at = now
        share = done / self.total if self.total else 1.0
        bar = "#" * int(share * 30)
        self.stream.write(f"\r导出 [{bar:<30}] {done}/{self.total} {share:4.0%}")
        self.stream.flush()

    def close(self, done: int) -> None:
        self.update(done, force=True)
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Export contact results (one row per conversation, the console export's columns) to CSV (UTF-8 with "
        "BOM) or XLSX, streaming in constant memory. Contacts are in full unless --masked; audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--job", help="jobID (job_Boss_1001) or database id")
        parser.add_argument("--account", help="accountID (account_Boss_27175761) or database id")
        parser.add_argument("--team", help="team name or database id")
        parser.add_argument("--since", type=_day, help="first local day of the conversations' creation (YYYY-MM-DD)")
        parser.add_argument("--until", type=_day, help="last local day of the conversations' creation, included")
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", help="file to write (default: contact-results-<time>.<format>)")
        parser.add_argument("--masked", action="store_true", help="mask phone, WeChat id and e-mail")

    def handle(self, *args, **options):
        fmt = options["format"]
        filters = {
            "job": _by_ref(Job, "job", options["job"]) if options["job"] else None,
            "account": _by_ref(RecruitAccount, "account", options["account"]) if options["account"] else None,
            "team": _team(options["team"]) if options["team"] else None,
            "since": options["since"],
            "until": options["until"],
        }
        output = Path(options["output"] or f"contact-results-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}")
        mask = options["masked"]
        conversations = exports.conversations_filtered(**filters)
        if not mask:
            self.stderr.write("注意：导出文件包含完整联系方式（--masked 可脱敏）")

        progress = Progress(sys.stderr, conversations.count()) if sys.stderr.isatty() else None
        written, complete = 0, False
        try:
            rows = exports.iter_rows(conversations, mask=mask)
            for written in write(fmt, output, rows):
                if progress is not None:
                    progress.update(written)
            complete = True
        finally:
            if progress is not None:
                progress.close(written)
            described = " ".join(
                f"--{name}={options[name]}" for name in ("job", "account", "team", "since", "until") if options[name]
            )
            exports.export_record(
                user=None,
                file_format=fmt,
                rows=written,
                masked=mask,
                filters=described,
                via=f"命令行 {_login()}" + ("" if complete else "（中断）"),
            )
        self.stdout.write(f"{written} 行 → {output}")


def write(fmt: str, output: Path, rows):
    """Write the header and `rows` to `output`, yielding the count of rows written so far."""
    written = 0
    if fmt == "csv":
        with output.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(exports.headers())
            for row in rows:
                writer.writerow(row)
                written += 1
                yield written
        return
    from openpyxl import Workbook

    # Write-only: rows go to a temporary file as they come, not into a sheet held in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("联系结果")
    sheet.append(exports.headers())
    for row in rows:
        sheet.append(row)
        written += 1
        yield written
    workbook.save(output)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"
