"""The console's frame (django-unfold): the site's name and the sidebar, in the recruiter's order.

工作台 (the funnel dashboard), then the recruiting work (岗位, 招聘账号, 会话, 候选人, 筛选记录, 通知), the
WeChat channel, and 系统 (teams, keys, audit, schedules, users). Each entry shows only to users who may
view its model, so a recruiter's sidebar holds nothing they cannot open. Built per request, so labels
follow the active language.
"""

from __future__ import annotations

from django.apps import apps
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def site_title(request) -> str:
    return _("猎头机器人")


def _can_view(label: str):
    app_label, model_name = label.lower().split(".")

    def allowed(request) -> bool:
        user = request.user
        return any(user.has_perm(f"{app_label}.{action}_{model_name}") for action in ("view", "change"))

    return allowed


def _model(label: str, icon: str, title: str | None = None) -> dict:
    model = apps.get_model(label)
    app_label, model_name = model._meta.app_label, model._meta.model_name
    return {
        "title": title or capfirst(model._meta.verbose_name_plural),
        "icon": icon,
        "link": reverse(f"admin:{app_label}_{model_name}_changelist"),
        "permission": _can_view(label),
    }


def sidebar(request) -> list[dict]:
    return [
        {
            "items": [
                {
                    "title": _("工作台"),
                    "icon": "dashboard",
                    "link": reverse("admin:index"),
                    "active": _is_home(request),
                },
            ],
        },
        {
            "title": _("招聘"),
            "items": [
                _model("recruit.Job", "work"),
                _model("recruit.RecruitAccount", "badge"),
                _model("recruit.AccountJob", "event_repeat"),
                _model("recruit.Conversation", "forum"),
                _model("recruit.Candidate", "person_search"),
                _model("recruit.ScreeningDecision", "rule"),
                _model("recruit.Notification", "notifications"),
            ],
        },
        {
            "title": _("微信"),
            "items": [
                _model("wechat.WechatAccount", "chat"),
                _model("wechat.WechatFriend", "group_add"),
                _model("wechat.WechatTask", "task_alt"),
            ],
        },
        {
            "title": _("系统"),
            "collapsible": True,
            "items": [
                _model("hunter_robot.Team", "groups"),
                _model("hunter_robot.ApiKey", "key"),
                _model("hunter_robot.AuditLog", "policy"),
                _model("recruit.RetentionRun", "auto_delete"),
                _model("django_celery_beat.PeriodicTask", "schedule", _("定时任务")),
                _model("auth.User", "person"),
                _model("auth.Group", "shield_person"),
                _model("recruit.UnknownAccount", "help"),
            ],
        },
    ]


def _is_home(request) -> bool:
    return request.path == reverse("admin:index")
