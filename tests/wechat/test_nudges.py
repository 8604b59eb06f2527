"""Nudges to WeChat friends gone silent (wechat/nudges.py, CONTRACT §4 `wechat_nudge_after_hours`): due
after the job's delay since our last message, bounded by WECHAT_MAX_NUDGES, queued once per step, never
for taken-over, flagged or declined conversations, paused accounts or jobs with nudges off."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from recruit import jobconfig
from recruit.models import Message
from tests.factories import ConversationFactory, JobFactory, MessageFactory, UserFactory, WechatFriendFactory
from wechat.models import WechatFriend, WechatTask
from wechat.nudges import wechat_nudges_queue

OURS_AT = timezone.make_aware(datetime(2026, 3, 10, 10, 0))
DUE = OURS_AT + timedelta(hours=24)


def say(friend: WechatFriend, speaker: str, text: str, at: datetime) -> Message:
    message = MessageFactory(
        conversation=friend.conversation, channel=Message.Channel.WECHAT, speaker=speaker, text=text
    )
    Message.objects.filter(pk=message.pk).update(created_at=at)
    return message


@pytest.fixture
def friend(db) -> WechatFriend:
    """Accepted on WeChat: the candidate wrote first, we answered at OURS_AT; the job nudges after 24 h."""
    job = JobFactory(name="客服专员", wechat_nudge_after_hours=24)
    conversation = ConversationFactory(job=job, account__team=job.team, candidate__name="张三")
    friend = WechatFriendFactory(conversation=conversation, status=WechatFriend.Status.ACCEPTED, accepted_at=OURS_AT)
    say(friend, "user", "你好，我是张三", OURS_AT - timedelta(minutes=5))
    say(friend, "robot", "您好，方便发一份简历吗？", OURS_AT)
    return friend


def nudges(friend: WechatFriend) -> list[str]:
    return list(WechatTask.objects.filter(friend=friend, kind="send_msg").order_by("pk").values_list("msg", flat=True))


def test_a_friend_silent_for_the_jobs_delay_is_nudged_once(friend):
    assert wechat_nudges_queue(now=DUE - timedelta(seconds=1)) == 0
    assert wechat_nudges_queue(now=DUE) == 1
    assert wechat_nudges_queue(now=DUE + timedelta(hours=30)) == 0  # the nudge is still waiting for the bot

    [task] = WechatTask.objects.filter(friend=friend, kind="send_msg")
    assert (task.status, task.wechat_account_id) == ("pending", friend.wechat_account_id)
    assert task.msg == jobconfig.wechat_nudge(friend.conversation.job, name="张三", step=0)
    assert task.msg.startswith("张三您好") and "「客服专员」" in task.msg
    friend.refresh_from_db()
    assert friend.nudge_count == 1


def test_the_next_step_waits_the_delay_after_the_nudge_was_sent_and_the_count_is_bounded(friend, settings):
    settings.WECHAT_MAX_NUDGES = 2
    job = friend.conversation.job
    assert wechat_nudges_queue(now=DUE) == 1
    # The bot sends it: the task is done and the nudge joins the transcript as our message.
    WechatTask.objects.filter(friend=friend).update(status="done", done_at=DUE + timedelta(minutes=1))
    say(friend, "robot", nudges(friend)[0], DUE + timedelta(minutes=1))

    assert wechat_nudges_queue(now=DUE + timedelta(hours=24)) == 0
    assert wechat_nudges_queue(now=DUE + timedelta(hours=24, minutes=1)) == 1
    assert nudges(friend)[1] == jobconfig.wechat_nudge(job, name="张三", step=1) != nudges(friend)[0]

    WechatTask.objects.filter(friend=friend).update(status="done")
    say(friend, "robot", nudges(friend)[1], DUE + timedelta(hours=24, minutes=2))
    assert wechat_nudges_queue(now=DUE + timedelta(days=30)) == 0  # WECHAT_MAX_NUDGES reached
    friend.refresh_from_db()
    assert friend.nudge_count == 2


def test_a_reply_from_the_candidate_stops_the_nudge(friend):
    say(friend, "user", "我考虑一下", OURS_AT + timedelta(hours=1))
    assert wechat_nudges_queue(now=DUE + timedelta(days=3)) == 0


def test_each_job_has_its_own_delay(friend):
    other = WechatFriendFactory(
        conversation=ConversationFactory(job=JobFactory(wechat_nudge_after_hours=48)),
        status=WechatFriend.Status.CHATTING,
    )
    say(other, "robot", "您好", OURS_AT)
    assert wechat_nudges_queue(now=DUE) == 1
    assert nudges(other) == []
    assert wechat_nudges_queue(now=OURS_AT + timedelta(hours=48)) == 1
    assert len(nudges(other)) == 1


def test_no_nudge_before_we_said_anything(friend):
    Message.objects.filter(conversation=friend.conversation, speaker="robot").delete()
    assert wechat_nudges_queue(now=DUE + timedelta(days=3)) == 0


def test_platform_messages_do_not_count(friend):
    MessageFactory(conversation=friend.conversation, speaker="user", text="平台上的回复")  # the platform channel
    assert wechat_nudges_queue(now=DUE) == 1


def _taken_over(friend):
    friend.conversation.taken_over_by = UserFactory()
    friend.conversation.save()


def _flagged(friend):
    friend.conversation.needs_human = True
    friend.conversation.save()


def _declined(friend):
    friend.conversation.status = "declined"
    friend.conversation.save()


def _paused(friend):
    friend.wechat_account.active = False
    friend.wechat_account.save()


def _nudges_off(friend):
    friend.conversation.job.wechat_nudge_after_hours = 0
    friend.conversation.job.save()


def _job_off(friend):
    friend.conversation.job.active = False
    friend.conversation.job.save()


def _interview_agreed(friend):
    friend.status = WechatFriend.Status.FINISHED
    friend.save()


def _not_accepted_yet(friend):
    friend.status = WechatFriend.Status.REQUESTED
    friend.save()


def _reply_waiting(friend):
    WechatTask.objects.create(wechat_account=friend.wechat_account, friend=friend, kind="send_msg", msg="稍等")


@pytest.mark.parametrize(
    "change",
    [
        _taken_over,
        _flagged,
        _declined,
        _paused,
        _nudges_off,
        _job_off,
        _interview_agreed,
        _not_accepted_yet,
        _reply_waiting,
    ],
)
def test_never_nudged(friend, change):
    change(friend)
    assert wechat_nudges_queue(now=DUE + timedelta(days=3)) == 0
    friend.refresh_from_db()
    assert friend.nudge_count == 0


def test_statements_per_run_do_not_grow_with_friends_not_due(friend, django_assert_max_num_queries):
    for _ in range(5):
        other = WechatFriendFactory(conversation=ConversationFactory(), status=WechatFriend.Status.ACCEPTED)
        say(other, "robot", "您好", DUE)  # not due yet
    with django_assert_max_num_queries(2):  # the delays, the due friends
        assert wechat_nudges_queue(now=DUE - timedelta(seconds=1)) == 0
