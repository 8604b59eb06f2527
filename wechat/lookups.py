"""The API edge's lookups for the WeChat endpoints: the WeChat account a bot names (`account_id` or
`accountID`) and the recruiting accounts a registration links, checked against the caller.

Permission is judged before existence (CONTRACT §1 order): an API key acts only on the WeChat accounts
bound to it, and links only recruiting accounts of its team; a key naming an account that does not exist
is refused like one naming another team's, so it cannot probe which exist.
"""

from __future__ import annotations

from hunter_robot.api.auth import Caller
from hunter_robot.errors import InvalidInput, NotFound
from recruit.models import RecruitAccount
from recruit.refs import parse_ref
from wechat.models import WechatAccount


def wechat_account_for(caller: Caller, ref: str, *, field: str = "account_id") -> WechatAccount:
    account = WechatAccount.objects.filter(account_id=ref).first()
    caller.check_account(account, field)
    if account is None:
        raise NotFound(f"{field}: WeChat account {ref} is not registered")
    return account


def recruit_account_for(caller: Caller, ref: str, *, field: str) -> RecruitAccount:
    parsed = parse_ref("account", ref)
    if parsed is None:
        raise InvalidInput(f"{field}: malformed, expected account_<Platform>_<platformID>")
    platform, platform_id = parsed
    account = RecruitAccount.objects.filter(platform=platform, platform_id=platform_id).first()
    caller.check_team(account.team_id if account else None, field)
    if account is None:
        raise NotFound(f"{field}: account_{platform}_{platform_id} is not registered")
    return account


def check_registration(caller: Caller, account_id: str, field: str) -> None:
    """A key registers only within its team: another team's existing WeChat account is refused before
    anything is written. (The view checks the registered row again, in the same transaction, for one
    created meanwhile.)"""
    team_id = WechatAccount.objects.filter(account_id=account_id).values_list("team_id", flat=True).first()
    if team_id is not None:
        caller.check_team(team_id, field)
