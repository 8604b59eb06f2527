"""Queueing WeChat follow-up when a candidate's WeChat id becomes known (CONTRACT §6)."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from recruit.models import Conversation
from wechat.models import WechatAccount, WechatFriend, WechatTask

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
