"""WeChat concurrency guarantees, proven on PostgreSQL with real threads, real row locks and real commits:
concurrent taskToDo calls never hand out one task twice nor exceed the daily add limit, concurrent
expiries notify once, and repeated reports or retried messages racing each other are stored once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from recruit.models import Message, Notification
from tests.conftest import Api
from tests.recruit.test_concurrency import run_threads
from wechat.models import WechatFriend, WechatTask
from wechat.services import wechat_leases_expire

pytestmark = pytest.mark.django_db(transaction=True)


def bot() -> Api:
    return Api(Client(REMOTE_ADDR="127.0.0.1"))


def handed_out(results: list[dict]) -> list[str]:
    return [item["alias_id"] for data in results for group in data["task_list"] for item in group["content"]]


def test_concurrent_task_to_do_calls_never_receive_the_same_task(postgres, world, settings):
    settings.WECHAT_DAILY_ADD_LIMIT = 1000
    for i in range(40):
        world.friend(name=f"候选{i}")
    accepted = world.friend(status=WechatFriend.Status.ACCEPTED, name="已加")
    for i in range(10):
        world.send(accepted, f"消息{i}")

    results = run_threads(lambda i: bot().ok("/wechat/candidate/taskToDo", {"account_id": "wx-1"}), 8)

    assert all(r is not None for r in results)
    groups = [group for data in results for group in data["task_list"]]
    adds = [item for group in groups if group["task_type"] == "add_friend" for item in group["content"]]
    sends = [item["msg"] for group in groups if group["task_type"] == "send_msg" for item in group["content"]]
    assert len(adds) == 40 and len({item["alias_id"] for item in adds}) == 40
    assert sorted(sends) == sorted(f"消息{i}" for i in range(10))
    assert all(len(handed_out([data])) <= settings.WECHAT_TASK_BATCH for data in results)
    assert set(WechatTask.objects.filter(status="leased").values_list("attempts", flat=True)) == {1}
    assert WechatTask.objects.filter(status="leased").count() == 50


def test_concurrent_calls_never_exceed_the_daily_add_limit(postgres, world, settings):
    settings.WECHAT_DAILY_ADD_LIMIT = 12
    for i in range(40):
        world.friend(name=f"候选{i}")

    results = run_threads(lambda i: bot().ok("/wechat/candidate/taskToDo", {"accountID": "wx-1"}), 8)

    aliases = handed_out(results)
    assert len(aliases) == 12 and len(set(aliases)) == 12
    assert WechatTask.objects.filter(first_claimed_at__isnull=False).count() == 12


def test_concurrent_expiries_fail_and_notify_each_task_once(postgres, world):
    for i in range(5):
        world.friend(name=f"候选{i}")
    WechatTask.objects.update(
        status=WechatTask.Status.LEASED, attempts=3, lease_until=timezone.now() - timedelta(seconds=1)
    )

    def expire(index: int):
        if index % 2:
            return wechat_leases_expire()
        return bot().ok("/wechat/candidate/taskToDo", {"account_id": "wx-1"})

    run_threads(expire, 6)

    assert set(WechatTask.objects.values_list("status", flat=True)) == {"failed"}
    assert Counter(Notification.objects.values_list("kind", flat=True)) == {"task_failed": 5}


def test_a_report_racing_the_expiry_of_its_last_lease_wins_or_loses_cleanly(postgres, world):
    friend = world.friend()
    WechatTask.objects.update(
        status=WechatTask.Status.LEASED, attempts=3, lease_until=timezone.now() - timedelta(seconds=1)
    )
    body = {"account_id": "wx-1", "alias_id": friend.alias_id, "search_id": friend.search_id}

    run_threads(lambda i: wechat_leases_expire() if i == 0 else bot().ok("/wechat/candidate/addFriendReport", body), 2)

    # The report always completes the task (even a failed one); the friend request was sent.
    assert WechatTask.objects.get().status == "done"
    assert WechatFriend.objects.get().status == "requested"
    assert Notification.objects.filter(kind="task_failed").count() <= 1


def test_the_same_send_report_racing_itself_is_stored_once(postgres, world):
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    world.send(friend, "在吗？")
    body = {"account_id": "wx-1", "alias_id": friend.alias_id, "msg_send": "在吗？"}

    run_threads(lambda i: bot().ok("/wechat/candidate/msgSendReport", body), 6)

    assert list(Message.objects.values_list("speaker", "text")) == [("robot", "在吗？")]
    assert WechatTask.objects.get(kind="send_msg").status == "done"


def test_a_message_retried_concurrently_is_stored_and_answered_once(postgres, world):
    friend = world.friend(status=WechatFriend.Status.REQUESTED)
    body = {"account_id": "wx-1", "alias_id": friend.alias_id, "msg_receive": "工资多少？"}

    results = run_threads(lambda i: bot().ok("/wechat/candidate/userMsguser", body), 6)

    rows = list(Message.objects.order_by("seq").values_list("speaker", "text"))
    assert [speaker for speaker, _ in rows] == ["user", "robot"]
    replies = {r["msg"] for r in results if r["msg"]}
    assert replies == {rows[1][1]}
