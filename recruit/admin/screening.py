"""Console pages for candidates and screening decisions (the domains of `recruit.models.screening`)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action

from hunter_robot.admin import TeamScopedAdmin, TeamScopedInline, user_team_ids
from recruit import presenters, selectors
from recruit.admin import subject_requests
from recruit.models import Candidate, Conversation, ScreeningDecision


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

    @admin.display(description=_("评分"))
    def rubric_text(self, decision: ScreeningDecision) -> str:
        return presenters.rubric_text(decision)


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


class ConversationInline(TeamScopedInline, TabularInline):
    """The candidate's conversations, with the contact obtained (masked, as in every list: the full
    values are on the conversation's own page, for users who may see them)."""

    model = Conversation
    fk_name = "candidate"
    extra = 0
    fields = ("job", "account", "status", "masked_contact", "last_message_at")
    readonly_fields = fields
    ordering = ("-last_message_at", "-id")
    show_change_link = True
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("job", "account", "contact")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("联系方式"))
    def masked_contact(self, conversation: Conversation) -> str:
        return presenters.contact_summary(presenters.conversation_contact(conversation))


@admin.register(Candidate)
class CandidateAdmin(ModelAdmin):
    list_display = ("name", "platform", "platform_cid", "do_not_contact", "updated_at")
    list_filter = ("platform", "do_not_contact")
    search_fields = ("name", "platform_cid")
    readonly_fields = ("platform", "platform_cid", "name", "team_profile", "created_at", "updated_at")
    exclude = ("raw_card", "profile")
    # Each inline shows a staff user only their teams' rows (TeamScopedInline).
    inlines = [DecisionInline, ConversationInline]
    # Candidate data requests (recruit.admin.subject_requests): buttons on the page, each its own permission.
    actions_detail = ["subject_export", "subject_erase"]

    def get_queryset(self, request):
        """Staff see the candidates their teams' bots met (a conversation or a decision on one of their
        jobs), never one only another team met; superusers see all (CONTRACT §8)."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        teams = user_team_ids(request)
        met = Q(pk__in=Conversation.objects.filter(job__team__in=teams).values("candidate_id")) | Q(
            pk__in=ScreeningDecision.objects.filter(job__team__in=teams).values("candidate_id")
        )
        # The stored profile is the last card any team sent; staff read the one from their teams' cards.
        return queryset.filter(met).annotate(visible_profile=selectors.team_profile(teams, via="job__team"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A candidate is shared by the teams that met them; deleting one would cascade into other teams'
        # decisions and conversations. Erasing a person is 删除个人数据 (its own permission, audited).
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    @admin.display(description=_("解析后的简历"))
    def team_profile(self, candidate: Candidate) -> str:
        return presenters.profile_card_html(getattr(candidate, "visible_profile", candidate.profile))

    # Permissions as methods, not dotted names: unfold's system check would query the permission table
    # (which `migrate` runs before creating it).
    def has_export_subject_data_permission(self, request, object_id=None) -> bool:
        return request.user.has_perm("recruit.export_subject_data")

    def has_erase_subject_data_permission(self, request, object_id=None) -> bool:
        return request.user.has_perm("recruit.erase_subject_data")

    @action(description=_("导出个人数据"), url_path="subject-export", permissions=["export_subject_data"])
    def subject_export(self, request, object_id: str):
        return subject_requests.export_view(self, request, object_id)

    @action(description=_("删除个人数据"), url_path="subject-erase", permissions=["erase_subject_data"])
    def subject_erase(self, request, object_id: str):
        return subject_requests.erase_view(self, request, object_id)


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
        "rubric_text",
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
