"""One WeChat turn (CONTRACT §6 userMsguser): the candidate's message is stored, and the dialogue engine
of the friend's conversation's job answers on the WeChat channel (confirm interest, collect a CV, agree
an interview time).

The engine half is the platform chat's (`recruit.services.turns`): the message commits first, the engine
runs with no transaction, lock or connection held, within CHAT_DEADLINE with the rule engine as fallback,
on a masked transcript; the reply is saved only if no other call (or a recruiter) changed the
conversation meanwhile, and a need_ensure answer flags the conversation for a recruiter.

WeChat lines are stored on the conversation as messages of channel `wechat`; the engine sees only those.
The reply is returned to the bot and stored at once as our message with `sent_at` empty; the bot's
msgSendReport for it marks it delivered instead of storing it again (`wechat.services.friends`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from chatbot import history
from chatbot.contacts import extract_contacts, mask_text
from chatbot.engines import Outcome
from chatbot.types import (
    ALGO_ABNORMAL,
    FINISH,
    INTERVIEW_AGREED,
    NEED_CONTACT,
    NORMAL_CHAT,
    NOTHING,
    USER,
    WECHAT,
    ChatContext,
    Contacts,
    Turn,
)
from chatbot.wechat import cv_mentioned, pick_slot
from recruit import jobconfig
from recruit.models import Conversation, Message
from recruit.services.conversations import APPEND_FIELDS, contact_merge, conversation_save, messages_append
from recruit.services.turns import (
    ACK,
    TurnClaim,
    claimed_conversation,
    engine_answer,
    masked,
    reply_effects,
    robot_message,
)
from wechat.models import WechatAccount, WechatFriend
from wechat.services.friends import friend_accepted, friend_lock

RETRY_WINDOW = timedelta(minutes=2)
"""The same message again within this time, while our reply to it has not been reported sent, is the bot
retrying a call (bots time out after 60 s), not the candidate repeating themselves."""


@dataclass
class _Claim(TurnClaim):
    friend_id: int = 0
    user_text: str = ""  # the candidate's lines this turn answers, unmasked (for the slot they picked)


def _retry_answer(rows: list[Message], key: str, now: datetime) -> str | None:
    """The answer to a retried call: the reply already given to that message (not yet reported sent),
    or "" while the first call is still waiting on the engine. None: a new message."""
    tail: list[Message] = []
    for row in reversed(rows):
        if row.speaker != Message.Speaker.ROBOT or not row.engine or row.sent_at is not None:
            break
        tail.append(row)
    if len(tail) == len(rows):
        return None
    asked = rows[-len(tail) - 1]
    if asked.speaker != USER or history.normalise(asked.text) != key or asked.created_at < now - RETRY_WINDOW:
        return None
    return "\n".join(row.text for row in reversed(tail))


@transaction.atomic
def _record(*, account: WechatAccount, alias_id: str, text: str, now: datetime) -> str | _Claim:
    conversation, friend = friend_lock(account, alias_id)
    rows = list(conversation.messages.filter(channel=Message.Channel.WECHAT).order_by("seq"))
    retry = _retry_answer(rows, history.normalise(text), now)
    if retry is not None:
        return retry
    fields = friend_accepted(friend, now)
    cv = cv_mentioned(text)
    if cv and friend.cv_at is None:
        friend.cv_at = now
        fields.append("cv_at")
    friend.last_message_at = now
    friend.save(update_fields=[*fields, "last_message_at"])
    row = Message(channel=Message.Channel.WECHAT, speaker=USER, text=text)
    messages_append(conversation, [row], now=now)
    rows.append(row)
    # Their WeChat id is known (we are talking on it); a phone, an e-mail or a CV is news.
    written = extract_contacts(text)
    found = Contacts(phone=written.phone, email=written.email, cv_received=cv)
    if found.any():
        contact_merge(conversation, found)
    conversation_save(conversation, *APPEND_FIELDS)

    if conversation.taken_over_by_id is not None or conversation.needs_human:
        return ""
    transcript = [Turn(r.speaker, r.text) for r in rows]
    since_ours = history.user_lines_after_last_robot(transcript)
    done = friend.status == WechatFriend.Status.FINISHED or conversation.status == Conversation.Status.DECLINED
    if done and all(ACK.match(t.text) for t in since_ours):
        return ""
    job = conversation.job
    ctx = ChatContext(
        conversation_key=f"{conversation.account.account_id}_{job.job_id}_{conversation.candidate.platform_cid}",
        candidate_name=conversation.candidate.name,
        job=jobconfig.job_script(job),
        transcript=masked(transcript),
        new_user_text="\n".join(mask_text(t.text) for t in since_ours),
        message_time=timezone.localtime(now),  # the candidate's calendar: "明天" is theirs
        contact_asks=conversation.contact_asks,
        has_contact=True,
        user_turns=sum(1 for t in transcript if t.speaker == USER),
        channel=WECHAT,
        cv_received=friend.cv_at is not None,
        interview_agreed=friend.interview_at is not None,
    )
    user_text = "\n".join(t.text for t in since_ours)
    return _Claim(conversation.pk, conversation.version, job.robot_api, ctx, friend_id=friend.pk, user_text=user_text)


def _interview_agreed(friend: WechatFriend, slot: str, now: datetime) -> list[str]:
    """The milestone once, the slot as last agreed, the friend finished."""
    fields = []
    if friend.interview_at is None:
        friend.interview_at = now
        fields.append("interview_at")
    slot = slot.strip()[:100]
    if slot and slot != friend.interview_slot:
        friend.interview_slot = slot
        fields.append("interview_slot")
    if friend.status != WechatFriend.Status.FINISHED:
        friend.status = WechatFriend.Status.FINISHED
        fields.append("status")
    return fields


@transaction.atomic
def _save_reply(claim: _Claim, outcome: Outcome, now: datetime) -> str:
    conversation = claimed_conversation(claim)
    if conversation is None:
        return ""  # a later call (or a recruiter) changed the conversation: that one answers
    reply = outcome.reply
    # The contact is obtained: "ask for contact" means nothing here.
    step = NORMAL_CHAT if reply.next_step == NEED_CONTACT else reply.next_step
    content = (reply.content or "").strip()
    if step == NOTHING or not content and step != FINISH:
        return ""
    friend = WechatFriend.objects.get(pk=claim.friend_id)
    friend_fields = []
    if content:
        wire_step = ALGO_ABNORMAL if outcome.error else step
        row = robot_message(outcome, content, next_step=wire_step, channel=Message.Channel.WECHAT)
        messages_append(conversation, [row], now=now)
        friend.last_message_at = now
        friend_fields.append("last_message_at")
    fields = [*APPEND_FIELDS, *reply_effects(conversation, outcome, step, now=now)]
    if reply.intent == INTERVIEW_AGREED:
        today = claim.ctx.message_time.date()
        slot = reply.interview_slot or pick_slot(claim.user_text, claim.ctx.job.interview_slots, today=today).slot
        friend_fields += _interview_agreed(friend, slot, now)
    if friend_fields:
        friend.save(update_fields=friend_fields)
    conversation_save(conversation, *fields)
    return content


def wechat_message_receive(*, account: WechatAccount, alias_id: str, text: str, now: datetime | None = None) -> str:
    """userMsguser: store the candidate's message from friend `alias_id` and answer it; "" when no
    reply is due (taken over, flagged for a recruiter, finished and only acknowledged, or a reply
    already pending for this message). NotFound for an unknown alias. A paused WeChat account still
    answers (only its tasks stop)."""
    now = now or timezone.now()
    claim = _record(account=account, alias_id=alias_id, text=text.strip(), now=now)
    if isinstance(claim, str):
        return claim
    return _save_reply(claim, engine_answer(claim), timezone.now())
