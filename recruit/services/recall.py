"""Nudging silent candidates (CONTRACT candidate/recallList, candidate/recallResult)."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, OuterRef
from django.utils import timezone

from chatbot.engines import engine_for, engine_kind
from chatbot.history import ROBOT_SIDE
from chatbot.rule import recall_message
from chatbot.types import EngineError
from hunter_robot.errors import NotFound
from recruit import jobconfig
from recruit.models import ContactRecord, Conversation, Message, RecruitAccount
from recruit.selectors import team_profile
from recruit.services.conversations import conversation_save, messages_append
from recruit.services.risk import paused_by_risk

logger = logging.getLogger(__name__)

PERSONALISE_TIMEOUT = 5.0  # one nudge; the whole call is bounded by RECALL_PERSONALISE_BUDGET
MIN_ATTEMPT = 0.2  # seconds: less budget than this left, the template is used without asking
# Model calls wait on I/O; a small pool bounds the threads a hung peer can pin.
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="recall")


def _obtained(conversation: Conversation) -> bool:
    try:
        return conversation.contact.obtained
    except ContactRecord.DoesNotExist:
        return False


def _personalise(conversation: Conversation, template_msg: str, *, budget: float) -> str:
    """The job's LLM may rewrite the nudge from the profile within `budget` seconds; any failure or
    timeout keeps the template. Reads only what is already loaded: no database access."""
    job = conversation.job
    if engine_kind(job.robot_api) != "llm":
        return template_msg
    timeout = min(PERSONALISE_TIMEOUT, budget)
    if timeout < MIN_ATTEMPT:
        return template_msg
    engine, model = engine_for(job.robot_api)
    profile = conversation.team_profile or {}  # annotated by recall_list: the team's own profile
    summary = "；".join(
        str(value)
        for value in (profile.get("expected_positions"), profile.get("work_titles"), profile.get("skills"))
        if value
    )
    # In a worker thread, so the budget holds whatever the peer does (a trickling answer included).
    future = _pool.submit(
        engine.personalise_recall,
        template_msg=template_msg,
        name=conversation.candidate.name,
        job=jobconfig.job_script(job),
        profile_summary=summary[:500],
        timeout=timeout,
        model=model,
    )
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        logger.info("recall personalisation took over %.1fs, using the template", timeout)
    except EngineError as exc:
        logger.info("recall personalisation failed, using the template: %s", exc)
    except Exception:  # an engine bug must not cost the bot its list
        logger.exception("recall personalisation crashed, using the template")
    return template_msg


def _personalise_all(offers: list[tuple[Conversation, int, str]]) -> list[str]:
    """One budget (RECALL_PERSONALISE_BUDGET) for the whole call: nudges are personalised in order
    until it is spent, the rest keep their template. No database connection is held meanwhile."""
    if not any(engine_kind(conversation.job.robot_api) == "llm" for conversation, _step, _msg in offers):
        return [template for _conversation, _step, template in offers]
    if not connection.in_atomic_block:
        connection.close()  # the model may take seconds; the writes after it reconnect
    deadline = time.monotonic() + settings.RECALL_PERSONALISE_BUDGET
    return [
        _personalise(conversation, template, budget=deadline - time.monotonic())
        for conversation, _step, template in offers
    ]


def recall_list(
    *, account: RecruitAccount, cids: list[str], read_cids: set[str], now: datetime | None = None
) -> list[dict]:
    """The candidates to nudge now, one item each from their most recent qualifying conversation.
    Only marks the step as offered; recallResult counts it. Nothing while a risk report has the
    account paused: nudges are platform messages (CONTRACT §9)."""
    if paused_by_risk(account):
        return []
    now = now or timezone.now()
    conversations = (
        Conversation.objects.filter(
            account=account,
            candidate__platform=account.platform,
            candidate__platform_cid__in=cids,
            status=Conversation.Status.OPEN,
            needs_human=False,
            taken_over_by__isnull=True,
            last_speaker__in=ROBOT_SIDE,
            last_robot_at__isnull=False,
        )
        .select_related("job", "candidate", "contact")
        # The profile this account's team stored, never another team's card (CONTRACT §8).
        .annotate(team_profile=team_profile(OuterRef("account__team"), candidate=OuterRef("candidate")))
        .prefetch_related("job__recall_steps")
        .order_by("-updated_at", "-id")
    )
    offers: list[tuple[Conversation, int, str]] = []
    seen: set[int] = set()
    for conversation in conversations:
        candidate = conversation.candidate
        if candidate.pk in seen or _obtained(conversation):
            continue
        steps = jobconfig.recall_steps(conversation.job.recall_steps.all())  # prefetched
        step_index = conversation.recall_count
        if step_index >= len(steps):
            continue
        hours = steps[step_index].after_hours
        if candidate.platform_cid in read_cids:
            hours = min(hours, conversation.job.read_recall_after_hours)
        if now - conversation.last_robot_at < timedelta(hours=hours):
            continue
        seen.add(candidate.pk)
        template = recall_message(steps[step_index].msg, name=candidate.name, job_name=conversation.job.name)
        offers.append((conversation, step_index, template))
    items = []
    for (conversation, step_index, _template), msg in zip(offers, _personalise_all(offers), strict=True):
        Conversation.objects.filter(pk=conversation.pk).update(recall_offered_step=step_index, recall_offered_msg=msg)
        items.append(
            {
                "candidate_id": conversation.candidate.platform_cid,
                "candidate_name": conversation.candidate.name,
                "job_id": conversation.job.job_id,
                "need_recall": True,
                "recall_msg": msg,
            }
        )
    return items


@transaction.atomic
def recall_result(*, account: RecruitAccount, cid: str, now: datetime | None = None) -> int:
    """Record that the offered nudge was sent: once per offered step.

    Concurrency: the conversation row is locked and the offer cleared in the same transaction, so
    a repeated or concurrent call finds no offer and advances nothing.
    """
    now = now or timezone.now()
    mine = Conversation.objects.filter(
        account=account, candidate__platform=account.platform, candidate__platform_cid=cid
    )
    conversation = (
        mine.select_for_update(of=("self",))
        .filter(recall_offered_step__isnull=False)
        .order_by("-updated_at", "-id")
        .first()
    )
    if conversation is None:
        count = mine.aggregate(n=Max("recall_count"))["n"]
        if count is None:
            raise NotFound(f"candidateID: no conversation with {cid} on {account.account_id}")
        return count
    if conversation.recall_offered_step == conversation.recall_count:
        messages_append(
            conversation,
            [
                Message(
                    speaker=Message.Speaker.ROBOT, text=conversation.recall_offered_msg, is_recall=True, engine="recall"
                )
            ],
            now=now,
        )
        conversation.recall_count += 1
    conversation.recall_offered_step = None
    conversation.recall_offered_msg = ""
    conversation_save(
        conversation,
        "recall_count",
        "recall_offered_step",
        "recall_offered_msg",
        "message_count",
        "last_message_at",
        "last_speaker",
    )
    return conversation.recall_count
