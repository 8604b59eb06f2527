"""The recruiter notification outbox."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hunter_robot.models import Team
from recruit.models.conversations import Conversation
from recruit.models.jobs import NotifyFormat


class Notification(models.Model):
    """Outbox: written in the event's transaction, delivered later with retries."""

    class Kind(models.TextChoices):
        CONTACT = "contact", _("获得联系方式")
        NEED_HUMAN = "need_human", _("需要人工")
        TASK_FAILED = "task_failed", _("任务失败")
        SUMMARY = "summary", _("每日汇总")
        SILENT_SLOT = "silent_slot", _("机器人未调用")
        ACCOUNT_RISK = "account_risk", _("账号风控")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        SKIPPED = "skipped", _("无 Webhook")
        FAILED = "failed", _("发送失败")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", verbose_name=_("团队"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    webhook = models.CharField(max_length=500, blank=True)
    # The message shape the webhook takes, fixed with the webhook when the row is written (a row goes
    # out in the shape of the URL it was written for); the body is rendered from `payload` at delivery.
    notify_format = models.CharField(
        _("通知格式"), max_length=10, choices=NotifyFormat.choices, default=NotifyFormat.JSON
    )
    payload = models.JSONField(default=dict)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    # Set by each claim; a delivery records its outcome only while its token is still the row's.
    lease_token = models.CharField(max_length=32, blank=True)
    # For a notification written at most once (a silent slot: account, task, day, slot): the unique key
    # turns a repeated or concurrent write into nothing. NULL for the others.
    dedupe_key = models.CharField(max_length=100, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = pgettext_lazy("plural", "通知")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
