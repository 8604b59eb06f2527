"""The rule engine on the WeChat channel and its readings (pure, no database): the goals in order
(confirm interest, CV, interview time), CV mentions, and the class of ways a candidate picks a slot."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chatbot.rule import (
    CHAT_REPLY,
    CV_ASKS,
    CV_THANKS,
    HOLD_REPLY,
    INTEREST_ASK,
    INTERVIEW_BY_HR,
    INTERVIEW_PROPOSAL,
    OTHER_TIME_REPLY,
    REFUSE_REPLY,
    RuleEngine,
)
from chatbot.types import FINISH, INTERVIEW_AGREED, NEED_ENSURE, NORMAL_CHAT, WECHAT, ChatContext, JobScript, Turn
from chatbot.wechat import cv_mentioned, pick_slot

SLOTS = ["周二 14:00", "周三 10:00"]
PROPOSAL = "\n".join([INTERVIEW_PROPOSAL, "1. 周二 14:00", "2. 周三 10:00"])
MONDAY = date(2024, 5, 6)


def script(**overrides) -> JobScript:
    values = {
        "name": "客服专员",
        "faq": {"salary": "底薪6000。"},
        "closing_msg": "好的",
        "interview_slots": list(SLOTS),
    }
    return JobScript(**{**values, **overrides})


def reply(text: str, *, before: tuple[str, ...] = (), **overrides):
    """The engine's answer to `text`, with our earlier WeChat lines `before`."""
    transcript = [Turn("robot", line) for line in before] + [Turn("user", text)]
    values = {
        "conversation_key": "k",
        "candidate_name": "张三",
        "job": script(),
        "transcript": transcript,
        "new_user_text": text,
        "message_time": datetime(2024, 5, 6, 10, 0, tzinfo=UTC),
        "has_contact": True,
        "channel": WECHAT,
    }
    values.update(overrides)
    answer = RuleEngine().reply(ChatContext(**values), timeout=1)
    assert answer.content.strip()
    return answer


# --- goals ----------------------------------------------------------------------------------------


def test_the_first_turn_greets_and_confirms_interest():
    answer = reply("我通过了你的朋友验证请求，现在我们可以开始聊天了")
    assert (answer.next_step, answer.intent) == (NORMAL_CHAT, "confirm_interest")
    assert answer.content.startswith("您好，我是「客服专员」岗位的招聘助理") and answer.content.endswith(INTEREST_ASK)


def test_a_question_first_is_answered_before_the_interest_question():
    answer = reply("工资多少？")
    assert answer.content == f"底薪6000。\n{INTEREST_ASK}" and answer.intent == "faq"


def test_then_a_cv_is_asked_for_twice_at_most():
    first = reply("感兴趣", before=(INTEREST_ASK,))
    assert (first.content, first.intent) == (CV_ASKS[0], "cv_ask")
    second = reply("好的", before=(INTEREST_ASK, CV_ASKS[0]))
    assert second.content == CV_ASKS[1]
    third = reply("嗯", before=(INTEREST_ASK, CV_ASKS[0], CV_ASKS[1]))
    assert third.content == PROPOSAL  # no CV after two asks: on to the interview


def test_declining_to_send_a_cv_moves_on_to_the_interview():
    assert reply("不方便发", before=(INTEREST_ASK, CV_ASKS[0])).content == PROPOSAL


def test_a_cv_is_thanked_for_and_the_slots_are_proposed():
    answer = reply("[文件] 张三简历.pdf", before=(INTEREST_ASK, CV_ASKS[0]), cv_received=True)
    assert answer.content == f"{CV_THANKS}\n{PROPOSAL}" and answer.intent == "cv"


def test_a_cv_first_skips_the_interest_question():
    answer = reply("简历发你了", cv_received=True)
    assert answer.content == f"{CV_THANKS}\n{PROPOSAL}"


def test_a_pick_after_the_proposal_agrees_the_interview():
    answer = reply("第二个吧", before=(PROPOSAL,), cv_received=True)
    assert (answer.next_step, answer.intent, answer.interview_slot) == (FINISH, INTERVIEW_AGREED, "周三 10:00")
    assert "周三 10:00" in answer.content


def test_no_pick_without_a_proposal_pending():
    answer = reply("第二个", before=(INTEREST_ASK, CV_ASKS[0]), cv_received=True)
    assert answer.intent != INTERVIEW_AGREED


def test_all_slots_turned_down_is_held_for_a_recruiter():
    answer = reply("都没空", before=(PROPOSAL,), cv_received=True)
    assert (answer.next_step, answer.content) == (NEED_ENSURE, OTHER_TIME_REPLY)


def test_an_unclear_answer_to_the_proposal_asks_again_then_hands_over():
    again = reply("嗯嗯", before=(PROPOSAL,), cv_received=True)
    assert (again.next_step, again.content) == (NORMAL_CHAT, PROPOSAL)
    spent = reply("嗯嗯", before=(PROPOSAL, PROPOSAL), cv_received=True)
    assert (spent.next_step, spent.content) == (NEED_ENSURE, INTERVIEW_BY_HR)


