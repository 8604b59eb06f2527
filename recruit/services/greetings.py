"""Recording greetings the bots report (CONTRACT account/task/report)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from recruit import jobconfig, selectors
from recruit.models import Conversation, Greeting, Job, Message, RecruitAccount, Reservation
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
    *, account: RecruitAccount, job: Job, cids: list[str], now: datetime | None = None
) -> ReportResult:
    """Record each candidate as greeted by `account` for `job` today; idempotent per candidate.

    Concurrency: the account row is locked first, so concurrent reports for one account run one
    after the other and the (account, job, candidate) unique constraint backs it up: nothing is
    lost or counted twice. Counts beyond the quota are still recorded.
    """
    now = now or timezone.now()
    RecruitAccount.objects.select_for_update().filter(pk=account.pk).first()
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
