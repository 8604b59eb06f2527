"""Second-stage screening (CONTRACT §9): a job's rubric, scored by the LLM on the masked profile.

Filter asks this module only when every gate and rule criterion already says yes and the job has a
rubric (`jobconfig.has_rubric`: no statement otherwise). A score is cached per (masked profile content,
rubric version) in `RubricScore`, so the same card and rubric cost one model call ever: a cache hit is
one statement inside the filter's transaction (`cached`). A miss raises `ScoreNeeded` there; the filter
service rolls its transaction back, and `score_now` asks the model with no transaction, lock or
connection held (the connection is closed, as chat does), within `RUBRIC_DEADLINE` seconds on the
engines' own bounded pool (`chatbot.engines.slots`), stores the score, and the filter runs again with
the verdict in hand. Any failure (timeout, HTTP error, garbage, every engine slot taken) gives an
unavailable verdict: the rule decision stands and the reasons record `rubric: unavailable`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from chatbot.contacts import mask_text
from chatbot.engines import engine_for, engine_kind, slots
from chatbot.llm import RUBRIC_PROMPT_VERSION
from chatbot.types import EngineError
from recruit.models import Job, RubricScore
from recruit.platforms.profile import Profile

logger = logging.getLogger(__name__)

UNAVAILABLE = "rubric: unavailable"
# What the model sees of a profile: what the rubric can judge. Never the name, platform id, activity
# stamps or parser notes; every text value is masked (contacts, and the name wherever it is repeated).
SCORED_FIELDS = (
    "age",
    "degree",
    "work_years",
    "expected_cities",
    "expected_positions",
    "salary_min_k",
    "salary_max_k",
    "apply_status",
    "schools",
    "companies",
    "work_titles",
    "work_duties",
    "skills",
)


@dataclass(frozen=True)
class Verdict:
    """The rubric's answer for one (profile, rubric version): a score and the model's reason, or
    `score` None with `error` saying why there is none (not shown to bots)."""

    job_id: int
    version: str
    profile_hash: str
    score: int | None
    reason: str = ""
    error: str = ""

    def reasons(self, threshold: int) -> list[str]:
        """The `reasons` entries it adds: none when it passes."""
        if self.score is None:
            return [UNAVAILABLE]
        if self.score < threshold:
            return [f"rubric: score {self.score} < {threshold}"]
        return []

    def passes(self, threshold: int) -> bool:
        """Whether touch may stay true: a pass, or no score at all (the rule decision stands)."""
        return self.score is None or self.score >= threshold

    @property
    def stored_reason(self) -> str:
        """What the decision's `rubric_reason` records: the model's reason, or why there is none."""
        return (self.reason or self.error)[:300]


class ScoreNeeded(Exception):
    """Raised inside the filter's transaction when the score is not cached: roll back, `score_now`, and
    screen again with the verdict."""

    def __init__(self, job: Job, profile: Profile):
        super().__init__(f"rubric score needed for job {job.pk}")
        self.job = job
        self.profile = profile


def masked_profile(profile: Profile) -> dict:
    """The profile as the model sees it: the scored fields only, every text masked."""
    names = (profile.name or "",)
    data = profile.to_dict()

    def masked(value):
        if isinstance(value, str):
            return mask_text(value, names=names)
        if isinstance(value, list):
            return [masked(item) for item in value]
        return value

    return {key: masked(data[key]) for key in SCORED_FIELDS if data.get(key) not in (None, "", [])}


def profile_hash(profile: Profile) -> str:
    """The cache's key for a profile: a hash of exactly what the model is shown."""
    return _hash(json.dumps(masked_profile(profile), ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def profile_hashes(profiles: list[object]) -> set[str]:
    """The cache keys of stored profiles (dicts, as decisions and candidates keep them)."""
    return {profile_hash(Profile.from_dict(data)) for data in profiles if isinstance(data, dict)}


def _model(job: Job) -> str:
    """The model that scores: the job's `llm:<model>` when it names one, else `LLM_MODEL`."""
    robot_api = job.robot_api.strip()
    override = robot_api[4:].strip() if engine_kind(robot_api) == "llm" and robot_api.startswith("llm:") else ""
    return override or settings.LLM_MODEL


def rubric_version(job: Job) -> str:
    """The rubric's version: its text (whitespace-normalised per line), the model and the prompt's
    version. Any change to one of them scores again; the threshold is not part of it (a score does not
    depend on where the bar is)."""
    points = "\n".join(" ".join(line.split()) for line in job.rubric.splitlines() if line.strip())
    return _hash(f"{RUBRIC_PROMPT_VERSION}\n{_model(job)}\n{points}")


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def cached(job: Job, profile: Profile) -> Verdict | None:
    """The cached verdict, in one statement; None on a miss."""
    version, key = rubric_version(job), profile_hash(profile)
    row = RubricScore.objects.filter(profile_hash=key, rubric_version=version).values_list("score", "reason").first()
    if row is None:
        return None
    return Verdict(job_id=job.pk, version=version, profile_hash=key, score=row[0], reason=row[1])


def fits(verdict: Verdict | None, job: Job, profile: Profile) -> bool:
    """Whether a verdict in hand (from `score_now`) is for this job's current rubric and this profile."""
    return (
        verdict is not None
        and verdict.job_id == job.pk
        and verdict.version == rubric_version(job)
        and verdict.profile_hash == profile_hash(profile)
    )


def score_now(job: Job, profile: Profile) -> Verdict:
    """Ask the model within `RUBRIC_DEADLINE` seconds and cache a score; never raises.

    Call it outside any transaction: the connection is closed first (the model may take seconds) and
    reopened for the cache write."""
    if not connection.in_atomic_block:
        connection.close()
    version, key = rubric_version(job), profile_hash(profile)
    model = _model(job)
    engine, _override = engine_for(f"llm:{model}")
    budget = max(0.1, settings.RUBRIC_DEADLINE)
    started = time.monotonic()
    error = ""
    # On the engines' pool: the deadline holds whatever the peer does, and a hung model pins at most
    # ENGINE_MAX_IN_FLIGHT threads of this process (over it: unavailable at once).
    future = slots.submit(engine.score_rubric, rubric=job.rubric, profile=masked_profile(profile), timeout=budget)
    try:
        if future is None:
            raise EngineError(f"busy, {slots.limit} engine calls in flight")
        score, reason = future.result(timeout=budget)
    except FutureTimeout:
        error = f"llm: no answer within {budget:.1f}s"
    except EngineError as exc:
        error = f"llm: {exc}"
    except Exception as exc:  # an engine bug must not cost the bot its answer
        logger.exception("rubric scoring crashed")
        error = f"llm: {type(exc).__name__}"
    if error:
        logger.warning("rubric unavailable for job %s after %.1fs: %s", job.pk, time.monotonic() - started, error)
        return Verdict(job_id=job.pk, version=version, profile_hash=key, score=None, error=error)
    # Concurrent filters of the same card may both ask; the first row stays.
    RubricScore.objects.bulk_create(
        [RubricScore(profile_hash=key, rubric_version=version, score=score, reason=reason, model=model)],
        ignore_conflicts=True,
    )
    return Verdict(job_id=job.pk, version=version, profile_hash=key, score=score, reason=reason)


def verdict_for(job: Job, profile: Profile, given: Verdict | None) -> Verdict:
    """Inside the filter's transaction: the verdict handed in by `score_now` when it fits, else the
    cached one, else `ScoreNeeded` (at most once per call: with a verdict in hand that no longer fits,
    because the job's rubric changed meanwhile, the answer is unavailable rather than a second call)."""
    if fits(given, job, profile):
        return given
    found = cached(job, profile)
    if found is not None:
        return found
    if given is not None:
        return Verdict(
            job_id=job.pk,
            version=rubric_version(job),
            profile_hash=profile_hash(profile),
            score=None,
            error="rubric changed while scoring",
        )
    raise ScoreNeeded(job, profile)
