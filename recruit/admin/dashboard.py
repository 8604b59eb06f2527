"""The console's home: the funnel dashboard (`templates/admin/index.html`).

`dashboard_index` is served at `/admin/` in front of the admin site's own index and renders it with the
dashboard's context: a small GET form (date range, team, job, account), the funnel by greeting day as an
inline SVG chart and a table with conversion rates, today's quota use per account, and the conversations
waiting for a human. Numbers come from `recruit.dashboard`, scoped to the user's teams (superusers: all).
Users who may not view conversations get the plain index.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hunter_robot.admin import user_team_ids
from hunter_robot.models import Team
from recruit import dashboard
from recruit.models import Job, RecruitAccount

DEFAULT_DAYS = 14
WAITING_SHOWN = 10
MAX_DAYS = 366
STAGE_COLOURS = ("#0f766e", "#14b8a6", "#5eead4", "#f59e0b", "#ef4444")  # the brand teal, then warm


def _date_input() -> forms.DateInput:
    # The browser's date picker sends and expects ISO dates, whatever the language.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DashboardForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), required=False, widget=_date_input())
    end = forms.DateField(label=_("结束日期"), required=False, widget=_date_input())
    team = forms.ModelChoiceField(Team.objects.none(), label=_("团队"), required=False, empty_label=_("全部"))
    job = forms.ModelChoiceField(Job.objects.none(), label=_("岗位"), required=False, empty_label=_("全部"))
    account = forms.ModelChoiceField(
        RecruitAccount.objects.none(), label=_("招聘账号"), required=False, empty_label=_("全部")
    )

    def __init__(self, *args, teams: list[int] | None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the user's teams' rows: others' names and ids appear nowhere (CONTRACT §8).
        team_rows, jobs, accounts = Team.objects.all(), Job.objects.all(), RecruitAccount.objects.all()
        if teams is not None:
            team_rows = team_rows.filter(pk__in=teams)
            jobs, accounts = jobs.filter(team_id__in=teams), accounts.filter(team_id__in=teams)
        self.fields["team"].queryset = team_rows.order_by("name")
        self.fields["job"].queryset = jobs.order_by("name", "pk")
        self.fields["account"].queryset = accounts.order_by("platform", "platform_id")

    def clean(self):
        data = super().clean()
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("开始日期不能晚于结束日期"))
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(_("日期范围最长 %(n)d 天") % {"n": MAX_DAYS})
        data["start"], data["end"] = start, end
        return data


def default_range() -> dict:
    """The last DEFAULT_DAYS local days, today included."""
    end = timezone.localdate()
    return {"start": end - timedelta(days=DEFAULT_DAYS - 1), "end": end}


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


def _table(days: list[dashboard.FunnelRow], total: dashboard.FunnelRow) -> dict:
    def cells(row: dashboard.FunnelRow) -> list[dict]:
        return [
            {"count": row.counts[key], "rate": _percent(row.rate(key)) if index else ""}
            for index, key in enumerate(dashboard.STAGE_KEYS)
        ]

    return {
        "rows": [{"day": row.day, "cells": cells(row)} for row in days],
        "total": cells(total),
        # The whole range, each stage against the greeted: the funnel in one line.
        "overall": [_percent(total.overall(key)) for key in dashboard.STAGE_KEYS],
    }


def _chart(days: list[dashboard.FunnelRow], start: date, end: date) -> dict:
    """Grouped bars, one group per day of the range (empty days too), one bar per stage; in SVG units."""
    width, height, left, bottom, top = 760, 240, 44, 28, 10
    plot_w, plot_h = width - left - 8, height - top - bottom
    by_day = {row.day: row for row in days}
    n_days = (end - start).days + 1
    peak = max([row.counts["greeted"] for row in days] + [1])
    group_w = plot_w / n_days
    bar_w = max(group_w * 0.8 / len(dashboard.STAGES), 0.5)
    label_every = max(1, round(n_days / 12))
    groups, bars = [], []
    for i in range(n_days):
        day = start + timedelta(days=i)
        x0 = left + i * group_w
        row = by_day.get(day)
        if i % label_every == 0:
            groups.append({"x": round(x0 + group_w / 2, 1), "label": f"{day:%m-%d}"})
        if row is None:
            continue
        for j, (key, label) in enumerate(dashboard.STAGES):
            value = row.counts[key]
            h = plot_h * value / peak
            bars.append(
                {
                    "x": round(x0 + group_w * 0.1 + j * bar_w, 1),
                    "y": round(top + plot_h - h, 1),
                    "w": round(bar_w, 1),
                    "h": round(h, 1),
                    "colour": STAGE_COLOURS[j],
                    "title": f"{day:%m-%d} {label} {value}",
                }
            )
    ticks = [
        {"y": round(top + plot_h - plot_h * value / peak, 1), "label": value} for value in sorted({0, peak // 2, peak})
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - 8,
        "baseline": top + plot_h,
        "label_y": height - 8,
        "bars": bars,
        "groups": groups,
        "ticks": ticks,
        "legend": [{"label": label, "colour": STAGE_COLOURS[j]} for j, (_key, label) in enumerate(dashboard.STAGES)],
    }


def dashboard_context(request) -> dict:
    """The dashboard's template context for this user and the page's GET filters ({} without access)."""
    if not request.user.has_perm("recruit.view_conversation"):
        return {}
    teams = None if request.user.is_superuser else user_team_ids(request)
    form = DashboardForm(request.GET or None, teams=teams, initial=default_range())
    # An empty or invalid form (its errors shown) stands for the default range over everything visible.
    chosen = form.cleaned_data if form.is_valid() else default_range()
    scope = dashboard.Scope(
        teams=teams,
        team_id=chosen["team"].pk if chosen.get("team") else None,
        job_id=chosen["job"].pk if chosen.get("job") else None,
        account_id=chosen["account"].pk if chosen.get("account") else None,
    )
    start, end = chosen["start"], chosen["end"]
    days, total = dashboard.funnel(scope, start, end)
    waiting, waiting_total = dashboard.waiting_for_human(scope, limit=WAITING_SHOWN)
    waiting_filter = {"needs_human__exact": "1"}
    if scope.job_id is not None:
        waiting_filter["job__id__exact"] = str(scope.job_id)
    if scope.account_id is not None:
        waiting_filter["account__id__exact"] = str(scope.account_id)
    return {
        "dashboard": {
            "form": form,
            "start": start,
            "end": end,
            "stages": [label for _key, label in dashboard.STAGES],
            "table": _table(days, total),
            "chart": _chart(days, start, end),
            "quota": dashboard.quota_today(scope, timezone.localdate()),
            "waiting": waiting,
            "waiting_total": waiting_total,
            "waiting_url": reverse("admin:recruit_conversation_changelist") + "?" + urlencode(waiting_filter),
        }
    }


def dashboard_index(request):
    """The admin's index with the dashboard; wrapped by `admin.site.admin_view` in the URLconf."""
    return admin.site.index(request, extra_context={"title": _("工作台"), **dashboard_context(request)})
