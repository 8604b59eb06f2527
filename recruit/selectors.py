"""Reads: the job a candidate call is about (CONTRACT §3 fallback), quotas and the daily task view."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from hunter_robot.errors import Conflict
from recruit import jobconfig, quota
from recruit.models import AccountJob, Conversation, Greeting, Job, RecruitAccount


def resolve_job(account: RecruitAccount, explicit_job: Job | None, candidate_id: int | None = None) -> Job:
    """CONTRACT §3 job fallback: an explicit job must be in the account's job list (`linked`), else
    Conflict; absent (None), the job of the most recent conversation of (account, candidate) among the
    jobs the account has a task for (listed or dropped), else the account's first listed job.

    The same rule is written in SQL in `services.screening._gates` (one query on the filter's hot
    path); keep them in step (tests/recruit/test_job_fallback.py runs one table of cases against both)."""
    if explicit_job is not None:
        if not AccountJob.objects.filter(account=account, job=explicit_job, linked=True).exists():
            raise Conflict(f"jobID: {explicit_job.job_id} is not (or no longer) a job of {account.account_id}")
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
    first = (
        AccountJob.objects.filter(account=account, linked=True).order_by("position", "id").select_related("job").first()
    )
    if first is None:
        raise Conflict(f"accountID: {account.account_id} has no job")
    return first.job


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


def hello_sum_for(account: RecruitAccount, job: Job) -> int:
    link = AccountJob.objects.filter(account=account, job=job).only("hello_sum", "active").first()
    return link.hello_sum if link is not None and link.active else 0


def remaining_today(account: RecruitAccount, job: Job, *, now: datetime) -> int:
    if not account.active:
        return 0
    done = greeted_today(account, timezone.localdate(now), job).get(job.pk, 0)
    return quota.remaining(hello_sum_for(account, job), done)


def account_tasks(account: RecruitAccount, *, now: datetime, job: Job | None = None) -> list[dict]:
    """The account's daily tasks as `account/task/fetch` returns them."""
    links = (
        AccountJob.objects.filter(account=account, linked=True, active=True, job__active=True)
        .select_related("job")
        .prefetch_related("slots")
        .order_by("position", "id")
    )
    if job is not None:
        links = links.filter(job=job)
    local = timezone.localtime(now)
    done = greeted_today(account, local.date())
    tasks = []
    for link in links:
        left = quota.remaining(link.hello_sum, done.get(link.job_id, 0)) if account.active else 0
        slots = quota.rescale([(s.time, s.mount) for s in link.slots.all()], local.time(), left)
        search_filter = dict(link.search_filter or {})
        if link.job.platform == "Boss":
            search_filter.setdefault("boss_job_name", link.job.name)
        tasks.append(
            {
                "jobID": link.job.job_id,
                "taskType": "batchTouch",
                "helloSum": left,
                "timeMount": [{"time": f"{at:%H:%M}", "mount": mount} for at, mount in slots],
                "filter": search_filter,
                "touch_msg": jobconfig.greeting(link.job),
            }
        )
    return tasks
