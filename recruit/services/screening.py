"""Greet-or-not decisions (CONTRACT candidate/filter, preFilter/v2).

The query count is constant (pinned in tests): the gates are computed in one annotated query and
the reservation is taken with one conditional upsert.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from hunter_robot.errors import Conflict
from recruit import quota
from recruit.jobconfig import has_rubric, job_criteria
from recruit.models import (
    AccountJob,
    Candidate,
    Conversation,
    DoNotContact,
    Greeting,
    Job,
    RawCard,
    RecruitAccount,
    Reservation,
    ScreeningDecision,
)
from recruit.pii import platform_identity_hash
from recruit.platforms import parse_profile
from recruit.platforms.profile import Profile
from recruit.screening import evaluate
from recruit.selectors import team_profile
from recruit.services import rubric
from recruit.services.risk import risk_reason


@dataclass
class Decision:
    touch: bool
    reasons: list[str] = field(default_factory=list)


def _card_hash(payload: dict) -> str:
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def raw_card_store(*, platform: str, payload: dict) -> RawCard:
    """One row per distinct content. One upsert query; concurrent stores converge on the same row."""
    [card] = RawCard.objects.bulk_create(
        [RawCard(sha256=_card_hash(payload), platform=platform, payload=payload)],
        update_conflicts=True,
        unique_fields=["sha256"],
        update_fields=["seen_at"],
    )
    return card


def candidate_upsert(*, platform: str, cid: str, profile: Profile, raw_card: RawCard) -> Candidate:
    """The candidate row with its latest parsed profile, in one upsert query."""
    [candidate] = Candidate.objects.bulk_create(
        [
            Candidate(
                platform=platform,
                platform_cid=cid,
                name=(profile.name or "")[:100],
                profile=profile.to_dict(),
                raw_card=raw_card,
            )
        ],
        update_conflicts=True,
        unique_fields=["platform", "platform_cid"],
        update_fields=["name", "profile", "raw_card", "updated_at"],
    )
    return candidate


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _gates(account: RecruitAccount, job_id: int | None, candidate: Candidate, now: datetime) -> AccountJob | None:
    """The account's task for the job, with every gate the decision needs, in one hand-written query
    (building the equivalent ORM query cost about half of a filter request's CPU).

    An explicit `job_id` must be in the account's job list (`linked`), else None. `job_id` None
    applies the CONTRACT §3 fallback: the job of the most recent conversation of (account,
    candidate), else the account's first linked job. The same rule as `selectors.resolve_job`, written
    in SQL here so the hottest endpoint pays one query for it; tests/recruit/test_job_fallback.py runs
    one table of cases against both forms.
    """
    ops = connection.ops
    day = ops.adapt_datefield_value(timezone.localdate(now))
    at = ops.adapt_datetimefield_value(now)
    platform_hash = platform_identity_hash(candidate)
    aj, greeting, reservation = _table(AccountJob), _table(Greeting), _table(Reservation)
    conversation, dnc, cand = _table(Conversation), _table(DoNotContact), _table(Candidate)
    last_conversation = (
        f"(SELECT MAX(c.updated_at) FROM {conversation} c"
        f" WHERE c.account_id = aj.account_id AND c.job_id = aj.job_id AND c.candidate_id = %s)"
    )
    sql = f"""
        SELECT aj.id,
          (SELECT COUNT(*) FROM {greeting} g
            WHERE g.account_id = aj.account_id AND g.job_id = aj.job_id AND g.day = %s),
          (SELECT COUNT(*) FROM {reservation} r
            WHERE r.account_id = aj.account_id AND r.job_id = aj.job_id AND r.expires_at > %s
              AND r.candidate_id <> %s),
          EXISTS (SELECT 1 FROM {conversation} c WHERE c.job_id = aj.job_id AND c.candidate_id = %s),
          EXISTS (SELECT 1 FROM {dnc} d WHERE d.kind = %s AND d.value_hash = %s)
            OR EXISTS (SELECT 1 FROM {cand} k WHERE k.id = %s AND k.do_not_contact)
        FROM {aj} aj
        WHERE aj.account_id = %s AND {"aj.job_id = %s AND aj.linked" if job_id is not None else f"(aj.linked OR {last_conversation} IS NOT NULL)"}
        ORDER BY {last_conversation} DESC NULLS LAST, aj.linked DESC, aj.position, aj.id
        LIMIT 1
    """
    params = [day, at, candidate.pk, candidate.pk, DoNotContact.Kind.PLATFORM_ID, platform_hash, candidate.pk]
    params += [account.pk, job_id if job_id is not None else candidate.pk, candidate.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    link = AccountJob.objects.select_related("job").get(pk=row[0])
    link.done, link.held, link.contacted, link.blocked = row[1], row[2], bool(row[3]), bool(row[4])
    return link


def _reserve(*, link: AccountJob, candidate: Candidate, account: RecruitAccount, now: datetime) -> str | None:
    """Take or renew the reservation: None when taken, else the reason it was not.

    Concurrency, across processes and servers:
    - quota: a `true` in the making locks the account row (FOR NO KEY UPDATE; `greetings_report` locks
      it too before recording greetings), then the statement that inserts counts the day's greetings
      and the live reservations again: the counts `_gates` read may be stale by then, and concurrent
      filters of one account would otherwise all spend its last greeting. Refusals take no lock.
    - one holder: the upsert (INSERT … ON CONFLICT DO UPDATE … WHERE) takes the row unless another
      account holds a live one, so concurrent filters give at most one `true` per job and candidate.
    """
    list(RecruitAccount.objects.select_for_update(no_key=True).filter(pk=account.pk).values_list("pk"))
    table, greeting, task = _table(Reservation), _table(Greeting), _table(AccountJob)
    ops = connection.ops
    at, expires = (ops.adapt_datetimefield_value(t) for t in (now, now + timedelta(seconds=settings.RESERVATION_TTL)))
    day = ops.adapt_datefield_value(timezone.localdate(now))
    job_id = link.job_id
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (job_id, candidate_id, account_id, expires_at, created_at)
            SELECT %s, %s, %s, %s, %s
             WHERE (SELECT COUNT(*) FROM {greeting} g WHERE g.account_id = %s AND g.job_id = %s AND g.day = %s)
                 + (SELECT COUNT(*) FROM {table} h
                     WHERE h.account_id = %s AND h.job_id = %s AND h.expires_at > %s AND h.candidate_id <> %s)
                 < (SELECT t.hello_sum FROM {task} t WHERE t.id = %s)
            ON CONFLICT (job_id, candidate_id) DO UPDATE
               SET account_id = excluded.account_id, expires_at = excluded.expires_at,
                   created_at = excluded.created_at
             WHERE {table}.account_id = excluded.account_id OR {table}.expires_at <= %s
            RETURNING account_id
            """,
            [job_id, candidate.pk, account.pk, expires, at, account.pk, job_id, day]
            + [account.pk, job_id, at, candidate.pk, link.pk, at],
        )
        if cursor.fetchone() is not None:
            return None
    held = Reservation.objects.filter(job_id=job_id, candidate=candidate, expires_at__gt=now).exclude(account=account)
    return "reserved: held by another account" if held.exists() else "quota: none left today"


