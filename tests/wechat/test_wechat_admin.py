"""The WeChat console (wechat/admin.py): accounts with ordered links to their team's recruiting accounts,
pause/resume audited, today's adds and sends; friends with masked WeChat ids (in full, audited, only on a
friend's page for users who may see personal data); tasks read-only; and the conversation page with the
WeChat transcript beside the platform transcript, masked alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hunter_robot.models import AuditLog
from recruit.models import Job, Message
from tests.factories import (
    AccountFactory,
    ContactRecordFactory,
    ConversationFactory,
    JobFactory,
    MessageFactory,
    TeamFactory,
    WechatAccountFactory,
    WechatAccountLinkFactory,
    WechatFriendFactory,
    WechatTaskFactory,
)
from tests.test_admin import (
    admin_url,
    change_url,
    form_errors,
    form_values,
    list_cells,
    logged_in,
    make_staff,
    make_superuser,
    perms_for,
    run_action,
)
from wechat.models import WechatAccount, WechatFriend, WechatTask

ACCOUNT_PERMS = perms_for(WechatAccount, "view", "add", "change")
WECHAT_ID = "zhang_san88"
PHONE = "13800138000"


@pytest.fixture
def team(db):
    return TeamFactory(name="A")


# --- Accounts -------------------------------------------------------------------------------------


def new_account_form(client, team, links) -> dict:
    data = form_values(client.get(admin_url(WechatAccount, "add")))
    data.update(
        {"team": str(team.pk), "account_id": "wx-desk-1", "hello_msg": "您好，我是招聘顾问小王", "daily_add_limit": "5"}
    )
    data["active"] = "on"
    data["links-TOTAL_FORMS"] = str(len(links))
    for index, (account, position) in enumerate(links):
        data[f"links-{index}-recruit_account"] = str(account.pk)
        data[f"links-{index}-position"] = str(position)
    return data


def test_staff_create_an_account_linked_to_recruiting_accounts_in_order(team):
    first, second = AccountFactory(team=team), AccountFactory(team=team)
    client = logged_in(make_staff(team, *ACCOUNT_PERMS))
    response = client.post(admin_url(WechatAccount, "add"), new_account_form(client, team, [(second, 0), (first, 1)]))
    assert response.status_code == 302, form_errors(response)

    account = WechatAccount.objects.get()
    assert (account.team, account.hello_msg, account.daily_add_limit, account.active) == (
        team,
        "您好，我是招聘顾问小王",
        5,
        True,
    )
    assert [link.recruit_account for link in account.links.all()] == [second, first]  # ordered by position


def test_staff_cannot_link_another_teams_recruiting_account(team):
    other = AccountFactory(team=TeamFactory(name="B"))
    client = logged_in(make_staff(team, *ACCOUNT_PERMS))
    response = client.post(admin_url(WechatAccount, "add"), new_account_form(client, team, [(other, 0)]))
    assert form_errors(response)  # not among the choices a staff user of A gets
    assert not WechatAccount.objects.exists()


def test_an_account_links_only_its_own_teams_recruiting_accounts(team):
    """A user in two teams sees both teams' accounts, but one WeChat account serves one team."""
    elsewhere = TeamFactory(name="C")
    recruit = AccountFactory(team=elsewhere)
    user = make_staff(team, *ACCOUNT_PERMS)
    elsewhere.members.add(user)
    client = logged_in(user)
    response = client.post(admin_url(WechatAccount, "add"), new_account_form(client, team, [(recruit, 0)]))
    assert "只能关联同一团队的招聘账号" in form_errors(response)
    assert not WechatAccount.objects.exists()


def audits(account: WechatAccount) -> list[str]:
    rows = AuditLog.objects.filter(object_type="wechataccount", object_id=str(account.pk)).order_by("pk")
    return list(rows.values_list("action", flat=True))


