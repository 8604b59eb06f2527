"""The daily per-job summary a recruiter's group reads: what the robots did for each job on one local day.

Counts come from SQL aggregates over the milestones (greetings, first replies, contacts, WeChat friends
accepted, interviews agreed): three grouped queries whatever the number of jobs, then one outbox row per
job with any activity, to the job's webhook in its format.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from recruit.models import Conversation, Greeting, Job, Notification
from recruit.quota import day_bounds
from recruit.services.notify import admin_url, notification_for, notifications_enqueue
from wechat.models import WechatFriend

CONTACT_MILESTONES = {"phone": "phone_at", "wechat": "wechat_at", "email": "email_at", "cv": "cv_at"}
COUNTS = ("greeted", "replied", "contacts", *CONTACT_MILESTONES, "wechat_added", "interviews")


def _within(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def job_day_counts(day: date) -> dict[int, dict[str, int]]:
    """{job pk: counts} for the jobs with any activity on local `day`: greeted (greetings reported),
    replied (first replies), contacts (conversations with a phone, WeChat id, e-mail or CV obtained,
    and each kind), wechat_added (friend requests accepted), interviews (interview times agreed)."""
    start, end = day_bounds(day)
    counts: dict[int, dict[str, int]] = {}

    def add(rows, job_key: str) -> None:
        for row in rows:
            job_counts = counts.setdefault(row.pop(job_key), dict.fromkeys(COUNTS, 0))
            job_counts.update(row)

    add(Greeting.objects.filter(day=day).order_by().values("job_id").annotate(greeted=Count("pk")), "job_id")
    contact = Q()
    for field in CONTACT_MILESTONES.values():
        contact |= _within(field, start, end)
    replied = _within("first_reply_at", start, end)
    add(
        Conversation.objects.filter(replied | contact)
        .order_by()
        .values("job_id")
        .annotate(
            replied=Count("pk", filter=replied),
            contacts=Count("pk", filter=contact),
            **{kind: Count("pk", filter=_within(field, start, end)) for kind, field in CONTACT_MILESTONES.items()},
        ),
        "job_id",
    )
    accepted, agreed = _within("accepted_at", start, end), _within("interview_at", start, end)
    add(
        WechatFriend.objects.filter(accepted | agreed)
        .order_by()
        .values("conversation__job_id")
        .annotate(wechat_added=Count("pk", filter=accepted), interviews=Count("pk", filter=agreed)),
        "conversation__job_id",
    )
    return counts


def daily_summaries_enqueue(*, day: date | None = None) -> int:
    """One "summary" notification per job with activity on local `day` (default: today, up to now),
    to the job's webhook in its format. Returns how many were written.

    Once per job and day: a job already summarised for `day` is skipped, so a retried or repeated run
    posts nothing twice. Checked, not locked: beat runs the schedule one at a time.
    """
    day = day or timezone.localdate()
    counts = job_day_counts(day)
    done = {
        payload.get("jobID")
        for payload in Notification.objects.filter(
            kind=Notification.Kind.SUMMARY, payload__day=day.isoformat()
        ).values_list("payload", flat=True)
    }
    rows = [
        notification_for(
            job,
            kind=Notification.Kind.SUMMARY,
            payload={
                "kind": Notification.Kind.SUMMARY.value,
                "detail": "",
                "day": day.isoformat(),
                "job": job.name,
                "jobID": job.job_id,
                "counts": counts[job.pk],
                "url": admin_url("admin:recruit_conversation_changelist", query=f"job__id__exact={job.pk}"),
            },
        )
        for job in Job.objects.filter(pk__in=list(counts)).order_by("pk")
        if job.job_id not in done
    ]
    with transaction.atomic():
        notifications_enqueue(rows)
    return len(rows)
