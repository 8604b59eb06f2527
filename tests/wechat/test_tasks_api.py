"""taskToDo (CONTRACT §6): claims through the work queue, leases and re-delivery, failure after the third
lease with its notification, pacing (batch and daily add limit), sends only to accepted friends, paused
accounts, both spellings of the account id, and the failure shape on every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from recruit.models import Notification
from tests.conftest import Api
from tests.factories import ApiKeyFactory, WechatAccountFactory
from tests.wechat.conftest import HELLO, items, requested, sent, todo
from wechat.models import WechatFriend, WechatTask
from wechat.services import wechat_leases_expire

ACCEPTED = [WechatFriend.Status.ACCEPTED, WechatFriend.Status.CHATTING, WechatFriend.Status.FINISHED]
NOT_ACCEPTED = [WechatFriend.Status.QUEUED, WechatFriend.Status.REQUESTED, WechatFriend.Status.FAILED]


def expire_leases() -> None:
    """Every lease handed out so far runs out (the bot never reported)."""
    WechatTask.objects.filter(status=WechatTask.Status.LEASED).update(lease_until=timezone.now() - timedelta(seconds=1))


def test_add_friend_task_is_handed_out_in_the_bots_shape(api, world):
    friend = world.friend()
    assert todo(api) == [
        {
            "task_type": "add_friend",
            "content": [{"search_id": friend.search_id, "alias_id": friend.alias_id, "hello_msg": HELLO}],
        }
    ]
    task = WechatTask.objects.get()
    assert (task.status, task.attempts, task.first_claimed_at is not None) == ("leased", 1, True)
    assert task.lease_until > timezone.now() + timedelta(seconds=590)  # WECHAT_TASK_LEASE, 600 s


def test_an_add_task_without_its_own_greeting_uses_the_accounts(api, world):
    world.friend()
    WechatTask.objects.update(msg="")
    world.wechat.hello_msg = "新的申请语"
    world.wechat.save()
    assert items(todo(api), "add_friend")[0]["hello_msg"] == "新的申请语"


def test_both_groups_add_friend_first_and_an_empty_group_is_left_out(api, world):
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    world.send(friend, "您好，方便发份简历吗？")
    assert todo(api) == [
        {"task_type": "send_msg", "content": [{"alias_id": friend.alias_id, "msg": "您好，方便发份简历吗？"}]}
    ]
    world.send(friend, "第二条")
    new = world.friend(name="李四")
    task_list = todo(api)
    assert [group["task_type"] for group in task_list] == ["add_friend", "send_msg"]
    assert items(task_list, "add_friend")[0]["alias_id"] == new.alias_id
    assert items(task_list, "send_msg") == [{"alias_id": friend.alias_id, "msg": "第二条"}]


@pytest.mark.parametrize("key", ["account_id", "accountID"])
def test_either_spelling_of_the_account_id(api, world, key):
    world.friend()
    assert len(items(todo(api, key=key), "add_friend")) == 1


def test_account_id_wins_when_both_are_sent(api, world):
    world.friend()
    WechatAccountFactory(account_id="wx-2", team=world.job.team)
    body = {"account_id": "wx-2", "accountID": "wx-1"}
    assert api.ok("/wechat/candidate/taskToDo", body) == {"task_list": []}


def test_a_claimed_task_is_not_handed_out_again_while_leased(api, world):
    world.friend()
    assert todo(api)
    assert todo(api) == []


def test_an_expired_lease_is_handed_out_again_with_one_more_attempt(api, world):
    friend = world.friend()
    todo(api)
    first = WechatTask.objects.get().first_claimed_at
    expire_leases()
    assert items(todo(api), "add_friend")[0]["alias_id"] == friend.alias_id
    task = WechatTask.objects.get()
    assert (task.attempts, task.status, task.first_claimed_at) == (2, "leased", first)


def test_a_report_after_the_lease_expired_completes_the_task_which_is_not_handed_out_again(api, world):
    friend = world.friend()
    todo(api)
    expire_leases()
    requested(api, friend)
    task = WechatTask.objects.get()
    assert (task.status, task.done_at is not None) == ("done", True)
    assert todo(api) == []


def test_the_third_expired_lease_fails_the_task_and_its_friend_and_notifies_once(api, world):
    friend = world.friend()
    for attempt in range(3):
        assert items(todo(api), "add_friend"), attempt
        expire_leases()
    assert todo(api) == []  # the claim fails it instead of handing it out a fourth time
    task = WechatTask.objects.get()
    assert (task.status, task.attempts) == ("failed", 3)
    assert WechatFriend.objects.get(pk=friend.pk).status == "failed"
    [notification] = Notification.objects.filter(kind="task_failed")
    assert notification.conversation_id == friend.conversation_id
    assert notification.payload["detail"] == "add_friend"
    assert todo(api) == [] and wechat_leases_expire() == 0
    assert Notification.objects.filter(kind="task_failed").count() == 1


def test_the_periodic_expiry_fails_third_leases_of_every_account_and_only_those(api, world):
    friend = world.friend()
    other = world.friend(status=WechatFriend.Status.ACCEPTED, name="李四")
    world.send(other, "还在吗？")
    for _ in range(3):
        todo(api)
        expire_leases()
    WechatTask.objects.filter(kind="send_msg").update(attempts=2)  # a send on its second lease
    assert wechat_leases_expire() == 1
    assert WechatTask.objects.get(kind="add_friend", friend=friend).status == "failed"
    assert WechatTask.objects.get(kind="send_msg").status == "leased"  # due again, not failed
    assert WechatFriend.objects.get(pk=friend.pk).status == "failed"
    assert WechatFriend.objects.get(pk=other.pk).status == "accepted"  # a failed send fails no friend
    assert list(Notification.objects.values_list("kind", flat=True)) == ["task_failed"]
    assert wechat_leases_expire() == 0  # idempotent


def test_a_failed_send_task_notifies_without_failing_the_friend(api, world):
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    world.send(friend, "还在吗？")
    for _ in range(3):
        todo(api)
        expire_leases()
    assert wechat_leases_expire() == 1
    assert WechatFriend.objects.get(pk=friend.pk).status == "accepted"
    assert Notification.objects.get().payload["detail"] == "send_msg"


def test_a_report_for_a_failed_add_task_still_completes_it(api, world):
    friend = world.friend()
    for _ in range(3):
        todo(api)
        expire_leases()
    wechat_leases_expire()
    requested(api, friend)
    assert WechatTask.objects.get().status == "done"
    assert WechatFriend.objects.get(pk=friend.pk).status == "requested"


def test_at_most_a_batch_per_call(api, world, settings):
    settings.WECHAT_TASK_BATCH = 4
    for i in range(6):
        world.friend(name=f"候选{i}")
    assert len(items(todo(api), "add_friend")) == 4
    assert len(items(todo(api), "add_friend")) == 2
    assert todo(api) == []


def test_daily_add_limit_counts_a_task_handed_out_again_once(api, world, settings):
    settings.WECHAT_DAILY_ADD_LIMIT = 2
    for i in range(3):
        world.friend(name=f"候选{i}")
    first = {item["alias_id"] for item in items(todo(api), "add_friend")}
    assert len(first) == 2
    assert todo(api) == []  # the day's two adds are out
    expire_leases()
    again = {item["alias_id"] for item in items(todo(api), "add_friend")}
    assert again == first  # re-delivered without spending the limit, and the third still waits
    assert WechatTask.objects.filter(first_claimed_at__isnull=True).count() == 1


def test_a_task_first_handed_out_yesterday_does_not_count_today(api, world, settings):
    settings.WECHAT_DAILY_ADD_LIMIT = 2
    for i in range(3):
        world.friend(name=f"候选{i}")
    todo(api)
    WechatTask.objects.filter(first_claimed_at__isnull=False).update(
        first_claimed_at=timezone.now() - timedelta(days=1), lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert len(items(todo(api), "add_friend")) == 3  # two re-delivered, and today's first new one


def test_the_accounts_own_daily_limit_overrides_the_setting(api, world, settings):
    settings.WECHAT_DAILY_ADD_LIMIT = 20
    world.wechat.daily_add_limit = 1
    world.wechat.save()
    for i in range(3):
        world.friend(name=f"候选{i}")
    assert len(items(todo(api), "add_friend")) == 1
    assert todo(api) == []


def test_the_limit_is_per_wechat_account(api, world, settings):
    settings.WECHAT_DAILY_ADD_LIMIT = 1
    world.friend()
    other = WechatAccountFactory(account_id="wx-2", team=world.job.team)
    friend = world.friend(name="李四")
    WechatTask.objects.filter(friend=friend).update(wechat_account=other)
    WechatFriend.objects.filter(pk=friend.pk).update(wechat_account=other)
    assert len(items(todo(api), "add_friend")) == 1
    assert len(items(todo(api, "wx-2"), "add_friend")) == 1


def test_sends_do_not_spend_the_add_limit(api, world, settings):
    settings.WECHAT_DAILY_ADD_LIMIT = 1
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    for text in ("一", "二", "三"):
        world.send(friend, text)
    world.friend(name="李四")
    task_list = todo(api)
    assert (len(items(task_list, "add_friend")), len(items(task_list, "send_msg"))) == (1, 3)


@pytest.mark.parametrize("status", NOT_ACCEPTED)
def test_no_send_to_a_friend_who_has_not_accepted(api, world, status):
    friend = world.friend(status=status)
    WechatTask.objects.filter(friend=friend).update(status=WechatTask.Status.DONE)
    world.send(friend, "您好")
    assert todo(api) == []
    assert WechatTask.objects.get(kind="send_msg").attempts == 0


@pytest.mark.parametrize("status", ACCEPTED)
def test_sends_go_to_accepted_friends(api, world, status):
    friend = world.friend(status=status)
    world.send(friend, "您好")
    assert items(todo(api), "send_msg") == [{"alias_id": friend.alias_id, "msg": "您好"}]


def test_a_send_waits_until_the_friend_accepts(api, world):
    friend = world.friend(status=WechatFriend.Status.REQUESTED)
    world.send(friend, "在吗？")
    assert todo(api) == []
    api.ok("/wechat/candidate/userMsguser", {"account_id": "wx-1", "alias_id": friend.alias_id, "msg_receive": "你好"})
    assert items(todo(api), "send_msg") == [{"alias_id": friend.alias_id, "msg": "在吗？"}]


def test_a_paused_account_gets_an_empty_list_and_its_tasks_wait(api, world):
    friend = world.friend()
    world.wechat.active = False
    world.wechat.save()
    assert api.ok("/wechat/candidate/taskToDo", {"account_id": "wx-1"}) == {"task_list": []}
    assert WechatTask.objects.get().attempts == 0
    world.wechat.active = True
    world.wechat.save()
    assert items(todo(api), "add_friend")[0]["alias_id"] == friend.alias_id


def test_done_tasks_are_never_handed_out(api, world):
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    world.send(friend, "您好")
    todo(api)
    sent(api, friend, "您好")
    expire_leases()
    assert todo(api) == []


# --- refusals, with the failure shape ----------------------------------------------------------


def test_unknown_wechat_account_is_1002_with_the_shape(api, world):
    status, payload = api.post("/wechat/candidate/taskToDo", {"account_id": "wx-nobody"})
    assert (status, payload["ret"], payload["data"]) == (404, 1002, {"task_list": []})
    assert payload["msg"] == "account_id: WeChat account wx-nobody is not registered"


def test_missing_account_id_is_1001_naming_account_id(api, world):
    for body in ({}, {"account_id": None}, {"alias_id": "x"}):
        status, payload = api.post("/wechat/candidate/taskToDo", body)
        assert (status, payload["ret"], payload["msg"]) == (400, 1001, "account_id: this field is required")
        assert payload["data"] == {"task_list": []}


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        ({"account_id": "x" * 129}, "account_id: longer than 128 characters"),
        ({"accountID": "x" * 129}, "accountID: longer than 128 characters"),
        ({"account_id": True}, "account_id: expected a string or integer"),
        ({"accountID": ""}, "accountID: this field may not be blank"),
    ],
)
def test_malformed_account_id_is_1001_naming_the_field_as_sent(api, world, body, msg):
    status, payload = api.post("/wechat/candidate/taskToDo", body)
    assert (status, payload["ret"], payload["msg"], payload["data"]) == (400, 1001, msg, {"task_list": []})


@pytest.fixture
def remote(db) -> Api:
    return Api(Client(REMOTE_ADDR="203.0.113.9"))


def test_a_key_acts_only_on_the_wechat_accounts_bound_to_it(remote, world):
    world.friend()
    key = ApiKeyFactory(team=world.job.team)
    world.wechat.api_keys.add(key)
    WechatAccountFactory(account_id="wx-other", team=world.job.team)
    assert remote.ok("/wechat/candidate/taskToDo", {"account_id": "wx-1"}, HTTP_X_API_KEY=key.plain)["task_list"]
    for account_id in ("wx-other", "wx-nobody"):  # permission before existence: no probing
        status, payload = remote.post("/wechat/candidate/taskToDo", {"accountID": account_id}, HTTP_X_API_KEY=key.plain)
        assert (status, payload["ret"], payload["data"]) == (403, 1403, {"task_list": []})
        assert payload["msg"] == "accountID: not allowed for this API key"


def test_without_a_key_from_outside_is_1401_with_the_shape(remote, world):
    status, payload = remote.post("/wechat/candidate/taskToDo", {"account_id": "wx-1"})
    assert (status, payload["ret"], payload["data"]) == (401, 1401, {"task_list": []})
