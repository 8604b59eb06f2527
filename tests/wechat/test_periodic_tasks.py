"""The WeChat channel's Celery tasks (wechat/tasks.py) are thin wrappers: run as the worker runs them, they
call their service with the project's task policy."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from recruit.models import Message, Notification
from recruit.tasks import TASK_POLICY
from tests.factories import MessageFactory, WechatFriendFactory, WechatTaskFactory
from wechat import tasks
from wechat.models import WechatFriend, WechatTask


def test_lease_expiry_fails_a_task_after_its_third_lease_and_notifies(db):
    expired = timezone.now() - timedelta(seconds=1)
    task = WechatTaskFactory(status="leased", attempts=3, lease_until=expired)
    second_lease = WechatTaskFactory(status="leased", attempts=2, lease_until=expired)  # handed out again later

    assert tasks.expire_leases.apply().get() == 1

    task.refresh_from_db()
    second_lease.refresh_from_db()
    assert (task.status, second_lease.status) == ("failed", "leased")
    notification = Notification.objects.get()
    assert (notification.kind, notification.conversation_id) == ("task_failed", task.friend.conversation_id)


def test_the_nudge_task_queues_the_due_nudges(db):
    friend = WechatFriendFactory(status=WechatFriend.Status.ACCEPTED)
    ours = MessageFactory(conversation=friend.conversation, channel=Message.Channel.WECHAT, speaker="robot")
    Message.objects.filter(pk=ours.pk).update(created_at=timezone.now() - timedelta(days=2))

    assert tasks.queue_nudges.apply().get() == 1
    assert WechatTask.objects.filter(friend=friend, kind="send_msg").count() == 1


def test_the_tasks_have_the_projects_time_limits_and_retries():
    for task in (tasks.expire_leases, tasks.queue_nudges):
        assert (task.soft_time_limit, task.time_limit, task.max_retries) == (
            TASK_POLICY["soft_time_limit"],
            TASK_POLICY["time_limit"],
            TASK_POLICY["max_retries"],
        )
        assert task.autoretry_for == TASK_POLICY["autoretry_for"]
