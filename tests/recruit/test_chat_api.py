"""candidate/chat with the rule engine: scenarios, merging, precedence (CONTRACT §4, §5)."""

from __future__ import annotations

import pytest

from recruit.models import ContactRecord, Conversation, DoNotContact, Message, Notification
from tests.factories import AccountFactory, JobFactory, link

GREETING = "您好，我们在招客服专员，方便聊聊吗？"


@pytest.fixture
def job(db):
    job = JobFactory(
        platform_id="j",
        name="客服专员",
        touch_msg=GREETING,
        faq_salary="底薪 6000，综合 7-9K。",
        faq_location="北京望京。",
        contact_ask="方便留个微信吗？\n留个电话也行。",
        max_contact_asks=2,
        closing_msg="好的，HR 会尽快联系您！",
    )
    link(AccountFactory(platform_id="a"), job)
    return job


def chat(api, *lines, cid="c1", name="张三", **extra):
    history = [{"speaker": s, "msg": m} for s, m in lines]
    body = {"accountID": "account_Boss_a", "candidateID": cid, "candidateName": name, "historyMsg": history, **extra}
    return api.ok("/recruit/candidate/chat", body)


def transcript(cid="c1"):
    return list(
        Message.objects.filter(conversation__candidate__platform_cid=cid).order_by("seq").values_list("speaker", "text")
    )


def test_salary_question_is_answered_from_faq_and_asks_for_contact(api, job):
    answer = chat(api, ("robot", GREETING), ("user", "你好，薪资多少？"))
    assert answer["nextStep"] == "need_contact"
    assert "底薪 6000" in answer["nextStepContent"]
    assert "微信" in answer["nextStepContent"]
    conversation = Conversation.objects.get()
    assert conversation.contact_asks == 1 and conversation.source == "user_ask"
    robot = Message.objects.filter(speaker="robot").last()
    assert (robot.engine, robot.next_step) == ("rule", "need_contact") and robot.latency_ms is not None


def test_wechat_id_is_saved_and_finishes(api, job):
    answer = chat(api, ("robot", GREETING), ("user", "我微信是 zhang_san88"))
    assert answer == {"nextStep": "finish", "nextStepContent": "好的，HR 会尽快联系您！"}
    assert ContactRecord.objects.get().wechat == "zhang_san88"
    assert Conversation.objects.get().status == "finished"
    assert Notification.objects.filter(kind="contact").count() == 1


@pytest.mark.parametrize("text", ["电话 138 0013 8000", "138-0013-8000", "+86 13800138000"])
def test_phone_with_separators_is_saved(api, job, text):
    answer = chat(api, ("robot", GREETING), ("user", text))
    assert answer["nextStep"] == "finish"
    assert ContactRecord.objects.get().phone == "13800138000"


def test_refusal_finishes_politely_and_blocks_future_screening(api, job):
    answer = chat(api, ("robot", GREETING), ("user", "不考虑了，谢谢"))
    assert answer["nextStep"] == "finish" and answer["nextStepContent"]
    assert Conversation.objects.get().status == "declined"
    assert DoNotContact.objects.filter(kind="platform_id").exists()


def test_robot_question_gets_a_deflection(api, job):
    answer = chat(api, ("robot", GREETING), ("user", "你是机器人吗"))
    assert answer["nextStep"] in ("normal_chat", "need_contact")
    assert "机器人" not in answer["nextStepContent"] or "不是" not in answer["nextStepContent"]
    assert answer["nextStepContent"]


def test_question_outside_faq_flags_for_a_recruiter(api, job):
    answer = chat(api, ("robot", GREETING), ("user", "你们公司有食堂吗？"))
    assert answer["nextStep"] == "need_ensure" and answer["nextStepContent"]
    conversation = Conversation.objects.get()
    assert conversation.needs_human
    assert Notification.objects.filter(kind="need_human").exists()
    # Until a recruiter clears the flag, the bot stays silent.
    later = chat(
        api, ("robot", GREETING), ("user", "你们公司有食堂吗？"), ("robot", answer["nextStepContent"]), ("user", "？")
    )
    assert later == {"nextStep": "", "nextStepContent": ""}


