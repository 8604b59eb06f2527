"""Conversations, their transcripts, contact records and CVs, and the do-not-contact list."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recruit.models.jobs import Job, RecruitAccount
from recruit.models.screening import Candidate


class Conversation(models.Model):
    class Source(models.TextChoices):
        GREETING = "greeting", _("主动打招呼")
        USER_ASK = "user_ask", _("候选人主动")

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        FINISHED = "finished", _("已完成")
        DECLINED = "declined", _("已拒绝")

    account = models.ForeignKey(
        RecruitAccount, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("账号")
    )
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("岗位"))
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("候选人")
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.GREETING)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    needs_human = models.BooleanField(_("待人工处理"), default=False)
    taken_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("人工接管"),
    )
    contact_asks = models.PositiveSmallIntegerField(_("已索要联系方式次数"), default=0)
    recall_count = models.PositiveSmallIntegerField(_("已召回次数"), default=0)
    # recallList offers a step; recallResult confirms it was sent. Kept apart so a list call counts nothing.
    recall_offered_step = models.PositiveSmallIntegerField(null=True, blank=True)
    recall_offered_msg = models.TextField(blank=True)
    last_robot_at = models.DateTimeField(_("最近机器人消息"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("最近消息"), null=True, blank=True)
    last_speaker = models.CharField(max_length=16, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)
    # Milestones, for the funnel's SQL aggregates: when each first happened (null: not yet).
    first_reply_at = models.DateTimeField(_("首次回复"), null=True, blank=True)
    phone_at = models.DateTimeField(_("获得电话"), null=True, blank=True)
    wechat_at = models.DateTimeField(_("获得微信"), null=True, blank=True)
    email_at = models.DateTimeField(_("获得邮箱"), null=True, blank=True)
    cv_at = models.DateTimeField(_("获得简历"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    declined_at = models.DateTimeField(_("拒绝时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("会话")
        verbose_name_plural = pgettext_lazy("plural", "会话")
        # Exports of contact results (recruit.exports); full contact values also need view_contact_pii.
        permissions = [("export_results", _("可导出联系结果"))]
        constraints = [models.UniqueConstraint(fields=["account", "job", "candidate"], name="conversation_unique")]
        indexes = [
            models.Index(fields=["job", "candidate"], name="conversation_job_candidate"),
            models.Index(fields=["account", "candidate", "-updated_at"], name="conversation_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} · {self.job.name}"


class Message(models.Model):
    class Channel(models.TextChoices):
        PLATFORM = "platform", _("招聘平台")
        WECHAT = "wechat", _("微信")

    class Speaker(models.TextChoices):
        ROBOT = "robot", _("机器人")
        USER = "user", _("候选人")
        RECRUITER = "recruiter", _("招聘者")
        SYSTEM = "system", _("系统")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.PLATFORM)
    speaker = models.CharField(_("发言方"), max_length=16, choices=Speaker.choices)
    text = models.TextField(_("内容"))
    sent_at = models.DateTimeField(_("客户端时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    is_recall = models.BooleanField(_("召回消息"), default=False)
    # Robot turns only: which engine said it and why.
    engine = models.CharField(_("引擎"), max_length=32, blank=True)
    model = models.CharField(_("模型"), max_length=100, blank=True)
    intent = models.CharField(_("意图"), max_length=64, blank=True)
    next_step = models.CharField(_("下一步"), max_length=16, blank=True)
    latency_ms = models.PositiveIntegerField(_("耗时(ms)"), null=True, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(_("引擎错误"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = pgettext_lazy("plural", "消息")
        ordering = ["conversation", "seq"]
        constraints = [models.UniqueConstraint(fields=["conversation", "seq"], name="message_unique_seq")]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:30]}"


class PrivateStorage(FileSystemStorage):
    """CV files: under PRIVATE_MEDIA_ROOT (read at use, so tests can point it elsewhere), no URL."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("CV files have no public URL")


private_storage = PrivateStorage()


class ContactRecord(models.Model):
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="contact")
    phone = models.CharField(_("手机号"), max_length=32, blank=True)
    wechat = models.CharField(_("微信号"), max_length=32, blank=True)
    email = models.CharField(_("邮箱"), max_length=254, blank=True)
    phone_exchanged = models.BooleanField(_("已交换电话"), default=False)
    wechat_exchanged = models.BooleanField(_("已交换微信"), default=False)
    cv_received = models.BooleanField(_("已收到简历"), default=False)
    cv_file = models.FileField(_("简历文件"), storage=private_storage, upload_to="cv/%Y/%m", blank=True)
    cv_name = models.CharField(_("简历文件名"), max_length=255, blank=True)
    cv_type = models.CharField(_("简历类型"), max_length=8, blank=True)
    cv_size = models.PositiveIntegerField(_("简历大小"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("联系方式")
        verbose_name_plural = pgettext_lazy("plural", "联系方式")
        permissions = [
            ("view_contact_pii", _("可查看完整联系方式")),
            ("download_cv", _("可下载简历")),
        ]

    def __str__(self) -> str:
        return f"contact #{self.conversation_id}"

    @property
    def obtained(self) -> bool:
        return bool(
            self.phone
            or self.wechat
            or self.email
            or self.cv_file
            or self.phone_exchanged
            or self.wechat_exchanged
            or self.cv_received
        )


class DoNotContact(models.Model):
    """Hashed identifiers of people who declined or asked not to be contacted, on any job."""

    class Kind(models.TextChoices):
        PLATFORM_ID = "platform_id", _("平台ID")
        PHONE = "phone", _("手机号")
        WECHAT = "wechat", _("微信号")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    value_hash = models.CharField(max_length=64)
    reason = models.CharField(_("原因"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("勿扰名单")
        verbose_name_plural = pgettext_lazy("plural", "勿扰名单")
        constraints = [models.UniqueConstraint(fields=["kind", "value_hash"], name="dnc_unique")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value_hash[:12]}"