def decide(
    *,
    account: RecruitAccount,
    link: AccountJob,
    candidate: Candidate,
    profile: Profile,
    raw_card: RawCard | None,
    source: str,
    now: datetime,
    verdict: rubric.Verdict | None = None,
) -> Decision:
    """Apply the CONTRACT's gates and criteria to an annotated task row; store the decision.

    A job with a rubric scores a candidate who passed everything else before the reservation is taken
    (`verdict`: one `rubric.score_now` gave; else the cache, else `rubric.ScoreNeeded` is raised)."""
    job = link.job
    reasons = []
    if not account.active:
        reasons.append(risk_reason(account) or "inactive: account paused")
    if not job.active or not link.active:
        reasons.append("inactive: job paused")
    left = quota.remaining(link.hello_sum, link.done or 0) - (link.held or 0)
    if left <= 0:
        reasons.append("quota: none left today")
    if link.blocked:
        reasons.append("do_not_contact: candidate asked not to be contacted")
    if link.contacted:
        reasons.append("dedupe: already contacted for this job")
    results = evaluate(profile, job_criteria(job), now=now)
    reasons += [r.reason for r in results if not r.passed]
    touch = not reasons
    # Second-stage screening (CONTRACT §9): no statement for a job without a rubric.
    scored = rubric.verdict_for(job, profile, verdict) if touch and has_rubric(job) else None
    if scored is not None:
        reasons += scored.reasons(job.rubric_threshold)
        touch = scored.passes(job.rubric_threshold)
    refused = _reserve(link=link, candidate=candidate, account=account, now=now) if touch else None
    if refused:
        touch = False
        reasons.append(refused)
    ScreeningDecision.objects.create(
        account=account,
        job=job,
        candidate=candidate,
        raw_card=raw_card,
        touch=touch,
        reasons=reasons,
        details=[r.to_dict() for r in results],
        profile=profile.to_dict(),
        source=source,
        rubric_score=scored.score if scored else None,
        rubric_reason=scored.stored_reason if scored else "",
    )
    return Decision(touch=touch, reasons=reasons)


