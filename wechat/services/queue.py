"""The WeChat task queue (CONTRACT §6): add-friend tasks queued when a candidate's WeChat id becomes
known, claimed by the bot through `taskToDo` with leases, paced per WeChat account and day, failed after
their third lease expired.

Claims go through the shared work-queue helper (`hunter_robot.workqueue.claim`: SELECT … FOR UPDATE
SKIP LOCKED, one more attempt, the lease as the due time). WeChat reports carry no lease token: they
complete a task by alias (`wechat.services.friends`), even after its lease expired.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from hunter_robot import workqueue
from recruit.models import Conversation
from recruit.quota import day_bounds
from recruit.services.notify import notification_enqueue
from wechat.models import WechatAccount, WechatFriend, WechatTask

MAX_LEASES = 3
"""A task whose third lease expires without a report is failed (CONTRACT §6)."""
OPEN = (WechatTask.Status.PENDING, WechatTask.Status.LEASED)
ACCEPTED = (WechatFriend.Status.ACCEPTED, WechatFriend.Status.CHATTING, WechatFriend.Status.FINISHED)
"""Friends who accepted the request: the only ones a message can be sent to."""

ALIAS_MAX = 20


def make_alias(name: str) -> str:
    """`张三-7f3a`: starts with the candidate's name, at most 20 characters."""
    suffix = secrets.token_hex(2)
    stem = (name or "候选人").strip()[: ALIAS_MAX - len(suffix) - 1]
    return f"{stem}-{suffix}"


def wechat_followup_queue(*, conversation: Conversation, wechat_id: str) -> WechatTask | None:
    """An add-friend task on the WeChat account linked to the conversation's recruiting account
    (the first linked one), once per WeChat id and WeChat account. None when no account is linked.

    Concurrency: the (WeChat account, WeChat id) and (WeChat account, alias) unique constraints
    decide races; a lost race means the friend is already queued.
    """
    account = (
        WechatAccount.objects.filter(links__recruit_account=conversation.account_id, active=True)
        .order_by("links__position", "links__id")
        .first()
    )
    if account is None:
        return None
    if WechatFriend.objects.filter(wechat_account=account, search_id=wechat_id).exists():
        return None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                friend = WechatFriend.objects.create(
                    wechat_account=account,
                    conversation=conversation,
                    search_id=wechat_id,
                    alias_id=make_alias(conversation.candidate.name),
                )
                return WechatTask.objects.create(
                    wechat_account=account, friend=friend, kind=WechatTask.Kind.ADD_FRIEND, msg=account.hello_msg
                )
        except IntegrityError:
            if WechatFriend.objects.filter(wechat_account=account, search_id=wechat_id).exists():
                return None
    return None


def _lease(_attempts: int) -> timedelta:
    return timedelta(seconds=settings.WECHAT_TASK_LEASE)


def daily_add_limit(account: WechatAccount) -> int:
    """Add-friend tasks handed out per local day: the account's override, else WECHAT_DAILY_ADD_LIMIT."""
    return account.daily_add_limit if account.daily_add_limit is not None else settings.WECHAT_DAILY_ADD_LIMIT


