"""How a conversation is shown to people: its contact details and its transcript, masked or in full.

The console, webhook payloads and (later) exports all read these, so what is masked where is decided
here once. The masking primitives themselves (`mask_phone`, …) live in `chatbot.contacts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from chatbot.contacts import mask_email, mask_phone, mask_text, mask_wechat
from recruit.models import ContactRecord, Conversation, Message, ScreeningDecision
from recruit.models.jobs import DEGREE_LABELS
from recruit.platforms.profile import Profile

if TYPE_CHECKING:
    from wechat.models import WechatFriend


def conversation_contact(conversation: Conversation) -> ContactRecord | None:
    """The conversation's contact record, or None (uses a `select_related("contact")` when given)."""
    try:
        return conversation.contact
    except ContactRecord.DoesNotExist:
        return None


def contact_masked(record: ContactRecord | None) -> dict[str, str]:
    """Phone, WeChat id and e-mail, masked; "" for what is missing (webhook payloads)."""
    if record is None:
        return {"phone": "", "wechat": "", "email": ""}
    return {
        "phone": mask_phone(record.phone) if record.phone else "",
        "wechat": mask_wechat(record.wechat) if record.wechat else "",
        "email": mask_email(record.email) if record.email else "",
    }


def contact_summary(record: ContactRecord | None) -> str:
    """One masked line: what was obtained, e.g. "138****8000 / 简历"; "-" when nothing."""
    if record is None:
        return "-"
    parts = [*contact_masked(record).values(), _("简历") if record.cv_file else ""]
    return " / ".join(part for part in parts if part) or "-"


def contact_details_html(conversation: Conversation, record: ContactRecord | None) -> str:
    """Every contact detail in full, with the CV download link. Only for users allowed to see them."""
    if record is None:
        return "-"
    cv = "-"
    if record.cv_file:
        url = reverse("admin:recruit_conversation_cv", args=[conversation.pk])
        cv = format_html(
            '<a href="{}">{}</a> ({}, {} bytes)', url, record.cv_name or _("下载"), record.cv_type, record.cv_size
        )
    return format_html(
        "{}: {}<br>{}: {}<br>{}: {}<br>{}: {}",
        _("手机"),
        record.phone or "-",
        _("微信"),
        record.wechat or "-",
        _("邮箱"),
        record.email or "-",
        _("简历"),
        cv,
    )


@dataclass(frozen=True)
class TranscriptLine:
    time: str
    channel: str
    speaker: str
    text: str
    notes: str  # robot turns: engine, intent, next step, latency, error


def _robot_notes(message: Message) -> str:
    latency = f"{message.latency_ms}ms" if message.latency_ms is not None else ""
    return " ".join(x for x in (message.engine, message.intent, message.next_step, latency, message.error) if x)


def transcript_lines(conversation: Conversation, *, mask: bool, channel: str | None = None) -> list[TranscriptLine]:
    """The conversation's messages in order, on one channel (`Message.Channel`) or all; with `mask`,
    contact details in the text are masked."""
    recall = " · " + _("召回")
    messages = conversation.messages.order_by("seq")
    if channel is not None:
        messages = messages.filter(channel=channel)
    return [
        TranscriptLine(
            time=timezone.localtime(m.sent_at or m.created_at).strftime("%m-%d %H:%M"),
            channel=m.get_channel_display(),
            speaker=m.get_speaker_display() + (recall if m.is_recall else ""),
            text=mask_text(m.text) if mask else m.text,
            notes=_robot_notes(m),
        )
        for m in messages
    ]


def transcript_html(conversation: Conversation, *, mask: bool, channel: str | None = None) -> str:
    """The transcript as a table: one channel's (without a channel column), or every channel's."""
    lines = transcript_lines(conversation, mask=mask, channel=channel)
    if not lines:
        return "-"
    cells = ("time", "speaker", "text", "notes") if channel else ("time", "channel", "speaker", "text", "notes")
    row = "".join('<td style="white-space:pre-wrap">{}</td>' if cell == "text" else "<td>{}</td>" for cell in cells)
    rows = format_html_join("", f"<tr>{row}</tr>", (tuple(getattr(line, cell) for cell in cells) for line in lines))
    return format_html("<table>{}</table>", rows)


