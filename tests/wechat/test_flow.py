"""The whole WeChat flow end to end, as the platform bot and the WeChat bot drive it: a platform chat, a
contact result with a WeChat id → an add_friend task → addFriendReport → userMsguser answered from the
job's FAQ → msgSendReport → a CV asked for and received → an interview time agreed; the conversation's
transcript holds both channels, each line once."""

from __future__ import annotations

from recruit import presenters
from recruit.models import Conversation, Message, Notification
from tests.wechat.conftest import HELLO, items, todo
from wechat.models import WechatFriend, WechatTask


def test_from_a_platform_chat_to_an_interview_agreed_on_wechat(api, world):
    chat = {"accountID": "account_Boss_a", "candidateID": "c1", "candidateName": "张三"}
    history = [{"speaker": "robot", "msg": "您好，我们在招客服专员"}, {"speaker": "user", "msg": "你好，在哪上班？"}]
    answer = api.ok("/recruit/candidate/chat", {**chat, "historyMsg": history})
    assert answer["nextStep"] == "need_contact" and "北京望京" in answer["nextStepContent"]

    # The candidate's WeChat id arrives as a contact result: an add_friend task for the linked account.
    assert api.ok("/recruit/candidate/result", {**chat, "wechat": "zhang_san88"}) == {"status": "ok"}
    [add] = items(todo(api), "add_friend")
    assert (add["search_id"], add["hello_msg"]) == ("zhang_san88", HELLO)
    alias = add["alias_id"]
    assert alias.startswith("张三-") and len(alias) <= 20
    friend = WechatFriend.objects.get(alias_id=alias)

    def reply_to(text: str) -> str:
        reply = api.ok("/wechat/candidate/userMsguser", {"account_id": "wx-1", "alias_id": alias, "msg_receive": text})
        if reply["msg"]:  # the bot sends our reply, then reports it
            body = {"account_id": "wx-1", "alias_id": alias, "msg_send": reply["msg"]}
            assert api.ok("/wechat/candidate/msgSendReport", body) is None
        return reply["msg"]

    assert (
        api.ok(
            "/wechat/candidate/addFriendReport",
            {"account_id": "wx-1", "alias_id": alias, "search_id": add["search_id"]},
        )
        is None
    )
    assert WechatFriend.objects.get(pk=friend.pk).status == "requested"

    assert "请问您对这个岗位还感兴趣吗" in reply_to("我通过了你的朋友验证请求，现在我们可以开始聊天了")
    assert WechatFriend.objects.get(pk=friend.pk).status == "accepted"
    faq = reply_to("感兴趣，工资多少？")
    assert faq.startswith("底薪 6000，综合 7-9K。") and "简历" in faq  # the FAQ, then the CV request
    proposal = reply_to("[文件] 张三-简历.pdf")
    assert "收到您的简历" in proposal and "1. 周二 14:00" in proposal and "2. 周三 10:00" in proposal
    confirmed = reply_to("周三上午那个可以")
    assert "周三 10:00" in confirmed
    assert reply_to("好的，谢谢") == ""

    friend = WechatFriend.objects.get(pk=friend.pk)
    assert friend.status == "finished" and friend.interview_slot == "周三 10:00"
    assert all((friend.requested_at, friend.accepted_at, friend.cv_at, friend.interview_at))
    assert friend.requested_at <= friend.accepted_at <= friend.cv_at <= friend.interview_at
    assert todo(api) == [] and WechatTask.objects.get().status == "done"

    conversation = Conversation.objects.get()
    assert conversation.wechat_at is not None and conversation.cv_at is not None
    assert sorted(n.payload["detail"] for n in Notification.objects.filter(kind="contact")) == ["cv", "wechat"]

    rows = list(conversation.messages.order_by("seq"))
    platform = [(m.speaker, m.text) for m in rows if m.channel == "platform"]
    wechat = [(m.speaker, m.text) for m in rows if m.channel == "wechat"]
    assert platform[:2] == [("recruiter", "您好，我们在招客服专员"), ("user", "你好，在哪上班？")]
    assert [speaker for speaker, _ in wechat] == ["user", "robot"] * 4 + ["user"]
    assert [text for speaker, text in wechat if speaker == "robot"][1] == faq
    assert all(m.sent_at is not None for m in rows if m.channel == "wechat" and m.speaker == "robot")
    assert len({(m.channel, m.speaker, m.text) for m in rows}) == len(rows)  # nothing stored twice

    shown = presenters.transcript_lines(conversation, mask=True)
    assert {line.channel for line in shown} == {"招聘平台", "微信"}
    assert Message.objects.filter(channel="wechat").count() == 9
