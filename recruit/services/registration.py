"""Registering jobs and recruiter accounts (CONTRACT job/register, account/register)."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import transaction

from hunter_robot.models import ApiKey, Team
from recruit import jobconfig, quota
from recruit.models import AccountJob, Job, RecallStep, RecruitAccount, TimeSlot


@transaction.atomic
def job_register(
    *,
    team: Team,
    platform: str,
    platform_id: str,
    name: str,
    jd: str | None = None,
    robot_api: str | None = None,
    config: dict | None = None,
) -> Job:
    """Create or update a job. Idempotent; only the fields sent change, so admin edits survive.

    A job this call creates belongs to `team`; an existing job keeps its team. Who may edit an existing
    job is the caller's to judge first (the API: an API key only within its team).
    Concurrency: the row is locked (`select_for_update`) or created under the (platform, platformID)
    unique constraint, so two registrations never make two jobs.
    """
    job = Job.objects.select_for_update().filter(platform=platform, platform_id=platform_id).first()
    if job is None:
        job, _created = Job.objects.get_or_create(
            platform=platform, platform_id=platform_id, defaults={"team": team, "name": name}
        )
    job.name = name
    if jd is not None:
        job.jd = jd
    if robot_api is not None:
        job.robot_api = robot_api
    config = config or {}
    jobconfig.apply_config(job, config)
    job.full_clean(exclude=["team"])
    job.save()
    if "recall_steps" in config:
        job.recall_steps.all().delete()
        RecallStep.objects.bulk_create(
            RecallStep(job=job, position=i, after_hours=step["after_hours"], msg=step["msg"])
            for i, step in enumerate(config["recall_steps"])
        )
    return job


def _replace_slots(link: AccountJob, slots: list[tuple[time, int]]) -> None:
    link.slots.all().delete()
    TimeSlot.objects.bulk_create(TimeSlot(account_job=link, time=at, mount=mount) for at, mount in slots)


@transaction.atomic
def account_register(
    *,
    team: Team,
    api_key: ApiKey | None = None,
    platform: str,
    platform_id: str,
    jobs: list[Job],
    task_config: list[dict] | None = None,
    desc: str | None = None,
) -> RecruitAccount:
    """Create or update an account and set its ordered job list to `jobs`.

    A taskConfig entry replaces its job's daily task; linked jobs without one keep their config;
    newly linked jobs get the default task. Jobs that leave the list keep their config, unlinked.
    An account this call creates belongs to `team`; `api_key`, when given, is bound to the account
    (it may then act on it). Who may edit an existing account is the caller's to judge first.
    Concurrency: the account row is locked for the whole update.
    """
    account = RecruitAccount.objects.select_for_update().filter(platform=platform, platform_id=platform_id).first()
    if account is None:
        account, _created = RecruitAccount.objects.get_or_create(
            platform=platform, platform_id=platform_id, defaults={"team": team, "desc": desc or ""}
        )
        account = RecruitAccount.objects.select_for_update().get(pk=account.pk)
    if desc is not None and desc != account.desc:
        account.desc = desc
        account.save(update_fields=["desc", "updated_at"])
    if api_key is not None:
        account.api_keys.add(api_key)

    configs = {entry["job"].pk: entry for entry in task_config or []}
    existing = {link.job_id: link for link in AccountJob.objects.filter(account=account)}
    wanted = {job.pk for job in jobs}
    AccountJob.objects.filter(account=account).exclude(job_id__in=wanted).update(linked=False)
    for position, job in enumerate(jobs):
        link = existing.get(job.pk)
        entry = configs.get(job.pk)
        if link is None:
            link = AccountJob.objects.create(
                account=account, job=job, position=position, hello_sum=settings.DEFAULT_HELLO_SUM
            )
            if entry is None:
                _replace_slots(link, quota.parse_slot_spec(settings.DEFAULT_TIME_MOUNT))
        link.linked = True
        link.position = position
        if entry is not None:
            link.hello_sum = entry["helloSum"]
            link.search_filter = entry.get("filter", {})
            link.active = entry.get("active", True)
            _replace_slots(link, entry["timeMount"])
        link.save()
    return account
