"""Silent-slot alarms: a recruiting account whose bot made no call through one of its time slots notifies
the recruiter, through the outbox, once per (daily task, local day, slot).

A slot is a daily task's `HH:MM` (`TimeSlot`, the times task/fetch hands out): it lasts until the task's
next slot, at most BOT_SLOT_MINUTES, and never past midnight. The periodic task (every 5 minutes; the row
`silent-slots` in 周期任务) looks at the slots that ended in the last BOT_SILENT_CHECK_MINUTES, so a run
that was missed or ran late is made up by the next one, and the dedupe key keeps the overlap silent.

A slot alarms only when the bot had work in it: the account is on (not paused), its task is in the job
list and on, the job is active, the slot's mount is not 0, the task has quota left that day (greetings
below helloSum), and the account existed when the slot began. It alarms when no call was recorded
since the slot began: `last_call_at` older than the start, less BOT_SEEN_RESOLUTION (a stamp made just
before the start may stand for calls within the slot, which do not move it).

Only the last call is stored, so a bot that was silent through a slot but has called again by the time
the check runs is not alarmed: it is alive, which is what the recruiter needs to know.

WeChat accounts have no time slots (their pacing is a daily add limit, handed out whenever the bot
polls), so they raise no alarm here; the console shows their last call and its state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from recruit.models import Greeting, Job, Notification, RecruitAccount, TimeSlot
from recruit.quota import day_bounds
from recruit.services.notify import admin_url, notification_for, notifications_enqueue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SilentSlot:
    account: RecruitAccount
    job: Job
    account_job_id: int
    hello_sum: int
    day: date
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """`09:00–11:00`; a slot running to midnight ends at `24:00`."""
        end = timezone.localtime(self.end)
        until = "24:00" if end.date() > self.day else f"{end:%H:%M}"
        return f"{timezone.localtime(self.start):%H:%M}–{until}"

    @property
    def dedupe_key(self) -> str:
        return f"silent_slot:{self.account_job_id}:{self.day.isoformat()}:{timezone.localtime(self.start):%H:%M}"


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def slot_end(day: date, at: time, next_at: time | None) -> datetime:
    """When the slot starting at `at` on local `day` ends: the task's next slot, at most
    BOT_SLOT_MINUTES after its start, at the latest midnight."""
    start = _aware(day, at)
    ends = [start + timedelta(minutes=settings.BOT_SLOT_MINUTES), day_bounds(day)[1]]
    if next_at is not None:
        ends.append(_aware(day, next_at))
    return min(ends)


def _slots_started(day: date, since: datetime, until: datetime):
    """The slots of `day` that started in [since, until), of tasks the bot works on, with the task's
    next slot time (`next_time`) and their account and job loaded."""
    start, end = day_bounds(day)
    since, until = max(since, start), min(until, end)
    if since >= until:
        return []
    following = TimeSlot.objects.filter(account_job=OuterRef("account_job"), time__gt=OuterRef("time")).order_by("time")
    slots = TimeSlot.objects.filter(
        mount__gt=0,
        time__gte=timezone.localtime(since).time(),
        account_job__linked=True,
        account_job__active=True,
        account_job__hello_sum__gt=0,
        account_job__job__active=True,
        account_job__account__active=True,
    )
    if until < end:
        slots = slots.filter(time__lt=timezone.localtime(until).time())
    return slots.annotate(next_time=Subquery(following.values("time")[:1])).select_related(
        "account_job__account", "account_job__job"
    )


def _days(since: datetime, until: datetime) -> list[date]:
    first, last = timezone.localdate(since), timezone.localdate(until)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def silent_slots_find(now: datetime | None = None) -> list[SilentSlot]:
    """The slots that ended in the last BOT_SILENT_CHECK_MINUTES with no call from their account's bot
    (see the module's docstring for which slots count). Reads only: a few statements whatever the
    number of accounts (the slots per day, then one grouped count of the day's greetings)."""
    now = now or timezone.now()
    window_start = now - timedelta(minutes=settings.BOT_SILENT_CHECK_MINUTES)
    earliest_start = window_start - timedelta(minutes=settings.BOT_SLOT_MINUTES)
    resolution = timedelta(seconds=settings.BOT_SEEN_RESOLUTION)
    found = []
    for day in _days(earliest_start, now):
        for slot in _slots_started(day, earliest_start, now):
            link = slot.account_job
            account = link.account
            start = _aware(day, slot.time)
            end = slot_end(day, slot.time, slot.next_time)
            if not window_start < end <= now or account.created_at > start:
                continue
            if account.last_call_at is not None and account.last_call_at >= start - resolution:
                continue
            found.append(SilentSlot(account, link.job, link.pk, link.hello_sum, day, start, end))
    greeted = _greeted(found)
    return [s for s in found if greeted.get((s.account.pk, s.job.pk, s.day), 0) < s.hello_sum]


def _greeted(slots: Iterable[SilentSlot]) -> dict[tuple[int, int, date], int]:
    """Greetings per (account, job, day) of the given slots' tasks, in one grouped query."""
    slots = list(slots)
    if not slots:
        return {}
    rows = (
        Greeting.objects.filter(
            account_id__in={s.account.pk for s in slots},
            job_id__in={s.job.pk for s in slots},
            day__in={s.day for s in slots},
        )
        .order_by()
        .values_list("account_id", "job_id", "day")
        .annotate(n=Count("pk"))
    )
    return {(account, job, day): n for account, job, day, n in rows}


def _notification(slot: SilentSlot) -> Notification:
    detail = _("账号 %(account)s 的机器人在 %(slot)s 时段内没有调用") % {
        "account": str(slot.account),
        "slot": slot.label,
    }
    row = notification_for(
        slot.job,
        kind=Notification.Kind.SILENT_SLOT,
        payload={
            "kind": Notification.Kind.SILENT_SLOT.value,
            "detail": detail,
            "day": slot.day.isoformat(),
            "slot": slot.label,
            "job": slot.job.name,
            "jobID": slot.job.job_id,
            "accountID": slot.account.account_id,
            "url": admin_url("admin:recruit_recruitaccount_change", slot.account.pk),
        },
    )
    row.dedupe_key = slot.dedupe_key
    return row


def silent_slots_notify(now: datetime | None = None) -> int:
    """One "silent_slot" notification per slot `silent_slots_find` returns, to the slot's job's webhook
    in its format (kept in admin without one). Returns how many were written.

    At most once per (daily task, day, slot): the outbox's unique `dedupe_key`. A repeated run skips
    the keys already written; of two concurrent runs writing the same key, the second waits on the
    unique index until the first commits, then fails in its own savepoint and writes nothing.
    """
    slots = silent_slots_find(now)
    if not slots:
        return 0
    done = set(
        Notification.objects.filter(dedupe_key__in=[s.dedupe_key for s in slots]).values_list("dedupe_key", flat=True)
    )
    written = 0
    for slot in slots:
        if slot.dedupe_key in done:
            continue
        try:
            with transaction.atomic():
                notifications_enqueue([_notification(slot)])
        except IntegrityError:
            continue  # a concurrent run wrote it first
        written += 1
        logger.info("silent slot: %s %s %s", slot.account.account_id, slot.day, slot.label)
    return written
