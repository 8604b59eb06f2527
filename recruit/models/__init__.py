"""Recruiting data, one module per domain; everything is importable from `recruit.models`."""

from recruit.models.conversations import (
    ContactRecord,
    Conversation,
    DoNotContact,
    Message,
    PrivateStorage,
    private_storage,
)
from recruit.models.jobs import (
    AccountJob,
    Job,
    NotifyFormat,
    Platform,
    RecallStep,
    RecruitAccount,
    TimeSlot,
    UnknownAccount,
    lines,
)
from recruit.models.notifications import Notification
from recruit.models.retention import RetentionRun
from recruit.models.screening import Candidate, Greeting, RawCard, Reservation, RubricScore, ScreeningDecision

__all__ = [
    "Platform",
    "lines",
    "Job",
    "NotifyFormat",
    "RecallStep",
    "RecruitAccount",
    "AccountJob",
    "TimeSlot",
    "Greeting",
    "UnknownAccount",
    "RawCard",
    "Candidate",
    "ScreeningDecision",
    "Reservation",
    "RubricScore",
    "Conversation",
    "Message",
    "PrivateStorage",
    "private_storage",
    "ContactRecord",
    "DoNotContact",
    "Notification",
    "RetentionRun",
]