def test_pause_and_resume_are_audited_services(team):
    account = WechatAccountFactory(team=team)
    user = make_staff(team, *ACCOUNT_PERMS)
    client = logged_in(user)

    run_action(client, WechatAccount, "pause", [account])
    run_action(client, WechatAccount, "pause", [account])  # a repeat changes nothing, is not audited again
    account.refresh_from_db()
    assert account.active is False
    assert audits(account) == ["pause"]

    data = form_values(client.get(change_url(account)))  # ticking 启用 on the page resumes it
    data["active"] = "on"
    assert client.post(change_url(account), data).status_code == 302
    account.refresh_from_db()
    assert account.active is True
    assert audits(account) == ["pause", "resume"]
    assert AuditLog.objects.filter(action="resume").get().user == user


def test_view_only_staff_cannot_pause(team):
    account = WechatAccountFactory(team=team)
    client = logged_in(make_staff(team, *perms_for(WechatAccount, "view")))
    client.post(admin_url(WechatAccount), {"action": "pause", "_selected_action": [account.pk]})
    account.refresh_from_db()
    assert account.active is True and audits(account) == []


def test_the_list_shows_todays_adds_against_the_limit_and_todays_sends(team, settings):
    settings.WECHAT_DAILY_ADD_LIMIT = 20
    account = WechatAccountFactory(team=team, daily_add_limit=None)
    WechatAccountLinkFactory(wechat_account=account, recruit_account=AccountFactory(team=team, platform_id="desk"))
    now = timezone.now()
    yesterday = now - timedelta(days=1)
    for first_claimed_at in (now, now, yesterday, None):  # handed out today twice, once before, once never
        WechatTaskFactory(friend=WechatFriendFactory(wechat_account=account), first_claimed_at=first_claimed_at)
    friend = WechatFriendFactory(wechat_account=account)
    for status, done_at in (("done", now), ("done", yesterday), ("pending", None), ("leased", None)):
        WechatTaskFactory(friend=friend, kind="send_msg", status=status, done_at=done_at)

    response = logged_in(make_superuser()).get(admin_url(WechatAccount))
    html = response.content.decode()
    assert list_cells(html, "adds_today") == ["2 / 20"]
    assert list_cells(html, "sends_today") == ["1"]
    assert "account_Boss_desk" in html

    account.daily_add_limit = 5  # the account's override
    account.save()
    assert "2 / 5" in logged_in(make_superuser()).get(change_url(account)).content.decode()


# --- Friends --------------------------------------------------------------------------------------

FRIEND_VIEWER = perms_for(WechatFriend, "view")
PII_FRIEND_VIEWER = [*FRIEND_VIEWER, "recruit.view_contact_pii"]


@pytest.fixture
def friend(team) -> WechatFriend:
    job = JobFactory(team=team, name="客服专员")
    conversation = ConversationFactory(job=job, account__team=team, candidate__name="张三")
    return WechatFriendFactory(
        conversation=conversation,
        search_id=WECHAT_ID,
        alias_id="张三-7f3a",
        status=WechatFriend.Status.FINISHED,
        accepted_at=timezone.now(),
        interview_at=timezone.now(),
        interview_slot="周二 14:00",
    )


def friend_views(friend: WechatFriend) -> int:
    return AuditLog.objects.filter(action="view_contact", object_type="wechatfriend", object_id=str(friend.pk)).count()


@pytest.mark.parametrize("perms", [FRIEND_VIEWER, PII_FRIEND_VIEWER], ids=["staff", "pii"])
def test_the_friend_list_masks_the_wechat_id_for_everyone(friend, perms):
    html = logged_in(make_staff(friend.wechat_account.team, *perms)).get(admin_url(WechatFriend)).content.decode()
    assert WECHAT_ID not in html and "zh****" in html
    assert all(text in html for text in ("张三-7f3a", "张三", "客服专员", "已约面", "周二 14:00"))
    assert change_url(friend.conversation) in html  # the candidate links to the conversation


