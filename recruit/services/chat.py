"""One chat turn (CONTRACT candidate/chat): merge the page's history, decide, ask the engine.

Two short transactions around the engine call: the merged transcript commits first, the engine
runs with no transaction, lock or connection held, and the reply is saved only if no other call
claimed the turn meanwhile (version check). The engine half is shared with the WeChat channel
(`recruit.services.turns`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from chatbot import history
from chatbot.contacts import detect_notice, extract_contacts, mask_text
from chatbot.engines import Outcome
from chatbot.types import (
    ALGO_ABNORMAL,
    FINISH,
    NEED_CONTACT,
    NORMAL_CHAT,
    NOTHING,
    RECRUITER,
    ROBOT,
    SYSTEM,
    USER,
    ChatContext,
    Turn,
)
from recruit import jobconfig, selectors
from recruit.models import ContactRecord, Conversation, Job, Message, RecruitAccount
from recruit.services.candidates import candidates_ensure
from recruit.services.conversations import (
    APPEND_FIELDS,
    contact_merge,
    conversation_lock,
    conversation_save,
    messages_append,
)
from recruit.services.turns import (
    ACK,
    REFUSAL_INTENTS,
    TurnClaim,
    claimed_conversation,
    conversation_close,
    engine_answer,
    masked,
    reply_effects,
    robot_message,
)


@dataclass
class IncomingLine:
    speaker: str
    text: str
    sent_at: datetime | None = None


@dataclass
class ChatAnswer:
    next_step: str
    content: str


@dataclass
class _Claim(TurnClaim):
    max_contact_asks: int = 0


def _pending_reply(rows: list[Message]) -> ChatAnswer | None:
    """The reply the server gave after the last user line, when the page does not show it yet."""
    tail = []
    for row in reversed(rows):
        if row.speaker != ROBOT or not row.engine or row.is_recall:
            break
        tail.append(row)
    if not tail or len(tail) == len(rows):
        return None
    tail.reverse()
    return ChatAnswer(tail[0].next_step or NORMAL_CHAT, "\n".join(row.text for row in tail))


@transaction.atomic
def _record(
    *, account: RecruitAccount, job: Job | None, cid: str, name: str, incoming: list[IncomingLine], now
) -> ChatAnswer | _Claim:
    candidate = candidates_ensure(platform=account.platform, cids=[cid], names={cid: name})[cid]
    if name and candidate.name != name:
        candidate.name = name
        candidate.save(update_fields=["name", "updated_at"])
    job = selectors.resolve_job(account, job, candidate.pk)
    conversation = conversation_lock(account=account, job=job, candidate=candidate, source=Conversation.Source.USER_ASK)
    stored = list(conversation.messages.filter(channel=Message.Channel.PLATFORM).order_by("seq"))
    stored_turns = [Turn(m.speaker, m.text) for m in stored]
    page = [Turn(line.speaker, line.text) for line in incoming]
    new = history.merge(stored_turns, page)
    if not new and history.last_speaker(page) == USER:
        # The page does not show our last reply yet: a retry of a call already answered gets the same
        # answer and stores nothing. When the page shows it (whole or as bubbles), the bot sent it and
        # the precedence below answers "" instead.
        pending = _pending_reply(stored)
        if pending is not None:
            return pending
    # The page's own timestamps, where it gave them; robot-side lines a human typed keep theirs too.
    times = {}
    for line in incoming:
        speaker = RECRUITER if line.speaker == ROBOT else line.speaker
        times[(speaker, history.normalise(line.text))] = line.sent_at
    messages_append(
        conversation,
        [
            Message(speaker=t.speaker, text=t.text, sent_at=times.get((t.speaker, history.normalise(t.text))))
            for t in new
        ],
        now=now,
    )
    found = None
    for turn in new:
        if turn.speaker == USER:
            detected = extract_contacts(turn.text)
        elif turn.speaker == SYSTEM:
            detected = detect_notice(turn.text)  # exchange accepted, CV sent
        else:
            continue
        if detected.any():
            found = detected if found is None else found.merge(detected)
    record = None
    if found is not None:
        record, _changed = contact_merge(conversation, found)
    conversation_save(conversation, *APPEND_FIELDS)

    transcript = stored_turns + new
    since_robot = history.user_lines_after_last_robot(transcript)
    if conversation.taken_over_by_id is not None:
        return ChatAnswer(NOTHING, "")
    if conversation.status != Conversation.Status.OPEN:
        if conversation.last_speaker != USER or all(ACK.match(t.text) for t in since_robot):
            return ChatAnswer(FINISH, "")
    elif conversation.last_speaker != USER:
        return ChatAnswer(NOTHING, "")
    if conversation.needs_human:
        return ChatAnswer(NOTHING, "")
    newest = next((line.sent_at for line in reversed(incoming) if line.speaker == USER and line.sent_at), None)
    if record is None:
        record = ContactRecord.objects.filter(conversation=conversation).first()
    ctx = ChatContext(
        conversation_key=f"{account.account_id}_{job.job_id}_{cid}",
        candidate_name=candidate.name,
        job=jobconfig.job_script(job),
        transcript=masked(transcript),
        new_user_text="\n".join(mask_text(t.text) for t in since_robot),
        message_time=newest or now,
        contact_asks=conversation.contact_asks,
        has_contact=bool(record and record.obtained),
        user_turns=sum(1 for t in transcript if t.speaker == USER),
    )
    return _Claim(conversation.pk, conversation.version, job.robot_api, ctx, job.max_contact_asks)


@transaction.atomic
def _save_reply(claim: _Claim, outcome: Outcome, now: datetime) -> ChatAnswer:
    conversation = claimed_conversation(claim)
    if conversation is None:
        return ChatAnswer(NOTHING, "")  # a later call claimed this turn and answers it
    reply = outcome.reply
    step = reply.next_step
    if step == NEED_CONTACT and conversation.contact_asks >= claim.max_contact_asks:
        step = NORMAL_CHAT  # asks exhausted: never trigger the exchange action again
    content = (reply.content or "").strip()
    if step == NOTHING or not content and step != FINISH:
        return ChatAnswer(NOTHING, "")
    wire_step = ALGO_ABNORMAL if outcome.error else step
    bubbles = [b.strip() for b in content.split("\n") if b.strip()]
    messages_append(conversation, [robot_message(outcome, bubble, next_step=wire_step) for bubble in bubbles], now=now)
    fields = [*APPEND_FIELDS, *reply_effects(conversation, outcome, step, now=now)]
    if step == NEED_CONTACT:
        conversation.contact_asks += 1
        fields.append("contact_asks")
    if step == FINISH and reply.intent not in REFUSAL_INTENTS:
        fields += conversation_close(conversation, Conversation.Status.FINISHED, now=now)
    conversation_save(conversation, *fields)
    return ChatAnswer(wire_step, "\n".join(bubbles))


def candidate_chat(
    *,
    account: RecruitAccount,
    job: Job | None,
    cid: str,
    name: str,
    incoming: list[IncomingLine],
    now: datetime | None = None,
) -> ChatAnswer:
    """One turn for `account` and candidate `cid`: `job` is the explicit job (Conflict when the account
    no longer has it), None for the CONTRACT §3 fallback. Raises before storing anything."""
    now = now or timezone.now()
    claim = _record(account=account, job=job, cid=cid, name=name, incoming=incoming, now=now)
    if isinstance(claim, ChatAnswer):
        return claim
    return _save_reply(claim, engine_answer(claim), timezone.now())
