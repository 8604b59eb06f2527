"""SQL statements per taskToDo and userMsguser call, pinned, and flat as the tables grow (counted as in
tests/recruit/test_query_counts.py: data statements and savepoints, BEGIN/COMMIT not counted).

taskToDo: the key's account lookup, the account row lock, the expired-lease check, the claim of retries
and sends (select + update, in the helper's savepoint), the first-claim stamp of a new send, today's add
count, and the claim of new adds. userMsguser: the account, then the message's transaction (conversation
lock, friend, WeChat transcript, add task done, friend, message, conversation save) and the reply's
(conversation lock, friend, message, friend, conversation save)."""

from __future__ import annotations

from tests.recruit.test_query_counts import statements
from tests.wechat.conftest import receive
from wechat.models import WechatFriend, WechatTask

PINS = {"taskToDo": 15, "userMsguser": 19}


def grow(api, world, n: int) -> None:
    """More friends, tasks, conversations and WeChat messages in the tables, all handled."""
    friends = [world.friend(name=f"候选{i}") for i in range(n)]
    for friend in friends[: n // 2]:
        receive(api, friend, "你好")
        world.send(friend, "在吗？")
    api.ok("/wechat/candidate/taskToDo", {"account_id": "wx-1"})
    WechatTask.objects.update(status=WechatTask.Status.DONE)


def test_task_to_do(api, world, settings):
    settings.WECHAT_TASK_BATCH = 4
    settings.WECHAT_DAILY_ADD_LIMIT = 1000

    def todo(name: str) -> int:
        """A send to hand out for the first time, and a new add."""
        accepted = world.friend(status=WechatFriend.Status.ACCEPTED, name=f"{name}甲")
        world.send(accepted, "在吗？")
        world.friend(name=f"{name}乙")
        return statements(api, "/wechat/candidate/taskToDo", {"account_id": "wx-1"})

    first = todo("一")
    grow(api, world, 30)
    assert todo("二") == first <= PINS["taskToDo"]


def test_user_msg(api, world):
    def turn(name: str) -> int:
        friend = world.friend(status=WechatFriend.Status.REQUESTED, name=name)
        body = {"account_id": "wx-1", "alias_id": friend.alias_id, "msg_receive": "你好，工资多少？"}
        return statements(api, "/wechat/candidate/userMsguser", body)

    first = turn("张三")
    grow(api, world, 30)
    assert turn("王五") == first <= PINS["userMsguser"]