def test_same_history_twice_adds_nothing_and_gives_the_same_answer(api, job):
    lines = [("robot", GREETING), ("user", "薪资多少？")]
    first = chat(api, *lines)
    size = len(transcript())
    second = chat(api, *lines)
    assert second == first
    assert len(transcript()) == size
    assert Conversation.objects.get().contact_asks == 1


def test_history_ending_with_robot_message_gets_nothing(api, job):
    assert chat(api, ("robot", GREETING)) == {"nextStep": "", "nextStepContent": ""}
    assert chat(api, ("robot", GREETING), ("user", "在"), ("system", "对方已读")) != {
        "nextStep": "",
        "nextStepContent": "",
    }


def test_system_line_does_not_count_as_last_speaker(api, job):
    answer = chat(api, ("robot", GREETING), ("user", "薪资多少？"), ("system", "对方正在输入"))
    assert answer["nextStep"] == "need_contact"


def test_answer_is_echoed_then_new_user_line_is_appended_once(api, job):
    first = chat(api, ("robot", GREETING), ("user", "薪资多少？"))
    bubbles = [("robot", b) for b in first["nextStepContent"].split("\n")]
    chat(api, ("robot", GREETING), ("user", "薪资多少？"), *bubbles, ("user", "在哪里上班？"))
    texts = [t for _s, t in transcript()]
    assert texts.count("薪资多少？") == 1 and texts.count("在哪里上班？") == 1
    assert texts[-1] != "在哪里上班？"  # the answer follows


def test_window_of_recent_lines_merges_without_duplicates(api, job):
    chat(api, ("robot", GREETING), ("user", "薪资多少？"))
    reply = [
        ("robot", b)
        for b in Message.objects.filter(speaker="robot").exclude(text=GREETING).values_list("text", flat=True)
    ]
    # The page scrolled: only the latest lines are visible.
    chat(api, *reply, ("user", "好的"))
    texts = [t for _s, t in transcript()]
    assert texts.count(GREETING) == 1 and texts.count("好的") == 1


def test_recruiter_lines_typed_by_hand_are_kept_as_recruiter(api, job):
    chat(api, ("robot", GREETING), ("robot", "我是 HR 小王，补充一下：周末双休"), ("user", "好"))
    assert ("recruiter", "我是 HR 小王，补充一下：周末双休") in transcript()


def test_taken_over_conversation_gets_nothing(api, job, django_user_model):
    chat(api, ("robot", GREETING), ("user", "薪资多少？"))
    user = django_user_model.objects.create(username="hr", is_staff=True)
    Conversation.objects.update(taken_over_by=user)
    assert chat(api, ("robot", GREETING), ("user", "薪资多少？"), ("user", "在吗")) == {
        "nextStep": "",
        "nextStepContent": "",
    }
    assert transcript()[-1] == ("user", "在吗")  # still recorded


def test_contact_asks_exhausted_never_need_contact_again(api, job):
    lines = [("robot", GREETING)]
    steps = []
    for question in ("薪资多少？", "在哪里上班？", "工资怎么算？"):
        lines.append(("user", question))
        answer = chat(api, *lines)
        steps.append(answer["nextStep"])
        lines += [("robot", b) for b in answer["nextStepContent"].split("\n")]
    assert steps == ["need_contact", "need_contact", "normal_chat"]


def test_finished_conversation_ignores_acknowledgements(api, job):
    lines = [("robot", GREETING), ("user", "微信 zhang_san88")]
    first = chat(api, *lines)
    lines += [("robot", first["nextStepContent"]), ("user", "好的，谢谢👍")]
    assert chat(api, *lines) == {"nextStep": "finish", "nextStepContent": ""}


def test_greeted_conversation_continues(api, job):
    report = {
        "accountID": "account_Boss_a",
        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": ["c1"]}}],
    }
    api.ok("/recruit/account/task/report", report)
    chat(api, ("robot", GREETING), ("user", "薪资多少？"))
    conversation = Conversation.objects.get()
    assert conversation.source == "greeting"
    assert [s for s, _t in transcript()][:2] == ["robot", "user"]


