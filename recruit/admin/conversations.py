"""Console page for conversations: transcript, contact details (masked unless permitted), CV download,
and the recruiter's actions on them (the domains of `recruit.models.conversations`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from hunter_robot.admin import ObjectButtonsAdmin, TeamScopedAdmin
from hunter_robot.audit import AuditAction
from hunter_robot.models import AuditLog
from recruit import presenters
from recruit.admin.exports import ContactResultsExportMixin
from recruit.models import Conversation, Message, ScreeningDecision
from recruit.services.actions import (
    conversation_flag_clear,
    conversation_hand_back,
    conversation_status_set,
    conversation_take_over,
)


def can_see_pii(request) -> bool:
    return request.user.has_perm("recruit.view_contact_pii")


# An access record's detail: the kinds a conversation's page showed in full (stored text, like the rest).
SHOWN_KINDS = ("手机", "微信", "邮箱", "简历")


@admin.register(Conversation)
class ConversationAdmin(ContactResultsExportMixin, ObjectButtonsAdmin, TeamScopedAdmin):
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
    # Taking over and the "needs human" flag change through the buttons and actions (services that
    # lock, audit and bump the version); the form edits only the status, through its service too.
    readonly_fields = (
        "needs_human",
        "taken_over_by",
        "account",
        "job",
        "candidate",
        "source",
        "masked_contact",
        "contact_details",
        "transcript",
        "masked_transcript",
        "wechat_transcript",
        "masked_wechat_transcript",
        "wechat_friends",
        "decisions",
        "contact_asks",
        "recall_count",
        "last_robot_at",
        "last_message_at",
        "created_at",
    )
    object_button_labels = {
        "take_over": _("人工接管"),
        "release": _("交还机器人"),
        "clear_flag": _("清除待人工标记"),
    }

    def get_fields(self, request, obj=None):
        # Full contact details only for users allowed to see personal data; others get masks. The
        # platform and WeChat transcripts side by side, on one row.
        if can_see_pii(request):
            contact, transcripts = "contact_details", ("transcript", "wechat_transcript")
        else:
            contact, transcripts = "masked_contact", ("masked_transcript", "masked_wechat_transcript")
        return [
            "status",
            *("needs_human", "taken_over_by", "account", "job", "candidate", "source"),
            contact,
            "wechat_friends",
            transcripts,
            *("decisions", "contact_asks", "recall_count", "last_robot_at", "last_message_at", "created_at"),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if can_see_pii(request):
            # What the page shows in full, recorded by kind (never the values).
            shown = (
                self.get_queryset(request)
                .filter(pk=object_id, contact__isnull=False)
                .values_list("contact__phone", "contact__wechat", "contact__email", "contact__cv_file")
                .first()
            )
            if shown is not None:
                AuditLog.objects.create(
                    user=request.user,
                    action=AuditAction.VIEW_CONTACT,
                    object_type="conversation",
                    object_id=str(object_id),
                    detail="、".join(label for label, value in zip(SHOWN_KINDS, shown, strict=True) if value),
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Only the status is editable here; it is written alone, so the chat's counters are never
        overwritten with the values this form was loaded with."""
        if change and "status" in form.changed_data:
            conversation_status_set(conversation=obj, user=request.user, status=form.cleaned_data["status"])

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("候选人"), ordering="candidate__name")
    def candidate_name(self, conversation: Conversation) -> str:
        return conversation.candidate.name or conversation.candidate.platform_cid

    @admin.display(description=_("联系方式"))
    def masked_contact(self, conversation: Conversation) -> str:
        return presenters.contact_summary(presenters.conversation_contact(conversation))

    @admin.display(description=_("联系方式"))
    def contact_details(self, conversation: Conversation) -> str:
        return presenters.contact_details_html(conversation, presenters.conversation_contact(conversation))

    @admin.display(description=_("平台聊天记录"))
    def transcript(self, conversation: Conversation) -> str:
        return presenters.transcript_html(conversation, mask=False, channel=Message.Channel.PLATFORM)

    @admin.display(description=_("平台聊天记录"))
    def masked_transcript(self, conversation: Conversation) -> str:
        return presenters.transcript_html(conversation, mask=True, channel=Message.Channel.PLATFORM)

    @admin.display(description=_("微信聊天记录"))
    def wechat_transcript(self, conversation: Conversation) -> str:
        return presenters.transcript_html(conversation, mask=False, channel=Message.Channel.WECHAT)

    @admin.display(description=_("微信聊天记录"))
    def masked_wechat_transcript(self, conversation: Conversation) -> str:
        return presenters.transcript_html(conversation, mask=True, channel=Message.Channel.WECHAT)

    @admin.display(description=_("微信好友"))
    def wechat_friends(self, conversation: Conversation) -> str:
        """Each WeChat friend made from this conversation: remark name, state and milestones."""
        friends = conversation.wechat_friends.select_related("wechat_account").order_by("pk")
        return (
            format_html_join(
                "",
                '<div><a href="{}">{}</a> · {} · {}</div>',
                (
                    (
                        reverse("admin:wechat_wechatfriend_change", args=[friend.pk]),
                        friend.alias_id,
                        friend.wechat_account.account_id,
                        presenters.friend_progress(friend),
                    )
                    for friend in friends
                ),
            )
            or "-"
        )

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
                        presenters.reasons_text(d.reasons) if d.reasons else "",
                    )
                    for d in decisions
                ),
            )
            or "-"
        )

    # --- The recruiter's actions: list actions and the change page's buttons, one service each ---

    def object_buttons(self, request, obj: Conversation) -> list[str]:
        buttons = []
        if obj.taken_over_by_id != request.user.pk:
            buttons.append("take_over")
        if obj.taken_over_by_id is not None:
            buttons.append("release")
        if obj.needs_human:
            buttons.append("clear_flag")
        return buttons

    def object_button_run(self, request, obj: Conversation, name: str) -> str:
        if name == "take_over":
            conversation_take_over(conversation=obj, user=request.user)
            return _("已接管：机器人不再回复此会话，直到交还")
        if name == "release":
            conversation_hand_back(conversation=obj, user=request.user)
            return _("已交还机器人")
        conversation_flag_clear(conversation=obj, user=request.user)
        return _("已清除待人工标记")

    def _run_each(self, request, queryset, service, message) -> None:
        changed = sum(service(conversation=conversation, user=request.user) for conversation in queryset)
        self.message_user(request, message % {"n": changed}, messages.SUCCESS)

    @admin.action(description=_("人工接管所选会话"), permissions=["change"])
    def take_over(self, request, queryset):
        self._run_each(request, queryset, conversation_take_over, _("已接管 %(n)d 个会话"))

    @admin.action(description=_("交还机器人"), permissions=["change"])
    def release(self, request, queryset):
        self._run_each(request, queryset, conversation_hand_back, _("已交还 %(n)d 个会话"))

    @admin.action(description=_("清除待人工标记"), permissions=["change"])
    def clear_flag(self, request, queryset):
        self._run_each(request, queryset, conversation_flag_clear, _("已清除 %(n)d 个会话的待人工标记"))

    # --- CV download ---

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
            action=AuditAction.DOWNLOAD_CV,
            object_type="conversation",
            object_id=str(pk),
            detail=record.cv_name,
        )
        return FileResponse(
            record.cv_file.open("rb"), as_attachment=True, filename=record.cv_name or f"cv.{record.cv_type}"
        )
