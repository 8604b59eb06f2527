"""A job's configuration in one place (CONTRACT §4 job/register `jobConfig`): which `jobConfig` key is
which Job field, the screening criteria and the dialogue script a job's fields make, and the lines the
robot actually uses where the recruiter left one empty (the effective defaults).

Pure: reads the fields of a Job (and the recall-step rows handed in), never queries the database.
Registration and the API serializer use the key mapping; screening the criteria; chat, recall, task
fetch and the admin the script and its effective defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chatbot.types import JobScript
from recruit.models import Job, RecallStep, lines
from recruit.screening import CRITERIA_LISTS, CRITERIA_RANGES, CRITERIA_SCALARS, Criteria, criteria_from_config

# --- jobConfig keys ↔ Job fields -----------------------------------------------------------------

FAQ_FIELDS = {key: f"faq_{key}" for key in ("salary", "location", "hours", "benefits", "company")}
"""`jobConfig.faq` keys → Job fields."""
# jobConfig lists stored one item per line in a text field (as the admin edits them).
CONFIG_LINES = ("contact_ask", "interview_slots")
CONFIG_SCALARS = (
    "touch_msg",
    "max_contact_asks",
    "closing_msg",
    "read_recall_after_hours",
    "notify_webhook",
    "notify_format",
    "wechat_nudge_after_hours",
    "rubric",
    "rubric_threshold",
)
"""`jobConfig` keys stored as they are, in the Job field of the same name."""
# `contact_ask` (a list, stored one line each), `criteria` (keys in recruit.screening: CRITERIA_*) and
# `recall_steps` (RecallStep rows, written by services.registration) complete the mapping.

# Second-stage screening (CONTRACT §9): the rubric is free text, one scored point per line.
RUBRIC_MAX_POINTS = 10
RUBRIC_MAX_CHARS = 2000


def rubric_points(text: str) -> list[str]:
    """The rubric's scored points: its non-empty lines."""
    return lines(text)


def rubric_problem(text: str) -> str | None:
    """Why `text` cannot be a rubric (English, for the API), or None."""
    if len(text) > RUBRIC_MAX_CHARS:
        return f"at most {RUBRIC_MAX_CHARS} characters"
    if len(rubric_points(text)) > RUBRIC_MAX_POINTS:
        return f"at most {RUBRIC_MAX_POINTS} points (one per line)"
    return None


def has_rubric(job: Job) -> bool:
    """Whether filter asks the LLM to score candidates for `job` (no query)."""
    return bool(job.rubric.strip())


# --- Defaults: what the robot says where the recruiter left a line empty --------------------------

DEFAULT_GREETING = "您好，我们正在招聘「{job_name}」，看了您的经历觉得很合适，方便聊聊吗？"
DEFAULT_CONTACT_ASK = "方便留个微信或电话吗？我把详细资料发您。"
DEFAULT_CLOSING = "好的，已收到，HR 会尽快联系您，感谢！"
# (hours after the last robot message that was not a recall, template with {name} / {job_name}).
DEFAULT_RECALL_STEPS = (
    (24, "{name}您好，之前和您聊的「{job_name}」岗位还在招人，方便的话留个微信或电话，我把详细信息发您～"),
    (72, "{name}您好，「{job_name}」这边还有名额，如果您感兴趣随时回复我哦。"),
)
# WeChat: nudges to an accepted friend gone silent after our last message (one per step, the last one
# repeating), template with {name} / {job_name}. A job's `wechat_nudge_after_hours` of 0 turns them off.
DEFAULT_WECHAT_NUDGES = (
    "{name}您好，之前和您聊的「{job_name}」岗位，您考虑得怎么样？有任何问题都可以直接问我～",
    "{name}您好，「{job_name}」这边还可以安排面试，方便的话回复我一个合适的时间哦。",
)


@dataclass(frozen=True)
class Step:
    after_hours: int
    msg: str


@dataclass(frozen=True)
class EffectiveScript:
    """What the robot uses for a job, defaults filled in; `defaulted` names the parts the recruiter
    left empty (greeting, contact_ask, closing, recall_steps)."""

    greeting: str
    contact_ask: tuple[str, ...]
    closing: str
    recall_steps: tuple[Step, ...]
    defaulted: frozenset[str]


def greeting(job: Job) -> str:
    """The greeting (task fetch `touch_msg`, first robot message). Never empty: maimai and LinkedIn
    clients type it as the greeting."""
    return job.touch_msg.strip() or DEFAULT_GREETING.format(job_name=job.name)


