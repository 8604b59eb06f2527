"""WeChat follow-up: accounts linked to recruiting accounts, friends, leased outbound tasks."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hunter_robot.models import ApiKey, Team
from recruit.models import Conversation, RecruitAccount


class WechatAccount(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="wechat_accounts", verbose_name=_("团队"))
    account_id = models.CharField(_("微信账号ID"), max_length=128, unique=True)
    hello_msg = models.TextField(_("好友申请语"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    daily_add_limit = models.PositiveIntegerField(
        _("每日加好友上限"), null=True, blank=True, help_text=_("留空使用系统设置 WECHAT_DAILY_ADD_LIMIT")
    )
    recruit_accounts = models.ManyToManyField(
        RecruitAccount, through="WechatAccountLink", related_name="wechat_accounts", verbose_name=_("招聘账号")
    )
    api_keys = models.ManyToManyField(ApiKey, blank=True, related_name="wechat_accounts", verbose_name=_("接口密钥"))
    # The bot's last call naming this account, stamped as a recruiting account's (recruit.activity.call_stamp).
    last_call_at = models.DateTimeField(_("最近调用"), null=True, blank=True, editable=False)
    last_call_endpoint = models.CharField(_("最近调用接口"), max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微信账号")
        verbose_name_plural = pgettext_lazy("plural", "微信账号")

    def __str__(self) -> str:
        return self.account_id


class WechatAccountLink(models.Model):
    wechat_account = models.ForeignKey(WechatAccount, on_delete=models.CASCADE, related_name="links")
    recruit_account = models.ForeignKey(
        RecruitAccount, on_delete=models.CASCADE, related_name="wechat_links", verbose_name=_("招聘账号")
    )
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("关联招聘账号")
        verbose_name_plural = pgettext_lazy("plural", "关联招聘账号")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["wechat_account", "recruit_account"], name="wechat_link_unique")]

    def __str__(self) -> str:
        return f"{self.wechat_account_id} → {self.recruit_account_id}"


class WechatFriend(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("待添加")
        REQUESTED = "requested", _("已申请")
        ACCEPTED = "accepted", _("已通过")
        CHATTING = "chatting", _("沟通中")
        FINISHED = "finished", _("已约面")
        FAILED = "failed", _("添加失败")

    wechat_account = models.ForeignKey(
        WechatAccount, on_delete=models.CASCADE, related_name="friends", verbose_name=_("微信账号")
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="wechat_friends", verbose_name=_("会话")
    )
    search_id = models.CharField(_("微信号"), max_length=32)
    alias_id = models.CharField(_("备注名"), max_length=20)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    # Milestones for the funnel: request sent, accepted ("WeChat added"), CV received, interview agreed.
    requested_at = models.DateTimeField(_("申请时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("通过时间"), null=True, blank=True)
    cv_at = models.DateTimeField(_("微信收到简历"), null=True, blank=True)
    interview_at = models.DateTimeField(_("约定面试"), null=True, blank=True)
    interview_slot = models.CharField(_("面试时间"), max_length=100, blank=True)
    last_message_at = models.DateTimeField(_("最近消息"), null=True, blank=True)
    nudge_count = models.PositiveSmallIntegerField(_("提醒次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微信好友")
        verbose_name_plural = pgettext_lazy("plural", "微信好友")
        constraints = [
            models.UniqueConstraint(fields=["wechat_account", "search_id"], name="wechat_friend_unique_search"),
            models.UniqueConstraint(fields=["wechat_account", "alias_id"], name="wechat_friend_unique_alias"),
        ]

    def __str__(self) -> str:
        return self.alias_id


class WechatTask(models.Model):
    class Kind(models.TextChoices):
        ADD_FRIEND = "add_friend", _("添加好友")
        SEND_MSG = "send_msg", _("发送消息")

    class Status(models.TextChoices):
        PENDING = "pending", _("待领取")
        LEASED = "leased", _("执行中")
        DONE = "done", _("完成")
        FAILED = "failed", _("失败")

    wechat_account = models.ForeignKey(
        WechatAccount, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("微信账号")
    )
    friend = models.ForeignKey(WechatFriend, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("微信好友"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    msg = models.TextField(_("内容"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("领取次数"), default=0)
    lease_until = models.DateTimeField(_("租约到期"), null=True, blank=True)
    first_claimed_at = models.DateTimeField(_("首次领取"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("微信任务")
        verbose_name_plural = pgettext_lazy("plural", "微信任务")
        indexes = [models.Index(fields=["wechat_account", "status", "lease_until"], name="wechat_task_claim")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