def test_without_slots_a_recruiter_arranges_the_time_once():
    answer = reply("好的", before=(INTEREST_ASK,), cv_received=True, job=script(interview_slots=[]))
    assert (answer.next_step, answer.content, answer.intent) == (NEED_ENSURE, INTERVIEW_BY_HR, "interview_schedule")
    after = reply("好的", before=(INTEREST_ASK, INTERVIEW_BY_HR), cv_received=True, job=script(interview_slots=[]))
    assert (after.next_step, after.content) == (NORMAL_CHAT, CHAT_REPLY)


def test_after_the_interview_is_agreed_questions_are_just_answered():
    answer = reply("工资多少？", before=(PROPOSAL, "好的"), cv_received=True, interview_agreed=True)
    assert (answer.next_step, answer.content) == (NORMAL_CHAT, "底薪6000。")


def test_refusal_unknown_questions_and_contacts_on_wechat():
    assert reply("不考虑了").content == REFUSE_REPLY
    held = reply("你们有股票期权吗？")
    assert (held.next_step, held.content) == (NEED_ENSURE, HOLD_REPLY)
    phone = reply("我电话 13800138000", before=(INTEREST_ASK,))
    assert phone.next_step == NORMAL_CHAT  # contact on WeChat does not finish the chat


# --- CVs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cv"),
    [
        ("[文件] 张三简历.pdf", True),
        ("[File] resume.docx", True),
        ("张三.pdf", True),
        ("简历发你了", True),
        ("我已经发了简历", True),
        ("刚把简历发过去了", True),
        ("I sent my resume", True),
        ("我晚点发简历给你", False),
        ("简历发哪里？", False),
        ("要发简历吗", False),
        ("我发了", False),
        ("[图片]", False),
    ],
)
def test_cv_mentioned(text, cv):
    assert cv_mentioned(text) is cv


# --- picking a slot: the class of references ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        # quoting it, however spaced
        ("周二 14:00", "周二 14:00"),
        ("周二14:00可以", "周二 14:00"),
        ("周三 10：00 吧", "周三 10:00"),
        # its position in the proposal
        ("第一个", "周二 14:00"),
        ("第二个吧", "周三 10:00"),
        ("第2个", "周三 10:00"),
        ("2", "周三 10:00"),
        ("选1", "周二 14:00"),
        ("前面那个", "周二 14:00"),
        ("最后一个", "周三 10:00"),
        # its day, in every spelling
        ("周二那个", "周二 14:00"),
        ("星期三可以", "周三 10:00"),
        ("礼拜二吧", "周二 14:00"),
        ("周3", "周三 10:00"),
        ("明天", "周二 14:00"),  # Monday's tomorrow
        ("后天上午", "周三 10:00"),
        # its time or half of the day
        ("下午两点", "周二 14:00"),
        ("两点可以", "周二 14:00"),
        ("10点", "周三 10:00"),
        ("十点的", "周三 10:00"),
        ("上午的", "周三 10:00"),
        ("下午吧", "周二 14:00"),
        ("周二下午", "周二 14:00"),
        # anything goes: the first
        ("都可以", "周二 14:00"),
        ("随便，都行", "周二 14:00"),
        # one turned down, another taken
        ("周二不行，周三可以", "周三 10:00"),
        ("第一个没空，第二个行", "周三 10:00"),
        ("周二下午可以，周四也行", "周二 14:00"),
    ],
)
def test_a_slot_is_picked(text, slot):
    assert pick_slot(text, SLOTS, today=MONDAY).slot == slot


@pytest.mark.parametrize("text", ["都不行", "这两个时间都没空", "换个时间吧", "周四可以吗", "下周五上午"])
def test_another_time_is_asked_for(text):
    assert pick_slot(text, SLOTS, today=MONDAY).other_time


@pytest.mark.parametrize(
    "text",
    [
        "好的",
        "可以",
        "第一次面试吗",
        "第一个月工资多少",
        "最后问一下，有宿舍吗",
        "第三个",
        "晚点可以吗",
        "周二不行",
        "快一点",
        "",
    ],
)
def test_nothing_is_picked(text):
    pick = pick_slot(text, SLOTS, today=MONDAY)
    assert pick.slot == ""


def test_dated_slots_and_ambiguity():
    dated = ["3月5日 下午2点", "3月6日 上午10点"]
    assert pick_slot("3月5日那个", dated).slot == "3月5日 下午2点"
    assert pick_slot("6号", dated).slot == "3月6日 上午10点"
    assert pick_slot("两点半", ["周二 14:30", "周二 15:00"]).slot == "周二 14:30"
    same_day = ["周二 10:00", "周二 15:00"]
    assert pick_slot("周二", same_day).slot == ""  # which one?
    assert pick_slot("周二下午", same_day).slot == "周二 15:00"
    assert pick_slot("第一个", []).slot == ""
