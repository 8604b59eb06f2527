"""Input validation for the /recruit API. Messages are English: they are read in bot logs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from rest_framework import serializers

from chatbot.contacts import normalise_email, normalise_phone, normalise_wechat
from hunter_robot import outbound
from hunter_robot.api.fields import (
    FlagField,
    IdField,
    StrictCharField,
    StrictDictField,
    StrictIntegerField,
    StrictListField,
)
from recruit import jobconfig
from recruit.models import NotifyFormat, RecruitAccount
from recruit.platforms.ids import CANDIDATE_ID_MAX, PLATFORM_ID_MAX, REF_MAX, canonical_platform
from recruit.refs import parse_ref
from recruit.screening import CriteriaError

SLOT_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")


class PlatformField(serializers.Field):
    default_error_messages = {"type": "expected a string", "unknown": "unknown platform {value!r}"}

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            self.fail("type")
        platform = canonical_platform(data)
        if platform is None:
            self.fail("unknown", value=data)
        return platform


def check_outbound_url(value: str) -> str:
    """API callers may only point the server at hosts and ports an operator allowed (no arbitrary
    egress); the rule lives in `hunter_robot.outbound`."""
    try:
        return outbound.check_outbound_url(value)
    except outbound.OutboundURLRejected as exc:
        raise serializers.ValidationError(str(exc)) from None


class CriteriaField(serializers.Field):
    """`jobConfig.criteria`: validated by the screening module, returned as {sent key: clean value}."""

    def to_internal_value(self, data) -> dict:
        if not isinstance(data, dict):
            raise serializers.ValidationError("expected an object")
        try:
            return jobconfig.criteria_config(data)
        except CriteriaError as exc:
            key = exc.path.split(".", 1)[-1]
            raise serializers.ValidationError({key: [exc.message]}) from None


class RecallStepInput(serializers.Serializer):
    after_hours = StrictIntegerField(min_value=1, max_value=24 * 365)
    msg = StrictCharField(max_length=1000)


class JobConfigInput(serializers.Serializer):
    touch_msg = StrictCharField(required=False, allow_blank=True, max_length=1000)
    criteria = CriteriaField(required=False)
    faq = StrictDictField(child=StrictCharField(allow_blank=True, max_length=2000), required=False)
    contact_ask = StrictListField(child=StrictCharField(max_length=500), required=False, max_length=20)
    max_contact_asks = StrictIntegerField(required=False, min_value=0, max_value=20)
    closing_msg = StrictCharField(required=False, allow_blank=True, max_length=1000)
    recall_steps = StrictListField(child=RecallStepInput(), required=False, max_length=10)
    read_recall_after_hours = StrictIntegerField(required=False, min_value=0, max_value=24 * 365)
    notify_webhook = StrictCharField(required=False, allow_blank=True, max_length=500)
    notify_format = StrictCharField(required=False, max_length=10)
    wechat_nudge_after_hours = StrictIntegerField(required=False, min_value=0, max_value=24 * 365)
    interview_slots = StrictListField(child=StrictCharField(max_length=100), required=False, max_length=20)
    rubric = StrictCharField(required=False, allow_blank=True)
    rubric_threshold = StrictIntegerField(required=False, min_value=0, max_value=100)

    def validate_rubric(self, value: str) -> str:
        problem = jobconfig.rubric_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate_faq(self, value: dict) -> dict:
        return {key: text for key, text in value.items() if key in jobconfig.FAQ_FIELDS}

    def validate_notify_webhook(self, value: str) -> str:
        return check_outbound_url(value) if value else value

    def validate_notify_format(self, value: str) -> str:
        if value not in NotifyFormat.values:
            raise serializers.ValidationError(f"expected one of {', '.join(NotifyFormat.values)}")
        return value


class JobRegisterInput(serializers.Serializer):
    platformType = PlatformField()
    platformID = IdField(max_length=PLATFORM_ID_MAX)
    jobName = StrictCharField(max_length=200)
    jobJD = StrictCharField(required=False, allow_blank=True)
    robotApi = StrictCharField(required=False, allow_blank=True, max_length=500)
    jobConfig = JobConfigInput(required=False)

    def validate_robotApi(self, value: str) -> str:
        value = value.strip()
        if value.lower().startswith(("http://", "https://")):
            check_outbound_url(value)
        return value


class PlatformRefInput(serializers.Serializer):
    platformType = PlatformField()
    platformID = IdField(max_length=PLATFORM_ID_MAX)


class SlotInput(serializers.Serializer):
    time = StrictCharField()
    mount = StrictIntegerField(min_value=0, max_value=10000)

    def validate_time(self, value: str) -> time:
        if not SLOT_TIME.match(value):
            raise serializers.ValidationError("expected zero-padded HH:MM")
        return time(int(value[:2]), int(value[3:]))


def validate_slots(slots: list[dict]) -> list[tuple[time, int]]:
    seen = set()
    for index, slot in enumerate(slots):
        if slot["time"] in seen:
            raise serializers.ValidationError({index: {"time": ["duplicate slot time"]}})
        seen.add(slot["time"])
    return [(slot["time"], slot["mount"]) for slot in slots]


class TaskConfigInput(serializers.Serializer):
    jobID = IdField(max_length=REF_MAX)
    taskType = StrictCharField(required=False, default="batchTouch")
    helloSum = StrictIntegerField(min_value=0, max_value=10000)
    timeMount = StrictListField(child=SlotInput(), max_length=48)
    filter = StrictDictField(required=False, default=dict)
    active = FlagField(required=False, default=True)

    def validate_taskType(self, value: str) -> str:
        if value != "batchTouch":
            raise serializers.ValidationError("only batchTouch is supported")
        return value

    def validate_timeMount(self, value: list[dict]) -> list[tuple[time, int]]:
        return validate_slots(value)


class AccountRegisterInput(serializers.Serializer):
    platformType = PlatformField()
    platformID = IdField(max_length=PLATFORM_ID_MAX)
    jobs = StrictListField(child=IdField(max_length=REF_MAX), allow_empty=True, max_length=200)
    taskConfig = StrictListField(child=TaskConfigInput(), required=False, max_length=200)
    desc = StrictCharField(required=False, allow_blank=True, max_length=255)

    def validate(self, attrs: dict) -> dict:
        jobs = {parse_ref("job", ref) or ref for ref in attrs["jobs"]}
        for index, entry in enumerate(attrs.get("taskConfig", [])):
            if (parse_ref("job", entry["jobID"]) or entry["jobID"]) not in jobs:
                raise serializers.ValidationError({"taskConfig": {index: {"jobID": ["not in jobs"]}}})
        return attrs


class AccountInput(serializers.Serializer):
    accountID = IdField(max_length=REF_MAX)
    # Deprecated in candidate calls: absent, "", null, "None" all mean "use the fallback".
    jobID = IdField(max_length=REF_MAX, required=False, allow_null=True, allow_blank=True)


class RiskReportInput(serializers.Serializer):
    """account/risk/report (CONTRACT §9)."""

    accountID = IdField(max_length=REF_MAX)
    kind = serializers.ChoiceField(
        choices=RecruitAccount.Risk.values,
        error_messages={"invalid_choice": f"expected one of {', '.join(RecruitAccount.Risk.values)}"},
    )
    detail = StrictCharField(required=False, allow_blank=True, max_length=500)


class TaskStatusField(serializers.Field):
    """`taskStatus`: only batchTouch entries matter; their candidate ids are returned flat."""

    def to_internal_value(self, data) -> list:
        if not isinstance(data, list):
            raise serializers.ValidationError("expected a list")
        ids: list = []
        id_field = IdField(max_length=CANDIDATE_ID_MAX)
        for index, item in enumerate(data):
            if not isinstance(item, dict):
                raise serializers.ValidationError({index: ["expected an object"]})
            if item.get("taskType") != "batchTouch":
                continue
            details = item.get("details")
            if not isinstance(details, dict):
                raise serializers.ValidationError({index: {"details": ["expected an object"]}})
            candidates = details.get("candidateList")
            if not isinstance(candidates, list):
                raise serializers.ValidationError({index: {"details": {"candidateList": ["expected a list"]}}})
            for position, raw in enumerate(candidates):
                try:
                    ids.append(id_field.to_internal_value(raw))
                except serializers.ValidationError as exc:
                    raise serializers.ValidationError(
                        {index: {"details": {"candidateList": {position: exc.detail}}}}
                    ) from None
        return ids


class TaskReportInput(AccountInput):
    taskStatus = TaskStatusField()


class CandidateFilterInput(AccountInput):
    candidateInfo = StrictDictField()
    candidateID = IdField(max_length=CANDIDATE_ID_MAX, required=False)


class PreFilterInput(AccountInput):
    candidate_id = IdField(max_length=CANDIDATE_ID_MAX)


class HistoryLineInput(serializers.Serializer):
    speaker = serializers.ChoiceField(
        choices=["robot", "user", "system"], error_messages={"invalid_choice": "expected robot, user or system"}
    )
    msg = StrictCharField(allow_blank=True, max_length=5000, trim_whitespace=False)
    time = serializers.JSONField(required=False, allow_null=True)

    def validate_time(self, value):
        """Epoch milliseconds when ≥ 10^12, else epoch seconds (CONTRACT §3)."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise serializers.ValidationError("expected epoch seconds or milliseconds")
        seconds = value / 1000 if value >= 10**12 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise serializers.ValidationError("out of range") from None