def local_day(now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the calendar day of `now` in TIME_ZONE."""
    return day_bounds(timezone.localdate(now))


def adds_handed_out(account: WechatAccount, now: datetime) -> int:
    """Add-friend tasks first handed out today: a task handed out again counts on its first day only."""
    start, end = local_day(now)
    return WechatTask.objects.filter(
        wechat_account=account,
        kind=WechatTask.Kind.ADD_FRIEND,
        first_claimed_at__gte=start,
        first_claimed_at__lt=end,
    ).count()


def _expired(queryset: QuerySet, now: datetime) -> QuerySet:
    return queryset.filter(status=WechatTask.Status.LEASED, lease_until__lte=now, attempts__gte=MAX_LEASES)


def _fail(task_id: int, conversation_id: int, now: datetime) -> bool:
    """Fail one task whose last lease expired (its friend too, for an add) and notify the recruiter.

    Locks in the order every WeChat write uses: the conversation, then the task, then the friend. The
    task is read again under its lock: a report that completed it meanwhile wins.
    """
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("job", "account", "candidate")
            .get(pk=conversation_id)
        )
        task = _expired(WechatTask.objects.select_for_update(of=("self",)).filter(pk=task_id), now).first()
        if task is None:
            return False
        task.status = WechatTask.Status.FAILED
        task.save(update_fields=["status"])
        if task.kind == WechatTask.Kind.ADD_FRIEND:
            WechatFriend.objects.filter(pk=task.friend_id, status=WechatFriend.Status.QUEUED).update(
                status=WechatFriend.Status.FAILED
            )
        notification_enqueue(conversation=conversation, kind="task_failed", detail=task.kind)
    return True


def _fail_expired(queryset: QuerySet, now: datetime) -> int:
    # In conversation order: a claim holds the conversations it failed tasks of until it commits, and
    # one order for every holder of several rules out a cycle of waits.
    due = _expired(queryset, now).order_by("friend__conversation_id", "pk").values_list("pk", "friend__conversation_id")
    return sum(_fail(task_id, conversation_id, now) for task_id, conversation_id in due)


def wechat_leases_expire(now: datetime | None = None) -> int:
    """Fail every task whose third lease expired without a report, and notify each recruiter (outbox).
    Returns how many failed. Periodic; claims do the same for their own account.

    Concurrency: each task fails in its own transaction under its conversation's and its own row lock,
    re-checked there, so a concurrent report or a second run never double-fails or double-notifies.
    """
    return _fail_expired(WechatTask.objects.all(), now or timezone.now())


def wechat_tasks_claim(*, account: WechatAccount, now: datetime | None = None) -> list[WechatTask]:
    """Hand out the account's due tasks (pending, or leased with the lease expired), each with one more
    attempt and a new lease of WECHAT_TASK_LEASE; the friends are loaded (`task.friend`).

    At most WECHAT_TASK_BATCH per call. Sends go only to friends who accepted. Retries and sends are
    handed out first, then new add-friend tasks while the account's daily add limit allows: a task
    counts on the local day it was first handed out, so handing it out again costs nothing. Tasks
    whose third lease expired are failed first. A paused account gets nothing.

    Concurrency: the account row is locked for the whole claim, so two calls for one account run one
    after the other and cannot both spend the day's last adds; task rows are taken with SKIP LOCKED, so
    a claim never waits on (or takes) a task another transaction holds.
    """
    now = now or timezone.now()
    with transaction.atomic():
        account = WechatAccount.objects.select_for_update().get(pk=account.pk)
        tasks = WechatTask.objects.filter(wechat_account=account)
        _fail_expired(tasks, now)
        if not account.active:
            return []
        due = (
            tasks.filter(
                Q(status=WechatTask.Status.PENDING)
                | Q(status=WechatTask.Status.LEASED, lease_until__lte=now, attempts__lt=MAX_LEASES)
            )
            .filter(Q(kind=WechatTask.Kind.ADD_FRIEND) | Q(friend__status__in=ACCEPTED))
            .select_related("friend")
        )
        new_add = Q(kind=WechatTask.Kind.ADD_FRIEND, first_claimed_at__isnull=True)
        batch = settings.WECHAT_TASK_BATCH
        claim = {"now": now, "due_field": "lease_until", "lease_for": _lease, "status": WechatTask.Status.LEASED}
        claimed = workqueue.claim(due.exclude(new_add), limit=batch, **claim)
        first = [task for task in claimed if task.first_claimed_at is None]
        if first:
            WechatTask.objects.filter(pk__in=[task.pk for task in first]).update(first_claimed_at=now)
            for task in first:
                task.first_claimed_at = now
        room = batch - len(claimed)
        if room > 0:
            room = min(room, daily_add_limit(account) - adds_handed_out(account, now))
        if room > 0:
            claimed += workqueue.claim(due.filter(new_add), limit=room, first_claimed_at=now, **claim)
        return claimed
