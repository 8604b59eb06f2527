"""The `llm` / `llm:<model>` engine: an OpenAI-compatible chat model answering in validated JSON.

The model gets the job script, the policy and the transcript and must answer
{"intent", "reply", "next_step", "contact"}. Anything else, and every transport failure, is an
EngineError so the caller falls back to the rule engine.

Nothing personal leaves in the prompt: contact details are masked in every line (the caller masks them
already; masking again is idempotent), and so is the candidate's name ("张**"), in the prompt and
wherever a line repeats it. A reply addressing the candidate by the mask gets the name back: it goes to
the candidate themselves.
"""

from __future__ import annotations

import functools
import json
import re
import time
from dataclasses import dataclass
from typing import Any

import openai

from chatbot.contacts import mask_name, mask_text, normalise_email, normalise_phone, normalise_wechat, unmask_name
from chatbot.types import (
    FINISH,
    INTERVIEW_AGREED,
    NEED_CONTACT,
    NEED_ENSURE,
    NORMAL_CHAT,
    SYSTEM,
    USER,
    WECHAT,
    ChatContext,
    Contacts,
    EngineError,
    EngineReply,
    EngineTimeout,
    JobScript,
    Turn,
)

LLM_NEXT_STEPS = (NORMAL_CHAT, NEED_CONTACT, NEED_ENSURE, FINISH)
SYSTEM_PREFIX = "[系统提示] "
# Older turns add cost and latency but rarely change the next answer.
MAX_TURNS = 60
MAX_JD_CHARS = 4000
MAX_RECALL_CHARS = 300
MAX_RUBRIC_REASON_CHARS = 300
# A retry is only worth it if the second attempt has a realistic chance to finish in time.
MIN_ATTEMPT_SECONDS = 1.0
RETRY_BACKOFF_SECONDS = 0.2

FAQ_LABELS = {
    "salary": "薪资",
    "location": "工作地点",
    "hours": "工作时间",
    "benefits": "福利",
    "company": "公司介绍",
}

_FENCE_RE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


@dataclass
class LLMConfig:
    base_url: str
    api_key: str
    model: str
    timeout: float = 15.0
    max_retries: int = 1


@functools.lru_cache(maxsize=16)
def _client(base_url: str, api_key: str, timeout: float) -> openai.OpenAI:
    """Shared per endpoint: callers build an engine per turn, and a fresh client would cost a TLS
    context and a cold connection pool each time. The client is thread-safe."""
    # SDK retries are off: each would restart the full timeout and overrun the caller's deadline.
    # `LLMEngine._complete` retries itself within the remaining budget instead.
    return openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0)


