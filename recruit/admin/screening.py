"""Console pages for candidates and screening decisions (the domains of `recruit.models.screening`)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from hunter_robot.admin import TeamScopedAdmin, TeamScopedInline, user_team_ids
from recruit.models import Candidate, ScreeningDecision


class DecisionInline(TeamScopedInline, admin.TabularInline):
    model = ScreeningDecision
    extra = 0
    fields = ("created_at", "job", "account", "touch", "reasons_text", "source")
    readonly_fields = fields
    ordering = ("-created_at",)
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("原因"))
    def reasons_text(self, decision: ScreeningDecision) -> str:
        return "；".join(decision.reasons) or "-"


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ("name", "platform", "platform_cid", "do_not_contact", "updated_at")
    list_filter = ("platform", "do_not_contact")
    search_fields = ("name", "platform_cid")
    readonly_fields = ("platform", "platform_cid", "name", "team_profile", "created_at", "updated_at")
    exclude = ("raw_card", "profile")
    inlines = [DecisionInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        teams = user_team_ids(request)
        seen = Candidate.objects.filter(Q(conversations__job__team__in=teams) | Q(decisions__job__team__in=teams))
        # The stored profile is the last card any team sent; staff read the one from their teams' cards.
        latest = ScreeningDecision.objects.filter(candidate=OuterRef("pk"), job__team__in=teams).order_by("-created_at")
        return queryset.filter(pk__in=seen.values("pk")).annotate(
            visible_profile=Subquery(latest.values("profile")[:1], output_field=models.JSONField())
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A candidate is shared by the teams that met them; deleting one would cascade into other teams'
        # decisions and conversations (erasure per team is not built yet).
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    @admin.display(description=_("解析后的简历"))
    def team_profile(self, candidate: Candidate) -> str:
        profile = getattr(candidate, "visible_profile", candidate.profile)
        if not profile:
            return "-"
        return format_html("<pre>{}</pre>", json.dumps(profile, ensure_ascii=False, indent=2))


@admin.register(ScreeningDecision)
class ScreeningDecisionAdmin(TeamScopedAdmin):
    team_path = "job__team"
    list_display = ("created_at", "candidate", "job", "account", "touch", "reasons_text", "source")
    list_filter = ("touch", "source", "job", "account")
    list_select_related = ("candidate", "job", "account")
    search_fields = ("candidate__name", "candidate__platform_cid")
    readonly_fields = (
        "account",
        "job",
        "candidate",
        "touch",
        "reasons",
        "criteria_table",
        "profile",
        "source",
        "created_at",
    )
    exclude = ("raw_card", "details")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("原因"))
    def reasons_text(self, decision: ScreeningDecision) -> str:
        return "；".join(decision.reasons) or "-"

    @admin.display(description=_("各项判定"))
    def criteria_table(self, decision: ScreeningDecision) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (d.get("code"), "✓" if d.get("passed") else "✗", d.get("actual"), d.get("expected"))
                for d in decision.details
            ),
        )
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("条件"),
            _("结果"),
            _("候选人"),
            _("要求"),
            rows,
        )
