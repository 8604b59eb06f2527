"""「试用此岗位」: a job's criteria and dialogue script tried on a pasted candidate card and message.

Pure: the card goes through the platform parsers and `recruit.screening.evaluate` with the job's
criteria, the message through the rule engine with the job's script and a fresh context. Nothing is
stored (no decision, candidate, raw card, reservation, conversation or message): this is not the filter
service, which stores and reserves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chatbot.rule import RuleEngine
from chatbot.types import (
    ALGO_ABNORMAL,
    FINISH,
    NEED_CONTACT,
    NEED_ENSURE,
    NORMAL_CHAT,
    USER,
    ChatContext,
    EngineReply,
    Turn,
)
from recruit import jobconfig, presenters
from recruit.models import Job, Platform
from recruit.platforms import parse_profile
from recruit.screening import CriterionResult, evaluate

NEXT_STEP_LABELS = {
    NORMAL_CHAT: _("继续聊天"),
    NEED_CONTACT: _("索要联系方式"),
    NEED_ENSURE: _("转人工确认"),
    FINISH: _("结束对话"),
    ALGO_ABNORMAL: _("算法异常"),
}
MAX_CARD_CHARS = 200_000


class JobTrialForm(forms.Form):
    platform = forms.ChoiceField(
        label=_("名片平台"),
        required=False,
        choices=[("", _("与岗位相同"))] + list(Platform.choices),
    )
    card = forms.CharField(
        label=_("候选人名片 (JSON)"),
        required=False,
        max_length=MAX_CARD_CHARS,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100, "placeholder": '{"geekCard": {...}}'}),
        help_text=_("粘贴机器人上报的 candidateInfo（任一平台）。"),
    )
    message = forms.CharField(
        label=_("候选人消息"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 100, "placeholder": _("例如：薪资多少？在哪里上班？")}),
    )

    def clean_card(self):
        text = self.cleaned_data["card"].strip()
        if not text:
            return None
        try:
            card = json.loads(text)
        except (ValueError, RecursionError) as error:  # RecursionError: nesting too deep to read
            raise forms.ValidationError(
                _("名片不是有效的 JSON（第 %(line)d 行第 %(col)d 列附近）：请粘贴完整的 JSON 对象。"),
                params={"line": getattr(error, "lineno", 1), "col": getattr(error, "colno", 1)},
            ) from None
        if isinstance(card, dict) and isinstance(card.get("candidateInfo"), dict):
            card = card["candidateInfo"]  # a whole candidate/filter request body
        if not isinstance(card, dict):
            raise forms.ValidationError(_("名片应为 JSON 对象（{…}），而不是列表或单个值。"))
        return card

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("card") and not data.get("message", "").strip():
            raise forms.ValidationError(_("请粘贴候选人名片，或输入一条候选人消息。"))
        return data


@dataclass
class ScreeningTrial:
    passed: bool
    sentence: str
    results: list[CriterionResult]
    criteria_html: str
    profile_html: str
    platform: str


@dataclass
class ChatTrial:
    reply: EngineReply
    next_step: str


def try_screening(job: Job, card: dict, platform: str = "") -> ScreeningTrial:
    """The decision the job's criteria give this card (the account gates — quota, dedupe, paused — are
    not part of a trial)."""
    platform = platform or job.platform
    profile = parse_profile(platform, card)
    results = evaluate(profile, jobconfig.job_criteria(job), now=timezone.now())
    failed = [r.reason for r in results if not r.passed]
    if failed:
        sentence = _("未通过（%(reasons)s）") % {"reasons": presenters.reasons_text(failed)}
    else:
        sentence = _("通过") if results else _("通过（岗位未设置筛选条件）")
    return ScreeningTrial(
        passed=not failed,
        sentence=str(sentence),
        results=results,
        criteria_html=presenters.criteria_table_html([r.to_dict() for r in results]),
        profile_html=presenters.profile_card_html(profile.to_dict()),
        platform=dict(Platform.choices).get(profile.platform, profile.platform or platform),
    )


def try_chat(job: Job, message: str, candidate_name: str = "") -> ChatTrial:
    """The rule engine's reply to one candidate message, as the first turn of a fresh conversation."""
    ctx = ChatContext(
        conversation_key="trial",
        candidate_name=candidate_name,
        job=jobconfig.job_script(job),
        transcript=[Turn(USER, message)],
        new_user_text=message,
        message_time=timezone.now(),
        user_turns=1,
    )
    reply = RuleEngine().reply(ctx)
    return ChatTrial(reply=reply, next_step=str(NEXT_STEP_LABELS.get(reply.next_step, reply.next_step or "-")))
