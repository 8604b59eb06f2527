"""Console pages for jobs, recruiting accounts, their daily tasks and time slots, and unregistered
accounts (the domains of `recruit.models.jobs`)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from chatbot.engines import engine_kind
from hunter_robot.admin import PauseResumeAdmin, TeamScopedAdmin, TeamScopedInline
from recruit import activity, jobconfig, selectors
from recruit.admin.imports import JobImportExportMixin
from recruit.admin.job_trial import JobTrialForm, try_chat, try_screening
from recruit.models import AccountJob, Job, RecallStep, RecruitAccount, TimeSlot, UnknownAccount, lines
from recruit.screening import CRITERIA_LISTS
from recruit.services.actions import account_pause, account_resume
from recruit.services.jobs import job_clone


class RecallStepInline(TeamScopedInline, TabularInline):
    model = RecallStep
    extra = 0


class JobForm(forms.ModelForm):
    """The job page's form; the job import validates each row with it too (recruit.imports)."""

    # A criteria list is one value per line: a line holding one of these is several values run together,
    # which would never match a candidate as one.
    list_separators = ("，", ",", "、", "；", ";")

    def clean(self):
        cleaned = super().clean()
        for name in CRITERIA_LISTS:
            for item in lines(cleaned.get(name) or ""):
                separator = next((sep for sep in self.list_separators if sep in item), None)
                if separator is not None:
                    message = _("每行填一项：“%(item)s”中有“%(separator)s”，请分成多行。")
                    self.add_error(name, message % {"item": item, "separator": separator})
                    break
        return cleaned


