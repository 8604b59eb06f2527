"""Bots at a glance for WeChat accounts (recruit/activity.py): the last bot call stamped at the API edge,
what the bot did today, and the console's columns. (WeChat accounts have no time slots, so no silent-slot
alarm: recruit/services/silent_slots.py.)"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from recruit.activity import wechat_today_text, with_wechat_today
from recruit.models import Message
from tests.factories import (
    MessageFactory,
    TeamFactory,
    WechatAccountFactory,
    WechatFriendFactory,
    WechatTaskFactory,
    staff_client,
)
from tests.recruit.test_query_counts import statements
from tests.wechat.conftest import World
from tests.wechat.test_query_counts import PINS
from wechat.models import WechatAccount, WechatFriend, WechatTask

DAY = date(2026, 3, 10)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute, second)))


NOW = at(DAY, 10, 0)


@pytest.fixture(autouse=True)
def bot_settings(settings):
    settings.BOT_SEEN_RESOLUTION = 60
    settings.BOT_SILENT_AFTER = 30 * 60
    return settings


def stamp_of(account: WechatAccount) -> tuple[datetime | None, str]:
    account.refresh_from_db()
    return account.last_call_at, account.last_call_endpoint


@pytest.fixture
def silent_world(world: World) -> World:
    """The WeChat world with `wx-1` never called yet."""
    WechatAccount.objects.filter(pk=world.wechat.pk).update(last_call_at=None)
    world.wechat.refresh_from_db()
    return world


def _calls(world: World) -> list[tuple[str, dict]]:
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    alias = friend.alias_id
    return [
        ("/wechat/account/register", {"account_id": "wx-1", "recruitAccounts": [world.account.account_id]}),
        ("/wechat/candidate/taskToDo", {"account_id": "wx-1"}),
        ("/wechat/candidate/taskToDo/", {"accountID": "wx-1"}),
        ("/wechat/candidate/addFriendReport", {"account_id": "wx-1", "alias_id": alias, "search_id": friend.search_id}),
        ("/wechat/candidate/msgSendReport", {"account_id": "wx-1", "alias_id": alias, "msg_send": "您好"}),
        ("/wechat/candidate/userMsguser", {"account_id": "wx-1", "alias_id": alias, "msg_receive": "你好"}),
        ("/wechat/candidate/userMsg", {"account_id": "wx-1", "alias_id": "nobody-0000", "msg_receive": "你好"}),
    ]


@pytest.mark.parametrize("index", range(7))
def test_every_endpoint_naming_the_account_stamps_its_last_call(api, silent_world, index):
    path, body = _calls(silent_world)[index]
    with time_machine.travel(NOW, tick=False):
        status, _payload = api.post(path, body)
    assert status in (200, 404)  # userMsg for an unknown alias: 1002, the account was still named
    assert stamp_of(silent_world.wechat) == (NOW, path.strip("/"))


def test_a_new_account_registering_is_stamped(api, world):
    with time_machine.travel(NOW, tick=False):
        api.ok("/wechat/account/register", {"account_id": "wx-new", "recruitAccounts": [world.account.account_id]})
    assert stamp_of(WechatAccount.objects.get(account_id="wx-new")) == (NOW, "wechat/account/register")


def test_a_fresh_stamp_is_not_written_again_within_the_resolution(api, silent_world):
    with time_machine.travel(NOW, tick=False):
        api.ok("/wechat/candidate/taskToDo", {"account_id": "wx-1"})
    with time_machine.travel(NOW + timedelta(seconds=59), tick=False):
        api.ok("/wechat/candidate/taskToDo", {"account_id": "wx-1"})
    assert stamp_of(silent_world.wechat)[0] == NOW
    with time_machine.travel(NOW + timedelta(seconds=60), tick=False):
        api.ok("/wechat/candidate/taskToDo", {"account_id": "wx-1"})
    assert stamp_of(silent_world.wechat)[0] == NOW + timedelta(seconds=60)


def test_an_unknown_account_stamps_nothing(api, silent_world):
    status, _payload = api.post("/wechat/candidate/taskToDo", {"account_id": "wx-nobody"})
    assert status == 404
    assert stamp_of(silent_world.wechat) == (None, "")


# --- Pinned statements: a stale stamp costs exactly one more ------------------------------------------


def test_task_to_do_with_a_stale_stamp_costs_one_statement_more(api, world, settings):
    settings.WECHAT_DAILY_ADD_LIMIT = 1000

    def todo(name: str) -> int:
        world.friend(name=name)  # a new add to hand out, as in tests/wechat/test_query_counts.py
        return statements(api, "/wechat/candidate/taskToDo", {"account_id": "wx-1"})

    todo("甲")
    fresh = todo("乙")
    assert fresh <= PINS["taskToDo"]
    WechatAccount.objects.update(last_call_at=timezone.now() - timedelta(minutes=5))
    assert todo("丙") == fresh + 1
    assert todo("丁") == fresh


def test_user_msg_with_a_stale_stamp_costs_one_statement_more(api, world):
    def turn(name: str) -> int:
        friend = world.friend(status=WechatFriend.Status.REQUESTED, name=name)
        body = {"account_id": "wx-1", "alias_id": friend.alias_id, "msg_receive": "你好，工资多少？"}
        return statements(api, "/wechat/candidate/userMsguser", body)

    turn("张三")
    fresh = turn("李四")
    assert fresh <= PINS["userMsguser"]
    WechatAccount.objects.update(last_call_at=timezone.now() - timedelta(minutes=5))
    assert turn("王五") == fresh + 1
    assert turn("赵六") == fresh


# --- What it did today ------------------------------------------------------------------------------


@pytest.fixture
def busy(db):
    """wx-a with a known day DAY of work (and some just outside it), and a neighbour wx-b."""
    team = TeamFactory()
    a = WechatAccountFactory(team=team, account_id="wx-a")
    b = WechatAccountFactory(team=team, account_id="wx-b")
    today, yesterday = at(DAY, 11), at(DAY - timedelta(days=1), 11)

    WechatFriendFactory(wechat_account=a, requested_at=today, status="requested")
    WechatFriendFactory(wechat_account=a, requested_at=at(DAY, 0), status="accepted", accepted_at=today)
    WechatFriendFactory(wechat_account=a, requested_at=yesterday, status="requested")
    WechatFriendFactory(wechat_account=a)  # queued, not sent yet
    WechatFriendFactory(wechat_account=b, requested_at=today, status="requested")

    friend = WechatFriendFactory(wechat_account=a, requested_at=yesterday, status="chatting")
    wechat = {"conversation": friend.conversation, "channel": Message.Channel.WECHAT}
    MessageFactory(**wechat, speaker="robot", text="底薪6000", engine="rule", sent_at=today)  # a reply, reported
    MessageFactory(**wechat, speaker="robot", text="在吗？", sent_at=today)  # a nudge task's message
    MessageFactory(**wechat, speaker="recruiter", text="我是王经理", sent_at=at(DAY, 23, 59, 59))  # typed by hand
    MessageFactory(**wechat, speaker="robot", text="周二可以吗？", engine="rule", sent_at=None)  # not reported sent
    MessageFactory(**wechat, speaker="robot", text="您好", sent_at=yesterday)
    MessageFactory(**wechat, speaker="user", text="好的", sent_at=today)  # the candidate's
    MessageFactory(conversation=friend.conversation, speaker="robot", text="您好", engine="rule", sent_at=today)
    other = WechatFriendFactory(wechat_account=b, requested_at=yesterday, status="chatting")
    MessageFactory(conversation=other.conversation, channel="wechat", speaker="robot", text="您好", sent_at=today)

    WechatTaskFactory(friend=friend, kind="send_msg", status=WechatTask.Status.FAILED, lease_until=today)
    WechatTaskFactory(friend=friend, kind="send_msg", status=WechatTask.Status.FAILED, lease_until=yesterday)
    WechatTaskFactory(friend=friend, kind="send_msg", status=WechatTask.Status.DONE, lease_until=today)
    WechatTaskFactory(friend=other, kind="send_msg", status=WechatTask.Status.FAILED, lease_until=today)
    return a, b


COUNTS = ("today_requested", "today_sent", "today_failed")


def test_todays_counts_are_the_accounts_own_on_the_local_day(busy, django_assert_num_queries):
    a, b = busy
    with time_machine.travel(at(DAY, 18), tick=False), django_assert_num_queries(1):
        rows = {row.pk: row for row in with_wechat_today(WechatAccount.objects.filter(pk__in=[a.pk, b.pk]))}
    assert [getattr(rows[a.pk], name) for name in COUNTS] == [2, 3, 1]
    assert [getattr(rows[b.pk], name) for name in COUNTS] == [1, 1, 1]
    assert wechat_today_text(rows[a.pk]) == "好友申请 2 · 发出消息 3 · 失败任务 1"

    yesterday = {row.pk: row for row in with_wechat_today(WechatAccount.objects.all(), DAY - timedelta(days=1))}
    assert [getattr(yesterday[a.pk], name) for name in COUNTS] == [2, 1, 1]


def test_the_wechat_account_list_shows_the_last_call_and_today_for_a_one_team_recruiter(busy):
    a, b = busy
    with time_machine.travel(at(DAY, 18), tick=False):
        WechatAccount.objects.filter(pk=a.pk).update(
            last_call_at=at(DAY, 17, 59, 30), last_call_endpoint="wechat/candidate/taskToDo"
        )
        WechatAccount.objects.filter(pk=b.pk).update(last_call_at=at(DAY, 9))
        stranger = WechatAccountFactory(account_id="wx-stranger")
        client = staff_client(a.team, "wechat.view_wechataccount")
        html = client.get(reverse("admin:wechat_wechataccount_changelist")).content.decode()
        page = client.get(reverse("admin:wechat_wechataccount_change", args=[a.pk])).content.decode()

    assert "最近调用" in html and "今日" in html and stranger.account_id not in html
    assert "● 活跃</span> 刚刚" in html  # 30 seconds ago
    assert "bot-silent" in html  # wx-b: 9 hours ago
    assert "好友申请 2 · 发出消息 3 · 失败任务 1" in html and "好友申请 1 · 发出消息 1 · 失败任务 1" in html
    assert "wechat/candidate/taskToDo" in page and "好友申请 2" in page
