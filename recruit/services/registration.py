"""Registering jobs and recruiter accounts (CONTRACT job/register, account/register)."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import transaction

from hunter_robot.api.auth import Caller
from recruit import quota
from recruit.models import AccountJob, Job, RecallStep, RecruitAccount, TimeSlot

# jobConfig.criteria keys → Job fields (ranges are [min, max] pairs).
CRITERIA_RANGES = {
    "age": ("age_min", "age_max"),
    "work_years": ("work_years_min", "work_years_max"),
    "salary_k": ("salary_min_k", "salary_max_k"),
}
CRITERIA_LISTS = ("cities", "keywords", "exclude_keywords", "exclude_companies", "active_desc")
CRITERIA_SCALARS = ("min_degree", "active_within_minutes", "school_tier", "on_missing")
FAQ_FIELDS = {key: f"faq_{key}" for key in ("salary", "location", "hours", "benefits", "company")}
CONFIG_SCALARS = ("touch_msg", "max_contact_asks", "closing_msg", "read_recall_after_hours", "notify_webhook")


def _apply_job_config(job: Job, config: dict) -> None:
    """Copy the validated jobConfig keys that were sent onto the job's fields; others stay."""
    for key in CONFIG_SCALARS:
        if key in config:
            setattr(job, key, config[key])
    if "contact_ask" in config:
        job.contact_ask = "\n".join(config["contact_ask"])
    for key, value in config.get("faq", {}).items():
        setattr(job, FAQ_FIELDS[key], value)
    criteria = config.get("criteria", {})
    for key, (low, high) in CRITERIA_RANGES.items():
        if key in criteria:
            setattr(job, low, criteria[key][0])
            setattr(job, high, criteria[key][1])
    for key in CRITERIA_LISTS:
        if key in criteria:
            setattr(job, key, "\n".join(criteria[key]))
    for key in CRITERIA_SCALARS:
        if key in criteria:
            value = criteria[key]
            setattr(job, key, "" if value is None and key == "min_degree" else value)


@transaction.atomic
def job_register(
    *,
    caller: Caller,
    platform: str,
    platform_id: str,
    name: str,
    jd: str | None = None,
    robot_api: str | None = None,
    config: dict | None = None,
) -> Job:
    """Create or update a job. Idempotent; only the fields sent change, so admin edits survive.

    Concurrency: the row is locked (`select_for_update`) or created under the (platform, platformID)
    unique constraint, so two registrations never make two jobs.
    """
    job = Job.objects.select_for_update().filter(platform=platform, platform_id=platform_id).first()
    if job is None:
        job, _created = Job.objects.get_or_create(
            platform=platform, platform_id=platform_id, defaults={"team": caller.team(), "name": name}
        )
    caller.check_team(job.team_id, "platformID")
    job.name = name
    if jd is not None:
        job.jd = jd
    if robot_api is not None:
        job.robot_api = robot_api
    config = config or {}
    _apply_job_config(job, config)
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
    caller: Caller,
    platform: str,
    platform_id: str,
    jobs: list[Job],
    task_config: list[dict] | None = None,
    desc: str | None = None,
) -> RecruitAccount:
    """Create or update an account and set its ordered job list to `jobs`.

    A taskConfig entry replaces its job's daily task; linked jobs without one keep their config;
    newly linked jobs get the default task. Jobs that leave the list keep their config, unlinked.
    Concurrency: the account row is locked for the whole update.
    """
    account = RecruitAccount.objects.select_for_update().filter(platform=platform, platform_id=platform_id).first()
    if account is None:
        account, _created = RecruitAccount.objects.get_or_create(
            platform=platform, platform_id=platform_id, defaults={"team": caller.team(), "desc": desc or ""}
        )
        account = RecruitAccount.objects.select_for_update().get(pk=account.pk)
    caller.check_team(account.team_id, "platformID")
    if desc is not None and desc != account.desc:
        account.desc = desc
        account.save(update_fields=["desc", "updated_at"])
    if caller.key is not None:
        account.api_keys.add(caller.key)

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