@admin.register(Job)
class JobAdmin(JobImportExportMixin, TeamScopedAdmin):
    form = JobForm
    list_display = ("name", "job_ref", "platform", "team", "active", "engine", "updated_at")
    list_filter = ("platform", "active", "team")
    search_fields = ("name", "platform_id")
    ordering = ("-pk",)  # the changelist's own default, also for the job picker's autocomplete pages
    inlines = [RecallStepInline]
    change_form_template = "admin/recruit/job/change_form.html"  # adds 「试用此岗位」 to the toolbar
    actions = ["clone"]
    readonly_fields = ("job_ref", "in_effect", "created_at", "updated_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # What an empty field means: the robot's default line (recruit.jobconfig).
    placeholders = {
        "touch_msg": jobconfig.DEFAULT_GREETING.format(job_name="岗位名称"),
        "contact_ask": jobconfig.DEFAULT_CONTACT_ASK,
        "closing_msg": jobconfig.DEFAULT_CLOSING,
    }
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
                )
            },
        ),
        (
            _("二次筛选"),
            {
                "fields": ("rubric", "rubric_threshold"),
                "description": _(
                    "通过以上筛选条件的候选人再由大模型按评分标准打分（0-100，简历已脱敏），不低于及格线才打招呼；"
                    "模型超时或出错时按规则结果。"
                ),
            },
        ),
        (_("通知"), {"fields": ("notify_webhook", "notify_format")}),
        (
            _("微信跟进"),
            {
                "fields": ("interview_slots", "wechat_nudge_after_hours"),
                "description": _("好友通过后候选人多久未回复发送提醒；填 0 不提醒。"),
            },
        ),
        (
            _("实际使用"),
            {"fields": ("in_effect",), "description": _("机器人实际使用的话术：留空的项使用默认内容（标注“默认”）。")},
        ),
        (_("时间"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.action(description=_("复制所选岗位（含筛选条件、话术、召回步骤）"), permissions=["add"])
    def clone(self, request, queryset):
        copies = [job_clone(job=job, user=request.user) for job in queryset.order_by("pk")]
        names = "、".join(copy.name for copy in copies)
        self.message_user(
            request, _("已复制 %(n)d 个岗位：%(names)s") % {"n": len(copies), "names": names}, messages.SUCCESS
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.trial_view)
        return [path("<path:object_id>/try/", view, name="recruit_job_try"), *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None and self.has_change_permission(request, obj):
            context["trial_url"] = reverse("admin:recruit_job_try", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def trial_view(self, request, object_id: str):
        """「试用此岗位」: screen a pasted card and answer a typed message with this job's settings; stores
        nothing (recruit.admin.job_trial). Only this user's teams' jobs, with the change permission."""
        job = self.get_object(request, unquote(object_id))
        if job is None:
            raise Http404
        if not self.has_change_permission(request, job):
            raise PermissionDenied
        form = JobTrialForm(request.POST if request.method == "POST" else None)
        screening = chat = None
        if form.is_bound and form.is_valid():
            card, message = form.cleaned_data["card"], form.cleaned_data["message"].strip()
            if card is not None:
                screening = try_screening(job, card, form.cleaned_data["platform"])
            if message:
                chat = try_chat(job, message)
        kind = engine_kind(job.robot_api)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": job,
            "title": _("试用此岗位：%(name)s") % {"name": job.name},
            "form": form,
            "screening": screening,
            "chat": chat,
            "job_engine": ""
            if kind == "rule"
            else _("本岗位使用“%(engine)s”引擎，这里展示的是内置规则引擎的回复。") % {"engine": self.engine(job)},
        }
        return TemplateResponse(request, "admin/recruit/job/trial.html", context)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in self.placeholders:
            field.widget.attrs.setdefault("placeholder", self.placeholders[db_field.name])
        return field

    @admin.display(description=_("实际使用 (in effect)"))
    def in_effect(self, obj: Job) -> str:
        script = jobconfig.effective(obj, obj.recall_steps.all() if obj.pk else [])
        parts = [
            ("greeting", _("打招呼语"), [script.greeting]),
            ("contact_ask", _("索要联系方式话术"), script.contact_ask),
            ("closing", _("结束语"), [script.closing]),
            ("recall_steps", _("召回步骤"), [f"{step.after_hours}h：{step.msg}" for step in script.recall_steps]),
        ]
        return format_html_join(
            "",
            '<div class="in-effect-{}"><strong>{}</strong>{}<ul>{}</ul></div>',
            (
                (
                    part,
                    label,
                    _("（默认）") if part in script.defaulted else "",
                    format_html_join("", "<li>{}</li>", ((line,) for line in lines)),
                )
                for part, label, lines in parts
            ),
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


def with_usage_today(queryset):
    """AccountJob rows with today's greeting count, so a list of them costs no query per row."""
    return queryset.annotate(done_today=selectors.greeted_today_subquery(timezone.localdate()))


def usage_today(link: AccountJob) -> str:
    done = getattr(link, "done_today", None)
    if done is None:
        done = selectors.greeted_today(link.account, timezone.localdate(), link.job).get(link.job_id, 0)
    return f"{done} / {link.hello_sum}"


class AccountJobInline(TeamScopedInline, TabularInline):
    model = AccountJob
    extra = 0
    fields = ("job", "linked", "position", "hello_sum", "active", "slots_summary", "today", "edit_link")
    readonly_fields = ("slots_summary", "today", "edit_link")
    autocomplete_fields = ("job",)

    def get_queryset(self, request):
        return with_usage_today(super().get_queryset(request)).prefetch_related("slots")

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
class RecruitAccountAdmin(PauseResumeAdmin, TeamScopedAdmin):
    list_display = (
        "account_ref",
        "desc",
        "platform",
        "team",
        "active",
        "risk_state",
        "bot_last_call",
        "bot_today",
        "updated_at",
    )
    list_filter = ("platform", "active", "risk_kind", "team")
    search_fields = ("platform_id", "desc")
    ordering = ("-pk",)  # the changelist's own default, also for the account picker's autocomplete pages
    readonly_fields = (
        "account_ref",
        "risk_state",
        "risk_at",
        "risk_detail",
        "bot_last_call",
        "last_call_endpoint",
        "bot_today",
        "created_at",
        "updated_at",
    )
    # The daily tasks (inline) are what recruiters come for; key bindings are an operator's detail.
    fieldsets = (
        (None, {"fields": ("team", "platform", "platform_id", "account_ref", "desc", "active")}),
        # A bot's risk report paused the account (account/risk/report); resuming (启用) clears it.
        (_("风控"), {"fields": ("risk_state", "risk_at", "risk_detail")}),
        (_("机器人"), {"fields": ("bot_last_call", "last_call_endpoint", "bot_today")}),
        (_("接口密钥"), {"fields": ("api_keys",), "classes": ("collapse",)}),
        (_("时间"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = [AccountJobInline]
    pause_service = staticmethod(account_pause)
    resume_service = staticmethod(account_resume)

    def get_queryset(self, request):
        return activity.with_recruit_today(super().get_queryset(request))  # no statement per row

    @admin.display(description=_("accountID"))
    def account_ref(self, obj: RecruitAccount) -> str:
        return obj.account_id if obj.pk else "-"

    @admin.display(description=_("风控"), ordering="risk_kind")
    def risk_state(self, obj: RecruitAccount) -> str:
        """The risk a bot reported (the pause it caused stands until resumed), its detail on hover."""
        if not obj.risk_kind:
            return "-"
        return format_html(
            '<span style="color:#dc2626" title="{}">{}</span>', obj.risk_detail or "", obj.get_risk_kind_display()
        )

    @admin.display(description=_("最近调用"), ordering="last_call_at")
    def bot_last_call(self, obj: RecruitAccount) -> str:
        return activity.last_call_html(obj) if obj.pk else "-"

    @admin.display(description=_("今日"))
    def bot_today(self, obj: RecruitAccount) -> str:
        return activity.recruit_today_text(obj) if obj.pk else "-"


class TimeSlotInline(TeamScopedInline, TabularInline):
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

    def get_queryset(self, request):
        return with_usage_today(super().get_queryset(request))

    def has_add_permission(self, request):
        return False  # links are made on the account page or by account/register

    @admin.display(description=_("今日已打招呼"))
    def today(self, link: AccountJob) -> str:
        return usage_today(link)


@admin.register(UnknownAccount)
class UnknownAccountAdmin(ModelAdmin):
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
