"""userMsguser / userMsg (CONTRACT §6): the candidate's message is stored, the friend accepted, and the
job's engine answers on the WeChat channel with the platform chat's deadline, fallback, masking, takeover
and need_ensure flagging."""

from __future__ import annotations

import json
import time

import pytest
from django.utils import timezone

from chatbot.engines import run_turn
from chatbot.rule import CV_ASKS, HOLD_REPLY, INTEREST_ASK, INTERVIEW_PROPOSAL, OTHER_TIME_REPLY, REFUSE_REPLY
from devtools.fakes import FakeAlgo, FakeOpenAI, HttpError, Sleep, algo_answer
from recruit.models import ContactRecord, Conversation, DoNotContact, Message, Notification
from recruit.services.actions import conversation_flag_clear, conversation_take_over
from tests.factories import UserFactory
from tests.wechat.conftest import SLOTS, conversation_of, receive, sent, todo
from wechat.models import WechatFriend, WechatTask
from wechat.services import chat as wechat_chat


def lines(friend) -> list[tuple[str, str]]:
    rows = Message.objects.filter(conversation_id=friend.conversation_id, channel="wechat").order_by("seq")
    return list(rows.values_list("speaker", "text"))


def stored(friend) -> WechatFriend:
    return WechatFriend.objects.get(pk=friend.pk)


@pytest.fixture
def friend(world):
    return world.friend(status=WechatFriend.Status.REQUESTED, requested_at=timezone.now())


# --- the friend's state ---------------------------------------------------------------------------


def test_the_first_message_marks_the_friend_accepted_and_is_answered(api, world, friend):
    reply = receive(api, friend, "我通过了你的朋友验证请求，现在我们可以开始聊天了")
    assert "客服专员" in reply and INTEREST_ASK in reply
    friend = stored(friend)
    assert (friend.status, friend.accepted_at is not None, friend.last_message_at is not None) == (
        "accepted",
        True,
        True,
    )
    assert lines(friend) == [("user", "我通过了你的朋友验证请求，现在我们可以开始聊天了"), ("robot", reply)]
    robot = Message.objects.get(speaker="robot")
    assert (robot.channel, robot.engine, robot.next_step, robot.sent_at) == ("wechat", "rule", "normal_chat", None)


def test_a_later_message_means_chatting_and_milestones_are_set_once(api, world, friend):
    receive(api, friend, "你好")
    accepted_at = stored(friend).accepted_at
    receive(api, friend, "感兴趣的")
    friend = stored(friend)
    assert (friend.status, friend.accepted_at) == ("chatting", accepted_at)


def test_a_message_before_any_report_also_records_the_request_and_closes_the_add_task(api, world):
    friend = world.friend()  # queued, its add task pending
    receive(api, friend, "你好")
    friend = stored(friend)
    assert (friend.status, friend.requested_at is not None, friend.accepted_at is not None) == ("accepted", True, True)
    assert WechatTask.objects.get().status == "done"
    assert todo(api) == []  # never added twice


@pytest.mark.parametrize(
    "path", ["/wechat/candidate/userMsguser", "/wechat/candidate/userMsg", "/wechat/candidate/userMsg/"]
)
def test_both_paths_answer(api, friend, path):
    assert receive(api, friend, "你好", path=path)


def test_accountID_spelling(api, friend):
    body = {"accountID": "wx-1", "alias_id": friend.alias_id, "msg_receive": "你好"}
    assert api.ok("/wechat/candidate/userMsguser", body)["msg"]


# --- the dialogue ---------------------------------------------------------------------------------


def test_faq_questions_are_answered_from_the_job_then_the_next_goal(api, world, friend):
    receive(api, friend, "你好")
    reply = receive(api, friend, "感兴趣，工资多少？")
    assert reply.startswith("底薪 6000，综合 7-9K。") and CV_ASKS[0] in reply