class LLMEngine:
    name = "llm"

    def __init__(self, config: LLMConfig):
        self.config = config
        self.client = _client(config.base_url, config.api_key, config.timeout)

    def reply(self, ctx: ChatContext, *, timeout: float) -> EngineReply:
        model = ctx.model or self.config.model
        messages = [{"role": "system", "content": system_prompt(ctx)}, *transcript_messages(ctx)]
        content, usage = self._complete(model, messages, timeout=timeout)
        answer = _parse_object(content)
        reply = _engine_reply(answer, model=model, usage=usage)
        reply.content = unmask_name(reply.content, ctx.candidate_name)
        return reply

    def personalise_recall(
        self,
        *,
        template_msg: str,
        name: str,
        job: JobScript,
        profile_summary: str,
        timeout: float,
        model: str = "",
    ) -> str:
        """A nudge rewritten for this candidate; EngineError on anything unusable (caller keeps the
        template). The model sees the name masked, also inside the template, and writes the mask where it
        addresses the candidate; the nudge gets the name back."""
        names = (name,)
        messages = [
            {"role": "system", "content": _recall_prompt(job)},
            {
                "role": "user",
                "content": json.dumps(
                    {
                        "候选人称呼": mask_name(name),
                        "候选人背景": mask_text(profile_summary, names=names),
                        "模板消息": mask_text(template_msg, names=names),
                    },
                    ensure_ascii=False,
                ),
            },
        ]
        content, _usage = self._complete(model or self.config.model, messages, timeout=timeout)
        answer = _parse_object(content)
        msg = answer.get("msg")
        if not isinstance(msg, str) or not msg.strip():
            raise EngineError("invalid answer: msg missing or empty")
        msg = unmask_name(msg.strip(), name)
        if len(msg) > MAX_RECALL_CHARS:
            raise EngineError("invalid answer: msg too long")
        return msg

    def score_rubric(self, *, rubric: str, profile: dict, timeout: float, model: str = "") -> tuple[int, str]:
        """(score 0..100, one-line reason) of a candidate's profile against a job's rubric (CONTRACT §9
        second-stage screening); EngineError on anything unusable. The caller masks the profile: no name,
        id or contact detail is in it, and none is added here."""
        messages = [
            {"role": "system", "content": _rubric_prompt(rubric)},
            {"role": "user", "content": json.dumps(profile, ensure_ascii=False)},
        ]
        content, _usage = self._complete(model or self.config.model, messages, timeout=timeout)
        answer = _parse_object(content)
        score = answer.get("score")
        if isinstance(score, float) and score.is_integer():
            score = int(score)
        if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 100:
            raise EngineError("invalid answer: score must be an integer 0..100")
        reason = answer.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise EngineError("invalid answer: reason missing or empty")
        reason = " ".join(reason.split())
        return score, reason[:MAX_RUBRIC_REASON_CHARS]

    def _complete(self, model: str, messages: list[dict], *, timeout: float) -> tuple[str, Any]:
        """One chat completion within `timeout` seconds in total, retries included."""
        budget = max(0.1, min(self.config.timeout, timeout))
        deadline = time.monotonic() + budget
        retries_left = max(0, self.config.max_retries)
        while True:
            remaining = deadline - time.monotonic()
            try:
                response = self.client.with_options(timeout=max(0.05, remaining)).chat.completions.create(
                    model=model,
                    messages=messages,
                    response_format={"type": "json_object"},
                )
            except openai.APIStatusError as exc:
                reason = f"HTTP {exc.status_code}"
                retryable = exc.status_code in (408, 409, 429) or exc.status_code >= 500
            except openai.APITimeoutError:
                raise EngineTimeout(f"timeout after {budget:.1f}s") from None
            except openai.APIConnectionError:
                reason, retryable = "connection error", True
            except openai.OpenAIError as exc:
                # Response validation and similar SDK errors: the peer is not speaking the protocol.
                raise EngineError(f"invalid response ({type(exc).__name__})") from None
            except ValueError as exc:  # a 200 whose body is not JSON: the SDK lets json's error through
                raise EngineError(f"invalid response ({type(exc).__name__})") from None
            else:
                return _first_content(response), getattr(response, "usage", None)
            if not retryable or retries_left <= 0:
                raise EngineError(reason)
            if deadline - time.monotonic() < MIN_ATTEMPT_SECONDS + RETRY_BACKOFF_SECONDS:
                raise EngineError(f"{reason}, no time left to retry")
            retries_left -= 1
            time.sleep(RETRY_BACKOFF_SECONDS)


def _first_content(response: Any) -> str:
    try:
        choice = response.choices[0]
        content = choice.message.content
    except (AttributeError, IndexError, TypeError):
        raise EngineError("invalid response: no choices") from None
    if not isinstance(content, str) or not content.strip():
        raise EngineError("invalid answer: empty content")
    if getattr(choice, "finish_reason", None) == "length":
        raise EngineError("invalid answer: truncated")
    return content


def _parse_object(content: str) -> dict:
    text = content.strip()
    # Some compatible servers ignore response_format and fence the JSON; the content is still JSON.
    fenced = _FENCE_RE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        answer = json.loads(text)
    except ValueError:
        raise EngineError("invalid answer: not JSON") from None
    if not isinstance(answer, dict):
        raise EngineError("invalid answer: not a JSON object")
    return answer


def _engine_reply(answer: dict, *, model: str, usage: Any) -> EngineReply:
    # Reasons name the field, never its value: values may echo the candidate's words.
    intent = answer.get("intent")
    if not isinstance(intent, str):
        raise EngineError("invalid answer: intent must be a string")
    reply = answer.get("reply")
    if not isinstance(reply, str) or not reply.strip():
        raise EngineError("invalid answer: reply must be a non-empty string")
    next_step = answer.get("next_step")
    if next_step not in LLM_NEXT_STEPS:
        raise EngineError("invalid answer: next_step not one of " + "|".join(LLM_NEXT_STEPS))
    contact = answer.get("contact")
    if contact is not None and not isinstance(contact, dict):
        raise EngineError("invalid answer: contact must be an object")
    slot = answer.get("interview_slot")  # WeChat only; optional, anything but text is ignored
    return EngineReply(
        next_step=next_step,
        content=reply.strip(),
        intent=intent.strip()[:64],
        contact=_contacts(contact or {}),
        model=model,
        prompt_tokens=_token_count(usage, "prompt_tokens"),
        completion_tokens=_token_count(usage, "completion_tokens"),
        interview_slot=slot.strip()[:100] if isinstance(slot, str) else "",
    )


