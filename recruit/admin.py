"""Recruiter console: jobs, accounts and their daily tasks."""

from __future__ import annotations

import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from chatbot.contacts import mask_email, mask_phone, mask_text, mask_wechat
from chatbot.engines import engine_kind
from hunter_robot.admin import TeamScopedAdmin, TeamScopedInline, user_team_ids
from hunter_robot.models import AuditLog
from recruit import selectors
from recruit.models import (
    AccountJob,
    Candidate,
    ContactRecord,
    Conversation,
    Job,
    Message,
    Notification,
    RecallStep,
    RecruitAccount,
    ScreeningDecision,
    TimeSlot,
    UnknownAccount,
)


class RecallStepInline(TeamScopedInline, admin.TabularInline):
    model = RecallStep
    extra = 0


@admin.register(Job)
class JobAdmin(TeamScopedAdmin):
    list_display = ("name", "job_ref", "platform", "team", "active", "engine", "updated_at")
    list_filter = ("platform", "active", "team")
    search_fields = ("name", "platform_id")
    ordering = ("-pk",)  # the changelist's own default, also for the job picker's autocomplete pages
    inlines = [RecallStepInline]
    readonly_fields = ("job_ref", "created_at", "updated_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("team", "platform", "platform_id", "job_ref", "name", "active", "robot_api", "jd")}),
        (
            _("筛选条件"),
            {
                "fields": (
                    ("age_min", "age_max"),
                    "min_degree",
                    ("work_years_min", "work_years_max"),
                    "cities",
                    ("salary_min_k", "salary_max_k"),
                    "keywords",
                    "exclude_keywords",
                    "exclude_companies",
                    "active_desc",
                    "active_within_minutes",
                    "school_tier",
                    "on_missing",
                )
            },
        ),
        (
            _("对话话术"),
            {
                "fields": (
                    "touch_msg",
                    "faq_salary",
                    "faq_location",
                    "faq_hours",
                    "faq_benefits",
                    "faq_company",
                    "contact_ask",
                    "max_contact_asks",
                    "closing_msg",
                    "read_recall_after_hours",
                    "notify_webhook",
                )
            },
        ),
        (_("时间"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("jobID"))
    def job_ref(self, obj: Job) -> str:
        return obj.job_id if obj.pk else "-"

    @admin.display(description=_("对话引擎"), ordering="robot_api")
    def engine(self, obj: Job) -> str:
        labels = {"rule": _("规则"), "llm": _("大模型"), "external": _("外部算法")}
        kind = engine_kind(obj.robot_api)
        label = labels.get(kind, _("未识别，按规则处理"))
        return f"{label} ({obj.robot_api})" if obj.robot_api else str(label)


def usage_today(link: AccountJob) -> str:
    done = selectors.greeted_today(link.account, timezone.localdate(), link.job).get(link.job_id, 0)
    return f"{done} / {link.hello_sum}"


class AccountJobInline(TeamScopedInline, admin.TabularInline):
    model = AccountJob
    extra = 0
    fields = ("job", "linked", "position", "hello_sum", "active", "slots_summary", "today", "edit_link")
    readonly_fields = ("slots_summary", "today", "edit_link")
    autocomplete_fields = ("job",)

    @admin.display(description=_("时段"))
    def slots_summary(self, link: AccountJob) -> str:
        if not link.pk:
            return "-"
        return "，".join(str(slot) for slot in link.slots.all()) or "-"

    @admin.display(description=_("今日已打招呼"))
    def today(self, link: AccountJob) -> str:
        return usage_today(link) if link.pk else "-"

    @admin.display(description=_("编辑时段"))
    def edit_link(self, link: AccountJob) -> str:
        if not link.pk:
            return "-"
        url = reverse("admin:recruit_accountjob_change", args=[link.pk])
        return format_html('<a href="{}">{}</a>', url, _("编辑"))


@admin.register(RecruitAccount)
class RecruitAccountAdmin(TeamScopedAdmin):
    list_display = ("account_ref", "desc", "platform", "team", "active", "updated_at")
    list_filter = ("platform", "active", "team")
    search_fields = ("platform_id", "desc")
    readonly_fields = ("account_ref", "created_at", "updated_at")
    # The daily tasks (inline) are what recruiters come for; key bindings are an operator's detail.
    fieldsets = (
        (None, {"fields": ("team", "platform", "platform_id", "account_ref", "desc", "active")}),
        (_("接口密钥"), {"fields": ("api_keys",), "classes": ("collapse",)}),
        (_("时间"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = [AccountJobInline]
    actions = ["pause", "resume"]

    @admin.display(description=_("accountID"))
    def account_ref(self, obj: RecruitAccount) -> str:
        return obj.account_id if obj.pk else "-"

    @admin.action(description=_("暂停所选账号"), permissions=["change"])
    def pause(self, request, queryset):
        queryset.update(active=False)

    @admin.action(description=_("恢复所选账号"), permissions=["change"])
    def resume(self, request, queryset):
        queryset.update(active=True)


class TimeSlotInline(TeamScopedInline, admin.TabularInline):
    model = TimeSlot
    extra = 1


@admin.register(AccountJob)
class AccountJobAdmin(TeamScopedAdmin):
    team_path = "account__team"
    list_display = ("account", "job", "linked", "position", "hello_sum", "active", "today")
    list_filter = ("active", "linked", "account__team")
    list_select_related = ("account", "job")
    search_fields = ("account__platform_id", "job__name")
    fields = ("account", "job", "linked", "position", "hello_sum", "active", "search_filter")
    readonly_fields = ("account", "job")
    inlines = [TimeSlotInline]

    def has_add_permission(self, request):
        return False  # links are made on the account page or by account/register

    @admin.display(description=_("今日已打招呼"))
    def today(self, link: AccountJob) -> str:
        return usage_today(link)


@admin.register(UnknownAccount)
class UnknownAccountAdmin(admin.ModelAdmin):
    """Superusers only: a row has no team (it is by definition unregistered), and its accountID may be
    another team's bot's, so no team's staff may see it."""

    list_display = ("account_id", "hits", "last_path", "first_seen", "last_seen")
    search_fields = ("account_id",)
    readonly_fields = ("account_id", "hits", "last_path", "first_seen", "last_seen")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False


# --- Candidates, screening and conversations ---------------------------------------------------


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


def can_see_pii(request) -> bool:
    return request.user.has_perm("recruit.view_contact_pii")


def render_transcript(conversation: Conversation, *, mask: bool) -> str:
    def robot_notes(m: Message) -> str:
        latency = f"{m.latency_ms}ms" if m.latency_ms is not None else ""
        return " ".join(x for x in (m.engine, m.intent, m.next_step, latency, m.error) if x)

    rows = format_html_join(
        "",
        '<tr><td>{}</td><td>{}</td><td>{}</td><td style="white-space:pre-wrap">{}</td><td>{}</td></tr>',
        (
            (
                timezone.localtime(m.sent_at or m.created_at).strftime("%m-%d %H:%M"),
                m.get_channel_display(),
                m.get_speaker_display() + (" · " + str(_("召回")) if m.is_recall else ""),
                mask_text(m.text) if mask else m.text,
                robot_notes(m),
            )
            for m in conversation.messages.order_by("seq")
        ),
    )
    return format_html("<table>{}</table>", rows)


@admin.register(Conversation)
class ConversationAdmin(TeamScopedAdmin):
    team_path = "job__team"
    list_display = (
        "candidate_name",
        "job",
        "account",
        "status",
        "needs_human",
        "taken_over_by",
        "masked_contact",
        "recall_count",
        "last_message_at",
    )
    list_filter = ("status", "needs_human", "source", "job", "account")
    list_select_related = ("candidate", "job", "account", "taken_over_by", "contact")
    search_fields = ("candidate__name", "candidate__platform_cid")
    date_hierarchy = "created_at"
    actions = ["take_over", "release", "clear_flag"]
    readonly_fields = (
        "account",
        "job",
        "candidate",
        "source",
        "masked_contact",
        "contact_details",
        "transcript",
        "masked_transcript",
        "decisions",
        "contact_asks",
        "recall_count",
        "last_robot_at",
        "last_message_at",
        "created_at",
    )

    def get_fields(self, request, obj=None):
        # Full contact details only for users allowed to see personal data; others get masks.
        hidden = ("masked_contact", "masked_transcript") if can_see_pii(request) else ("contact_details", "transcript")
        return ["status", "needs_human", "taken_over_by", *(f for f in self.readonly_fields if f not in hidden)]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        visible = self.get_queryset(request).filter(pk=object_id, contact__isnull=False)
        if can_see_pii(request) and visible.exists():
            AuditLog.objects.create(
                user=request.user, action="view_contact", object_type="conversation", object_id=str(object_id)
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("候选人"), ordering="candidate__name")
    def candidate_name(self, conversation: Conversation) -> str:
        return conversation.candidate.name or conversation.candidate.platform_cid

    @admin.display(description=_("联系方式"))
    def masked_contact(self, conversation: Conversation) -> str:
        try:
            record = conversation.contact
        except ContactRecord.DoesNotExist:
            return "-"
        parts = [
            mask_phone(record.phone) if record.phone else "",
            mask_wechat(record.wechat) if record.wechat else "",
            mask_email(record.email) if record.email else "",
            _("简历") if record.cv_file else "",
        ]
        return " / ".join(str(p) for p in parts if p) or "-"

    @admin.display(description=_("联系方式"))
    def contact_details(self, conversation: Conversation) -> str:
        try:
            record = conversation.contact
        except ContactRecord.DoesNotExist:
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

    @admin.display(description=_("聊天记录"))
    def transcript(self, conversation: Conversation) -> str:
        return render_transcript(conversation, mask=False)

    @admin.display(description=_("聊天记录"))
    def masked_transcript(self, conversation: Conversation) -> str:
        return render_transcript(conversation, mask=True)

    @admin.display(description=_("筛选记录"))
    def decisions(self, conversation: Conversation) -> str:
        decisions = ScreeningDecision.objects.filter(job=conversation.job, candidate=conversation.candidate)[:20]
        return (
            format_html_join(
                "",
                "<div>{} {} {}</div>",
                (
                    (
                        timezone.localtime(d.created_at).strftime("%m-%d %H:%M"),
                        "✓" if d.touch else "✗",
                        "；".join(d.reasons),
                    )
                    for d in decisions
                ),
            )
            or "-"
        )

    @admin.action(description=_("人工接管所选会话"), permissions=["change"])
    def take_over(self, request, queryset):
        queryset.update(taken_over_by=request.user)

    @admin.action(description=_("交还机器人"), permissions=["change"])
    def release(self, request, queryset):
        queryset.update(taken_over_by=None)

    @admin.action(description=_("清除待人工标记"), permissions=["change"])
    def clear_flag(self, request, queryset):
        queryset.update(needs_human=False)

    def get_urls(self):
        return [
            path("<int:pk>/cv/", self.admin_site.admin_view(self.download_cv), name="recruit_conversation_cv"),
            *super().get_urls(),
        ]

    def download_cv(self, request, pk: int):
        """CVs are never public: staff with the permission, on their teams' conversations, recorded."""
        if not request.user.has_perm("recruit.download_cv"):
            raise PermissionDenied
        conversation = get_object_or_404(self.get_queryset(request), pk=pk)
        record = getattr(conversation, "contact", None)
        if record is None or not record.cv_file:
            raise Http404
        AuditLog.objects.create(
            user=request.user,
            action="download_cv",
            object_type="conversation",
            object_id=str(pk),
            detail=record.cv_name,
        )
        return FileResponse(
            record.cv_file.open("rb"), as_attachment=True, filename=record.cv_name or f"cv.{record.cv_type}"
        )


@admin.register(Notification)
class NotificationAdmin(TeamScopedAdmin):
    list_display = ("created_at", "kind", "status", "conversation", "attempts", "last_error", "sent_at")
    list_filter = ("kind", "status")
    readonly_fields = (
        "team",
        "kind",
        "conversation",
        "webhook",
        "payload",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    )
    exclude = ("next_attempt_at",)

    def has_add_permission(self, request):
        return False
