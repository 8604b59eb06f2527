"""Reads: the job a candidate call is about (CONTRACT §3 fallback), quotas and the daily task view."""

from __future__ import annotations

import json
from datetime import datetime, time

from django.conf import settings
from django.db import connection
from django.db.models import Count, Expression, IntegerField, JSONField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from hunter_robot import sql
from hunter_robot.errors import Conflict
from recruit import jobconfig, quota
from recruit.models import AccountJob, Conversation, Greeting, Job, RecruitAccount, ScreeningDecision, TimeSlot


def resolve_job(account: RecruitAccount, explicit_job: Job | None, candidate_id: int | None = None) -> Job:
    """CONTRACT §3 job fallback: an explicit job must be in the account's job list (`linked`), else
    Conflict; absent (None), the job of the most recent conversation of (account, candidate) among the
    jobs the account has a task for (listed or dropped), else the account's first listed job.

    The same rule is written in SQL in `services.screening._gates` (one query on the filter's hot
    path); keep them in step (tests/recruit/test_job_fallback.py runs one table of cases against both)."""
    if explicit_job is not None:
        with connection.cursor() as cursor:
            sql.execute(cursor, _listed_sql, [account.pk, explicit_job.pk])
            if cursor.fetchone() is None:
                raise not_a_job_of(account, explicit_job)
        return explicit_job
    if candidate_id is not None:
        # Only jobs the account has a task for (listed or dropped), as in the gates query.
        recent = (
            Conversation.objects.filter(account=account, candidate_id=candidate_id, job__account_jobs__account=account)
            .order_by("-updated_at")
            .select_related("job")
            .first()
        )
        if recent is not None:
            return recent.job
    first = first_job(account)
    if first is None:
        raise Conflict(f"accountID: {account.account_id} has no job")
    return first


def not_a_job_of(account: RecruitAccount, job: Job) -> Conflict:
    """The refusal of an explicit job the account does not (or no longer) list."""
    return Conflict(f"jobID: {job.job_id} is not (or no longer) a job of {account.account_id}")


def _listed_sql() -> str:
    return f"SELECT 1 FROM {sql.table(AccountJob)} WHERE account_id = %s AND job_id = %s AND linked"


def first_job(account: RecruitAccount) -> Job | None:
    """The first job of the account's list (its order, then the oldest task). Written out: on the
    task endpoints' path, the ORM's join with the job's forty columns cost ten times the query."""
    return sql.fetch_instance(Job, _first_job_sql, [account.pk])


def _first_job_sql() -> str:
    return f"""SELECT {sql.columns(Job, "j")} FROM {sql.table(AccountJob)} aj JOIN {sql.table(Job)} j ON j.id = aj.job_id
               WHERE aj.account_id = %s AND aj.linked ORDER BY aj.position, aj.id LIMIT 1"""


def greeted_today(account: RecruitAccount, day, job: Job | None = None) -> dict[int, int]:
    """Distinct candidates greeted today per job (greetings are unique per candidate)."""
    rows = Greeting.objects.filter(account=account, day=day)
    if job is not None:
        rows = rows.filter(job=job)
    return dict(rows.values_list("job_id").annotate(n=Count("id")).order_by())


def greeted_today_subquery(day) -> Coalesce:
    """`greeted_today` as an expression for AccountJob rows (their account and job), to annotate a
    list of tasks in one query."""
    rows = (
        Greeting.objects.filter(account=OuterRef("account"), job=OuterRef("job"), day=day)
        .order_by()
        .values("account")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def team_profile(
    team: int | list[int] | Expression, *, candidate: Expression | None = None, via: str = "account__team"
) -> Subquery:
    """The parsed profile that a team's own bots last sent for a candidate, as an expression (None when
    they sent none): stored profiles are read only by the team whose bots sent them (CONTRACT §8), so
    this, not `Candidate.profile` (the last card any team sent), is what a team's screening and nudges
    use. It is the profile of the team's latest screening decision about the candidate.

    `team` is a team id, a list of ids or an expression (`OuterRef`); `candidate` defaults to
    `OuterRef("pk")` (annotating candidates). `via` is the decision's path to its team: the account
    whose bot sent the card (the bot endpoints), or `job__team` for the console, whose decision pages
    are scoped by job (the same team, unless an account was linked to another team's job)."""
    on_team = {f"{via}__in": team} if isinstance(team, list) else {via: team}
    latest = ScreeningDecision.objects.filter(
        candidate=candidate if candidate is not None else OuterRef("pk"), profile__isnull=False, **on_team
    ).order_by("-created_at", "-pk")
    return Subquery(latest.values("profile")[:1], output_field=JSONField())


def hello_sum_for(account: RecruitAccount, job: Job) -> int:
    link = AccountJob.objects.filter(account=account, job=job).only("hello_sum", "active").first()
    return link.hello_sum if link is not None and link.active else 0


def remaining_today(account: RecruitAccount, job: Job, *, now: datetime) -> int:
    if not account.active:
        return 0
    done = greeted_today(account, timezone.localdate(now), job).get(job.pk, 0)
    return quota.remaining(hello_sum_for(account, job), done)


def _json(value):
    # PostgreSQL's jsonb reaches Django as text (Django registers it so), SQLite's JSON is text too.
    return json.loads(value) if isinstance(value, str) else value


def _time(value) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)  # SQLite keeps "HH:MM:SS"


