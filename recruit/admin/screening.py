"""Console pages for candidates and screening decisions (the domains of `recruit.models.screening`)."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from hunter_robot.admin import TeamScopedAdmin, TeamScopedInline, user_team_ids
from recruit import presenters
from recruit.models import Candidate, ScreeningDecision


class SourceFilter(admin.SimpleListFilter):
    """来源, with the sources' Chinese names (the values are fixed, so no team's data shows here)."""

    title = _("来源")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return [(source, presenters.source_label(source)) for source in ("filter", "prefilter")]

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


class DecisionColumns:
    """The reasons and source of a decision in Chinese, for the decision list and the candidate's inline."""

    @admin.display(description=_("原因"))
    def reasons_text(self, decision: ScreeningDecision) -> str:
        return presenters.reasons_text(decision.reasons)

    @admin.display(description=_("来源"))
    def source_text(self, decision: ScreeningDecision) -> str:
        return presenters.source_label(decision.source)


class DecisionInline(DecisionColumns, TeamScopedInline, TabularInline):
    model = ScreeningDecision
    extra = 0
    fields = ("created_at", "job", "account", "touch", "reasons_text", "source_text")
    readonly_fields = fields
    ordering = ("-created_at",)
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Candidate)
class CandidateAdmin(ModelAdmin):
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
        return presenters.profile_card_html(getattr(candidate, "visible_profile", candidate.profile))


@admin.register(ScreeningDecision)
class ScreeningDecisionAdmin(DecisionColumns, TeamScopedAdmin):
    team_path = "job__team"
    list_display = ("created_at", "sentence", "touch", "source_text")
    list_display_links = ("sentence",)
    list_filter = ("touch", SourceFilter, "job", "account")
    list_select_related = ("candidate", "job", "account")
    search_fields = ("candidate__name", "candidate__platform_cid")
    fields = (
        "sentence",
        "candidate",
        "job",
        "account",
        "touch",
        "reasons_text",
        "criteria_table",
        "profile_card",
        "source_text",
        "created_at",
    )
    readonly_fields = fields
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("筛选结论"))
    def sentence(self, decision: ScreeningDecision) -> str:
        return presenters.decision_sentence(decision)

    @admin.display(description=_("解析后的简历"))
    def profile_card(self, decision: ScreeningDecision) -> str:
        return presenters.profile_card_html(decision.profile)

    @admin.display(description=_("各项判定"))
    def criteria_table(self, decision: ScreeningDecision) -> str:
        return presenters.criteria_table_html(decision.details)
