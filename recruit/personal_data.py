"""The personal-data registry: every model field and file that can hold a candidate's personal data,
with its kind, and every other text, JSON or file field declared as not personal.

Masking, the subject export, erasure and retention read this one declaration. A test fails when a model
of ours gains a text, JSON or file field that is in neither table, so a new place holding personal data
cannot slip past them. Fields with `choices` hold codes from a fixed list and need no entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.apps import apps
from django.db import models


class Kind(StrEnum):
    IDENTITY = "identity"  # name, platform id, WeChat remark name
    PROFILE = "profile"  # the parsed profile (age, degree, schools, companies, ...)
    RAW_CARD = "raw_card"  # the platform card exactly as scraped
    DECISION = "decision"  # screening reasons and per-criterion values compared
    MESSAGE = "message"  # transcript lines, on the platform and on WeChat
    CONTACT = "contact"  # phone, WeChat id, e-mail
    CV = "cv"  # the CV file and its original name
    NOTIFICATION = "notification"  # recruiter notification payloads (masked contact, candidate name)
    RECALL = "recall"  # a nudge offered to the candidate, with their name filled in
    AUDIT = "audit"  # audit row details (a downloaded CV's file name)
    HASH = "hash"  # keyed hashes of identifiers: the do-not-contact list, kept through erasure


PERSONAL: dict[str, dict[str, Kind]] = {
    "recruit.Candidate": {"platform_cid": Kind.IDENTITY, "name": Kind.IDENTITY, "profile": Kind.PROFILE},
    "recruit.RawCard": {"payload": Kind.RAW_CARD},
    "recruit.ScreeningDecision": {"profile": Kind.PROFILE, "details": Kind.DECISION, "reasons": Kind.DECISION},
    "recruit.Conversation": {"recall_offered_msg": Kind.RECALL},
    "recruit.Message": {"text": Kind.MESSAGE},
    "recruit.ContactRecord": {
        "phone": Kind.CONTACT,
        "wechat": Kind.CONTACT,
        "email": Kind.CONTACT,
        "cv_file": Kind.CV,
        "cv_name": Kind.CV,
    },
    "recruit.DoNotContact": {"value_hash": Kind.HASH},
    "recruit.Notification": {"payload": Kind.NOTIFICATION},
    "wechat.WechatFriend": {"search_id": Kind.CONTACT, "alias_id": Kind.IDENTITY, "interview_slot": Kind.MESSAGE},
    "wechat.WechatTask": {"msg": Kind.MESSAGE},
    "hunter_robot.AuditLog": {"detail": Kind.AUDIT},
}

# Text, JSON and file fields that hold no candidate's personal data: the recruiter's own configuration,
# engine metadata, keys and codes.
NOT_PERSONAL: dict[str, frozenset[str]] = {
    "hunter_robot.Team": frozenset({"name"}),
    "hunter_robot.ApiKey": frozenset({"name", "prefix", "key_hash"}),
    "hunter_robot.AuditLog": frozenset({"action", "object_type", "object_id"}),
    "recruit.Job": frozenset(
        {
            "platform_id",
            "name",
            "jd",
            "robot_api",
            "touch_msg",
            "cities",
            "keywords",
            "exclude_keywords",
            "exclude_companies",
            "active_desc",
            "faq_salary",
            "faq_location",
            "faq_hours",
            "faq_benefits",
            "faq_company",
            "contact_ask",
            "closing_msg",
            "notify_webhook",
            "interview_slots",
        }
    ),
    "recruit.RecallStep": frozenset({"msg"}),
    "recruit.Greeting": frozenset({"touch_msg"}),
    "recruit.RecruitAccount": frozenset({"platform_id", "desc"}),
    "recruit.AccountJob": frozenset({"search_filter"}),
    "recruit.RawCard": frozenset({"sha256"}),
    "recruit.ScreeningDecision": frozenset({"source"}),
    "recruit.Conversation": frozenset({"last_speaker"}),
    "recruit.Message": frozenset({"engine", "model", "intent", "next_step", "error"}),
    "recruit.ContactRecord": frozenset({"cv_type"}),
    "recruit.DoNotContact": frozenset({"reason"}),
    "recruit.UnknownAccount": frozenset({"account_id", "last_path"}),
    "recruit.Notification": frozenset({"webhook", "last_error", "lease_token"}),
    "wechat.WechatAccount": frozenset({"account_id", "hello_msg"}),
}

# The apps whose models the registry covers.
APPS = ("hunter_robot", "recruit", "wechat")
_CLASSIFIED_TYPES = (models.CharField, models.TextField, models.JSONField, models.FileField)


@dataclass(frozen=True)
class PersonalField:
    model: type[models.Model]
    name: str
    kind: Kind


def personal_fields(*kinds: Kind) -> list[PersonalField]:
    """The registered fields, of the given kinds (all when none are given)."""
    return [
        PersonalField(apps.get_model(label), name, kind)
        for label, fields in PERSONAL.items()
        for name, kind in fields.items()
        if not kinds or kind in kinds
    ]


def needs_classifying(field: models.Field) -> bool:
    return isinstance(field, _CLASSIFIED_TYPES) and not field.choices


def unclassified_fields() -> list[str]:
    """`app.Model.field` for every text, JSON or file field of our apps that neither table names."""
    missing = []
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            label = model._meta.label
            known = set(PERSONAL.get(label, {})) | NOT_PERSONAL.get(label, frozenset())
            for field in model._meta.get_fields():
                if needs_classifying(field) and field.name not in known:
                    missing.append(f"{label}.{field.name}")
    return missing


def stale_entries() -> list[str]:
    """Entries naming a model or field that no longer exists, or a field classified twice."""
    stale = []
    for table in (PERSONAL, NOT_PERSONAL):
        for label, names in table.items():
            try:
                model = apps.get_model(label)
            except LookupError:
                stale.append(label)
                continue
            present = {f.name for f in model._meta.get_fields() if needs_classifying(f)}
            stale += [f"{label}.{name}" for name in names if name not in present]
    for label, names in PERSONAL.items():
        stale += [f"{label}.{name} (both tables)" for name in set(names) & NOT_PERSONAL.get(label, frozenset())]
    return stale