TASK_JOB_FIELDS = ["platform", "platform_id", "name", "touch_msg"]  # what a task shows of its job


def _task_rows_sql(only_job: str = "", *, greeted_total: bool = False) -> str:
    aj, jobs, slots, greetings = (sql.table(model) for model in (AccountJob, Job, TimeSlot, Greeting))
    # The account's greetings today over every job (for the pacing ceiling), evaluated once per statement.
    total = f", (SELECT COUNT(*) FROM {greetings} t WHERE t.account_id = %s AND t.day = %s)" if greeted_total else ""
    return f"""
        SELECT aj.id, aj.hello_sum, aj.search_filter, j.platform, j.platform_id, j.name, j.touch_msg, done.n,
               s.time, s.mount{total}
        FROM {aj} aj
        JOIN {jobs} j ON j.id = aj.job_id
        LEFT JOIN (SELECT g.job_id, COUNT(*) AS n FROM {greetings} g WHERE g.account_id = %s AND g.day = %s
                   GROUP BY g.job_id) done ON done.job_id = aj.job_id
        LEFT JOIN {slots} s ON s.account_job_id = aj.id
        WHERE aj.account_id = %s AND aj.linked AND aj.active AND j.active{only_job}
        ORDER BY aj.position, aj.id, s.time
    """


def _tasks_sql() -> str:
    return _task_rows_sql()


def _job_task_sql() -> str:
    return _task_rows_sql(" AND aj.job_id = %s")


def _capped_tasks_sql() -> str:
    return _task_rows_sql(greeted_total=True)


def account_tasks(account: RecruitAccount, *, now: datetime, job: Job | None = None) -> list[dict]:
    """The account's daily tasks as `account/task/fetch` returns them: the tasks listed and switched
    on, of active jobs, in the account's order (`job`: only that one's).

    One hand-written query on the hot path (the ORM's three, links, their slots and today's greetings,
    cost most of a fetch's CPU to build): a row per (task, slot), the task's greetings today counted
    once per job in a derived table.

    Under a pacing ceiling (PLATFORM_DAILY_CAP for the account's platform, CONTRACT §9) the same query
    also counts the account's greetings today over every job, and the tasks share what the ceiling
    leaves in list order (`quota.ceiling_split`); a one-job fetch then reads every task (still one
    statement), since the jobs before it come first."""
    local = timezone.localtime(now)
    day = connection.ops.adapt_datefield_value(local.date())
    params = [account.pk, day, account.pk]
    cap = quota.daily_caps(settings.PLATFORM_DAILY_CAP).get(account.platform) if account.active else None
    with connection.cursor() as cursor:
        if cap is not None:
            sql.execute(cursor, _capped_tasks_sql, [account.pk, day, *params])
        elif job is None:
            sql.execute(cursor, _tasks_sql, params)
        else:
            sql.execute(cursor, _job_task_sql, [*params, job.pk])
        rows = cursor.fetchall()
    tasks: dict[int, tuple] = {}  # task id -> (its row, its slots), in the query's order
    for row in rows:
        task = tasks.setdefault(row[0], (row, []))
        if row[8] is not None:
            task[1].append((_time(row[8]), row[9]))
    lefts = [quota.remaining(row[1], row[7] or 0) if account.active else 0 for row, _slots in tasks.values()]
    if cap is not None:
        lefts = quota.ceiling_split(lefts, cap=cap, greeted=rows[0][10] if rows else 0)
    result = []
    for (row, task_slots), left in zip(tasks.values(), lefts, strict=True):
        hello_sum, search_filter, platform, platform_id, name, touch_msg, done = row[1:8]
        if job is not None and (platform, platform_id) != (job.platform, job.platform_id):
            continue  # the ceiling's read of every task, for a one-job fetch
        shares = quota.rescale(task_slots, local.time(), left)
        search_filter = dict(_json(search_filter) or {})
        if platform == "Boss":
            search_filter.setdefault("boss_job_name", name)
        task_job = Job.from_db(connection.alias, TASK_JOB_FIELDS, (platform, platform_id, name, touch_msg))
        result.append(
            {
                "jobID": task_job.job_id,
                "taskType": "batchTouch",
                "helloSum": left,
                "timeMount": [{"time": f"{at:%H:%M}", "mount": mount} for at, mount in shares],
                "filter": search_filter,
                "touch_msg": jobconfig.greeting(task_job),
            }
        )
    return result
