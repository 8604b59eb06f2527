"""Jobs in bulk: clone a job in one step (the console's 「复制岗位」 action)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from hunter_robot.audit import AuditAction
from hunter_robot.services import audit_record
from recruit.models import Job, RecallStep

COPY_SUFFIX = "-copy-"
NAME_SUFFIX = "（副本）"
_MAX_TRIES = 5


def _free_platform_id(job: Job) -> str:
    """`<platform_id>-copy-N` with the smallest N no job of the platform uses (cut to fit the field)."""
    limit = Job._meta.get_field("platform_id").max_length
    taken = set(
        Job.objects.filter(platform=job.platform, platform_id__contains=COPY_SUFFIX).values_list(
            "platform_id", flat=True
        )
    )
    n = 1
    while True:
        suffix = f"{COPY_SUFFIX}{n}"
        candidate = job.platform_id[: limit - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


def job_clone(*, job: Job, user) -> Job:
    """A new job of the same team and platform with every setting of `job` — criteria, scripts (greeting,
    FAQ, contact asks, closing, interview slots, nudges), notification settings and recall steps — named
    "<name>（副本）" under a new platform id `<platform_id>-copy-N`. It is linked to no account (links
    are the daily tasks, made on an account's page). Audited as `job_clone` on the new job.

    Concurrency: two clones racing for the same N meet the unique constraint; the loser retries with
    the next free N (a few times, then the IntegrityError propagates)."""
    for attempt in range(_MAX_TRIES):
        try:
            return _clone_once(job=job, user=user)
        except IntegrityError:
            if attempt == _MAX_TRIES - 1:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _clone_once(*, job: Job, user) -> Job:
    copy = Job.objects.get(pk=job.pk)  # every stored field, as it is now
    copy.pk = None
    copy._state.adding = True
    copy.platform_id = _free_platform_id(job)
    name_limit = Job._meta.get_field("name").max_length
    copy.name = copy.name[: name_limit - len(NAME_SUFFIX)] + NAME_SUFFIX
    copy.save()
    RecallStep.objects.bulk_create(
        RecallStep(job=copy, position=step.position, after_hours=step.after_hours, msg=step.msg)
        for step in RecallStep.objects.filter(job=job)
    )
    audit_record(user=user, action=AuditAction.JOB_CLONE, obj=copy, detail=f"from {job.job_id}")
    return copy