def test_an_unanswerable_question_is_held_and_flagged_then_silence_until_cleared(api, world, friend):
    receive(api, friend, "你好")
    assert receive(api, friend, "你们有股票期权吗？") == HOLD_REPLY
    conversation = conversation_of(friend)
    assert conversation.needs_human
    assert Notification.objects.filter(kind="need_human", conversation=conversation).count() == 1
    assert receive(api, friend, "在吗？") == ""
    assert lines(friend)[-1] == ("user", "在吗？")  # stored all the same
    conversation_flag_clear(conversation=conversation, user=UserFactory(is_superuser=True))
    assert receive(api, friend, "工资多少？").startswith("底薪")


def test_a_conversation_taken_over_gets_no_reply_but_keeps_the_message(api, world, friend):
    conversation_take_over(conversation=conversation_of(friend), user=UserFactory(is_superuser=True))
    assert receive(api, friend, "工资多少？") == ""
    assert lines(friend) == [("user", "工资多少？")]
    assert stored(friend).status == "accepted"


def test_a_refusal_declines_the_conversation(api, world, friend):
    receive(api, friend, "你好")
    assert receive(api, friend, "不考虑了，谢谢") == REFUSE_REPLY
    assert conversation_of(friend).status == "declined"
    assert DoNotContact.objects.filter(kind="platform_id").exists()
    assert receive(api, friend, "好的") == ""


def test_a_cv_is_a_milestone_on_the_friend_and_the_conversation_and_notified_once(api, world, friend):
    receive(api, friend, "你好")
    reply = receive(api, friend, "[文件] 张三-简历.pdf")
    assert reply.startswith("收到您的简历") and INTERVIEW_PROPOSAL in reply
    assert all(f"{i}. {slot}" in reply for i, slot in enumerate(SLOTS, 1))
    friend = stored(friend)
    conversation = conversation_of(friend)
    assert friend.cv_at is not None and conversation.cv_at is not None
    assert ContactRecord.objects.get(conversation=conversation).cv_received
    assert [n.payload["detail"] for n in Notification.objects.filter(kind="contact")] == ["cv"]
    receive(api, friend, "简历发你了")  # said again: nothing new
    assert Notification.objects.filter(kind="contact").count() == 1
    assert stored(friend).cv_at == friend.cv_at


def test_a_phone_written_on_wechat_is_stored_and_a_wechat_id_queues_nothing(api, world, friend):
    receive(api, friend, "我电话 13800138000，另一个微信 li_si_2024")
    record = ContactRecord.objects.get(conversation_id=friend.conversation_id)
    assert record.phone == "13800138000" and record.wechat == ""
    assert WechatFriend.objects.count() == 1


def test_an_interview_time_agreed_finishes_the_friend_and_acknowledgements_get_nothing(api, world, friend):
    receive(api, friend, "你好")
    receive(api, friend, "[文件] 简历.pdf")
    reply = receive(api, friend, "周三上午那个可以")
    assert "周三 10:00" in reply
    friend = stored(friend)
    assert (friend.status, friend.interview_slot, friend.interview_at is not None) == ("finished", "周三 10:00", True)
    robot = Message.objects.filter(speaker="robot").last()
    assert robot.intent == "interview_agreed" and robot.next_step == "finish"
    assert conversation_of(friend).status == "open"  # the platform conversation is left as it was
    assert receive(api, friend, "好的，谢谢！") == ""
    assert receive(api, friend, "工资多少？").startswith("底薪")  # a new question is still answered


def test_another_time_is_held_for_a_recruiter(api, world, friend):
    receive(api, friend, "你好")
    receive(api, friend, "[文件] 简历.pdf")
    assert receive(api, friend, "这两个时间都不行") == OTHER_TIME_REPLY
    assert conversation_of(friend).needs_human
    assert stored(friend).interview_at is None


def test_a_retried_call_gets_the_same_reply_and_stores_nothing(api, world, friend):
    first = receive(api, friend, "工资多少？")
    assert receive(api, friend, "工资多少？") == first
    assert len(lines(friend)) == 2
    sent(api, friend, first)  # the bot sent it: the same words again are a new message
    assert receive(api, friend, "工资多少？")
    assert len(lines(friend)) == 4


