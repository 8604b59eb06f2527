"""Plain data types shared by the dialogue engines and their callers.

No Django imports here: engines are pure (or talk HTTP) and are unit-tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

ROBOT, USER, RECRUITER, SYSTEM = "robot", "user", "recruiter", "system"
SPEAKERS = (ROBOT, USER, RECRUITER, SYSTEM)

NORMAL_CHAT = "normal_chat"
NEED_CONTACT = "need_contact"
NEED_ENSURE = "need_ensure"
FINISH = "finish"
ALGO_ABNORMAL = "algo_abnormal"
NOTHING = ""
NEXT_STEPS = (NORMAL_CHAT, NEED_CONTACT, NEED_ENSURE, FINISH, ALGO_ABNORMAL, NOTHING)

PLATFORM, WECHAT = "platform", "wechat"  # the channels a turn happens on (ChatContext.channel)
# Any engine may report it on the WeChat channel: the candidate agreed an interview time.
INTERVIEW_AGREED = "interview_agreed"


@dataclass(frozen=True)
class Turn:
    """One transcript line. `recruiter` is a robot-side line typed by a human."""

    speaker: str
    text: str


@dataclass
class Contacts:
    """Contact details and platform notices found in candidate text."""

    phone: str = ""
    wechat: str = ""
    email: str = ""
    phone_exchanged: bool = False  # platform notice: the phone exchange was accepted
    wechat_exchanged: bool = False  # platform notice: the WeChat exchange was accepted
    cv_received: bool = False  # platform notice: the candidate sent a CV

    def any(self) -> bool:
        return bool(
            self.phone or self.wechat or self.email or self.phone_exchanged or self.wechat_exchanged or self.cv_received
        )

    def merge(self, other: Contacts) -> Contacts:
        """Values from `other` fill or replace; empty values never erase."""
        return Contacts(
            phone=other.phone or self.phone,
            wechat=other.wechat or self.wechat,
            email=other.email or self.email,
            phone_exchanged=self.phone_exchanged or other.phone_exchanged,
            wechat_exchanged=self.wechat_exchanged or other.wechat_exchanged,
            cv_received=self.cv_received or other.cv_received,
        )


@dataclass
class JobScript:
    """What a recruiter configured for a job that the engines talk from, with the defaults in effect
    where they left a line empty (built by recruit.jobconfig.job_script): `touch_msg`, `contact_ask`
    and `closing_msg` are what the robot says."""

    name: str
    jd: str = ""
    touch_msg: str = ""
    faq: dict[str, str] = field(default_factory=dict)  # keys: salary location hours benefits company
    contact_ask: list[str] = field(default_factory=list)
    max_contact_asks: int = 2
    closing_msg: str = ""
    interview_slots: list[str] = field(default_factory=list)  # WeChat: the times proposed for an interview


@dataclass
class ChatContext:
    """Everything an engine needs for one turn. The transcript is already masked."""

    conversation_key: str  # "<accountID>_<jobID>_<candidateID>"
    candidate_name: str
    job: JobScript
    transcript: list[Turn]  # oldest first, includes the new user lines
    new_user_text: str  # the user lines since the last robot-side line, joined with "\n"
    message_time: datetime  # aware datetime of the newest user line
    contact_asks: int = 0  # contact asks already made in this conversation
    has_contact: bool = False  # phone, WeChat or CV already obtained
    user_turns: int = 0  # number of user lines in the transcript, the new ones included
    channel: str = PLATFORM  # PLATFORM or WECHAT
    model: str = ""  # llm:<model> override, "" for the default
    # WeChat channel: the goals already reached (a CV received, an interview time agreed).
    cv_received: bool = False
    interview_agreed: bool = False


@dataclass
class EngineReply:
    next_step: str
    content: str
    intent: str = ""
    contact: Contacts = field(default_factory=Contacts)
    model: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    interview_slot: str = ""  # with intent INTERVIEW_AGREED: the time agreed, when the engine names it


class EngineError(Exception):
    """The engine failed (timeout, transport, HTTP status, invalid answer). The caller falls back."""


class EngineTimeout(EngineError):
    """The engine did not answer within its time budget (counted apart in the metrics)."""


class Engine(Protocol):
    name: str

    def reply(self, ctx: ChatContext, *, timeout: float) -> EngineReply: ...