class ChatInput(AccountInput):
    candidateID = IdField(max_length=CANDIDATE_ID_MAX)
    candidateName = StrictCharField(allow_blank=True, max_length=100)
    historyMsg = StrictListField(child=HistoryLineInput(), max_length=2000)


class ResultInput(AccountInput):
    candidateID = IdField(max_length=CANDIDATE_ID_MAX)
    candidateName = StrictCharField(allow_blank=True, max_length=100)
    phone = StrictCharField(required=False, allow_blank=True, max_length=40)
    wechat = StrictCharField(required=False, allow_blank=True, max_length=40)
    email = StrictCharField(required=False, allow_blank=True, max_length=254)
    filename = StrictCharField(required=False, allow_blank=True, max_length=255)

    # The rules live in chatbot.contacts (the LLM engine's answers are held to them too).
    def validate_phone(self, value: str) -> str:
        phone = normalise_phone(value)
        if value and not phone:
            raise serializers.ValidationError("not a phone number")
        return phone

    def validate_wechat(self, value: str) -> str:
        wechat = normalise_wechat(value)
        if value.strip() and not wechat:
            raise serializers.ValidationError("expected 6-20 letters, digits, _ or -, starting with a letter")
        return wechat

    def validate_email(self, value: str) -> str:
        email = normalise_email(value)
        if value.strip() and not email:
            raise serializers.ValidationError("not an e-mail address")
        return email


class RecallListInput(AccountInput):
    candidateIDs = StrictListField(child=IdField(max_length=CANDIDATE_ID_MAX), max_length=1000)
    candidateIDs_read = StrictListField(
        child=IdField(max_length=CANDIDATE_ID_MAX), required=False, default=list, max_length=1000
    )


class RecallResultInput(AccountInput):
    candidateID = IdField(max_length=CANDIDATE_ID_MAX)
