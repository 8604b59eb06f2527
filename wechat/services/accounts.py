"""Registering WeChat automation accounts (CONTRACT §6 `/wechat/account/register`)."""

from __future__ import annotations

from django.db import transaction

from hunter_robot.errors import Forbidden
from hunter_robot.models import ApiKey, Team
from recruit.models import RecruitAccount
from wechat.models import WechatAccount, WechatAccountLink


@transaction.atomic
def wechat_account_register(
    *,
    team: Team,
    api_key: ApiKey | None = None,
    account_id: str,
    recruit_accounts: list[RecruitAccount],
    hello_msg: str | None = None,
) -> WechatAccount:
    """Create or update a WeChat account and set its ordered links to `recruit_accounts` (the first is
    where a new WeChat id of their conversations is added). Idempotent; `hello_msg` changes only when
    given, so a recruiter's edit survives a bot re-registering without one.

    An account this call creates belongs to `team`; `api_key`, when given, is bound to it. A WeChat
    account links only recruiting accounts of its own team (Forbidden otherwise: its friends would be
    another team's candidates). Who may edit an existing account is the caller's to judge first.
    Concurrency: the account row is locked (or created under its unique account_id) for the update.
    """
    account = WechatAccount.objects.select_for_update().filter(account_id=account_id).first()
    if account is None:
        account, _created = WechatAccount.objects.get_or_create(
            account_id=account_id, defaults={"team": team, "hello_msg": hello_msg or ""}
        )
        account = WechatAccount.objects.select_for_update().get(pk=account.pk)
    for index, recruit in enumerate(recruit_accounts):
        if recruit.team_id != account.team_id:
            raise Forbidden(f"recruitAccounts[{index}]: another team's account")
    if hello_msg is not None and hello_msg != account.hello_msg:
        account.hello_msg = hello_msg
        account.save(update_fields=["hello_msg"])
    if api_key is not None:
        account.api_keys.add(api_key)
    wanted = list(dict.fromkeys(recruit.pk for recruit in recruit_accounts))
    WechatAccountLink.objects.filter(wechat_account=account).exclude(recruit_account_id__in=wanted).delete()
    existing = {link.recruit_account_id: link for link in WechatAccountLink.objects.filter(wechat_account=account)}
    for position, recruit_id in enumerate(wanted):
        link = existing.get(recruit_id)
        if link is None:
            WechatAccountLink.objects.create(wechat_account=account, recruit_account_id=recruit_id, position=position)
        elif link.position != position:
            link.position = position
            link.save(update_fields=["position"])
    return account