def wechat_id_shown(wechat_id: str, *, mask: bool) -> str:
    """A candidate's WeChat id (a WeChat friend's `search_id`), masked unless `mask` is off."""
    return (mask_wechat(wechat_id) if mask else wechat_id) if wechat_id else "-"


def friend_progress(friend: WechatFriend) -> str:
    """A WeChat friend's state and milestones on one line, e.g. "已约面 · 通过 12-01 10:00 · 约面 12-02 09:30
    · (周二 14:00)". The agreed slot is the candidate's words: contact details in it are masked."""
    parts = [friend.get_status_display()]
    for label, at in (
        (_("申请"), friend.requested_at),
        (pgettext("wechat friend", "通过"), friend.accepted_at),  # accepted our friend request
        (_("简历"), friend.cv_at),
        (_("约面"), friend.interview_at),
    ):
        if at is not None:
            parts.append(f"{label} {timezone.localtime(at):%m-%d %H:%M}")
    if friend.interview_slot:
        parts.append(f"({mask_text(friend.interview_slot)})")
    return " · ".join(parts)


# --- Screening decisions, in Chinese -------------------------------------------------------------
# The one mapping from the screening codes (criterion results, `reasons` prefixes, jobConfig.criteria
# keys) and decision sources to the console's words. The API's `reasons` stay English (wire contract).

CRITERION_LABELS = {
    "age": gettext_lazy("年龄"),
    "degree": gettext_lazy("学历"),
    "min_degree": gettext_lazy("学历"),
    "work_years": gettext_lazy("工作年限"),
    "city": gettext_lazy("期望城市"),
    "cities": gettext_lazy("期望城市"),
    "salary": gettext_lazy("期望薪资"),
    "salary_k": gettext_lazy("期望薪资"),
    "keywords": gettext_lazy("关键词"),
    "exclude_keywords": gettext_lazy("排除关键词"),
    "exclude_companies": gettext_lazy("排除公司"),
    "active": gettext_lazy("活跃度"),
    "active_desc": gettext_lazy("活跃度"),
    "active_within_minutes": gettext_lazy("活跃度"),
    "school": gettext_lazy("院校"),
    "school_tier": gettext_lazy("院校"),
    "on_missing": gettext_lazy("缺少数据时"),
    "quota": gettext_lazy("今日名额"),
    "dedupe": gettext_lazy("去重"),
    "do_not_contact": gettext_lazy("勿扰"),
    "reserved": gettext_lazy("预留"),
    "inactive": gettext_lazy("启用状态"),
    "account": gettext_lazy("账号"),
    "job": gettext_lazy("岗位"),
    "rubric": gettext_lazy("评分标准"),
}
SOURCE_LABELS = {
    "filter": gettext_lazy("筛选接口 (candidate/filter)"),
    "prefilter": gettext_lazy("预筛选 (preFilter)"),
    "preFilter": gettext_lazy("预筛选 (preFilter)"),
    "test": gettext_lazy("试用（不保存）"),
}
# Whole reasons the gates give (recruit.services.screening.decide), and the words inside criterion reasons.
_GATE_REASONS = {
    "inactive: account paused": gettext_lazy("账号已暂停"),
    "inactive: job paused": gettext_lazy("岗位已暂停"),
    "quota: none left today": gettext_lazy("今日名额已用完"),
    "do_not_contact: candidate asked not to be contacted": gettext_lazy("候选人要求勿扰"),
    "dedupe: already contacted for this job": gettext_lazy("该岗位已联系过此人"),
    "reserved: held by another account": gettext_lazy("已由其他账号预留"),
    "rubric: unavailable": gettext_lazy("评分标准：模型评分不可用，按规则结果"),
}
_REASON_WORDS = (
    (re.compile(r"^missing$"), gettext_lazy("简历缺少此项")),
    (re.compile(r"^none of "), gettext_lazy("不含任一：")),
    (re.compile(r" not in "), gettext_lazy(" 不在 ")),
    (re.compile(r" outside "), gettext_lazy(" 超出 ")),
    (re.compile(r"^not (\d+)$"), gettext_lazy("非 \\1 院校")),
    (re.compile(r"(\d+) min ago > (\d+)"), gettext_lazy("\\1 分钟前活跃，要求 \\2 分钟内")),
    (re.compile(r"^score (\d+) < (\d+)$"), gettext_lazy("评分 \\1，低于及格线 \\2")),
)


