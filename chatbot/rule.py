"""The built-in rule engine (CONTRACT section 5, robotApi "rule"): deterministic, offline, scripted from
the job's FAQ and contact-ask lines. Also the fallback answer whenever another engine fails.

Decision order for the candidate's newest lines: contact given → refusal → abuse → asks for a human →
"are you a robot" → FAQ topics → other questions (held for a recruiter) → anything else (ask for contact
while asks remain).

On the WeChat channel (CONTRACT §6) contact is already obtained and the goals are the next ones: confirm
interest, collect a CV, agree an interview time. A contact or a CV there does not finish; after a
proposal of the job's interview slots, a pick (`chatbot.wechat.pick_slot`) comes right after the refusal,
abuse and human checks, and finishes with intent `interview_agreed`; every other answer ends with the
next goal still open (`_wechat_follow_up`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from chatbot import faq
from chatbot.contacts import detect_notice, extract_contacts
from chatbot.types import (
    FINISH,
    INTERVIEW_AGREED,
    NEED_CONTACT,
    NEED_ENSURE,
    NORMAL_CHAT,
    RECRUITER,
    ROBOT,
    WECHAT,
    ChatContext,
    Contacts,
    EngineReply,
    JobScript,
)
from chatbot.wechat import cv_mentioned, pick_slot

REFUSE_REPLY = "好的，打扰了，祝您工作顺利！"
ABUSE_REPLY = "抱歉给您带来不好的体验，我请负责的同事来跟进。"
HUMAN_REPLY = "好的，我请负责的同事稍后联系您。"
ROBOT_REPLY = "我是这个岗位的招聘助理，有问题都可以问我哦～"
HOLD_REPLY = "这个问题我确认一下，稍后回复您。"
PARTIAL_HOLD_REPLY = "其他问题我确认一下，稍后回复您。"
CHAT_REPLY = "有什么想了解的都可以问我哦～"
DECLINE_CONTACT_REPLY = "没关系，您有任何问题都可以随时问我～"

# WeChat channel. The rule engine finds its own earlier lines in the transcript by these texts, so each
# goal is asked a bounded number of times.
WECHAT_HELLO = "您好，我是「{job_name}」岗位的招聘助理，感谢通过好友～"
INTEREST_ASK = "请问您对这个岗位还感兴趣吗？"
CV_ASKS = ("方便发一份您的简历给我吗？我转给 HR 看一下。", "简历方便的时候发我一下就好，HR 看过后给您安排面试～")
CV_THANKS = "收到您的简历，谢谢！"
INTERVIEW_PROPOSAL = "我们约个面试吧，以下时间您看哪个方便？"
INTERVIEW_CONFIRM = "好的，面试时间就定在{slot}，HR 会提前和您确认，到时见！"
INTERVIEW_BY_HR = "好的，我请 HR 和您约具体的面试时间，稍后联系您～"
OTHER_TIME_REPLY = "好的，我和 HR 确认一下其他时间，稍后回复您。"
MAX_CV_ASKS = 2
MAX_PROPOSALS = 2


_END = r"[,.;!~。…\s]*$"  # what may trail a clause-final word
_CHANGE = r"(?:机会|工作|岗位|职位|offer|跳槽|换工作|离职|看机会|新机会|新工作|外面的机会)"

# Clauses keep their trailing punctuation: "?" is how a question is recognised.
_CLAUSE = re.compile(r"[^,;!?~\n。…]+[,;!?~。…]*")
_QUESTION = re.compile(
    r"\?|吗|嘛|(?<![那这])么|什么|怎么|怎样|如何|多少|几(?!乎)|哪|啥|是否|有没有|能不能|可不可以|会不会"
    r"|是不是|要不要|行不行|多久|多大"
)
# "薪资呢" asks; "我在上班呢" / "忙着呢" only says something.
_NE_QUESTION = re.compile(r"呢")
_NE_STATEMENT = re.compile(r"在[^?]*呢|着呢")
# Greetings shaped like questions ("在吗") want no answer from a recruiter.
_GREETING = re.compile(
    r"^(?:你好|您好|hi|hello|hey|哈喽|嗨|在吗|在么|在嘛|在不在|有人吗|嗯+|哦+|噢|好的?|ok|可以|行)+"
    r"[啊呀呢哈的~!?,.。 ]*$"
)
# Acknowledgements shaped like questions ("是吗", "可以吗") are small talk on their own, but follow a
# statement they ask about it ("我35岁了，可以吗？").
_ACK_QUESTION = re.compile(r"^(?:是吗|真的吗|好吗|可以吗|行吗|对吗|是嘛|然后呢)+[啊呀呢哈的~!?,.。 ]*$")
# "不合适的话也没关系": a condition, not a refusal.
_CONDITIONAL = re.compile(r"的话|如果|要是|假如|万一|没关系|无所谓")
_REFUSAL = re.compile(
    r"不(?:太|是很|怎么)?考虑(?!别|其他|其它|换|一下)"
    r"|(?:不|没)(?:太|是很|怎么)?感兴趣|没(?:有|啥|什么)?兴趣"
    rf"|不需要(?:了|谢谢|哈)?{_END}|不用了|不用(?:谢谢)?{_END}|^算了|算了{_END}"
    r"|(?:已经|已|刚)(?:找到|有了?)(?:新)?(?:工作|单位|offer|下家)|找到工作了|有工作了"
    r"|已(?:经)?入职|入职了|已经(?:在)?上班了"
    r"|不(?:太|是很)?合适"
    r"|(?:别|不要|勿)再?(?:发|联系|打扰|骚扰|找我)|免打扰"
    r"|不(?:找|换)工作|不想(?:换|找|去|做|干|考虑)|没(?:有)?(?:这个)?(?:打算|想法|意向|需求)"
    rf"|^不了|(?<![受少免])不了{_END}|不去了|不做了|不干了|不来了|^不去{_END}"
    # Not looking (right now): the family of "暂时不看机会", "目前没有跳槽的打算", "不打算换工作".
    rf"|(?:不|没|没有|没在|不在)(?:看|找|考虑|需要|想)(?:新的?|其他的?|别的)?{_CHANGE}"
    rf"|没(?:有)?(?:{_CHANGE}|动)的?(?:打算|想法|计划|意向|需求|意愿)"
    rf"|不(?:打算|准备|计划|想|会)(?:{_CHANGE}|看|找|动|出来)"
    rf"|(?:暂时|暂|目前|现在|最近|近期|今年|短期内?)(?:还)?(?:不|没)(?:找|看|换|考虑|需要|打算|想)(?:了|的)?{_END}"
    r"|不(?:跳槽|离职|看机会|看新机会)|暂不(?:离职|跳槽|看|找|考虑)|在职(?:不|暂不)(?:考虑|看)"
    r"|工作(?:很|挺|比较|还)?稳定|(?:对|在)?(?:现在|目前)的?(?:工作|公司)(?:很|挺|还)?(?:满意|好)"
    r"|刚(?:换了?|找到?了?|入职|跳槽)(?:工作|新工作|公司)?"
    r"|以后再说|(?:下次|改天|回头)(?:再)?(?:说|聊)吧?|有需要(?:再|我再|会|我会)(?:联系|找)"
    r"|no thanks|no,? thank you|not interested|do ?n[o']t contact|stop messaging|unsubscribe|not looking"
    r"|not (?:currently |actively |really )?(?:looking|open|considering|searching)|not at the moment|maybe later"
    r"|happy (?:where i am|with my (?:current )?(?:job|role|position))|already (?:found|accepted|took|have|got) (?:a |an )?(?:new )?(?:job|offer|position)"
)
_ABUSE = re.compile(
    r"骗子|骗人|傻逼|傻b|煞笔|(?<![a-z])sb(?![a-z])|滚(?!动|筒|烫|轮)|垃圾(?!分类|处理|回收|清运)|神经病"
    r"|有病(?!假)|去死|他妈|妈的|操你|草你|脑残|智障|fuck|shit|(?<![a-z])(?:cnm|nmsl)(?![a-z])"
)
_HUMAN = re.compile(
    r"人工(?!智能)|(?:找|要|转|换|让|跟|和)(?:个)?真人|真人(?:来|回复|客服|聊|沟通)"
    r"|(?:找|让|叫)\s*hr|hr\s*(?:本人|来|联系|打)|打电话给我|给我打(?:个)?电话|电话联系我"
    r"|负责人|招聘经理|找你们(?:领导|经理|老板)"
)
_ROBOT = re.compile(
    r"机器人|是(?:不是)?(?:ai|真人|人工智能|程序)|(?<![a-z])ai(?:吗|么|嘛|\?)|自动回复|人机|chatgpt"
    r"|(?<![a-z])(?:gpt|bot)(?![a-z])|你是人(?:吗|么|嘛)|真人(?:吗|么|嘛)"
)
# The candidate wants to reach us or apply: answered with the contact ask, never held for a human.
_CONTACT_INTEREST = re.compile(
    r"(?:你|您)的?(?:微信|电话|手机|联系方式|vx|wx)|怎么(?:联系|加|报名|申请|投递)|联系方式"
    r"|加(?:你|您)|发(?:你|您)简历|简历发(?:哪|到|给)|投简历|怎么报名|报名"
)
_DECLINE_CONTACT = re.compile(r"不方便|不想留|不留|不给|先不加|不加微信")
# What `mask_text` leaves of a contact detail: the transcript engines see is masked already.
_MASKED_CONTACT = re.compile(r"\d{3}\*{4}\d{4}|\+\d{2}\*{4}\d{4}|[A-Za-z0-9]{1,2}\*{4}")


def _prepare(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE.findall(text) if c.strip(" ,;!?~。…")]


def _is_small_talk(clause: str) -> bool:
    return bool(_GREETING.match(clause) or _ACK_QUESTION.match(clause))


def _is_question(clause: str) -> bool:
    if _GREETING.match(clause):
        return False
    if _QUESTION.search(clause):
        return True
    return bool(_NE_QUESTION.search(clause)) and not _NE_STATEMENT.search(clause)


def _is_refusal(clause: str) -> bool:
    if _CONDITIONAL.search(clause) or _is_question(clause):
        return False
    return bool(_REFUSAL.search(clause))


def contact_ask_line(job: JobScript, asks_made: int) -> str:
    """The ask lines rotate, so a second ask is not a copy of the first. The script carries the lines in
    effect (recruit.jobconfig fills the default where the recruiter left them empty)."""
    lines = [line.strip() for line in job.contact_ask if line and line.strip()]
    return lines[asks_made % len(lines)] if lines else ""


@dataclass
class _Reading:
    """What the newest lines ask about, clause by clause."""

    answers: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    missing: bool = False  # a FAQ topic whose answer the recruiter left empty
    unknown: bool = False  # a question no rule answers
    contact_interest: bool = False
    decline_contact: bool = False


def _read(job: JobScript, clauses: list[str]) -> _Reading:
    reading = _Reading()
    chatter = all(_is_small_talk(clause) for clause in clauses)
    given: set[str] = set()
    for clause in clauses:
        question = _is_question(clause)
        found = faq.lookup(job, clause, question=question, seen=given)
        topics = found.topics
        if _CONTACT_INTEREST.search(clause):
            reading.contact_interest = True
            topics = [t for t in topics if t != "company"]
            if not topics:
                continue
        if _DECLINE_CONTACT.search(clause) and not topics:
            reading.decline_contact = True
            continue
        reading.topics += [t for t in topics if t not in reading.topics]
        reading.answers += found.answers
        reading.missing = reading.missing or found.missing
        if topics or chatter or _ROBOT.search(clause):
            continue
        if question:
            reading.unknown = True
    return reading


class RuleEngine:
    name = "rule"

    def reply(self, ctx: ChatContext, *, timeout: float = 0) -> EngineReply:
        """Never raises, and never returns empty content given a script with its ask and closing lines
        (recruit.jobconfig.job_script); `timeout` is accepted for the Engine protocol (the rules take
        microseconds)."""
        job = ctx.job
        raw = ctx.new_user_text or ""
        text = _prepare(raw)

        wechat = ctx.channel == WECHAT
        found = extract_contacts(raw).merge(detect_notice(raw))
        if not wechat and (found.any() or _MASKED_CONTACT.search(raw)):
            return self._finish(job, "contact", found)

        clauses = _clauses(text)
        if any(_is_refusal(clause) for clause in clauses):
            return EngineReply(FINISH, REFUSE_REPLY, intent="refuse")
        if _ABUSE.search(text):
            return EngineReply(NEED_ENSURE, ABUSE_REPLY, intent="abuse")
        if _HUMAN.search(text):
            return EngineReply(NEED_ENSURE, HUMAN_REPLY, intent="human")
        if wechat and (answer := self._wechat_interview(ctx, raw)) is not None:
            return answer

        reading = _read(job, clauses)
        if _ROBOT.search(text):
            # Answer the rest of the message too when it is answerable; otherwise just the deflection.
            lines = [ROBOT_REPLY]
            if reading.answers and not (reading.missing or reading.unknown):
                lines += reading.answers
            return self._follow_up(ctx, lines, "robot")
        if reading.missing or reading.unknown:
            lines = [*reading.answers, PARTIAL_HOLD_REPLY] if reading.answers else [HOLD_REPLY]
            return EngineReply(NEED_ENSURE, "\n".join(lines), intent="unknown_question")
        if reading.answers:
            return self._follow_up(ctx, reading.answers, "faq")
        if wechat:
            # "不方便发" after a CV ask: move on to the interview rather than ask again.
            return self._wechat_follow_up(ctx, [], "chat", skip_cv=reading.decline_contact)
        if reading.decline_contact and not ctx.has_contact:
            return EngineReply(NORMAL_CHAT, DECLINE_CONTACT_REPLY, intent="decline_contact")
        if ctx.has_contact:
            return self._finish(job, "contact", Contacts())
        if ctx.contact_asks < job.max_contact_asks:
            return EngineReply(NEED_CONTACT, contact_ask_line(job, ctx.contact_asks), intent="interest")
        if reading.contact_interest:
            # Asks are spent, but the candidate asked how to reach us: the ask line is the answer.
            return EngineReply(NORMAL_CHAT, contact_ask_line(job, ctx.contact_asks), intent="interest")
        return EngineReply(NORMAL_CHAT, CHAT_REPLY, intent="chat")

    @staticmethod
    def _finish(job: JobScript, intent: str, contact: Contacts) -> EngineReply:
        return EngineReply(FINISH, (job.closing_msg or "").strip(), intent=intent, contact=contact)

    @staticmethod
    def _follow_up(ctx: ChatContext, lines: list[str], intent: str) -> EngineReply:
        """After an answer: ask for contact while asks remain. Once contact is obtained the
        conversation stays finished on the platform (the answer is its closing line); on WeChat the
        chat goes on to its next goal."""
        if ctx.channel == WECHAT:
            return RuleEngine._wechat_follow_up(ctx, lines, intent)
        if ctx.has_contact:
            return EngineReply(FINISH, "\n".join(lines), intent=intent)
        if ctx.contact_asks < ctx.job.max_contact_asks:
            ask = contact_ask_line(ctx.job, ctx.contact_asks)
            return EngineReply(NEED_CONTACT, "\n".join([*lines, ask]), intent=intent)
        return EngineReply(NORMAL_CHAT, "\n".join(lines), intent=intent)

    @staticmethod
    def _wechat_interview(ctx: ChatContext, raw: str) -> EngineReply | None:
        """The answer to a proposal of interview slots still open: a pick is agreed, a refusal of
        them all (or a time of their own) is held for a recruiter to arrange."""
        slots = ctx.job.interview_slots
        if ctx.interview_agreed or not slots:
            return None
        last_ours = next((t.text for t in reversed(ctx.transcript) if t.speaker in (ROBOT, RECRUITER)), "")
        if INTERVIEW_PROPOSAL not in last_ours:
            return None
        pick = pick_slot(raw, slots, today=ctx.message_time.date())
        if pick.slot:
            content = INTERVIEW_CONFIRM.format(slot=pick.slot)
            return EngineReply(FINISH, content, intent=INTERVIEW_AGREED, interview_slot=pick.slot)
        if pick.other_time:
            return EngineReply(NEED_ENSURE, OTHER_TIME_REPLY, intent="interview_other_time")
        return None

    @staticmethod
    def _wechat_follow_up(ctx: ChatContext, lines: list[str], intent: str, *, skip_cv: bool = False) -> EngineReply:
        """`lines` (answers), then the next open goal: confirm interest, ask for a CV (at most
        MAX_CV_ASKS times), propose the interview slots (at most MAX_PROPOSALS times; without slots,
        or once the proposals are spent, a recruiter arranges the time: need_ensure)."""
        ours = [t.text for t in ctx.transcript if t.speaker in (ROBOT, RECRUITER)]
        lines = list(lines)
        if cv_mentioned(ctx.new_user_text):
            lines.insert(0, CV_THANKS)
            intent = "cv" if intent == "chat" else intent
        if ctx.interview_agreed or any(INTERVIEW_BY_HR in line for line in ours):
            # Goals reached, or handed to a recruiter: answer, and nothing more to pursue.
            return EngineReply(NORMAL_CHAT, "\n".join(lines or [CHAT_REPLY]), intent=intent)
        if not ours and not lines:
            lines.append(WECHAT_HELLO.format(job_name=ctx.job.name))
        if not ctx.cv_received and not any(INTEREST_ASK in line for line in ours):
            return EngineReply(NORMAL_CHAT, "\n".join([*lines, INTEREST_ASK]), intent=_goal(intent, "confirm_interest"))
        cv_asks = sum(1 for line in ours if any(ask in line for ask in CV_ASKS))
        if not ctx.cv_received and not skip_cv and cv_asks < MAX_CV_ASKS:
            ask = CV_ASKS[cv_asks % len(CV_ASKS)]
            return EngineReply(NORMAL_CHAT, "\n".join([*lines, ask]), intent=_goal(intent, "cv_ask"))
        slots = ctx.job.interview_slots
        proposals = sum(1 for line in ours if INTERVIEW_PROPOSAL in line)
        if slots and proposals < MAX_PROPOSALS:
            proposal = "\n".join([INTERVIEW_PROPOSAL, *(f"{i}. {slot}" for i, slot in enumerate(slots, 1))])
            return EngineReply(NORMAL_CHAT, "\n".join([*lines, proposal]), intent=_goal(intent, "interview_propose"))
        return EngineReply(
            NEED_ENSURE, "\n".join([*lines, INTERVIEW_BY_HR]), intent=_goal(intent, "interview_schedule")
        )


def _goal(intent: str, goal: str) -> str:
    """The turn's intent: what the candidate's message was about, else the goal the reply pursues."""
    return goal if intent == "chat" else intent


_PLACEHOLDER = re.compile(r"\{(name|job_name)\}")


def recall_message(template: str, *, name: str, job_name: str) -> str:
    """`{name}` and `{job_name}` filled in one pass (a name containing "{job_name}" stays literal);
    any other brace or placeholder is left as written, so a recruiter's typo never raises."""
    values = {"name": (name or "").strip(), "job_name": (job_name or "").strip()}
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template or "")
