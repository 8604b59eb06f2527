"""Writes of the WeChat channel (CONTRACT §6), callable without a request: the task queue
(`queue`: follow-up, claims, lease expiry), friends and the bot's reports (`friends`), the dialogue turn
(`chat`) and account registration (`accounts`)."""

from wechat.services.accounts import wechat_account_register
from wechat.services.chat import wechat_message_receive
from wechat.services.friends import wechat_friend_requested, wechat_message_sent
from wechat.services.queue import (
    make_alias,
    wechat_followup_queue,
    wechat_leases_expire,
    wechat_tasks_claim,
)

__all__ = [
    "make_alias",
    "wechat_account_register",
    "wechat_followup_queue",
    "wechat_friend_requested",
    "wechat_leases_expire",
    "wechat_message_receive",
    "wechat_message_sent",
    "wechat_tasks_claim",
]
