"""Benchmark `manage.py export_results` on a large export; prints numbers, asserts nothing.

Seeds N conversations (default 100,000) on one job, each with a contact record (a third with a CV, a fifth
with an accepted WeChat friend and an interview), into a database it prepares itself (a fresh SQLite file
under /tmp, or --database-url after `migrate`), then runs the command once per format in a child process
and prints its wall time and peak resident memory (the child's `ru_maxrss`), next to the same command
exporting no row (the cost of starting Django). The issue's bar: under 200 MB at 100,000 rows.

    .venv/bin/python bench/export_bench.py
    .venv/bin/python bench/export_bench.py --rows 20000 --formats csv
    .venv/bin/python bench/export_bench.py --database-url postgres://postgres@127.0.0.1:5432/hunter_bench
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5_000


def seed(rows: int, tag: str) -> tuple[str, str]:
    """N conversations on a new job (and an empty job); returns both jobs' ids."""
    import django

    django.setup()
    from django.utils import timezone

    from hunter_robot.models import Team
    from recruit.models import Candidate, ContactRecord, Conversation, Job, RecruitAccount
    from wechat.models import WechatAccount, WechatFriend

    team = Team.objects.create(name=f"bench-{tag}")
    job = Job.objects.create(team=team, platform="Boss", platform_id=f"bench-{tag}", name="客服专员")
    empty = Job.objects.create(team=team, platform="Boss", platform_id=f"bench-empty-{tag}", name="空岗位")
    account = RecruitAccount.objects.create(team=team, platform="Boss", platform_id=f"bench-{tag}")
    wechat = WechatAccount.objects.create(team=team, account_id=f"bench-{tag}")
    now = timezone.now()
    for start in range(0, rows, BATCH):
        ids = range(start, min(start + BATCH, rows))
        candidates = Candidate.objects.bulk_create(
            Candidate(platform="Boss", platform_cid=f"{tag}-{i}", name=f"候选人{i}") for i in ids
        )
        conversations = Conversation.objects.bulk_create(
            Conversation(
                job=job,
                account=account,
                candidate=candidate,
                status="finished",
                first_reply_at=now,
                phone_at=now,
                last_message_at=now,
            )
            for candidate in candidates
        )
        ContactRecord.objects.bulk_create(
            ContactRecord(
                conversation=c,
                phone=f"138{i % 100_000_000:08d}",
                wechat=f"wx_bench_{i}",
                email=f"c{i}@example.com",
                cv_file=f"cv/2026/03/{i}.pdf" if i % 3 == 0 else "",
                cv_name=f"简历{i}.pdf" if i % 3 == 0 else "",
            )
            for i, c in zip(ids, conversations, strict=True)
        )
        WechatFriend.objects.bulk_create(
            WechatFriend(
                wechat_account=wechat,
                conversation=c,
                search_id=f"wx_bench_{i}",
                alias_id=f"b{tag[:6]}{i}",
                status="finished",
                accepted_at=now,
                interview_at=now,
                interview_slot="周二 14:00",
            )
            for i, c in zip(ids, conversations, strict=True)
            if i % 5 == 0
        )
        print(f"\rseeded {min(start + BATCH, rows)}/{rows}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return job.job_id, empty.job_id


def export(env: dict, job_id: str, fmt: str, output: Path) -> tuple[float, float]:
    """Run the command in a child; (seconds, peak RSS in MB)."""
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "export_results", f"--job={job_id}", f"--format={fmt}", f"--output={output}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.monotonic() - started
    if status != 0:
        raise SystemExit(f"export_results failed ({status})")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports kilobytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="database to migrate and use (default: $DATABASE_URL, else a fresh SQLite file under /tmp)",
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="hunter-export-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "hunter_robot.settings"}
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)

    started = time.monotonic()
    job_id, empty_id = seed(args.rows, uuid.uuid4().hex[:8])
    print(f"seeded {args.rows} conversations in {time.monotonic() - started:.1f} s ({database_url.split(':')[0]})")

    _seconds, baseline = export(env, empty_id, "csv", workdir / "empty.csv")
    print(f"{'format':<6} {'rows':>8} {'seconds':>8} {'rows/s':>8} {'peak RSS':>10} {'file':>10}")
    print(f"{'csv':<6} {0:>8} {'':>8} {'':>8} {baseline:>7.1f} MB {'':>10}  (Django start-up)")
    for fmt in args.formats.split(","):
        output = workdir / f"results.{fmt}"
        seconds, peak = export(env, job_id, fmt, output)
        size = output.stat().st_size / 1024 / 1024
        print(f"{fmt:<6} {args.rows:>8} {seconds:>8.1f} {args.rows / seconds:>8.0f} {peak:>7.1f} MB {size:>7.1f} MB")
    print(f"files under {workdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
