"""Reads: resolving the IDs bots send, and the daily task view."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count
from django.utils import timezone

from hunter_robot.api.auth import Caller
from hunter_robot.api.errors import Conflict, InvalidRequest, NotFound
from recruit import quota
from recruit.models import AccountJob, Conversation, Greeting, Job, RecruitAccount
from recruit.refs import parse_ref

ABSENT_JOB_IDS = {"", "none", "null"}


def _parse(kind: str, ref: str, field: str) -> tuple[str, str]:
    parsed = parse_ref(kind, ref)
    if parsed is None:
        raise InvalidRequest(f"{field}: malformed, expected {kind}_<Platform>_<platformID>")
    return parsed


class UnregisteredAccount(NotFound):
    """A well-formed accountID that is not registered; `account_id` is its canonical form."""

    def __init__(self, msg: str, *, account_id: str):
        super().__init__(msg)
        self.account_id = account_id


def account_for(caller: Caller, ref: str, *, field: str = "accountID") -> RecruitAccount:
    """The account a bot names. Permission is judged before existence so a key cannot probe IDs.
    Reads only: the API layer records an unregistered caller (`services.callers`)."""
    platform, platform_id = _parse("account", ref, field)
    account = RecruitAccount.objects.select_related("team").filter(platform=platform, platform_id=platform_id).first()
    caller.check_account(account, field)
    if account is None:
        canonical = f"account_{platform}_{platform_id}"
        raise UnregisteredAccount(f"{field}: {canonical} is not registered", account_id=canonical)
    return account


def job_for(caller: Caller, ref: str, *, field: str = "jobID") -> Job:
    platform, platform_id = _parse("job", ref, field)
    job = Job.objects.filter(platform=platform, platform_id=platform_id).first()
    caller.check_team(job.team_id if job else None, field)
    if job is None:
        raise NotFound(f"{field}: job_{platform}_{platform_id} is not registered")
    return job


def job_ref_given(value) -> bool:
    """`jobID` is deprecated in candidate calls: missing, "", null, "None", "NULL" mean absent."""
    return value is not None and str(value).strip().lower() not in ABSENT_JOB_IDS


def resolve_job(caller: Caller, account: RecruitAccount, job_ref, candidate_id: int | None = None) -> Job:
    """CONTRACT §3 job fallback: an explicit jobID must be in the account's job list (`linked`);
    absent, the job of the most recent conversation of (account, candidate) among the jobs the
    account has a task for (listed or dropped), else the account's first listed job.

    The same rule is written in SQL in `services.screening._gates`; keep them in step
    (tests/recruit/test_job_fallback.py runs one table of cases against both)."""
    if job_ref_given(job_ref):
        job = job_for(caller, str(job_ref).strip())
        if not AccountJob.objects.filter(account=account, job=job, linked=True).exists():
            raise Conflict(f"jobID: {job.job_id} is not (or no longer) a job of {account.account_id}")
        return job
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
                "touch_msg": link.job.greeting,
            }
        )
    return tasks