@pytest.mark.parametrize(
    ("history", "msg"),
    [
        ("x", "historyMsg: expected a list"),
        ([{"speaker": "bot", "msg": "x"}], "historyMsg[0].speaker: expected robot, user or system"),
        ([{"speaker": "user"}], "historyMsg[0].msg: this field is required"),
        ([{"speaker": "user", "msg": 5}], "historyMsg[0].msg: expected a string"),
        ([{"speaker": "user", "msg": "x", "time": "yesterday"}], "historyMsg[0].time: expected epoch"),
    ],
)
def test_bad_history_is_1001_with_chat_shape(api, job, history, msg):
    status, payload = api.post(
        "/recruit/candidate/chat",
        {"accountID": "account_Boss_a", "candidateID": "c1", "candidateName": "张三", "historyMsg": history},
    )
    assert (status, payload["ret"], payload["data"]) == (400, 1001, {"nextStep": "", "nextStepContent": ""})
    assert payload["msg"].startswith(msg)
    assert not Conversation.objects.exists()


def test_message_times_in_ms_and_s_are_stored(api, job):
    chat_body = {
        "accountID": "account_Boss_a",
        "candidateID": "c1",
        "candidateName": "张三",
        "historyMsg": [
            {"speaker": "robot", "msg": GREETING, "time": 1764900000000},
            {"speaker": "user", "msg": "在", "time": 1764900060},
        ],
    }
    api.ok("/recruit/candidate/chat", chat_body)
    user = Message.objects.get(speaker="user")
    assert int(user.sent_at.timestamp()) == 1764900060


# --- The page already shows the server's last reply: nothing more is due (CONTRACT §4 precedence) ---
# A retry whose page does not show the reply yet still gets the same answer. Each next step is covered,
# with the reply shown joined in one message and split into bubbles, with and without a trailing system
# line.

NOTHING = {"nextStep": "", "nextStepContent": ""}

# One user turn per next step the rule engine gives on a fresh conversation.
TURNS = {
    "need_contact": "薪资多少？",
    "need_ensure": "你们有班车接送吗？",
    "finish": "我微信 Zhang_san88",
    "normal_chat": "不方便留微信",
}


def _page(first_answer, shown: str, tail_system: bool):
    if shown == "joined":
        lines = [("robot", first_answer["nextStepContent"])]
    else:
        lines = [("robot", bubble) for bubble in first_answer["nextStepContent"].split("\n")]
    return lines + ([("system", "对方已读")] if tail_system else [])


@pytest.mark.parametrize("tail_system", [False, True], ids=["plain", "system-after"])
@pytest.mark.parametrize("shown", ["joined", "bubbles"])
@pytest.mark.parametrize("step", list(TURNS))
def test_reply_shown_on_the_page_is_not_sent_again(api, job, step, shown, tail_system):
    asked = [("robot", GREETING), ("user", TURNS[step])]
    first = chat(api, *asked)
    assert first["nextStep"] == step and first["nextStepContent"]
    stored = Message.objects.count()

    retry = chat(api, *asked)
    assert retry == first  # the page does not show it yet: the same answer again

    again = chat(api, *asked, *_page(first, shown, tail_system))
    expected = {"nextStep": "finish", "nextStepContent": ""} if step == "finish" else NOTHING
    assert again == expected
    assert Message.objects.exclude(speaker="system").count() == stored  # the shown reply is ours
    assert Conversation.objects.get().contact_asks == (1 if step == "need_contact" else 0)


def test_reply_shown_then_a_new_user_line_is_answered(api, job):
    asked = [("robot", GREETING), ("user", "薪资多少？")]
    first = chat(api, *asked)
    shown = [("robot", bubble) for bubble in first["nextStepContent"].split("\n")]
    follow = chat(api, *asked, *shown, ("user", "在哪里上班？"))
    assert follow["nextStep"] == "need_contact" and "望京" in follow["nextStepContent"]
