"""Console page for the notification outbox (`recruit.models.notifications`)."""

from __future__ import annotations

from django.contrib import admin

from hunter_robot.admin import TeamScopedAdmin
from recruit.models import Notification


@admin.register(Notification)
class NotificationAdmin(TeamScopedAdmin):
    list_display = ("created_at", "kind", "status", "conversation", "attempts", "last_error", "sent_at")
    list_filter = ("kind", "status")
    list_select_related = ("conversation__candidate", "conversation__job")  # the conversation's name
    readonly_fields = (
        "team",
        "kind",
        "conversation",
        "webhook",
        "notify_format",
        "payload",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    )
    exclude = ("next_attempt_at", "lease_token")

    def has_add_permission(self, request):
        return False