def test_a_duplicate_while_the_first_call_waits_on_the_engine_answers_nothing(world, friend):
    claim = wechat_chat._record(account=world.wechat, alias_id=friend.alias_id, text="工资多少？", now=timezone.now())
    assert isinstance(claim, wechat_chat._Claim)
    assert wechat_chat.wechat_message_receive(account=world.wechat, alias_id=friend.alias_id, text="工资多少？") == ""
    assert wechat_chat._save_reply(claim, run_turn(claim.robot_api, claim.ctx), timezone.now()).startswith("底薪")
    assert [speaker for speaker, _text in lines(friend)] == ["user", "robot"]


def test_a_reply_computed_while_a_recruiter_took_over_is_not_saved(world, friend):
    claim = wechat_chat._record(account=world.wechat, alias_id=friend.alias_id, text="工资多少？", now=timezone.now())
    conversation_take_over(conversation=conversation_of(friend), user=UserFactory(is_superuser=True))
    outcome = run_turn(claim.robot_api, claim.ctx)
    assert wechat_chat._save_reply(claim, outcome, timezone.now()) == ""
    assert lines(friend) == [("user", "工资多少？")]


def test_a_paused_wechat_account_still_answers(api, world, friend):
    world.wechat.active = False
    world.wechat.save()
    assert receive(api, friend, "你好")


def test_wechat_lines_leave_the_platform_chat_alone(api, world, friend):
    """The platform page resent unchanged while a WeChat message waits for its reply: the platform
    chat's last speaker is still ours, so nothing is due there."""
    conversation = conversation_of(friend)
    history = [{"speaker": "robot", "msg": "您好"}, {"speaker": "user", "msg": "工资多少？"}]
    body = {"accountID": "account_Boss_a", "candidateID": conversation.candidate.platform_cid, "candidateName": "张三"}
    first = api.ok("/recruit/candidate/chat", {**body, "historyMsg": history})
    assert first["nextStep"] == "need_contact"
    history.append({"speaker": "robot", "msg": first["nextStepContent"]})
    wechat_chat._record(account=world.wechat, alias_id=friend.alias_id, text="你好", now=timezone.now())
    assert api.ok("/recruit/candidate/chat", {**body, "historyMsg": history}) == {"nextStep": "", "nextStepContent": ""}
    conversation.refresh_from_db()
    assert (conversation.last_speaker, conversation.contact_asks) == ("robot", 1)


# --- engines ----------------------------------------------------------------------------------------


@pytest.fixture
def llm(world, settings):
    settings.CHAT_DEADLINE = 2.0
    settings.LLM_MAX_RETRIES = 0
    world.job.robot_api = "llm"
    world.job.save()


def llm_answer(**fields) -> dict:
    return {"intent": "ask", "reply": "好的～", "next_step": "normal_chat", "contact": {}, **fields}


def test_the_llm_talks_on_the_wechat_channel_from_a_masked_transcript(api, llm, friend, settings):
    with FakeOpenAI(llm_answer(reply="您好！薪资是底薪 6000。")) as server:
        settings.OPENAI_BASE_URL = server.base_url
        assert receive(api, friend, "薪资多少？我电话 13800138000") == "您好！薪资是底薪 6000。"
    system = server.requests[0]["messages"][0]["content"]
    assert "微信" in system and "面试时间" in system and "周二 14:00 / 周三 10:00" in system
    assert "interview_agreed" in system and '"interview_slot"' in system
    sent_body = json.dumps(server.requests[0], ensure_ascii=False)
    assert "13800138000" not in sent_body and "138****8000" in sent_body
    assert Message.objects.get(speaker="robot").engine == "llm"


def test_the_llm_may_agree_an_interview_with_its_slot(api, llm, friend, settings):
    answer = llm_answer(
        intent="interview_agreed", reply="好的，周三上午十点见", next_step="finish", interview_slot="周三 10:00"
    )
    with FakeOpenAI(answer) as server:
        settings.OPENAI_BASE_URL = server.base_url
        assert receive(api, friend, "周三上午可以") == "好的，周三上午十点见"
    friend = stored(friend)
    assert (friend.status, friend.interview_slot) == ("finished", "周三 10:00")


