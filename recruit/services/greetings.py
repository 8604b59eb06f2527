"""Recording greetings the bots report (CONTRACT account/task/report)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import NOT_PROVIDED
from django.utils import timezone

from hunter_robot import sql
from recruit import jobconfig, quota, selectors
from recruit.models import AccountJob, Candidate, Conversation, Greeting, Job, Message, RecruitAccount, Reservation
from recruit.services.candidates import candidates_ensure


@dataclass
class ReportResult:
    accepted: int
    duplicates: int
    remaining: int


def _start_conversations(*, account: RecruitAccount, job: Job, candidate_ids: list[int], now: datetime) -> None:
    """A greeting opens the conversation with the job's greeting as its first robot message."""
    Conversation.objects.bulk_create(
        [Conversation(account=account, job=job, candidate_id=cid) for cid in candidate_ids], ignore_conflicts=True
    )
    # Only conversations still empty get the greeting: a chat may have created one first.
    fresh = list(
        Conversation.objects.select_for_update().filter(
            account=account, job=job, candidate_id__in=candidate_ids, message_count=0
        )
    )
    Message.objects.bulk_create(
        Message(conversation=c, seq=0, speaker=Message.Speaker.ROBOT, text=jobconfig.greeting(job), engine="greeting")
        for c in fresh
    )
    Conversation.objects.filter(pk__in=[c.pk for c in fresh]).update(
        message_count=1, last_speaker=Message.Speaker.ROBOT, last_robot_at=now, last_message_at=now
    )


@transaction.atomic
def greetings_report(
    *, account: RecruitAccount, job: Job, cids: list[str], now: datetime | None = None, verify_job: bool = False
) -> ReportResult:
    """Record each candidate as greeted by `account` for `job` today; idempotent per candidate.
    `verify_job`: `job` is the one a bot named, which must be in the account's job list (CONTRACT §3;
    Conflict otherwise), checked under the lock instead of by `selectors.resolve_job` beforehand.

    Concurrency: the account row is locked first, so concurrent reports for one account run one
    after the other and the (account, job, candidate) unique constraint backs it up: nothing is
    lost or counted twice, and `remaining` counts every greeting committed before. Counts beyond the
    quota are still recorded.

    On PostgreSQL the lock and one statement do it all (`_report_in_one_statement`); elsewhere (SQLite,
    whose IMMEDIATE transactions already run writers one at a time) the same steps go through the ORM.
    tests/recruit/test_greetings_sql.py runs the same reports through both and compares every row.
    """
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return _report_in_one_statement(account=account, job=job, cids=cids, now=now, verify_job=verify_job)
    return _report_orm(account=account, job=job, cids=cids, now=now, verify_job=verify_job)


def _report_orm(*, account: RecruitAccount, job: Job, cids: list[str], now: datetime, verify_job: bool) -> ReportResult:
    RecruitAccount.objects.select_for_update().filter(pk=account.pk).first()
    if verify_job:
        selectors.resolve_job(account, job)
    by_cid = candidates_ensure(platform=account.platform, cids=cids)
    ids = list({by_cid[cid].pk for cid in cids})
    already = set(
        Greeting.objects.filter(account=account, job=job, candidate_id__in=ids).values_list("candidate_id", flat=True)
    )
    new = [cid for cid in ids if cid not in already]
    day = timezone.localdate(now)
    # The text task/fetch hands out for this account, job and day (a report before any fetch too).
    touch_msg = jobconfig.greeting(job)
    Greeting.objects.bulk_create(
        [Greeting(account=account, job=job, candidate_id=cid, day=day, touch_msg=touch_msg) for cid in new]
    )
    Reservation.objects.filter(account=account, job=job, candidate_id__in=ids).delete()
    _start_conversations(account=account, job=job, candidate_ids=new, now=now)
    return ReportResult(
        accepted=len(new),
        duplicates=len(cids) - len(new),
        remaining=selectors.remaining_today(account, job, now=now),
    )


# The rows the report's statement inserts, and their columns computed in SQL (attname → an expression
# over the FROM of that part of the statement); the other columns are parameters (`_insert_params`).
COMPUTED = {
    Candidate: {"platform_cid": "ids.cid"},
    Greeting: {"candidate_id": "cand.id"},
    Conversation: {"candidate_id": "greet.candidate_id"},
    Message: {"conversation_id": "x.id"},
}
_PER_ROW = object()


@functools.cache
def _insert_plan(vendor: str, model) -> tuple[str, list]:
    """`INSERT INTO <table> (<every column but the key>) SELECT <values>` for `model`, and the fields of
    its parameters with their prepared default (`_PER_ROW`: an auto_now field or a callable default). A
    field added to the model later is written as the ORM writes it, with no change here."""
    computed = COMPUTED[model]
    columns, expressions, fields = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or getattr(field, "generated", False):
            continue
        if field.attname not in computed and field.db_default is not NOT_PROVIDED:
            continue  # the database's default, as the ORM leaves it to the database
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in computed:
            expressions.append(computed[field.attname])
            continue
        expressions.append(f"CAST(%s AS {field.cast_db_type(connection)})")
        auto_now = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if auto_now or callable(field.default):
            fields.append((field, auto_now, _PER_ROW))
        else:
            fields.append((field, False, field.get_db_prep_save(field.get_default(), connection)))
    return f"INSERT INTO {sql.table(model)} ({', '.join(columns)}) SELECT {', '.join(expressions)}", fields