def _no_job(account: RecruitAccount, job: Job | None) -> Conflict:
    if job is None:
        return Conflict(f"accountID: {account.account_id} has no job")
    return Conflict(f"jobID: not (or no longer) a job of {account.account_id}")


def candidate_filter(
    *, account: RecruitAccount, job: Job | None, info: dict, cid: str | None, now: datetime | None = None
) -> Decision:
    """Screen one card for `account`, for the explicit `job` (Conflict when the account no longer has
    it) or, None, the CONTRACT §3 fallback: the job of the latest conversation with this candidate,
    else the first job. Raises before storing anything.

    A rubric score not cached yet: the transaction is rolled back, the model asked with nothing held
    (`rubric.score_now`, at most once, within RUBRIC_DEADLINE) and the card screened again with it, so
    every gate is read afresh after the wait."""
    now = now or timezone.now()
    try:
        return _filter_once(account=account, job=job, info=info, cid=cid, now=now, verdict=None)
    except rubric.ScoreNeeded as needed:
        verdict = rubric.score_now(needed.job, needed.profile)
    return _filter_once(account=account, job=job, info=info, cid=cid, now=now, verdict=verdict)


@transaction.atomic
def _filter_once(
    *, account: RecruitAccount, job: Job | None, info: dict, cid: str | None, now: datetime, verdict
) -> Decision:
    profile = parse_profile(account.platform, info)
    cid = cid or profile.candidate_id
    raw_card = raw_card_store(platform=account.platform, payload=info)
    candidate = candidate_upsert(platform=account.platform, cid=cid, profile=profile, raw_card=raw_card)
    link = _gates(account, job.pk if job else None, candidate, now)
    if link is None:
        raise _no_job(account, job)
    return decide(
        account=account,
        link=link,
        candidate=candidate,
        profile=profile,
        raw_card=raw_card,
        source="filter",
        now=now,
        verdict=verdict,
    )


def candidate_prefilter(*, account: RecruitAccount, job: Job | None, cid: str, now: datetime | None = None):
    """Re-evaluate the profile the account's team stored (`job` as for `candidate_filter`); None when
    no bot of that team has sent the candidate's card: another team's card is never read (CONTRACT
    §8). The team's profile comes with the candidate row, in the same query. A rubric as for filter."""
    now = now or timezone.now()
    try:
        return _prefilter_once(account=account, job=job, cid=cid, now=now, verdict=None)
    except rubric.ScoreNeeded as needed:
        verdict = rubric.score_now(needed.job, needed.profile)
    return _prefilter_once(account=account, job=job, cid=cid, now=now, verdict=verdict)


@transaction.atomic
def _prefilter_once(*, account: RecruitAccount, job: Job | None, cid: str, now: datetime, verdict):
    candidate = (
        Candidate.objects.filter(platform=account.platform, platform_cid=cid)
        .annotate(team_profile=team_profile(account.team_id))
        .first()
    )
    if candidate is None or candidate.team_profile is None:
        # A stale jobID is a state error whether or not the profile is stored.
        if job is not None and not AccountJob.objects.filter(account=account, job=job, linked=True).exists():
            raise _no_job(account, job)
        return None
    link = _gates(account, job.pk if job else None, candidate, now)
    if link is None:
        raise _no_job(account, job)
    profile = Profile.from_dict(candidate.team_profile)
    return decide(
        account=account,
        link=link,
        candidate=candidate,
        profile=profile,
        raw_card=None,
        source="prefilter",
        now=now,
        verdict=verdict,
    )