_DEGREE_CODES = ("degree", "min_degree")
_DEGREE = re.compile("|".join(re.escape(d) for d in sorted(DEGREE_LABELS, key=len, reverse=True)))


def degree_text(text: str) -> str:
    """The degrees in `text` (stored as the Chinese names of `recruit.platforms.profile.DEGREES`) in the
    console's language."""
    return _DEGREE.sub(lambda match: str(DEGREE_LABELS[match.group(0)]), text)


def criterion_label(code: object) -> str:
    """A criterion's Chinese name; an unknown code is shown as it is."""
    return str(CRITERION_LABELS.get(code, code)) if code else "-"


def source_label(source: object) -> str:
    return str(SOURCE_LABELS.get(source, source)) if source else "-"


def reason_text(reason: str) -> str:
    """One English `reasons` entry in Chinese, e.g. "age: 36 > 35" → "年龄：36 > 35"."""
    if reason in _GATE_REASONS:
        return str(_GATE_REASONS[reason])
    code, sep, rest = reason.partition(": ")
    if not sep:
        return reason
    rest = rest.strip()
    for pattern, words in _REASON_WORDS:
        rest = pattern.sub(str(words), rest)
    if code in _DEGREE_CODES:
        rest = degree_text(rest)
    return _("%(label)s：%(value)s") % {"label": criterion_label(code), "value": rest}


def reasons_text(reasons: list[str]) -> str:
    return _("；").join(reason_text(reason) for reason in reasons if isinstance(reason, str)) or "-"


def decision_sentence(decision: ScreeningDecision) -> str:
    """A decision as one sentence: "张三 · 客服专员 · 账号 a1：未通过（年龄：36 > 35）"."""
    candidate = decision.candidate.name or decision.candidate.platform_cid
    account = decision.account.desc or decision.account.platform_id
    if decision.touch and decision.reasons:  # the rule decision stood: `rubric: unavailable`
        return _("%(candidate)s · %(job)s · 账号 %(account)s：通过（%(reasons)s）") % {
            "candidate": candidate,
            "job": decision.job.name,
            "account": account,
            "reasons": reasons_text(decision.reasons),
        }
    if decision.touch and decision.rubric_score is not None:
        return _("%(candidate)s · %(job)s · 账号 %(account)s：通过（评分 %(score)d）") % {
            "candidate": candidate,
            "job": decision.job.name,
            "account": account,
            "score": decision.rubric_score,
        }
    if decision.touch:
        return _("%(candidate)s · %(job)s · 账号 %(account)s：通过") % {
            "candidate": candidate,
            "job": decision.job.name,
            "account": account,
        }
    return _("%(candidate)s · %(job)s · 账号 %(account)s：未通过（%(reasons)s）") % {
        "candidate": candidate,
        "job": decision.job.name,
        "account": account,
        "reasons": reasons_text(decision.reasons),
    }


def rubric_text(decision: ScreeningDecision) -> str:
    """The second-stage score and the model's one-line reason ("72 分：…"); why there is none when the
    model was asked and did not answer; "-" when the job had no rubric or the rules already said no."""
    if decision.rubric_score is not None:
        return _("%(score)d 分：%(reason)s") % {"score": decision.rubric_score, "reason": decision.rubric_reason or "-"}
    if decision.rubric_reason:
        return _("未评分（%(error)s）") % {"error": decision.rubric_reason}
    return "-"