def _insert_params(database, model, values: dict, now: datetime) -> list:
    """The parameters of `model`'s insert on `database` (a DatabaseWrapper): `values` (by attname), else
    what the ORM saves for a field not given, its default (`now` for auto_now and auto_now_add)."""
    params = []
    for field, auto_now, prepared in _insert_plan(database.vendor, model)[1]:
        if field.attname in values:
            params.append(field.get_db_prep_save(values[field.attname], database))
        elif prepared is not _PER_ROW:
            params.append(prepared)
        else:
            params.append(field.get_db_prep_save(now if auto_now else field.get_default(), database))
    return params


def _lock_sql() -> str:
    return f"""SELECT a.active, aj.linked, aj.active, aj.hello_sum
               FROM {sql.table(RecruitAccount)} a LEFT JOIN {sql.table(AccountJob)} aj ON aj.account_id = a.id AND aj.job_id = %s
               WHERE a.id = %s FOR UPDATE OF a"""


def _report_sql() -> str:
    vendor = connection.vendor
    candidates, greetings, conversations, messages = (
        _insert_plan(vendor, model)[0] for model in (Candidate, Greeting, Conversation, Message)
    )
    return f"""
        WITH ids (cid) AS (SELECT DISTINCT unnest(CAST(%s AS text[]))),
        cand AS ({candidates} FROM ids
                 ON CONFLICT (platform, platform_cid) DO UPDATE SET platform_cid = EXCLUDED.platform_cid
                 RETURNING id),
        greet AS ({greetings} FROM cand
                  ON CONFLICT (account_id, job_id, candidate_id) DO NOTHING RETURNING candidate_id),
        ended AS (DELETE FROM {sql.table(Reservation)} r USING cand
                  WHERE r.account_id = %s AND r.job_id = %s AND r.candidate_id = cand.id),
        opened AS ({conversations} FROM greet
                   ON CONFLICT (account_id, job_id, candidate_id) DO NOTHING RETURNING id),
        emptied AS (UPDATE {sql.table(Conversation)} c
                      SET message_count = 1, last_speaker = %s, last_robot_at = %s, last_message_at = %s
                    FROM greet
                    WHERE c.account_id = %s AND c.job_id = %s AND c.candidate_id = greet.candidate_id
                      AND c.message_count = 0
                    RETURNING c.id),
        said AS ({messages} FROM (SELECT id FROM opened UNION ALL SELECT id FROM emptied) x)
        SELECT (SELECT COUNT(*) FROM greet),
               (SELECT COUNT(*) FROM {sql.table(Greeting)} g WHERE g.account_id = %s AND g.job_id = %s AND g.day = %s)
    """


def _report_in_one_statement(
    *, account: RecruitAccount, job: Job, cids: list[str], now: datetime, verify_job: bool
) -> ReportResult:
    """PostgreSQL: lock the account (reading its state and the task's helloSum), then one statement of
    data-modifying CTEs: the candidates (an upsert that returns existing rows too, so a candidate
    another transaction inserts meanwhile is never missed), the greetings not recorded yet (ON CONFLICT
    DO NOTHING RETURNING: exactly the new ones), the reservations they end, the conversations they open
    (or the empty ones a chat opened first) with the greeting as first message, and today's count of
    greetings before this statement (its own rows are not visible to it, so `done` adds them).

    The lock is its own statement so that the write's snapshot starts after it: every report committed
    before ours is counted in `remaining`, as in the ORM steps."""
    day = timezone.localdate(now)
    touch_msg = jobconfig.greeting(job)
    robot = Message.Speaker.ROBOT
    with connection.cursor() as cursor:
        sql.execute(cursor, _lock_sql, [job.pk, account.pk])
        active, linked, task_active, hello_sum = cursor.fetchone()
        if verify_job and not linked:
            raise selectors.not_a_job_of(account, job)
        written = timezone.now()  # what the ORM would set auto_now and auto_now_add fields to
        database = cursor.db  # the DatabaseWrapper itself: the `connection` proxy costs a lookup per use
        at = database.ops.adapt_datetimefield_value(now)
        params = [
            list(dict.fromkeys(cids)),
            *_insert_params(database, Candidate, {"platform": account.platform}, written),
            *_insert_params(
                database,
                Greeting,
                {"account_id": account.pk, "job_id": job.pk, "day": day, "touch_msg": touch_msg},
                written,
            ),
            account.pk,
            job.pk,
            *_insert_params(
                database,
                Conversation,
                {
                    "account_id": account.pk,
                    "job_id": job.pk,
                    "message_count": 1,
                    "last_speaker": robot,
                    "last_robot_at": now,
                    "last_message_at": now,
                },
                written,
            ),
            robot,
            at,
            at,
            account.pk,
            job.pk,
            *_insert_params(
                database, Message, {"seq": 0, "speaker": robot, "text": touch_msg, "engine": "greeting"}, written
            ),
            account.pk,
            job.pk,
            database.ops.adapt_datefield_value(day),
        ]
        sql.execute(cursor, _report_sql, params)
        accepted, before = cursor.fetchone()
    return ReportResult(
        accepted=accepted,
        duplicates=len(cids) - accepted,
        remaining=quota.remaining(hello_sum if task_active else 0, before + accepted) if active else 0,
    )