def contact_ask(job: Job) -> list[str]:
    """The lines the robot asks for contact with, in rotation."""
    return lines(job.contact_ask) or [DEFAULT_CONTACT_ASK]


def closing(job: Job) -> str:
    return job.closing_msg.strip() or DEFAULT_CLOSING


def recall_steps(rows: Iterable[RecallStep]) -> list[Step]:
    """The nudges of a job, from its RecallStep rows (ordered; prefetch them when listing many jobs)."""
    steps = [Step(row.after_hours, row.msg) for row in rows]
    return steps or [Step(hours, msg) for hours, msg in DEFAULT_RECALL_STEPS]


def wechat_nudge(job: Job, *, name: str, step: int) -> str:
    """The WeChat nudge for the `step`-th time (0-based) a friend went silent on this job."""
    template = DEFAULT_WECHAT_NUDGES[min(step, len(DEFAULT_WECHAT_NUDGES) - 1)]
    return template.format(name=name.strip(), job_name=job.name)


def effective(job: Job, recall_rows: Iterable[RecallStep]) -> EffectiveScript:
    """Everything the robot uses for `job`, for display (the admin's "in effect" panel)."""
    rows = list(recall_rows)
    defaulted = {
        name
        for name, own in (
            ("greeting", job.touch_msg.strip()),
            ("contact_ask", lines(job.contact_ask)),
            ("closing", job.closing_msg.strip()),
            ("recall_steps", rows),
        )
        if not own
    }
    return EffectiveScript(
        greeting=greeting(job),
        contact_ask=tuple(contact_ask(job)),
        closing=closing(job),
        recall_steps=tuple(recall_steps(rows)),
        defaulted=frozenset(defaulted),
    )


def job_script(job: Job) -> JobScript:
    """What the dialogue engines talk from: the recruiter's script with the defaults in effect."""
    return JobScript(
        name=job.name,
        jd=job.jd,
        touch_msg=greeting(job),
        faq={key: getattr(job, field) for key, field in FAQ_FIELDS.items()},
        contact_ask=contact_ask(job),
        max_contact_asks=job.max_contact_asks,
        closing_msg=closing(job),
        interview_slots=lines(job.interview_slots),
    )


# --- Criteria -------------------------------------------------------------------------------------


def job_criteria(job: Job) -> Criteria:
    return Criteria(
        age_min=job.age_min,
        age_max=job.age_max,
        min_degree=job.min_degree or None,
        work_years_min=job.work_years_min,
        work_years_max=job.work_years_max,
        cities=lines(job.cities),
        salary_min_k=job.salary_min_k,
        salary_max_k=job.salary_max_k,
        keywords=lines(job.keywords),
        exclude_keywords=lines(job.exclude_keywords),
        exclude_companies=lines(job.exclude_companies),
        active_desc=lines(job.active_desc),
        active_within_minutes=job.active_within_minutes,
        school_tier=job.school_tier,
        on_missing=job.on_missing,
    )


def criteria_config(data: dict) -> dict:
    """Validate `jobConfig.criteria` (CriteriaError on the first bad key) and return the keys that were
    sent with their clean values, ranges as (min, max)."""
    criteria = criteria_from_config(data)
    clean: dict = {}
    for key, (low, high) in CRITERIA_RANGES.items():
        if key in data:
            clean[key] = (getattr(criteria, low), getattr(criteria, high))
    for key in (*CRITERIA_LISTS, *CRITERIA_SCALARS):
        if key in data:
            clean[key] = getattr(criteria, key)
    return clean


# --- Writing a validated jobConfig onto a job -----------------------------------------------------


def apply_config(job: Job, config: dict) -> None:
    """Copy the validated jobConfig keys that were sent onto the job's fields; the others stay (so a
    bot re-registering never wipes a recruiter's admin edits). Recall steps are rows: the caller writes
    them."""
    for key in CONFIG_SCALARS:
        if key in config:
            setattr(job, key, config[key])
    for key in CONFIG_LINES:
        if key in config:
            setattr(job, key, "\n".join(config[key]))
    for key, value in config.get("faq", {}).items():
        setattr(job, FAQ_FIELDS[key], value)
    criteria = config.get("criteria", {})
    for key, (low, high) in CRITERIA_RANGES.items():
        if key in criteria:
            setattr(job, low, criteria[key][0])
            setattr(job, high, criteria[key][1])
    for key in CRITERIA_LISTS:
        if key in criteria:
            setattr(job, key, "\n".join(criteria[key]))
    for key in CRITERIA_SCALARS:
        if key in criteria:
            value = criteria[key]
            setattr(job, key, "" if value is None and key == "min_degree" else value)