def _token_count(usage: Any, field: str) -> int | None:
    value = getattr(usage, field, None) if usage is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _contacts(raw: dict) -> Contacts:
    """Only well-formed values survive, by the rules the API applies to reported contacts
    (chatbot.contacts): the model sees masked text (138****8000) and may echo it or write
    placeholders such as "无"."""

    def text(key: str) -> str:
        value = raw.get(key)
        return value if isinstance(value, str) else ""

    return Contacts(
        phone=normalise_phone(text("phone")),
        wechat=normalise_wechat(text("wechat")),
        email=normalise_email(text("email")),
    )


def transcript_messages(ctx: ChatContext) -> list[dict[str, str]]:
    """Transcript turns as chat messages: the candidate is the user, every robot-side line (robot or
    recruiter) the assistant, system notices a prefixed user line (models handle a single system
    prompt best). Contact details and the candidate's name are masked in every line."""
    turns: list[Turn] = ctx.transcript[-MAX_TURNS:]
    names = (ctx.candidate_name,)
    messages = []
    for turn in turns:
        text = mask_text(turn.text, names=names)
        if turn.speaker == USER:
            messages.append({"role": "user", "content": text})
        elif turn.speaker == SYSTEM:
            messages.append({"role": "user", "content": SYSTEM_PREFIX + text})
        else:
            messages.append({"role": "assistant", "content": text})
    if not any(turn.speaker == USER for turn in turns) and ctx.new_user_text:
        messages.append({"role": "user", "content": mask_text(ctx.new_user_text, names=names)})
    return messages


ANSWER_SCHEMA = (
    '{"intent": "<候选人本轮意图，简短中文，如 询问薪资/同意/拒绝/提供联系方式>", '
    '"reply": "<发给候选人的回复，不能为空>", '
    '"next_step": "normal_chat|need_contact|need_ensure|finish", '
    '"contact": {"phone": "", "wechat": "", "email": ""}}'
)
WECHAT_ANSWER_SCHEMA = ANSWER_SCHEMA[:-1] + ', "interview_slot": "<约定的面试时间，没有则为空字符串>"}'


