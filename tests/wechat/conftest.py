"""A WeChat world: a job with FAQ and interview slots, a recruiting account, and a WeChat account linked
to it (`wx-1`), plus helpers that post like the WeChat bot."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from recruit.models import Conversation, Job, RecruitAccount
from tests.factories import (
    AccountFactory,
    CandidateFactory,
    ConversationFactory,
    JobFactory,
    WechatAccountFactory,
    WechatAccountLinkFactory,
    link,
)
from wechat.models import WechatAccount, WechatFriend, WechatTask

SLOTS = ["周二 14:00", "周三 10:00"]
HELLO = "您好，我是 BOSS 上和您聊过的招聘顾问"


@dataclass
class World:
    job: Job
    account: RecruitAccount
    wechat: WechatAccount

    def friend(self, *, status: str = WechatFriend.Status.QUEUED, name: str = "张三", **fields) -> WechatFriend:
        """A friend of `wx-1` on a new conversation of the job, with its add task (pending)."""
        conversation = ConversationFactory(account=self.account, job=self.job, candidate=CandidateFactory(name=name))
        friend = WechatFriend.objects.create(
            wechat_account=self.wechat,
            conversation=conversation,
            search_id=fields.pop("search_id", f"wx_{conversation.pk:06d}"),
            alias_id=fields.pop("alias_id", f"{name}-{conversation.pk:04x}"),
            status=status,
            **fields,
        )
        WechatTask.objects.create(
            wechat_account=self.wechat,
            friend=friend,
            kind=WechatTask.Kind.ADD_FRIEND,
            msg=self.wechat.hello_msg,
            status=WechatTask.Status.PENDING if status == WechatFriend.Status.QUEUED else WechatTask.Status.DONE,
        )
        return friend

    def send(self, friend: WechatFriend, msg: str) -> WechatTask:
        return WechatTask.objects.create(
            wechat_account=self.wechat, friend=friend, kind=WechatTask.Kind.SEND_MSG, msg=msg
        )


@pytest.fixture
def world(db) -> World:
    job = JobFactory(
        platform_id="j",
        name="客服专员",
        faq_salary="底薪 6000，综合 7-9K。",
        faq_location="北京望京。",
        interview_slots="\n".join(SLOTS),
    )
    account = AccountFactory(platform_id="a", team=job.team)
    link(account, job)
    wechat = WechatAccountFactory(account_id="wx-1", team=job.team, hello_msg=HELLO)
    WechatAccountLinkFactory(wechat_account=wechat, recruit_account=account)
    return World(job=job, account=account, wechat=wechat)


def conversation_of(friend: WechatFriend) -> Conversation:
    return Conversation.objects.get(pk=friend.conversation_id)


def todo(api, account_id: str = "wx-1", *, key: str = "account_id") -> list[dict]:
    return api.ok("/wechat/candidate/taskToDo", {key: account_id})["task_list"]


def items(task_list: list[dict], kind: str) -> list[dict]:
    return next((group["content"] for group in task_list if group["task_type"] == kind), [])


def receive(api, friend: WechatFriend, text: str, *, path: str = "/wechat/candidate/userMsguser") -> str:
    return api.ok(path, {"account_id": "wx-1", "alias_id": friend.alias_id, "msg_receive": text})["msg"]


def sent(api, friend: WechatFriend, text: str) -> None:
    body = {"account_id": "wx-1", "alias_id": friend.alias_id, "msg_send": text}
    assert api.ok("/wechat/candidate/msgSendReport", body) is None


def requested(api, friend: WechatFriend) -> None:
    body = {"account_id": "wx-1", "alias_id": friend.alias_id, "search_id": friend.search_id}
    assert api.ok("/wechat/candidate/addFriendReport", body) is None
