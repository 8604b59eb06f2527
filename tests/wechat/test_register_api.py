"""/wechat/account/register (CONTRACT §6): manage scope, idempotent, into the key's team, binds the key;
the ordered links to recruiting accounts; unknown ones 1002, another team's 1403."""

from __future__ import annotations

import pytest
from django.test import Client

from hunter_robot.models import Team
from tests.conftest import Api
from tests.factories import AccountFactory, ApiKeyFactory, TeamFactory, WechatAccountFactory
from wechat.models import WechatAccount

PATH = "/wechat/account/register"


@pytest.fixture
def remote(db) -> Api:
    return Api(Client(REMOTE_ADDR="203.0.113.9"))


def linked(account_id: str = "wx-9") -> list[str]:
    account = WechatAccount.objects.get(account_id=account_id)
    return [link.recruit_account.account_id for link in account.links.select_related("recruit_account")]


def test_register_creates_links_in_order_and_is_idempotent(api, db):
    team = TeamFactory()
    AccountFactory(platform_id="a1", team=team)
    AccountFactory(platform_id="a2", team=team)
    body = {"account_id": "wx-9", "recruitAccounts": ["account_Boss_a2", "account_boss_a1"], "helloMsg": "您好"}
    assert api.ok(PATH, body) == {"account_id": "wx-9"}
    account = WechatAccount.objects.get()
    assert (account.hello_msg, account.active) == ("您好", True)
    assert linked() == ["account_Boss_a2", "account_Boss_a1"]
    assert account.team == team  # a keyless bot registers into its recruiting accounts' team

    assert api.ok(PATH, {**body, "recruitAccounts": ["account_Boss_a1"]}) == {"account_id": "wx-9"}
    assert linked() == ["account_Boss_a1"]
    assert WechatAccount.objects.count() == 1


def test_hello_msg_changes_only_when_sent(api, db):
    AccountFactory(platform_id="a1")
    api.ok(PATH, {"account_id": "wx-9", "recruitAccounts": [], "helloMsg": "您好"})
    api.ok(PATH, {"accountID": "wx-9", "recruitAccounts": []})
    assert WechatAccount.objects.get().hello_msg == "您好"


def test_a_keyless_registration_without_links_goes_to_the_default_team(api, db):
    api.ok(PATH, {"account_id": "wx-9", "recruitAccounts": []})
    assert WechatAccount.objects.get().team == Team.default()


def test_unknown_recruiting_account_is_1002_and_nothing_is_stored(api, db):
    status, payload = api.post(PATH, {"account_id": "wx-9", "recruitAccounts": ["account_Boss_nobody"]})
    assert (status, payload["ret"], payload["data"]) == (404, 1002, None)
    assert payload["msg"] == "recruitAccounts[0]: account_Boss_nobody is not registered"
    assert not WechatAccount.objects.exists()


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        ({"recruitAccounts": []}, "account_id: this field is required"),
        ({"account_id": "wx-9"}, "recruitAccounts: this field is required"),
        ({"account_id": "wx-9", "recruitAccounts": "account_Boss_a"}, "recruitAccounts: expected a list"),
        (
            {"account_id": "wx-9", "recruitAccounts": ["job_Boss_1"]},
            "recruitAccounts[0]: malformed, expected account_<Platform>_<platformID>",
        ),
        ({"account_id": "wx-9", "recruitAccounts": [], "helloMsg": 1}, "helloMsg: expected a string"),
    ],
)
def test_bad_input_is_1001(api, db, body, msg):
    status, payload = api.post(PATH, body)
    assert (status, payload["ret"], payload["msg"]) == (400, 1001, msg)
    assert not WechatAccount.objects.exists()


def test_a_manage_key_registers_into_its_team_and_is_bound(remote, db):
    key = ApiKeyFactory(manage=True)
    AccountFactory(platform_id="a1", team=key.team)
    body = {"account_id": "wx-9", "recruitAccounts": ["account_Boss_a1"]}
    assert remote.ok(PATH, body, HTTP_X_API_KEY=key.plain) == {"account_id": "wx-9"}
    account = WechatAccount.objects.get()
    assert account.team == key.team and list(account.api_keys.all()) == [key]
    # The bound key may now fetch the account's tasks.
    assert remote.ok("/wechat/candidate/taskToDo", {"account_id": "wx-9"}, HTTP_X_API_KEY=key.plain) == {
        "task_list": []
    }


def test_a_key_without_manage_scope_cannot_register(remote, db):
    key = ApiKeyFactory(manage=False)
    status, payload = remote.post(PATH, {"account_id": "wx-9", "recruitAccounts": []}, HTTP_X_API_KEY=key.plain)
    assert (status, payload["ret"]) == (403, 1403)
    assert not WechatAccount.objects.exists()


def test_another_teams_recruiting_account_is_1403(remote, db):
    key = ApiKeyFactory(manage=True)
    AccountFactory(platform_id="theirs", team=TeamFactory())
    body = {"account_id": "wx-9", "recruitAccounts": ["account_Boss_theirs"]}
    status, payload = remote.post(PATH, body, HTTP_X_API_KEY=key.plain)
    assert (status, payload["ret"], payload["msg"]) == (403, 1403, "recruitAccounts[0]: not allowed for this API key")
    # With a key, an unknown one is refused the same way: no probing which accounts exist.
    body = {"account_id": "wx-9", "recruitAccounts": ["account_Boss_nobody"]}
    status, payload = remote.post(PATH, body, HTTP_X_API_KEY=key.plain)
    assert (status, payload["ret"]) == (403, 1403)
    assert not WechatAccount.objects.exists()


def test_another_teams_wechat_account_is_1403_and_unchanged(remote, db):
    WechatAccountFactory(account_id="wx-9", hello_msg="原来的", team=TeamFactory())
    key = ApiKeyFactory(manage=True)
    body = {"account_id": "wx-9", "recruitAccounts": [], "helloMsg": "改掉"}
    status, payload = remote.post(PATH, body, HTTP_X_API_KEY=key.plain)
    assert (status, payload["ret"]) == (403, 1403)
    assert WechatAccount.objects.get().hello_msg == "原来的"


def test_a_keyless_bot_cannot_link_accounts_of_two_teams(api, db):
    AccountFactory(platform_id="a1", team=TeamFactory())
    AccountFactory(platform_id="a2", team=TeamFactory())
    body = {"account_id": "wx-9", "recruitAccounts": ["account_Boss_a1", "account_Boss_a2"]}
    status, payload = api.post(PATH, body)
    assert (status, payload["ret"], payload["msg"]) == (403, 1403, "recruitAccounts[1]: another team's account")
    assert not WechatAccount.objects.exists()
