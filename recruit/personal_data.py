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
    HISTORY = "history"  # the console's change history (Django's admin log: the name of the row changed)


PERSONAL: dict[str, dict[str, Kind]] = {
    "recruit.Candidate": {"platform_cid": Kind.IDENTITY, "name": Kind.IDENTITY, "profile": Kind.PROFILE},
    "recruit.RawCard": {"payload": Kind.RAW_CARD},
    "recruit.ScreeningDecision": {
        "profile": Kind.PROFILE,
        "details": Kind.DECISION,
        "reasons": Kind.DECISION,
        "rubric_reason": Kind.DECISION,
    },
    # The LLM's one-line judgement of a masked profile (second-stage screening), keyed by content hashes.
    "recruit.RubricScore": {"reason": Kind.DECISION},
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
    # Not one of our apps (so not checked for unclassified fields), but it names the rows it logs.
    "admin.LogEntry": {"object_repr": Kind.HISTORY},
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
            "rubric",
        }
    ),
    "recruit.RubricScore": frozenset({"profile_hash", "rubric_version", "model"}),
    "recruit.RecallStep": frozenset({"msg"}),
    "recruit.Greeting": frozenset({"touch_msg"}),
    # risk_detail: the bot's note on the platform's risk page (captcha, "操作频繁"), about the recruiter's account.
    "recruit.RecruitAccount": frozenset({"platform_id", "desc", "last_call_endpoint", "risk_detail"}),
    "recruit.AccountJob": frozenset({"search_filter"}),
    "recruit.RawCard": frozenset({"sha256"}),
    "recruit.ScreeningDecision": frozenset({"source"}),
    "recruit.Conversation": frozenset({"last_speaker"}),
    "recruit.Message": frozenset({"engine", "model", "intent", "next_step", "error"}),
    "recruit.ContactRecord": frozenset({"cv_type"}),
    "recruit.DoNotContact": frozenset({"reason"}),
    "recruit.UnknownAccount": frozenset({"account_id", "last_path"}),
    "recruit.Notification": frozenset({"webhook", "last_error", "lease_token", "dedupe_key"}),
    "wechat.WechatAccount": frozenset({"account_id", "hello_msg", "last_call_endpoint"}),
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


# --- Candidate data requests (recruit.services.subject) ---------------------------------------------


class Erasure(StrEnum):
    """What erasing a person does to a model's rows about them."""

    DELETE = "delete"  # the rows go
    ANONYMISE = "anonymise"  # the rows stay as anonymous counts; their reference to the person is nulled
    BLANK = "blank"  # the rows stay (a record that something happened); their personal fields are emptied
    KEEP = "keep"  # kept: keyed hashes only (the do-not-contact list, when the person asked for it)


@dataclass(frozen=True)
class Holding:
    """How a subject request finds a model's rows about one person, and what erasure does to them.

    `path` is the lookup from the model to the person's `recruit.Candidate` rows ("pk" for the
    candidates themselves); None means the rows are found by a rule of their own in
    `recruit.services.subject` (raw cards through the rows that point at them, do-not-contact entries
    by keyed hash, audit and console-history rows by the object they are about).
    """

    erasure: Erasure
    path: str | None = None


# Every model holding a person's data or pointing at their rows, parents before children (erasure
# deletes children first). A test fails when a model of ours gains a foreign key to a deleted model
# without an entry here, or a PERSONAL model has none.
SUBJECT: dict[str, Holding] = {
    "recruit.RawCard": Holding(Erasure.DELETE),
    "recruit.Candidate": Holding(Erasure.DELETE, "pk"),
    "recruit.ScreeningDecision": Holding(Erasure.DELETE, "candidate"),
    # Linked to no one: found by the hashes of the person's stored profiles (recruit.services.subject).
    "recruit.RubricScore": Holding(Erasure.DELETE),
    "recruit.Reservation": Holding(Erasure.DELETE, "candidate"),
    # Greetings stay so the day's quota counts stay right (Greeting.candidate is nullable, SET_NULL).
    "recruit.Greeting": Holding(Erasure.ANONYMISE, "candidate"),
    "recruit.Conversation": Holding(Erasure.DELETE, "candidate"),
    "recruit.Message": Holding(Erasure.DELETE, "conversation__candidate"),
    "recruit.ContactRecord": Holding(Erasure.DELETE, "conversation__candidate"),
    # Pending ones too: dropped from the outbox.
    "recruit.Notification": Holding(Erasure.DELETE, "conversation__candidate"),
    "wechat.WechatFriend": Holding(Erasure.DELETE, "conversation__candidate"),
    # Pending ones too: the WeChat bot is never handed them.
    "wechat.WechatTask": Holding(Erasure.DELETE, "friend__conversation__candidate"),
    "recruit.DoNotContact": Holding(Erasure.KEEP),
    "hunter_robot.AuditLog": Holding(Erasure.BLANK),
    "admin.LogEntry": Holding(Erasure.BLANK),
}


def unheld_models() -> list[str]:
    """Models a subject request would miss: a PERSONAL model without a SUBJECT entry, or a model of our
    apps with a foreign key to a model that erasure deletes but no entry of its own (its rows would
    be cascaded away or block the deletion unnoticed, and be left out of the export)."""
    missing = {label for label in PERSONAL if label not in SUBJECT}
    deleted = {label for label, holding in SUBJECT.items() if holding.erasure == Erasure.DELETE}
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            label = model._meta.label
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model._meta.label in deleted and label not in SUBJECT:
                    missing.add(label)
    return sorted(missing)
