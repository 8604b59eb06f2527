"""addFriendReport and msgSendReport (CONTRACT §6): idempotent, complete tasks by alias even after their
lease expired, and keep the WeChat transcript free of duplicates."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from recruit.models import Message
from tests.wechat.conftest import receive, requested, sent, todo
from wechat.models import WechatFriend, WechatTask


def wechat_lines(friend) -> list[tuple[str, str]]:
    rows = Message.objects.filter(conversation_id=friend.conversation_id, channel="wechat").order_by("seq")
    return list(rows.values_list("speaker", "text"))


# --- addFriendReport ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["account_id", "accountID"])
def test_add_friend_report_marks_the_request_sent(api, world, key):
    friend = world.friend()
    todo(api)
    body = {key: "wx-1", "alias_id": friend.alias_id, "search_id": friend.search_id}
    assert api.ok("/wechat/candidate/addFriendReport", body) is None
    friend.refresh_from_db()
    assert (friend.status, friend.requested_at is not None) == ("requested", True)
    task = WechatTask.objects.get()
    assert (task.status, task.done_at is not None) == ("done", True)


def test_a_repeated_add_friend_report_changes_nothing(api, world):
    friend = world.friend()
    todo(api)
    requested(api, friend)
    first = WechatFriend.objects.get(pk=friend.pk)
    done_at = WechatTask.objects.get().done_at
    requested(api, friend)
    again = WechatFriend.objects.get(pk=friend.pk)
    assert (again.status, again.requested_at) == ("requested", first.requested_at)
    assert WechatTask.objects.get().done_at == done_at


def test_a_report_before_the_task_was_handed_out_completes_it(api, world):
    friend = world.friend()
    requested(api, friend)
    assert todo(api) == []


def test_a_late_add_report_does_not_move_an_accepted_friend_back(api, world):
    friend = world.friend()
    receive(api, friend, "你好")
    requested(api, friend)
    assert WechatFriend.objects.get(pk=friend.pk).status == "accepted"


def test_add_report_with_another_search_id_is_1003(api, world):
    friend = world.friend()
    body = {"account_id": "wx-1", "alias_id": friend.alias_id, "search_id": "someone_else"}
    status, payload = api.post("/wechat/candidate/addFriendReport", body)
    assert (status, payload["ret"], payload["data"]) == (409, 1003, None)
    assert WechatTask.objects.get().status == "pending"


def test_add_report_search_id_compares_case_and_spaces_loosely(api, world):
    friend = world.friend(search_id="Zhang_San88")
    body = {"account_id": "wx-1", "alias_id": friend.alias_id, "search_id": " zhang_san88 "}
    assert api.ok("/wechat/candidate/addFriendReport", body) is None


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/wechat/candidate/addFriendReport", {"alias_id": "nobody-1", "search_id": "wx_x"}),
        ("/wechat/candidate/msgSendReport", {"alias_id": "nobody-1", "msg_send": "hi"}),
    ],
)
def test_unknown_alias_or_account_is_1002_with_null_data(api, world, path, body):
    status, payload = api.post(path, {"account_id": "wx-1", **body})
    assert (status, payload["ret"], payload["data"]) == (404, 1002, None)
    assert payload["msg"] == "alias_id: nobody-1 is not a friend of wx-1"
    status, payload = api.post(path, {"account_id": "wx-nobody", **body})
    assert (status, payload["ret"], payload["data"]) == (404, 1002, None)


def test_an_alias_of_another_wechat_account_is_unknown_here(api, world):
    from tests.factories import WechatAccountFactory

    friend = world.friend()
    WechatAccountFactory(account_id="wx-2", team=world.job.team)
    body = {"account_id": "wx-2", "alias_id": friend.alias_id, "search_id": friend.search_id}
    status, payload = api.post("/wechat/candidate/addFriendReport", body)
    assert (status, payload["ret"]) == (404, 1002)


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        ({"alias_id": "张三-1"}, "search_id: this field is required"),
        ({"search_id": "wx_1"}, "alias_id: this field is required"),
        ({"alias_id": "x" * 21, "search_id": "wx_1"}, "alias_id: longer than 20 characters"),
        ({"alias_id": "a", "search_id": "x" * 33}, "search_id: longer than 32 characters"),
    ],
)
def test_add_report_input_is_validated(api, world, body, msg):
    status, payload = api.post("/wechat/candidate/addFriendReport", {"account_id": "wx-1", **body})
    assert (status, payload["ret"], payload["msg"], payload["data"]) == (400, 1001, msg, None)


# --- msgSendReport -----------------------------------------------------------------------------


def test_a_sent_message_completes_its_task_and_joins_the_transcript_as_ours(api, world):
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    task = world.send(friend, "您好，方便的话发份简历～")
    todo(api)
    sent(api, friend, "  您好，方便的话\n发份简历～ ")  # whitespace as the bot typed it
    task.refresh_from_db()
    assert task.status == "done"
    assert wechat_lines(friend) == [("robot", "您好，方便的话\n发份简历～")]
    row = Message.objects.get()
    assert row.sent_at is not None and row.channel == "wechat"


def test_the_oldest_open_task_with_the_same_text_is_completed(api, world):
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    older, other, newer = world.send(friend, "在吗"), world.send(friend, "别的"), world.send(friend, "在吗")
    sent(api, friend, "在吗")
    statuses = {t.pk: t.status for t in WechatTask.objects.filter(kind="send_msg")}
    assert (statuses[older.pk], statuses[other.pk], statuses[newer.pk]) == ("done", "pending", "pending")


def test_a_sent_report_after_the_lease_expired_completes_the_task_not_handed_out_again(api, world):
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    world.send(friend, "在吗")
    todo(api)
    WechatTask.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    sent(api, friend, "在吗")
    assert WechatTask.objects.get(kind="send_msg").status == "done"
    assert todo(api) == []


def test_a_repeated_send_report_stores_the_message_once(api, world):
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    world.send(friend, "在吗")
    for _ in range(3):
        sent(api, friend, "在吗")
    assert wechat_lines(friend) == [("robot", "在吗")]


def test_a_message_typed_by_hand_is_stored_as_the_recruiters_once(api, world):
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    sent(api, friend, "我是 HR 小王，明天给您打电话")
    sent(api, friend, "我是 HR 小王，明天给您打电话")
    assert wechat_lines(friend) == [("recruiter", "我是 HR 小王，明天给您打电话")]


def test_the_same_text_typed_again_after_the_candidate_wrote_is_stored_again(api, world):
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    sent(api, friend, "好的")
    receive(api, friend, "收到")
    sent(api, friend, "好的")
    assert [line for line in wechat_lines(friend) if line[0] == "recruiter"] == [("recruiter", "好的")] * 2


def test_the_engines_reply_is_marked_sent_not_stored_again(api, world):
    friend = world.friend(status=WechatFriend.Status.REQUESTED)
    reply = receive(api, friend, "你好")
    row = Message.objects.get(speaker="robot")
    assert (row.text, row.sent_at) == (reply, None)
    sent(api, friend, reply)
    sent(api, friend, reply)
    assert wechat_lines(friend) == [("user", "你好"), ("robot", reply)]
    assert Message.objects.get(speaker="robot").sent_at is not None


def test_a_multi_line_reply_sent_as_bubbles_is_not_stored_again(api, world):
    friend = world.friend(status=WechatFriend.Status.REQUESTED)
    reply = receive(api, friend, "你好")
    assert "\n" in reply
    for bubble in reply.split("\n"):
        sent(api, friend, bubble)
    assert wechat_lines(friend) == [("user", "你好"), ("robot", reply)]


def test_msg_send_is_required_and_scraped_text_is_cleaned(api, world):
    friend = world.friend(status=WechatFriend.Status.ACCEPTED)
    body = {"account_id": "wx-1", "alias_id": friend.alias_id}
    status, payload = api.post("/wechat/candidate/msgSendReport", body)
    assert (status, payload["msg"]) == (400, "msg_send: this field is required")
    status, payload = api.post("/wechat/candidate/msgSendReport", {**body, "msg_send": "   "})
    assert (status, payload["msg"]) == (400, "msg_send: this field may not be blank")
    raw = json.dumps({"account_id": "wx-1", "alias_id": friend.alias_id, "msg_send": "好\x00\ud800的"})
    status, payload = api.post("/wechat/candidate/msgSendReport", raw=raw)
    assert (status, payload["ret"]) == (200, 0), payload
    assert wechat_lines(friend) == [("recruiter", "好的")]
