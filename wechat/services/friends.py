"""A WeChat friend's state, and the bot's reports about it (CONTRACT §6 addFriendReport, msgSendReport).

A friend moves queued → requested (the bot reports the request sent) → accepted (the candidate's first
message) → chatting (a later message) → finished (an interview time agreed); failed when its add task
failed. States only move forward, except that a report or a message proves a failed add happened after
all. Each step's time is a milestone, set once.

Every write here takes the friend's conversation row lock first, then tasks, then the friend (the order
the lease expiry uses too), so a report, a message and an expiry of one friend never deadlock and run one
after another.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from chatbot.history import ROBOT_SIDE, normalise
from hunter_robot.errors import Conflict, NotFound
from recruit.models import Conversation, Message
from recruit.services.conversations import APPEND_FIELDS, conversation_save, messages_append
from wechat.models import WechatAccount, WechatFriend, WechatTask

ANSWERED = (WechatTask.Status.PENDING, WechatTask.Status.LEASED, WechatTask.Status.FAILED)
"""Task states a report can still complete: a failed task was done after all when the bot reports it."""
BEFORE_REQUESTED = (WechatFriend.Status.QUEUED, WechatFriend.Status.FAILED)
BEFORE_ACCEPTED = (*BEFORE_REQUESTED, WechatFriend.Status.REQUESTED)


def friend_lock(account: WechatAccount, alias_id: str) -> tuple[Conversation, WechatFriend]:
    """The friend with remark name `alias_id` on `account`, and its conversation locked for this
    transaction (NotFound when there is no such friend)."""
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("job", "account", "candidate")
        .filter(wechat_friends__wechat_account=account, wechat_friends__alias_id=alias_id)
        .first()
    )
    if conversation is None:
        raise NotFound(f"alias_id: {alias_id} is not a friend of {account.account_id}")
    friend = WechatFriend.objects.get(wechat_account=account, alias_id=alias_id)
    friend.conversation = conversation
    return conversation, friend


def _add_done(friend: WechatFriend, now: datetime) -> None:
    """The friend request went out: its add task is done (even after its lease expired, or after it
    failed) and is never handed out again."""
    WechatTask.objects.filter(friend=friend, kind=WechatTask.Kind.ADD_FRIEND, status__in=ANSWERED).update(
        status=WechatTask.Status.DONE, done_at=now
    )


def friend_requested(friend: WechatFriend, now: datetime) -> list[str]:
    """queued/failed → requested, `requested_at` once. Returns the friend fields changed."""
    fields = []
    if friend.status in BEFORE_REQUESTED:
        friend.status = WechatFriend.Status.REQUESTED
        fields.append("status")
    if friend.requested_at is None:
        friend.requested_at = now
        fields.append("requested_at")
    return fields


def friend_accepted(friend: WechatFriend, now: datetime) -> list[str]:
    """The candidate wrote: the request was accepted ("WeChat added", `accepted_at` once; it was sent,
    so `requested_at` too and the add task done); a later message means chatting."""
    fields = []
    if friend.status in BEFORE_ACCEPTED:
        _add_done(friend, now)
        fields += friend_requested(friend, now)
        friend.status = WechatFriend.Status.ACCEPTED
        fields.append("status")
    elif friend.status == WechatFriend.Status.ACCEPTED and friend.accepted_at is not None:
        friend.status = WechatFriend.Status.CHATTING
        fields.append("status")
    if friend.accepted_at is None:
        friend.accepted_at = now
        fields.append("accepted_at")
    return list(dict.fromkeys(fields))


def wechat_friend_requested(
    *, account: WechatAccount, alias_id: str, search_id: str, now: datetime | None = None
) -> WechatFriend:
    """addFriendReport: the bot sent the friend request. Idempotent: a repeated report changes nothing.
    Conflict when `search_id` is not the WeChat id this friend was queued for."""
    now = now or timezone.now()
    with transaction.atomic():
        _conversation, friend = friend_lock(account, alias_id)
        if normalise(search_id).lower() != normalise(friend.search_id).lower():
            raise Conflict(f"search_id: not the WeChat id queued for {alias_id}")
        _add_done(friend, now)
        fields = friend_requested(friend, now)
        if fields:
            friend.save(update_fields=fields)
    return friend


def _covers(row: Message, key: str) -> bool:
    """`row` is the reported message: the whole of it, or one of its lines when the bot sent a
    multi-line reply as separate bubbles."""
    return key == normalise(row.text) or key in {normalise(line) for line in row.text.splitlines()}


def _already_stored(rows: list[Message], key: str) -> Message | None:
    """The stored line a sent message reports, if any: an engine reply still waiting for its report
    (`sent_at` empty), or one of our lines since the candidate last wrote (a repeated report)."""
    for row in rows:
        if row.speaker == Message.Speaker.ROBOT and row.engine and row.sent_at is None and _covers(row, key):
            return row
    for row in reversed(rows):
        if row.speaker == Message.Speaker.USER:
            break
        if row.speaker in ROBOT_SIDE and _covers(row, key):
            return row
    return None


def wechat_message_sent(*, account: WechatAccount, alias_id: str, text: str, now: datetime | None = None) -> None:
    """msgSendReport: the bot delivered `text` to the friend.

    The oldest open send task for the friend with the same whitespace-normalised text is done (even
    after its lease expired), and its message joins the WeChat transcript as ours. Otherwise, a reply
    the engine gave (userMsguser stores it at once, `sent_at` empty) is marked delivered; a repeat of a
    report already stored changes nothing; anything else was typed by hand and is stored as the
    recruiter's.
    """
    now = now or timezone.now()
    key = normalise(text)
    with transaction.atomic():
        conversation, friend = friend_lock(account, alias_id)
        sends = WechatTask.objects.filter(friend=friend, kind=WechatTask.Kind.SEND_MSG, status__in=ANSWERED)
        task = next((t for t in sends.order_by("created_at", "pk") if normalise(t.msg) == key), None)
        if task is not None:
            task.status, task.done_at = WechatTask.Status.DONE, now
            task.save(update_fields=["status", "done_at"])
            speaker = Message.Speaker.ROBOT
        else:
            rows = list(conversation.messages.filter(channel=Message.Channel.WECHAT).order_by("seq"))
            stored = _already_stored(rows, key)
            if stored is not None:
                if stored.sent_at is None:
                    Message.objects.filter(pk=stored.pk).update(sent_at=now)
                return
            speaker = Message.Speaker.RECRUITER
        row = Message(channel=Message.Channel.WECHAT, speaker=speaker, text=text.strip(), sent_at=now)
        messages_append(conversation, [row], now=now)
        conversation_save(conversation, *APPEND_FIELDS)
        friend.last_message_at = now
        friend.save(update_fields=["last_message_at"])
