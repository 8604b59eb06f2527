"""Console pages for the WeChat channel (CONTRACT §6): WeChat accounts with their ordered recruiting
accounts, today's adds and sends; the friends made from conversations, with their state and milestones;
the bot's tasks, read-only. Team scoped like every page (`hunter_robot.admin`)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline

from chatbot.contacts import mask_text
from hunter_robot.admin import PauseResumeAdmin, ReadOnlyAdmin, TeamScopedAdmin, TeamScopedInline
from hunter_robot.audit import AuditAction
from hunter_robot.models import AuditLog
from recruit import activity, presenters
from recruit.admin.conversations import can_see_pii
from wechat.actions import wechat_account_pause, wechat_account_resume
from wechat.models import WechatAccount, WechatAccountLink, WechatFriend, WechatTask
from wechat.services.queue import daily_add_limit, local_day


def _count_tasks(**conditions) -> Coalesce:
    """Per account, its tasks matching `conditions`: one correlated subquery, no query per row."""
    tasks = (
        WechatTask.objects.filter(wechat_account=OuterRef("pk"), **conditions)
        .order_by()
        .values("wechat_account")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(tasks, output_field=IntegerField()), Value(0))


def with_today(queryset):
    """WeChat accounts with today's adds (add-friend tasks first handed out today: what the daily add
    limit counts, as `wechat.services.queue.adds_handed_out`) and sends (messages the bot reported sent
    today)."""
    start, _end = local_day(timezone.now())
    return queryset.annotate(
        adds_today=_count_tasks(kind=WechatTask.Kind.ADD_FRIEND, first_claimed_at__gte=start),
        sends_today=_count_tasks(kind=WechatTask.Kind.SEND_MSG, status=WechatTask.Status.DONE, done_at__gte=start),
    )


class SameTeamLinks(BaseInlineFormSet):
    """A WeChat account takes over conversations of recruiting accounts of its own team only."""

    def clean(self):
        super().clean()
        team_id = self.instance.team_id
        if team_id is None:
            return  # the account's own form has the error
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            account = data.get("recruit_account")
            if account is not None and not data.get("DELETE") and account.team_id != team_id:
                form.add_error("recruit_account", _("只能关联同一团队的招聘账号"))


class WechatAccountLinkInline(TeamScopedInline, TabularInline):
    model = WechatAccountLink
    formset = SameTeamLinks
    extra = 0
    fields = ("recruit_account", "position")
    autocomplete_fields = ("recruit_account",)
    verbose_name = _("关联招聘账号")
    verbose_name_plural = _("关联招聘账号（按顺序）")

    # The links are part of the WeChat account's configuration: whoever may add or change the account
    # edits them, as with an automatic many-to-many inline (no separate permissions for the link rows).
    def _may(self, request, action: str) -> bool:
        opts = WechatAccount._meta
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")

    def has_view_permission(self, request, obj=None):
        return self._may(request, "view") or self._may(request, "change")

    def has_add_permission(self, request, obj):
        return self._may(request, "change" if obj is not None else "add")

    def has_change_permission(self, request, obj=None):
        return self._may(request, "change" if obj is not None else "add")

    def has_delete_permission(self, request, obj=None):
        return self._may(request, "change" if obj is not None else "add")


@admin.register(WechatAccount)
class WechatAccountAdmin(PauseResumeAdmin, TeamScopedAdmin):
    list_display = (
        "account_id",
        "team",
        "active",
        "linked_accounts",
        "adds_today",
        "sends_today",
        "bot_last_call",
        "bot_today",
        "created_at",
    )
    list_filter = ("active", "team")
    search_fields = ("account_id",)
    ordering = ("account_id",)
    readonly_fields = ("adds_today", "sends_today", "bot_last_call", "last_call_endpoint", "bot_today", "created_at")
    fieldsets = (
        (None, {"fields": ("team", "account_id", "active", "hello_msg", "daily_add_limit")}),
        (_("今日"), {"fields": ("adds_today", "sends_today")}),
        (_("机器人"), {"fields": ("bot_last_call", "last_call_endpoint", "bot_today")}),
        (_("接口密钥"), {"fields": ("api_keys",), "classes": ("collapse",)}),
        (_("时间"), {"fields": ("created_at",)}),
    )
    inlines = [WechatAccountLinkInline]
    pause_service = staticmethod(wechat_account_pause)
    resume_service = staticmethod(wechat_account_resume)

    def get_queryset(self, request):
        links = Prefetch("links", queryset=WechatAccountLink.objects.select_related("recruit_account"))
        return activity.with_wechat_today(with_today(super().get_queryset(request))).prefetch_related(links)

    @admin.display(description=_("关联招聘账号"))
    def linked_accounts(self, account: WechatAccount) -> str:
        return "，".join(link.recruit_account.account_id for link in account.links.all()) or "-"

    @admin.display(description=_("今日加好友 / 上限"))
    def adds_today(self, account: WechatAccount) -> str:
        if account.pk is None:
            return "-"
        return f"{getattr(account, 'adds_today', 0)} / {daily_add_limit(account)}"

    @admin.display(description=_("今日发送消息"))
    def sends_today(self, account: WechatAccount) -> str:
        return str(getattr(account, "sends_today", 0)) if account.pk else "-"

    @admin.display(description=_("最近调用"), ordering="last_call_at")
    def bot_last_call(self, account: WechatAccount) -> str:
        return activity.last_call_html(account) if account.pk else "-"

    @admin.display(description=_("今日"))
    def bot_today(self, account: WechatAccount) -> str:
        return activity.wechat_today_text(account) if account.pk else "-"


@admin.register(WechatFriend)
class WechatFriendAdmin(TeamScopedAdmin):
    """Friends change through the bot's reports; here they are read (and may be deleted)."""

    team_path = "wechat_account__team"
    list_display = (
        "alias_id",
        "masked_search_id",
        "candidate",
        "job",
        "wechat_account",
        "status",
        "requested_at",
        "accepted_at",
        "cv_at",
        "interview_at",
        "slot",
        "nudge_count",
        "last_message_at",
    )
    list_filter = ("status", "wechat_account", "conversation__job")
    list_select_related = ("wechat_account", "conversation__candidate", "conversation__job")
    search_fields = ("alias_id", "conversation__candidate__name")
    ordering = ("-pk",)
    fields = (
        "wechat_account",
        "candidate",
        "job",
        "alias_id",
        "wechat_id",
        "masked_search_id",
        "status",
        "requested_at",
        "accepted_at",
        "cv_at",
        "interview_at",
        "slot",
        "nudge_count",
        "last_message_at",
        "created_at",
    )
    readonly_fields = fields

    def get_search_fields(self, request):
        # Looking a WeChat id up would tell who has it: only for users who may see it anyway.
        fields = super().get_search_fields(request)
        return (*fields, "=search_id") if can_see_pii(request) else fields

    def get_fields(self, request, obj=None):
        # The page shows the WeChat id in full only to users who may see personal data (audited below).
        hidden = "masked_search_id" if can_see_pii(request) else "wechat_id"
        return [name for name in super().get_fields(request, obj) if name != hidden]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if can_see_pii(request) and self.get_queryset(request).filter(pk=object_id).exists():
            AuditLog.objects.create(
                user=request.user,
                action=AuditAction.VIEW_CONTACT,
                object_type="wechatfriend",
                object_id=str(object_id),
                detail="微信",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("微信号"))
    def masked_search_id(self, friend: WechatFriend) -> str:
        return presenters.wechat_id_shown(friend.search_id, mask=True)  # lists always mask

    @admin.display(description=_("微信号"))
    def wechat_id(self, friend: WechatFriend) -> str:
        return presenters.wechat_id_shown(friend.search_id, mask=False)

    @admin.display(description=_("候选人"), ordering="conversation__candidate__name")
    def candidate(self, friend: WechatFriend) -> str:
        conversation = friend.conversation
        url = reverse("admin:recruit_conversation_change", args=[conversation.pk])
        return format_html(
            '<a href="{}">{}</a>', url, conversation.candidate.name or conversation.candidate.platform_cid
        )

    @admin.display(description=_("岗位"), ordering="conversation__job__name")
    def job(self, friend: WechatFriend) -> str:
        return friend.conversation.job.name

    @admin.display(description=_("面试时间"))
    def slot(self, friend: WechatFriend) -> str:
        return mask_text(friend.interview_slot) or "-"


@admin.register(WechatTask)
class WechatTaskAdmin(ReadOnlyAdmin, TeamScopedAdmin):
    """What the WeChat bot was given to do and how it went; read-only (the bot's reports change it)."""

    team_path = "wechat_account__team"
    list_display = ("pk", "kind", "friend", "wechat_account", "status", "text", "attempts", "created_at", "done_at")
    list_filter = ("kind", "status", "wechat_account")
    list_select_related = ("friend", "wechat_account")
    ordering = ("-pk",)
    fields = (
        "wechat_account",
        "friend",
        "kind",
        "text",
        "status",
        "attempts",
        "first_claimed_at",
        "lease_until",
        "created_at",
        "done_at",
    )
    readonly_fields = fields

    @admin.display(description=_("内容"))
    def text(self, task: WechatTask) -> str:
        return mask_text(task.msg) or "-"
