"""Concurrent nudge runs on PostgreSQL (threads against real row locks) queue each nudge once."""

from __future__ import annotations

import pytest

from tests.factories import ConversationFactory, WechatFriendFactory
from tests.recruit.test_concurrency import run_threads
from tests.wechat.test_nudges import DUE, OURS_AT, say
from wechat.models import WechatFriend, WechatTask
from wechat.nudges import wechat_nudges_queue

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_runs_queue_each_nudge_once(postgres):
    friends = [
        WechatFriendFactory(conversation=ConversationFactory(), status=WechatFriend.Status.ACCEPTED) for _ in range(5)
    ]
    for friend in friends:
        say(friend, "robot", "您好，方便发一份简历吗？", OURS_AT)

    results = run_threads(lambda _index: wechat_nudges_queue(now=DUE), 8)

    assert sum(results) == 5
    assert WechatTask.objects.filter(kind="send_msg").count() == 5
    assert set(WechatFriend.objects.values_list("nudge_count", flat=True)) == {1}
