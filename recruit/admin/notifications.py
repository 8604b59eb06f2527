"""Console page for the notification outbox (`recruit.models.notifications`)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hunter_robot.admin import TeamScopedAdmin
from recruit.models import Notification


@admin.register(Notification)
class NotificationAdmin(TeamScopedAdmin):
    # Every column and field in Chinese: the model's unlabelled fields are shown through the methods below.
    list_display = ("created_at", "kind", "status", "conversation_text", "attempts", "error_text", "sent_time")
    list_filter = ("kind", "status")
    list_select_related = ("conversation__candidate", "conversation__job")  # the conversation's name
    fields = (
        "team",
        "kind",
        "status",
        "conversation_text",
        "webhook_text",
        "notify_format",
        "payload_text",
        "attempts",
        "error_text",
        "created_at",
        "sent_time",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("会话"), ordering="conversation")
    def conversation_text(self, notification: Notification) -> str:
        return str(notification.conversation) if notification.conversation_id else "-"

    @admin.display(description=_("Webhook 地址"))
    def webhook_text(self, notification: Notification) -> str:
        return notification.webhook or "-"

    @admin.display(description=_("通知内容"))
    def payload_text(self, notification: Notification) -> str:
        if not notification.payload:
            return "-"
        body = json.dumps(notification.payload, ensure_ascii=False, indent=2)
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', body)

    @admin.display(description=_("最近错误"))
    def error_text(self, notification: Notification) -> str:
        return notification.last_error or "-"

    @admin.display(description=_("发送时间"), ordering="sent_at")
    def sent_time(self, notification: Notification) -> str:
        return timezone.localtime(notification.sent_at).strftime("%Y-%m-%d %H:%M") if notification.sent_at else "-"
