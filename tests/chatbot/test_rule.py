"""The built-in rule engine: scenario tests per CONTRACT section 5 (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chatbot.contacts import mask_text
from chatbot.rule import (
    ABUSE_REPLY,
    CHAT_REPLY,
    HOLD_REPLY,
    HUMAN_REPLY,
    PARTIAL_HOLD_REPLY,
    REFUSE_REPLY,
    ROBOT_REPLY,
    RuleEngine,
    recall_message,
)
from chatbot.types import (
    FINISH,
    NEED_CONTACT,
    NEED_ENSURE,
    NORMAL_CHAT,
    ChatContext,
    Engine,
    JobScript,
    Turn,
)
from recruit import jobconfig
from recruit.jobconfig import DEFAULT_CLOSING, DEFAULT_CONTACT_ASK
from recruit.models import Job

ASKS = ["方便留个微信吗？我发您详细资料。", "可以留个电话吗？HR 直接联系您。"]
FAQ = {
    "salary": "底薪5000+提成，综合8-12K。",
    "location": "上海浦东张江，地铁2号线旁。",
    "hours": "9:00-18:00，双休。",
    "benefits": "五险一金，包午餐。",
    "company": "某某科技，做企业服务的上市公司。",
}
JD = "负责客户电话回访和售后问题处理；维护客户关系，记录客户反馈。" * 5


def job(**overrides) -> JobScript:
    values = {
        "name": "客服专员",
        "jd": JD,
        "touch_msg": "您好，我们在招客服专员",
        "faq": dict(FAQ),
        "contact_ask": list(ASKS),
        "max_contact_asks": 2,
        "closing_msg": "好的，HR 会尽快联系您。",
    }
    values.update(overrides)
    return JobScript(**values)


def configured(**fields) -> JobScript:
    """The script recruit.jobconfig makes of an (unsaved) job, its defaults in effect."""
    return jobconfig.job_script(Job(name="客服专员", **fields))


def ctx(text: str, *, script: JobScript | None = None, **overrides) -> ChatContext:
    values = {
        "conversation_key": "acc_job_cand",
        "candidate_name": "张三",
        "job": script or job(),
        "transcript": [Turn("robot", "您好，我们在招客服专员"), Turn("user", text)],
        "new_user_text": text,
        "message_time": datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
    }
    values.update(overrides)
    return ChatContext(**values)


def reply(text: str, **kwargs):
    answer = RuleEngine().reply(ctx(text, **kwargs), timeout=1)
    assert answer.content.strip(), "content is never empty"
    assert answer.model == ""
    return answer


def test_rule_engine_is_an_engine():
    engine: Engine = RuleEngine()
    assert engine.name == "rule"


# --- FAQ ---------------------------------------------------------------------------------------


def test_salary_question_answered_from_faq_then_contact_ask():
    answer = reply("你好，工资多少？")
    assert answer.next_step == NEED_CONTACT
    assert answer.intent == "faq"
    assert answer.content == f"{FAQ['salary']}\n{ASKS[0]}"


def test_contact_ask_lines_rotate():
    answer = reply("待遇怎么样", contact_asks=1)
    assert answer.content == f"{FAQ['salary']}\n{ASKS[1]}"
    assert answer.next_step == NEED_CONTACT


def test_asks_exhausted_never_need_contact():
    for text in ("工资多少？", "好的", "嗯嗯，可以", "在哪上班", "你是机器人吗"):
        answer = reply(text, contact_asks=2)
        assert answer.next_step == NORMAL_CHAT, text
        assert all(ask not in answer.content for ask in ASKS), text
    assert reply("工资多少？", contact_asks=2).content == FAQ["salary"]
    assert reply("好的", contact_asks=2).content == CHAT_REPLY


def test_no_asks_configured_uses_the_default_ask():
    answer = reply("好的", script=configured(contact_ask=""))
    assert (answer.next_step, answer.content, answer.intent) == (
        NEED_CONTACT,
        DEFAULT_CONTACT_ASK,
        "interest",
    )


def test_max_contact_asks_zero_never_asks():
    assert reply("工资多少", script=job(max_contact_asks=0)).next_step == NORMAL_CHAT


@pytest.mark.parametrize(
    "text, topic",
    [
        ("底薪多少", "salary"),
        ("有提成吗", "salary"),
        ("公司地址在哪", "location"),
        ("在哪里上班？远吗", "location"),
        ("几点上班，双休吗", "hours"),
        ("周末双休吗", "hours"),
        ("有五险一金吗", "benefits"),
        ("包午餐吗", "benefits"),
        ("是什么公司", "company"),
        ("哪家公司啊", "company"),
    ],
)
def test_each_faq_topic(text, topic):
    answer = reply(text)
    assert answer.content.split("\n")[0] == FAQ[topic]
    assert answer.next_step == NEED_CONTACT


def test_duties_answered_from_the_jd():
    answer = reply("具体做什么的？")
    first = answer.content.split("\n")[0]
    assert JD.startswith(first.rstrip("…")) and 40 <= len(first) <= 121
    assert answer.next_step == NEED_CONTACT


def test_short_jd_is_given_whole_and_on_one_line():
    answer = reply("工作内容是什么", script=job(jd="负责客户回访。\n处理售后问题。"))
    assert answer.content.split("\n")[0] == "负责客户回访。 处理售后问题。"


def test_several_topics_one_line_each():
    answer = reply("工资多少？在哪上班？有五险一金吗？")
    assert answer.content.split("\n") == [FAQ["salary"], FAQ["location"], FAQ["benefits"], ASKS[0]]


def test_company_word_inside_another_question_is_not_a_company_question():
    answer = reply("公司在哪")
    assert answer.content.split("\n") == [FAQ["location"], ASKS[0]]


def test_faq_topic_with_empty_answer_needs_a_recruiter():
    answer = reply("有宿舍吗？", script=job(faq={**FAQ, "benefits": ""}))
    assert (answer.next_step, answer.content, answer.intent) == (NEED_ENSURE, HOLD_REPLY, "unknown_question")


def test_known_and_unknown_topics_answers_what_it_can_and_holds():
    answer = reply("工资多少？有宿舍吗？", script=job(faq={**FAQ, "benefits": ""}))
    assert answer.next_step == NEED_ENSURE
    assert answer.content.split("\n") == [FAQ["salary"], PARTIAL_HOLD_REPLY]


# --- questions it cannot answer ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["可以远程办公吗？", "面试要带什么材料", "你们招几个人", "试用期多久？", "我35岁了，可以吗？"]
)
def test_question_not_in_faq_needs_a_recruiter(text):
    answer = reply(text)
    assert (answer.next_step, answer.content, answer.intent) == (NEED_ENSURE, HOLD_REPLY, "unknown_question")


@pytest.mark.parametrize(
    "text", ["在吗？", "你好，在吗", "hello", "是吗", "可以吗", "好的", "可以", "感兴趣", "嗯", "我在上班呢"]
)
def test_greetings_and_acknowledgements_get_the_contact_ask(text):
    answer = reply(text)
    assert (answer.next_step, answer.content, answer.intent) == (NEED_CONTACT, ASKS[0], "interest")


def test_asking_how_to_reach_us_is_interest_even_when_asks_are_spent():
    assert reply("怎么联系你？").next_step == NEED_CONTACT
    answer = reply("你微信多少？", contact_asks=2)
    assert (answer.next_step, answer.intent) == (NORMAL_CHAT, "interest")


def test_declining_to_give_contact_is_not_a_refusal():
    answer = reply("现在不方便留")
    assert (answer.next_step, answer.intent) == (NORMAL_CHAT, "decline_contact")


# --- contact -----------------------------------------------------------------------------------


def test_wechat_id_given_finishes_with_contact():
    answer = reply("我的微信是 zhang_san88")
    assert (answer.next_step, answer.intent, answer.content) == (FINISH, "contact", "好的，HR 会尽快联系您。")
    assert answer.contact.wechat == "zhang_san88"


@pytest.mark.parametrize(
    "text",
    ["138 0013 8000", "电话138-0013-8000", "+86 13800138000", "打我电话 13800138000"],
)
def test_phone_with_separators_finishes_with_phone(text):
    answer = reply(text)
    assert (answer.next_step, answer.intent) == (FINISH, "contact")
    assert answer.contact.phone == "13800138000"


def test_default_closing_when_job_has_none():
    assert reply("abc_123456", script=configured(closing_msg="")).content == DEFAULT_CLOSING


def test_platform_notice_in_the_new_lines_counts_as_contact():
    answer = reply("对方同意了您的微信交换请求")
    assert (answer.next_step, answer.intent) == (FINISH, "contact")
    assert answer.contact.wechat_exchanged


def test_masked_contact_counts_as_contact():
    # Callers mask the transcript before any engine sees it.
    masked = mask_text("我电话 13800138000")
    assert "13800138000" not in masked
    answer = reply(masked)
    assert (answer.next_step, answer.intent) == (FINISH, "contact")
    assert reply(mask_text("微信 zhang_san88")).next_step == FINISH


def test_contact_beats_refusal_and_questions():
    answer = reply("不考虑了，有合适的再联系 13800138000")
    assert (answer.next_step, answer.intent) == (FINISH, "contact")


def test_has_contact_acknowledgement_finishes():
    answer = reply("好的", has_contact=True)
    assert (answer.next_step, answer.intent, answer.content) == (FINISH, "contact", "好的，HR 会尽快联系您。")


def test_has_contact_question_is_answered_without_asking_again():
    answer = reply("工资多少？", has_contact=True)
    assert (answer.next_step, answer.content) == (FINISH, FAQ["salary"])


def test_has_contact_on_wechat_keeps_chatting():
    # The answer, then the channel's next goal (tests/wechat/test_rule_wechat.py); once the goals are
    # reached, the answer alone.
    answer = reply("工资多少？", has_contact=True, channel="wechat")
    assert answer.next_step == NORMAL_CHAT and answer.content.startswith(FAQ["salary"])
    answer = reply("工资多少？", has_contact=True, channel="wechat", interview_agreed=True)
    assert (answer.next_step, answer.content) == (NORMAL_CHAT, FAQ["salary"])
    assert reply("好的", has_contact=True, channel="wechat").next_step == NORMAL_CHAT


# --- refusal, abuse, human, robot ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "不考虑",
        "暂时不考虑，谢谢",
        "不感兴趣",
        "没兴趣",
        "不需要",
        "不用了，谢谢",
        "算了",
        "我已经找到工作了",
        "已入职了",
        "感觉不合适",
        "别再发了",
        "不要再联系我",
        "不了，谢谢",
        "No thanks",
        "not interested",
    ],
)
def test_refusal_finishes_politely(text):
    answer = reply(text)
    assert (answer.next_step, answer.intent, answer.content) == (FINISH, "refuse", REFUSE_REPLY)


@pytest.mark.parametrize(
    "text",
    [
        "不考虑别的，就想做客服",
        "不合适的话也没关系",
        "如果不合适也没事",
        "不需要经验吗？",
        "我不需要住宿",
        "不用加班吧？",
        "受不了",
        "考虑一下",
    ],
)
def test_not_a_refusal(text):
    assert reply(text).intent != "refuse"


@pytest.mark.parametrize("text", ["骗子吧", "傻逼", "滚", "垃圾公司", "神经病啊"])
def test_abuse_is_held_for_a_recruiter(text):
    answer = reply(text)
    assert (answer.next_step, answer.intent, answer.content) == (NEED_ENSURE, "abuse", ABUSE_REPLY)


@pytest.mark.parametrize("text", ["垃圾分类的工作吗", "滚动排班吗", "有病假吗"])
def test_abuse_words_inside_ordinary_words(text):
    assert reply(text).intent != "abuse"


@pytest.mark.parametrize("text", ["转人工", "我要找真人", "找HR", "让hr联系我", "打电话给我"])
def test_asks_for_a_human(text):
    answer = reply(text)
    assert (answer.next_step, answer.intent, answer.content) == (NEED_ENSURE, "human", HUMAN_REPLY)


def test_artificial_intelligence_job_is_not_a_human_request():
    assert reply("是做人工智能的吗").intent != "human"


@pytest.mark.parametrize("text", ["你是机器人吗", "是AI吗？", "是自动回复吧", "你是真人吗"])
def test_are_you_a_robot(text):
    answer = reply(text)
    assert answer.intent == "robot"
    assert answer.content.split("\n") == [ROBOT_REPLY, ASKS[0]]
    assert answer.next_step == NEED_CONTACT


def test_robot_question_with_a_faq_question_answers_both():
    answer = reply("你是机器人吗？工资多少", contact_asks=2)
    assert (answer.next_step, answer.content) == (NORMAL_CHAT, f"{ROBOT_REPLY}\n{FAQ['salary']}")


def test_empty_new_text_still_answers():
    answer = reply("")
    assert answer.next_step == NEED_CONTACT


def test_full_width_input():
    assert reply("工资多少？").intent == "faq"
    assert reply("ＮＯ ＴＨＡＮＫＳ").intent == "refuse"


# --- recall ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template, expected",
    [
        ("{name}您好，{job_name}还在招", "张三您好，客服专员还在招"),
        ("{name}，{name}", "张三，张三"),
        ("您好{unknown}，{0}，{", "您好{unknown}，{0}，{"),
        ("{{name}}", "{张三}"),
        ("{name", "{name"),
        ("", ""),
    ],
)
def test_recall_message(template, expected):
    assert recall_message(template, name="张三", job_name="客服专员") == expected


def test_recall_message_does_not_expand_placeholders_inside_values():
    assert recall_message("{name}-{job_name}", name="{job_name}", job_name="X") == "{job_name}-X"


# --- Specific matters: answered only when the job's text addresses them ----------------------------


@pytest.mark.parametrize("text", ["有宿舍吗", "有班车吗", "加班费怎么算", "试用期多久", "有股票期权吗", "包住吗"])
def test_specific_matter_the_faq_does_not_address_is_held(text):
    answer = reply(text)
    assert (answer.next_step, answer.content) == (NEED_ENSURE, HOLD_REPLY)


def test_specific_matter_answered_by_the_entry_that_mentions_it():
    script = job(faq={**FAQ, "benefits": "五险一金，提供员工宿舍。", "hours": "9:00-18:00，加班按1.5倍算加班费。"})
    assert reply("有宿舍吗", script=script).content.split("\n")[0] == "五险一金，提供员工宿舍。"
    assert reply("加班费怎么算", script=script).content.split("\n")[0] == "9:00-18:00，加班按1.5倍算加班费。"
    # A synonym counts: "包住" is answered by an entry that says "宿舍".
    assert reply("包住吗", script=script).next_step == NEED_CONTACT


def test_specific_matter_answered_by_the_jd_sentence_that_mentions_it():
    script = job(jd="负责电话回访。要求大专及以上学历，有无经验均可。试用期一个月，表现优秀可提前转正。")
    answer = reply("试用期多久？", script=script)
    assert answer.content.split("\n")[0] == "试用期一个月，表现优秀可提前转正。"
    assert answer.next_step == NEED_CONTACT


def test_generic_and_uncovered_in_one_message_answers_one_and_holds_the_other():
    answer = reply("工资多少，有班车吗")
    assert answer.content == f"{FAQ['salary']}\n{PARTIAL_HOLD_REPLY}"
    assert answer.next_step == NEED_ENSURE


def test_a_statement_mentioning_a_matter_asks_nothing():
    assert reply("我之前做过夜班").next_step == NEED_CONTACT