def system_prompt(ctx: ChatContext) -> str:
    job = ctx.job
    wechat = ctx.channel == WECHAT
    lines = [
        f"你是招聘方的招聘助理，正在{'微信' if wechat else '招聘平台'}上和候选人「{mask_name(ctx.candidate_name)}」"
        f"沟通职位「{job.name}」。用简短、口语化、礼貌的中文回复，每次不超过3句话；"
        "需要分成多条消息时用换行分隔。",
        "",
        "## 职位信息",
        f"职位名称：{job.name}",
    ]
    if job.jd:
        lines.append("职位描述：" + job.jd[:MAX_JD_CHARS])
    for key, value in job.faq.items():
        if value:
            lines.append(f"{FAQ_LABELS.get(key, key)}：{value}")
    if job.touch_msg:
        lines.append(f"已发送的开场白：{job.touch_msg}")
    lines += ["", "## 当前状态"]
    if wechat:
        lines.append("已经是微信好友，联系方式已获得。")
        lines.append(f"已收到简历：{'是' if ctx.cv_received else '否'}")
        lines.append(f"已约定面试时间：{'是' if ctx.interview_agreed else '否'}")
        if job.interview_slots:
            lines.append("可约的面试时间：" + " / ".join(job.interview_slots))
    else:
        lines.append(f"已获得候选人联系方式（电话/微信/简历）：{'是' if ctx.has_contact else '否'}")
        lines.append(f"已索要联系方式次数：{ctx.contact_asks}，上限：{job.max_contact_asks}")
    lines += ["", "## 目标与规则"]
    if wechat:
        lines += [
            "目标：确认候选人对职位的意向，收集简历，并约定面试时间。",
            "- 候选人有意向但还没发简历或没约定面试时间：回答问题后请对方发简历或约面试时间，next_step 用 "
            "normal_chat。",
            "- 已确认意向、收到简历并约好面试时间，或候选人明确拒绝：礼貌结束，next_step 用 finish。",
            f"- 候选人选定或同意了一个面试时间：确认这个时间，intent 用 {INTERVIEW_AGREED}，interview_slot 填约定的时间"
            "（用上面可约时间的原文），next_step 用 finish；候选人想要其他时间：next_step 用 need_ensure。",
        ]
    else:
        lines += [
            "目标：回答候选人对职位的问题，并拿到候选人的手机号、微信号或简历。",
            "- 候选人提问：只根据上面的职位信息回答，next_step 用 normal_chat。",
        ]
        if ctx.has_contact:
            lines.append("- 联系方式已获得：不要再索要，回答完问题后用结束语收尾，next_step 用 finish。")
        elif ctx.contact_asks >= job.max_contact_asks:
            lines.append("- 索要联系方式次数已用完：不要再索要，next_step 不能用 need_contact，只回答问题。")
        else:
            lines.append("- 候选人表现出兴趣且还没有联系方式：在回复里自然地索要联系方式，next_step 用 need_contact。")
            if job.contact_ask:
                lines.append("  可参考的索要话术：" + " / ".join(job.contact_ask))
        lines.append("- 候选人在对话里给出了手机号、微信号或简历：表示感谢并用结束语收尾，next_step 用 finish。")
        lines.append("- 候选人明确表示不考虑、不感兴趣：礼貌道别，next_step 用 finish。")
    lines += [
        "- 职位信息里没有答案的问题、候选人要求人工或问你是不是机器人、敏感话题（歧视、违法、投诉等）："
        "回复一句简短的稍候话术（如 这个问题我确认一下再回复您），next_step 用 need_ensure。",
        "- 不要编造职位信息里没有的薪资、地点、福利等内容，不要承诺录用。",
        f"- 以「{SYSTEM_PREFIX.strip()}」开头的用户消息是平台通知（如交换联系方式、发送简历），不是候选人说的话。",
        "- 对话中的联系方式已打码（如 138****8000），不要复述或猜测。",
        "- 候选人的姓名已打码（如 张**）：称呼对方时用「您」或原样写打码的称呼，不要猜测真实姓名。",
    ]
    if job.closing_msg:
        lines.append(f"- 结束语：{job.closing_msg}")
    lines += [
        "",
        "## 回答格式",
        "只输出一个 JSON 对象，不要输出其他文字：",
        WECHAT_ANSWER_SCHEMA if wechat else ANSWER_SCHEMA,
        "next_step 只能是 normal_chat、need_contact、need_ensure、finish 之一；reply 不能为空；"
        "contact 中只填候选人本轮明文给出的联系方式，没有则填空字符串。",
    ]
    return "\n".join(lines)


def _recall_prompt(job: JobScript) -> str:
    return "\n".join(
        [
            f"你是招聘助理。候选人对职位「{job.name}」的沟通中没有回复，需要发一条跟进消息。",
            "根据用户给出的模板消息、候选人称呼和背景，改写成一条自然、礼貌、简短（不超过80字）的中文消息，"
            "可结合候选人背景点出职位的吸引点；不要编造薪资、福利等信息，不要包含联系方式或链接。",
            "候选人称呼已打码（如 张**）：称呼对方时原样写打码的称呼，发送前会换成真实称呼。",
            '只输出一个 JSON 对象：{"msg": "<消息>"}',
        ]
    )


RUBRIC_PROMPT_VERSION = "1"  # part of the score cache's key (recruit.services.rubric): bump on a change below


def _rubric_prompt(rubric: str) -> str:
    return "\n".join(
        [
            "你是招聘方的简历初筛助理。根据招聘方给出的评分标准，为用户消息中的候选人简历（JSON，已脱敏）打分。",
            "",
            "## 评分标准",
            rubric.strip(),
            "",
            "## 要求",
            "- 分数为 0 到 100 的整数：完全符合评分标准为 100，完全不符合为 0；简历中没有的信息按不符合计。",
            "- 理由用一句中文（不超过60字）说明主要的符合与不符合之处，不要包含姓名、联系方式等个人信息。",
            '只输出一个 JSON 对象，不要输出其他文字：{"score": <0-100 的整数>, "reason": "<一句话理由>"}',
        ]
    )