def test_the_friend_page_shows_the_wechat_id_only_with_permission_and_audits_it(friend):
    team = friend.wechat_account.team
    masked = logged_in(make_staff(team, *FRIEND_VIEWER)).get(change_url(friend))
    assert masked.status_code == 200
    assert WECHAT_ID not in masked.content.decode() and "zh****" in masked.content.decode()
    assert friend_views(friend) == 0

    full = logged_in(make_staff(team, *PII_FRIEND_VIEWER)).get(change_url(friend))
    assert WECHAT_ID in full.content.decode()
    assert friend_views(friend) == 1


def test_only_users_who_may_see_it_can_look_a_wechat_id_up(friend):
    team = friend.wechat_account.team
    search = admin_url(WechatFriend) + f"?q={WECHAT_ID}"
    assert logged_in(make_staff(team, *FRIEND_VIEWER)).get(search).context["cl"].result_count == 0
    assert logged_in(make_staff(team, *PII_FRIEND_VIEWER)).get(search).context["cl"].result_count == 1


def test_friends_are_not_edited_in_the_console(friend):
    client = logged_in(make_superuser())
    data = form_values(client.get(change_url(friend)))
    assert client.get(admin_url(WechatFriend, "add")).status_code == 403
    client.post(change_url(friend), {**data, "status": "failed"})
    friend.refresh_from_db()
    assert friend.status == WechatFriend.Status.FINISHED


def test_tasks_are_a_read_only_list(friend):
    task = WechatTaskFactory(friend=friend, kind="send_msg", msg=f"好的，我的电话 {PHONE}")
    client = logged_in(make_superuser())
    html = client.get(admin_url(WechatTask)).content.decode()
    assert "138****8000" in html and PHONE not in html
    assert client.get(change_url(task)).status_code == 200
    assert client.get(admin_url(WechatTask, "add")).status_code == 403
    assert client.post(admin_url(WechatTask, "delete", task.pk), {"post": "yes"}).status_code == 403
    assert WechatTask.objects.filter(pk=task.pk).exists()


# --- The conversation page ------------------------------------------------------------------------


@pytest.fixture
def both_channels(friend):
    conversation = friend.conversation
    ContactRecordFactory(conversation=conversation, phone=PHONE, wechat=WECHAT_ID)
    MessageFactory(conversation=conversation, speaker="robot", text="您好，方便聊聊吗？")
    MessageFactory(conversation=conversation, speaker="user", text=f"我的电话 {PHONE}")
    MessageFactory(conversation=conversation, channel=Message.Channel.WECHAT, speaker="user", text="周二下午可以")
    MessageFactory(
        conversation=conversation,
        channel=Message.Channel.WECHAT,
        speaker="robot",
        text=f"好的，已记下您的微信 {WECHAT_ID}",
    )
    return conversation


def transcripts(html: str) -> tuple[str, str]:
    """The platform and WeChat transcript fields of the conversation page, found by their labels."""
    platform = html.split(">平台聊天记录</label>", 1)[1].split("</table>", 1)[0]
    wechat = html.split(">微信聊天记录</label>", 1)[1].split("</table>", 1)[0]
    return platform, wechat


def test_the_conversation_page_shows_the_wechat_transcript_beside_the_platform_one_masked_alike(both_channels):
    team = both_channels.job.team
    viewer = logged_in(make_staff(team, *perms_for(Job, "view"), "recruit.view_conversation"))
    platform, wechat = transcripts(viewer.get(change_url(both_channels)).content.decode())
    assert "138****8000" in platform and PHONE not in platform and "周二下午" not in platform
    assert "周二下午可以" in wechat and "zh****" in wechat and WECHAT_ID not in wechat and "方便聊聊" not in wechat

    pii = logged_in(make_staff(team, "recruit.view_conversation", "recruit.view_contact_pii"))
    html = pii.get(change_url(both_channels)).content.decode()
    platform, wechat = transcripts(html)
    assert PHONE in platform and f"微信 {WECHAT_ID}" in wechat
    assert "张三-7f3a" in html and "已约面" in html  # the WeChat friend and its progress
