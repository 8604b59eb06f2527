"""A recruiter's actions on WeChat accounts in the console: pause and resume, audited like a recruiting
account's (`recruit.services.actions`)."""

from __future__ import annotations

from django.db import transaction

from recruit.services.actions import active_set
from wechat.models import WechatAccount


@transaction.atomic
def wechat_account_pause(*, account: WechatAccount, user) -> bool:
    """Stop handing this WeChat account tasks: taskToDo answers an empty list and no nudge is queued
    for its friends, until resumed; replies to candidates' messages continue (CONTRACT §6).

    Concurrency: under the account's row lock, only `active` is written; a repeat changes nothing and
    is not audited again.
    """
    return active_set(account, user, active=False)


@transaction.atomic
def wechat_account_resume(*, account: WechatAccount, user) -> bool:
    """Hand this WeChat account tasks again. Concurrency: as `wechat_account_pause`."""
    return active_set(account, user, active=True)
