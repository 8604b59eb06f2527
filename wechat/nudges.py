"""Nudging WeChat friends who went silent (CONTRACT §4 `wechat_nudge_after_hours`, setting WECHAT_MAX_NUDGES).

An accepted (or chatting) friend whose WeChat transcript ends with our message, sent at least the job's
`wechat_nudge_after_hours` ago, gets a `send_msg` task with the nudge line of its step
(`recruit.jobconfig.wechat_nudge`), at most WECHAT_MAX_NUDGES times. The next step waits the same time
after the nudge itself has been delivered (it joins the transcript as our message).

Never for a conversation a recruiter took over, one flagged as needing a human, one declined, a job
switched off, a paused WeChat account, or a job whose delay is 0 (nudges off).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from recruit import jobconfig
from recruit.models import Conversation, Message
from wechat.models import WechatFriend, WechatTask
from wechat.services.queue import OPEN

OURS = (Message.Speaker.ROBOT, Message.Speaker.RECRUITER)


def _last_wechat_message(*speakers: str) -> Subquery:
    messages = Message.objects.filter(
        conversation=OuterRef("conversation"), channel=Message.Channel.WECHAT, speaker__in=speakers
    )
    return Subquery(messages.order_by("-created_at").values("created_at")[:1])


def silent_friends(now: datetime) -> QuerySet[WechatFriend]:
    """The friends due a nudge at `now`, with their job and candidate."""
    waiting = (
        WechatFriend.objects.filter(
            status__in=(WechatFriend.Status.ACCEPTED, WechatFriend.Status.CHATTING),
            nudge_count__lt=settings.WECHAT_MAX_NUDGES,
            wechat_account__active=True,
            conversation__taken_over_by__isnull=True,
            conversation__needs_human=False,
            conversation__job__active=True,
            conversation__job__wechat_nudge_after_hours__gt=0,
        )
        .exclude(conversation__status=Conversation.Status.DECLINED)
        # A nudge (or reply) still waiting for the bot is our next message already.
        .exclude(
            Exists(WechatTask.objects.filter(friend=OuterRef("pk"), kind=WechatTask.Kind.SEND_MSG, status__in=OPEN))
        )
        .annotate(last_ours=_last_wechat_message(*OURS), last_theirs=_last_wechat_message(Message.Speaker.USER))
        .filter(last_ours__isnull=False)
        .filter(Q(last_theirs__isnull=True) | Q(last_theirs__lt=F("last_ours")))
    )
    # Each job has its own delay: one condition per distinct delay among the waiting friends' jobs.
    delays = waiting.order_by().values_list("conversation__job__wechat_nudge_after_hours", flat=True).distinct()
    due = Q(pk__in=[])
    for hours in delays:
        due |= Q(conversation__job__wechat_nudge_after_hours=hours, last_ours__lte=now - timedelta(hours=hours))
    return waiting.filter(due).select_related("conversation__job", "conversation__candidate").order_by("pk")


def wechat_nudges_queue(*, now: datetime | None = None) -> int:
    """Queue the nudges due now; returns how many were queued.

    Concurrency and idempotency: each nudge is queued in its own transaction under the conversation's
    row lock (taken first, as every WeChat write does), where the friend is checked again: a candidate's
    message, a takeover or another run that came first (its nudge is an open send task) wins. The count
    is bumped with a conditional UPDATE on the value read, so even two runs on one friend queue one nudge.
    """
    now = now or timezone.now()
    queued = 0
    for friend in list(silent_friends(now)):
        step = friend.nudge_count
        with transaction.atomic():
            Conversation.objects.select_for_update(of=("self",)).filter(pk=friend.conversation_id).first()
            if not silent_friends(now).filter(pk=friend.pk).exists():
                continue
            if not WechatFriend.objects.filter(pk=friend.pk, nudge_count=step).update(nudge_count=step + 1):
                continue
            conversation = friend.conversation
            WechatTask.objects.create(
                wechat_account_id=friend.wechat_account_id,
                friend=friend,
                kind=WechatTask.Kind.SEND_MSG,
                msg=jobconfig.wechat_nudge(conversation.job, name=conversation.candidate.name, step=step),
            )
            queued += 1
    return queued
