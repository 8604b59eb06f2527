"""The message a notification webhook receives, one function per format (the job's `notify_format`):
generic JSON, or the markdown / card message a WeCom (企业微信), DingTalk (钉钉) or Feishu (飞书) group
robot posts into the recruiter's group.

Pure: each takes the outbox payload (already masked, with the admin link, never the transcript: see
`recruit.services.notify`) and returns the JSON body to post. The delivery renders at send time, so the
outbox keeps one masked payload whatever the format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TITLES = {
    "contact": "获得联系方式",
    "need_human": "需要人工",
    "task_failed": "任务失败",
    "summary": "每日汇总",
    "silent_slot": "机器人未调用",
    "account_risk": "账号风控",
}
CONTACT_KINDS = {"phone": "电话", "wechat": "微信", "email": "邮箱", "cv": "简历"}
# Feishu card header colours: what happened at a glance.
FEISHU_TEMPLATES = {
    "contact": "green",
    "need_human": "orange",
    "task_failed": "red",
    "summary": "blue",
    "silent_slot": "red",
    "account_risk": "red",
}


def title(payload: dict) -> str:
    return TITLES.get(payload.get("kind", ""), "通知")


def _contact_line(contact: dict) -> str:
    parts = [f"{CONTACT_KINDS[key]} {contact[key]}" for key in ("phone", "wechat", "email") if contact.get(key)]
    return " / ".join(parts) or "-"


def _kinds(detail: str) -> str:
    return "、".join(CONTACT_KINDS.get(kind, kind) for kind in detail.split(",") if kind) or "-"


def _summary_rows(payload: dict) -> list[tuple[str, str]]:
    counts = payload.get("counts", {})
    contacts = " / ".join(f"{label} {counts.get(key, 0)}" for key, label in CONTACT_KINDS.items())
    return [
        ("日期", payload.get("day", "")),
        ("岗位", payload.get("job", "")),
        ("打招呼", str(counts.get("greeted", 0))),
        ("回复", str(counts.get("replied", 0))),
        ("获得联系方式", f"{counts.get('contacts', 0)}（{contacts}）"),
        ("加微信", str(counts.get("wechat_added", 0))),
        ("约面试", str(counts.get("interviews", 0))),
    ]


def rows(payload: dict) -> list[tuple[str, str]]:
    """The message's lines as (label, value), in Chinese, per kind."""
    kind = payload.get("kind", "")
    if kind == "summary":
        return _summary_rows(payload)
    if kind == "silent_slot":
        slot = f"{payload.get('day', '')} {payload.get('slot', '')}".strip()
        return [("账号", payload.get("accountID", "")), ("岗位", payload.get("job", "")), ("时段", slot or "-")]
    if kind == "account_risk":
        return [
            ("账号", payload.get("accountID", "")),
            ("风控", payload.get("risk_label", "") or payload.get("risk", "")),
            ("详情", payload.get("detail", "") or "-"),
        ]
    head = [("岗位", payload.get("job", "")), ("候选人", payload.get("candidate", "") or "-")]
    detail = payload.get("detail", "")
    if kind == "contact":
        return [*head, ("新获得", _kinds(detail)), ("联系方式", _contact_line(payload.get("contact", {})))]
    if kind == "need_human":
        return [*head, ("原因", detail or "-")]
    if kind == "task_failed":
        return [*head, ("任务", detail or "-")]
    return [*head, ("详情", detail or "-")]


LINK_LABELS = {"summary": "查看岗位会话", "silent_slot": "查看账号", "account_risk": "查看账号"}


def link_label(payload: dict) -> str:
    return LINK_LABELS.get(payload.get("kind", ""), "查看会话")


# Markdown controls in names and texts that candidates or bots wrote: shown as their full-width look-alikes,
# so a candidate's name can neither add a link nor break the message's layout.
_MARKDOWN = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "\\`*_[]()<>#~|!"})


def md(text: str) -> str:
    return text.translate(_MARKDOWN).replace("\n", " ")


def as_json(payload: dict) -> dict:
    """Generic JSON: the payload itself."""
    return payload


def as_wecom(payload: dict) -> dict:
    """企业微信 group robot: `{"msgtype": "markdown", "markdown": {"content": …}}`."""
    lines = [f"**{title(payload)}**", *(f"> {label}：{md(value)}" for label, value in rows(payload))]
    lines.append(f"[{link_label(payload)}]({payload.get('url', '')})")
    return {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}


def as_dingtalk(payload: dict) -> dict:
    """钉钉 robot: `{"msgtype": "markdown", "markdown": {"title": …, "text": …}}` (the title is what the
    chat list previews; DingTalk starts a new line only after a blank one)."""
    heading = f"{title(payload)} · {payload.get('job', '')}"
    lines = [f"### {md(heading)}", *(f"- {label}：{md(value)}" for label, value in rows(payload))]
    lines.append(f"[{link_label(payload)}]({payload.get('url', '')})")
    return {"msgtype": "markdown", "markdown": {"title": heading, "text": "\n\n".join(lines)}}


def as_feishu(payload: dict) -> dict:
    """飞书 robot: an interactive card, plain text lines (no markdown to escape) and a button to admin."""
    text = "\n".join(f"{label}：{value}" for label, value in rows(payload))
    return {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {
                "title": {"tag": "plain_text", "content": f"{title(payload)} · {payload.get('job', '')}"},
                "template": FEISHU_TEMPLATES.get(payload.get("kind", ""), "blue"),
            },
            "elements": [
                {"tag": "div", "text": {"tag": "plain_text", "content": text}},
                {
                    "tag": "action",
                    "actions": [
                        {
                            "tag": "button",
                            "text": {"tag": "plain_text", "content": link_label(payload)},
                            "type": "primary",
                            "url": payload.get("url", ""),
                        }
                    ],
                },
            ],
        },
    }


FORMATS: dict[str, Callable[[dict], dict]] = {
    "json": as_json,
    "wecom": as_wecom,
    "dingtalk": as_dingtalk,
    "feishu": as_feishu,
}


def render(notify_format: str, payload: dict) -> dict:
    """The body to post for `payload` in `notify_format` (an unknown format posts generic JSON)."""
    return FORMATS.get(notify_format, as_json)(payload)


def rejection(notify_format: str, answer: Any) -> str:
    """Why a robot refused a message it answered with HTTP 200 ("" when accepted). The group robots
    report errors in the body: WeCom and DingTalk `errcode`, Feishu `code` (older hooks `StatusCode`)."""
    if notify_format == "json" or not isinstance(answer, dict):
        return ""
    keys = ("errcode",) if notify_format in ("wecom", "dingtalk") else ("code", "StatusCode")
    for key in keys:
        if answer.get(key, 0) not in (0, None):
            return f"{key} {answer[key]}"[:255]
    return ""