def _value_text(value: object) -> str:
    """A criterion's actual or expected value for people: ranges as "18–35", lists joined."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(v is None or isinstance(v, int | float) for v in value):
            low, high = ("" if v is None else _value_text(v) for v in value)
            return f"{low}–{high}" if low or high else "-"
        return _("、").join(_value_text(v) for v in value)
    if isinstance(value, dict):
        words = {
            "active_desc": _("活跃状态"),
            "active_within_minutes": _("N 分钟内"),
            "minutes_ago": _("分钟前"),
            "schools": _("学校"),
            "tier": _("层次"),
        }
        return _("；").join(
            _("%(label)s：%(value)s") % {"label": words.get(k, k), "value": _value_text(v)} for k, v in value.items()
        )
    return str(value)


def criteria_table_html(details: list) -> str:
    """Every criterion of a decision (`CriterionResult.to_dict()` rows) as a table, in Chinese."""
    if not details:
        return "-"
    rows = []
    for d in details:
        if not isinstance(d, dict):
            continue
        passed = d.get("passed")
        result = _("通过") if passed else _("未通过")
        if d.get("missing"):
            result = _("%(result)s（缺少数据）") % {"result": result}
        actual = d.get("actual", d.get("value"))
        code = d.get("code", d.get("criterion"))
        shown = (_value_text(actual), _value_text(d.get("expected")))
        if code in _DEGREE_CODES:
            shown = tuple(degree_text(text) for text in shown)
        rows.append((criterion_label(code), result, *shown))
    return format_html(
        '<table class="criteria-table"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>',
        _("条件"),
        _("结果"),
        _("候选人"),
        _("要求"),
        format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
    )


_PROFILE_FIELDS = {
    "candidate_id": gettext_lazy("候选人ID"),
    "name": gettext_lazy("姓名"),
    "age": gettext_lazy("年龄"),
    "degree": gettext_lazy("学历"),
    "work_years": gettext_lazy("工作年限"),
    "expected_cities": gettext_lazy("期望城市"),
    "expected_positions": gettext_lazy("期望职位"),
    "salary_min_k": gettext_lazy("薪资下限"),
    "salary_max_k": gettext_lazy("薪资上限"),
    "apply_status": gettext_lazy("求职状态"),
    "active_desc": gettext_lazy("活跃状态"),
    "active_time": gettext_lazy("活跃时间"),
    "schools": gettext_lazy("学校"),
    "companies": gettext_lazy("公司"),
    "work_titles": gettext_lazy("职位"),
    "work_duties": gettext_lazy("工作内容"),
    "skills": gettext_lazy("技能"),
}


def profile_card_html(data: object) -> str:
    """A parsed profile (`Profile.to_dict()`) as a card of labelled rows, never a JSON blob."""
    if not data:
        return "-"
    profile = Profile.from_dict(data)
    salary = "-"
    if profile.salary_min_k is not None or profile.salary_max_k is not None:
        salary = _value_text([profile.salary_min_k, profile.salary_max_k]) + "K"
    rows = [
        (_("姓名"), profile.name or "-"),
        (_("年龄"), _value_text(profile.age)),
        (_("学历"), degree_text(profile.degree) if profile.degree else "-"),
        (_("工作年限"), "-" if profile.work_years is None else _("%(n)d 年") % {"n": profile.work_years}),
        (_("期望城市"), _value_text(profile.expected_cities)),
        (_("期望职位"), _value_text(profile.expected_positions)),
        (_("期望薪资"), salary),
        (_("学校"), _value_text(profile.schools)),
        (_("公司"), _value_text(profile.companies)),
        (_("职位"), _value_text(profile.work_titles)),
        (_("技能"), _value_text(profile.skills)),
        (_("活跃状态"), profile.active_desc or "-"),
    ]
    if profile.missing:
        names = _("、").join(str(_PROFILE_FIELDS.get(name, name)) for name in profile.missing)
        rows.append((_("未能读取"), names))
    return format_html(
        '<dl class="profile-card" style="display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0">'
        "{}</dl>",
        format_html_join("", '<dt style="font-weight:600">{}</dt><dd style="margin:0">{}</dd>', rows),
    )
