"""The bot simulator (`manage.py simulate`) against a live server: a small run meets every persona,
prints the funnel it produced and finds every invariant holding; a violation planted afterwards (a
second greeting of a candidate for the same job, a contact notification sent twice) is caught by
re-checking the run's record, which exits non-zero naming it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from recruit.models import Conversation, Greeting, Notification, RecruitAccount


def concurrency() -> int:
    """Three bot threads on PostgreSQL; on SQLite one at a time: the test database is SQLite's shared
    in-memory cache, whose table locks fail at once instead of waiting (a server's file with WAL waits)."""
    return 3 if connection.vendor == "postgresql" else 1


def simulate(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("simulate", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_small_run_holds_every_invariant_and_a_planted_violation_is_caught(live_server, private_media, tmp_path):
    record = tmp_path / "run.json"
    code, out, err = simulate(
        f"--base-url={live_server.url}",
        "--candidates=12",
        "--seed=7",
        f"--concurrency={concurrency()}",
        "--tag=t1",
        f"--record={record}",
    )
    assert (code, err) == (0, ""), out
    assert "invariants: all hold" in out

    run = json.loads(record.read_text(encoding="utf-8"))
    people = run["candidates"]
    assert len(people) == 12 and not run["api_errors"]
    assert {c["persona"] for c in people} == {"interested", "asks_salary", "gives_wechat", "refuses", "silent"}
    # Index 6 names the excluded company: screened out, never greeted; everyone else greeted once.
    assert [c["index"] for c in people if not c["touched"]] == [6]
    assert run["accepted"] == 11 == Greeting.objects.count()
    assert run["duplicates"] == sum(1 for c in people if c["touched"] and c["index"] % 3 == 2)
    assert all(c["recalls"] == 1 for c in people if c["persona"] == "silent" and c["touched"])
    greeted = [c for c in people if c["touched"]]
    by_persona = {p: [c for c in greeted if c["persona"] == p] for p in {c["persona"] for c in greeted}}
    contact = sum(len(by_persona[p]) for p in ("interested", "asks_salary", "gives_wechat", "silent"))
    wechat = len(by_persona["gives_wechat"])
    assert all(c["wechat_alias"] for c in by_persona["gives_wechat"])

    # The funnel as the console counts it: everyone but the refuser... replied; the refuser gave nothing.
    replied = len(greeted) - len([c for c in greeted if not c["user_lines"]])
    expected = {"greeted": 11, "replied": replied, "contact": contact, "wechat_added": wechat, "interview": wechat}
    for key, value in expected.items():
        assert any(line.split()[:2] == [key, str(value)] for line in out.splitlines()), (key, value, out)
    db = Conversation.objects.filter(first_reply_at__isnull=False).count()
    assert db == replied

    # Planted: another of the run's accounts "greets" a greeted candidate for the same job.
    first = Greeting.objects.select_related("account").order_by("pk").first()
    other = RecruitAccount.objects.exclude(pk=first.account_id).filter(platform_id="sim-t1").first()
    planted = Greeting.objects.create(account=other, job=first.job, candidate=first.candidate, day=first.day)
    code, out, err = simulate(f"--check={record}")
    assert code == 1
    assert "VIOLATION greetings: 2 greetings for candidate" in err and "(duplicate)" in err
    assert "VIOLATION quota" in err  # that account never had a task for the job: helloSum 0
    planted.delete()
    code, out, err = simulate(f"--check={record}")
    assert code == 0, err

    # Planted: a contact notification written twice.
    notification = Notification.objects.filter(kind="contact").order_by("pk").first()
    notification.pk = None
    notification.save()
    code, out, err = simulate(f"--check={record}")
    assert code == 1 and "VIOLATION contacts:" in err and "2 notifications for" in err
