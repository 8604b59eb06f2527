"""The engine half of a dialogue turn, shared by the platform chat (`recruit.services.chat`) and the
WeChat channel (`wechat.services.chat`).

A turn first records what the candidate wrote and decides whether a reply is due, in one transaction of
its channel's own. It then asks the job's engine with no transaction, lock or database connection held
(`engine_answer`: the CHAT_DEADLINE and the rule-engine fallback live in `chatbot.engines.run_turn`),
and saves the reply in a second short transaction only if no other call claimed the conversation
meanwhile (`claimed_conversation`: a version check under the row lock; a recruiter taking over bumps
the version too). `reply_effects` is what every channel does with a reply: contacts the engine found,
a refusal (declined, do-not-contact), a need_ensure flag with its notification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from chatbot.contacts import mask_text
from chatbot.engines import Outcome, run_turn
from chatbot.types import FINISH, NEED_ENSURE, PLATFORM, ChatContext, Turn
from recruit.models import Conversation, Message
from recruit.services.conversations import contact_merge, do_not_contact_add
from recruit.services.notify import notification_enqueue

# Only an acknowledgement: no answer is due after the conversation finished.
ACK = re.compile(r"^(?:[\s\W_]|好的?|好滴|嗯|哦|ok|okay|收到|谢谢|多谢|感谢|thx|thanks|行|可以|没问题|了)*$", re.I)
REFUSAL_INTENTS = {"refuse", "拒绝"}


@dataclass
class TurnClaim:
    """A turn committed and waiting for the engine: the conversation and the version it had."""

    conversation_id: int
    version: int
    robot_api: str
    ctx: ChatContext


def masked(turns: list[Turn]) -> list[Turn]:
    """Contact details masked (138****8000) before any engine sees the transcript."""
    return [Turn(t.speaker, mask_text(t.text)) for t in turns]


def engine_answer(claim: TurnClaim) -> Outcome:
    """The job's engine's answer within the deadline (or the rule engine's on failure). Holds no
    database connection while the engine thinks (it may take seconds)."""
    if not connection.in_atomic_block:
        connection.close()
    return run_turn(claim.robot_api, claim.ctx)


def claimed_conversation(claim: TurnClaim) -> Conversation | None:
    """The conversation locked for saving the reply; None when a later call (or a recruiter) changed it
    since the claim: that call answers, this one says nothing. Call inside a transaction."""
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("job", "account", "candidate")
        .get(pk=claim.conversation_id)
    )
    return conversation if conversation.version == claim.version else None


def robot_message(outcome: Outcome, text: str, *, next_step: str, channel: str = PLATFORM) -> Message:
    """A robot line of the engine's answer, with which engine said it and why."""
    reply = outcome.reply
    return Message(
        channel=channel,
        speaker=Message.Speaker.ROBOT,
        text=text,
        engine=outcome.engine,
        model=reply.model,
        intent=reply.intent[:64],
        next_step=next_step,
        latency_ms=outcome.latency_ms,
        prompt_tokens=reply.prompt_tokens,
        completion_tokens=reply.completion_tokens,
        error=outcome.error,
    )


def conversation_close(conversation: Conversation, status: str, *, now: datetime) -> list[str]:
    """Finish or decline the conversation (its milestone set once); returns the fields changed."""
    conversation.status = status
    fields = ["status"]
    milestone = "declined_at" if status == Conversation.Status.DECLINED else "finished_at"
    if getattr(conversation, milestone) is None:
        setattr(conversation, milestone, now)
        fields.append(milestone)
    return fields


def reply_effects(conversation: Conversation, outcome: Outcome, step: str, *, now: datetime) -> list[str]:
    """What a reply does to the conversation on every channel: the engine's contacts merged, a refusal
    declines it (do-not-contact), need_ensure flags it for a recruiter (notified). Call under the
    conversation lock; returns the fields to save."""
    reply = outcome.reply
    fields: list[str] = []
    if reply.contact.any():
        contact_merge(conversation, reply.contact)
    if step == FINISH and reply.intent in REFUSAL_INTENTS:
        fields += conversation_close(conversation, Conversation.Status.DECLINED, now=now)
        do_not_contact_add(conversation, reason="declined")
    if step == NEED_ENSURE:
        conversation.needs_human = True
        fields.append("needs_human")
        notification_enqueue(conversation=conversation, kind="need_human", detail=reply.intent)
    return fields