def test_an_engine_agreement_without_a_slot_takes_the_slot_the_candidate_picked(api, llm, friend, settings):
    answer = llm_answer(intent="interview_agreed", reply="好的，到时见", next_step="finish")
    with FakeOpenAI(answer) as server:
        settings.OPENAI_BASE_URL = server.base_url
        receive(api, friend, "就第一个吧")
    assert stored(friend).interview_slot == "周二 14:00"


def test_the_external_engine_gets_the_conversation_and_may_agree_an_interview(api, world, friend, settings):
    with FakeAlgo(algo_answer("好的，周二下午见", "interview_agreed")) as server:
        world.job.robot_api = server.url + "/chat"
        world.job.save()
        assert receive(api, friend, "周二下午两点可以") == "好的，周二下午见"
    request = server.requests[0]
    conversation = conversation_of(friend)
    assert request["conversation_id"] == f"account_Boss_a_job_Boss_j_{conversation.candidate.platform_cid}"
    assert request["message"] == "周二下午两点可以"
    friend = stored(friend)
    assert (friend.status, friend.interview_slot) == ("finished", "周二 14:00")


@pytest.mark.parametrize("behaviour", ["not json", HttpError(500)], ids=["invalid", "http-500"])
def test_an_engine_failure_falls_back_to_the_rule_reply_and_is_recorded(api, llm, friend, settings, behaviour):
    with FakeOpenAI(behaviour) as server:
        settings.OPENAI_BASE_URL = server.base_url
        reply = receive(api, friend, "工资多少？")
    assert reply.startswith("底薪 6000")
    robot = Message.objects.get(speaker="robot")
    assert (robot.engine, robot.next_step, bool(robot.error)) == ("llm", "algo_abnormal", True)


def test_a_hung_engine_does_not_hang_the_request(api, llm, friend, settings):
    with FakeOpenAI(Sleep(30, llm_answer())) as server:
        settings.OPENAI_BASE_URL = server.base_url
        settings.LLM_TIMEOUT = 60
        started = time.monotonic()
        reply = receive(api, friend, "工资多少？")
        elapsed = time.monotonic() - started
    assert reply and elapsed < 10


# --- refusals, with the failure shape ---------------------------------------------------------------


def test_unknown_alias_is_1002_with_the_shape(api, world):
    body = {"account_id": "wx-1", "alias_id": "nobody", "msg_receive": "你好"}
    status, payload = api.post("/wechat/candidate/userMsguser", body)
    assert (status, payload["ret"], payload["data"]) == (404, 1002, {"msg": ""})
    status, payload = api.post("/wechat/candidate/userMsg", {**body, "account_id": "wx-nobody"})
    assert (status, payload["ret"], payload["data"]) == (404, 1002, {"msg": ""})
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        ({"alias_id": "a"}, "msg_receive: this field is required"),
        ({"alias_id": "a", "msg_receive": "  "}, "msg_receive: this field may not be blank"),
        ({"alias_id": "a", "msg_receive": 42}, "msg_receive: expected a string"),
        ({"msg_receive": "hi"}, "alias_id: this field is required"),
    ],
)
def test_bad_input_is_1001_with_the_shape(api, world, body, msg):
    status, payload = api.post("/wechat/candidate/userMsguser", {"account_id": "wx-1", **body})
    assert (status, payload["ret"], payload["msg"], payload["data"]) == (400, 1001, msg, {"msg": ""})


def test_scraped_message_text_is_cleaned_and_kept(api, friend):
    raw = json.dumps({"account_id": "wx-1", "alias_id": friend.alias_id, "msg_receive": "你\x00好"})
    status, payload = api.post("/wechat/candidate/userMsguser", raw=raw)
    assert (status, payload["ret"]) == (200, 0)
    assert lines(friend)[0] == ("user", "你好")


def test_conversation_keeps_the_platform_transcript_apart(api, world, friend):
    conversation = conversation_of(friend)
    Message.objects.create(conversation=conversation, seq=0, speaker="user", text="平台上的话")
    Conversation.objects.filter(pk=conversation.pk).update(message_count=1)
    receive(api, friend, "你好")
    rows = list(Message.objects.filter(conversation=conversation).order_by("seq").values_list("seq", "channel"))
    assert rows == [(0, "platform"), (1, "wechat"), (2, "wechat")]
