"""Jobs, recruiter accounts, quotas, candidates, screening, conversations and their transcripts."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hunter_robot.models import ApiKey, Team
from recruit.platforms.profile import DEGREES


class Platform(models.TextChoices):
    BOSS = "Boss", "BOSS直聘"
    MAIMAI = "maimai", "脉脉"
    LINKEDIN = "Linkedin", "LinkedIn"
    LIEPIN = "liepin", "猎聘"


def lines(text: str) -> list[str]:
    """One value per line, as the admin edits lists; blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class Job(models.Model):
    class SchoolTier(models.TextChoices):
        ANY = "any", _("不限")
        T211 = "211", "211"
        T985 = "985", "985"

    class OnMissing(models.TextChoices):
        FAIL = "fail", _("不通过")
        PASS = "pass", _("通过")

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("团队"))
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    platform_id = models.CharField(_("平台岗位ID"), max_length=128)
    name = models.CharField(_("岗位名称"), max_length=200)
    jd = models.TextField(_("岗位介绍"), blank=True)
    robot_api = models.CharField(
        _("对话引擎"),
        max_length=500,
        blank=True,
        help_text=_("留空或 rule：内置规则；llm 或 llm:<模型>：大模型；http(s)://… 或 /path：外部算法服务"),
    )
    active = models.BooleanField(_("启用"), default=True)
    touch_msg = models.TextField(_("打招呼语"), blank=True)

    # Screening criteria (CONTRACT jobConfig.criteria); empty means "not screened on this".
    age_min = models.PositiveSmallIntegerField(_("最小年龄"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("最大年龄"), null=True, blank=True)
    min_degree = models.CharField(_("最低学历"), max_length=10, blank=True, choices=[(d, d) for d in DEGREES])
    work_years_min = models.PositiveSmallIntegerField(_("最少工作年限"), null=True, blank=True)
    work_years_max = models.PositiveSmallIntegerField(_("最多工作年限"), null=True, blank=True)
    cities = models.TextField(_("期望城市"), blank=True, help_text=_("每行一个"))
    salary_min_k = models.PositiveIntegerField(_("薪资下限(K)"), null=True, blank=True)
    salary_max_k = models.PositiveIntegerField(_("薪资上限(K)"), null=True, blank=True)
    keywords = models.TextField(_("关键词(任一)"), blank=True, help_text=_("每行一个"))
    exclude_keywords = models.TextField(_("排除关键词"), blank=True, help_text=_("每行一个"))
    exclude_companies = models.TextField(_("排除公司"), blank=True, help_text=_("每行一个，按包含匹配"))
    active_desc = models.TextField(_("接受的活跃状态"), blank=True, help_text=_("每行一个，如 刚刚活跃"))
    active_within_minutes = models.PositiveIntegerField(_("活跃于N分钟内"), null=True, blank=True)
    school_tier = models.CharField(_("院校要求"), max_length=3, choices=SchoolTier.choices, default="any")
    on_missing = models.CharField(_("简历缺少数据时"), max_length=4, choices=OnMissing.choices, default=OnMissing.FAIL)

    # Dialogue script for the rule engine (and context for the others).
    faq_salary = models.TextField(_("薪资回答"), blank=True)
    faq_location = models.TextField(_("地点回答"), blank=True)
    faq_hours = models.TextField(_("工作时间回答"), blank=True)
    faq_benefits = models.TextField(_("福利回答"), blank=True)
    faq_company = models.TextField(_("公司介绍回答"), blank=True)
    contact_ask = models.TextField(_("索要联系方式话术"), blank=True, help_text=_("每行一句，轮流使用"))
    max_contact_asks = models.PositiveSmallIntegerField(_("最多索要次数"), default=2)
    closing_msg = models.TextField(_("结束语"), blank=True)
    read_recall_after_hours = models.PositiveIntegerField(_("已读未回召回(小时)"), default=6)
    notify_webhook = models.URLField(_("通知 Webhook"), blank=True, max_length=500)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [
            models.UniqueConstraint(fields=["platform", "platform_id"], name="job_unique_platform_id"),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True) | Q(age_max__isnull=True) | Q(age_min__lte=models.F("age_max")),
                name="job_age_range",
            ),
            models.CheckConstraint(
                condition=Q(work_years_min__isnull=True)
                | Q(work_years_max__isnull=True)
                | Q(work_years_min__lte=models.F("work_years_max")),
                name="job_work_years_range",
            ),
            models.CheckConstraint(
                condition=Q(salary_min_k__isnull=True)
                | Q(salary_max_k__isnull=True)
                | Q(salary_min_k__lte=models.F("salary_max_k")),
                name="job_salary_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.job_id})"

    def clean(self) -> None:
        errors = {}
        for low, high in (
            ("age_min", "age_max"),
            ("work_years_min", "work_years_max"),
            ("salary_min_k", "salary_max_k"),
        ):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if low_value is not None and high_value is not None and low_value > high_value:
                errors[high] = _("不能小于下限")
        if errors:
            raise ValidationError(errors)

    @property
    def job_id(self) -> str:
        return f"job_{self.platform}_{self.platform_id}"

    @property
    def greeting(self) -> str:
        """Never empty: maimai and LinkedIn clients type it as the greeting."""
        return self.touch_msg.strip() or f"您好，我们正在招聘「{self.name}」，看了您的经历觉得很合适，方便聊聊吗？"


class RecallStep(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="recall_steps", verbose_name=_("岗位"))
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    after_hours = models.PositiveIntegerField(_("间隔(小时)"))
    msg = models.TextField(_("召回话术"), help_text=_("可用占位符 {name}、{job_name}"))

    class Meta:
        verbose_name = _("召回步骤")
        verbose_name_plural = _("召回步骤")
        ordering = ["position", "after_hours", "id"]

    def __str__(self) -> str:
        return f"{self.after_hours}h"


class RecruitAccount(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="recruit_accounts", verbose_name=_("团队"))
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    platform_id = models.CharField(_("平台账号ID"), max_length=128)
    desc = models.CharField(_("备注"), max_length=255, blank=True)
    active = models.BooleanField(_("启用"), default=True, help_text=_("暂停后不再分配打招呼任务"))
    jobs = models.ManyToManyField(Job, through="AccountJob", related_name="accounts", verbose_name=_("岗位"))
    api_keys = models.ManyToManyField(ApiKey, blank=True, related_name="recruit_accounts", verbose_name=_("接口密钥"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("招聘账号")
        verbose_name_plural = _("招聘账号")
        constraints = [models.UniqueConstraint(fields=["platform", "platform_id"], name="account_unique_platform_id")]

    def __str__(self) -> str:
        return self.account_id + (f" {self.desc}" if self.desc else "")

    @property
    def account_id(self) -> str:
        return f"account_{self.platform}_{self.platform_id}"


class AccountJob(models.Model):
    """An account's daily greeting task for one job. Kept when the job leaves the account's list
    (`linked` false) so a recruiter's edits survive the job coming back."""

    account = models.ForeignKey(
        RecruitAccount, on_delete=models.CASCADE, related_name="account_jobs", verbose_name=_("账号")
    )
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="account_jobs", verbose_name=_("岗位"))
    linked = models.BooleanField(_("在岗位列表中"), default=True)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    hello_sum = models.PositiveIntegerField(_("每日打招呼数"), default=50, validators=[MaxValueValidator(10000)])
    search_filter = models.JSONField(_("平台搜索条件"), default=dict, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("每日任务")
        verbose_name_plural = _("每日任务")
        ordering = ["account", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "job"], name="accountjob_unique"),
            models.CheckConstraint(condition=Q(hello_sum__lte=10000), name="accountjob_hello_sum_max"),
        ]
        indexes = [models.Index(fields=["account", "linked", "position"], name="accountjob_order")]

    def __str__(self) -> str:
        return f"{self.account.account_id} · {self.job.name}"


class TimeSlot(models.Model):
    account_job = models.ForeignKey(AccountJob, on_delete=models.CASCADE, related_name="slots", verbose_name=_("任务"))
    time = models.TimeField(_("时间"))
    mount = models.PositiveIntegerField(_("数量"))

    class Meta:
        verbose_name = _("时段")
        verbose_name_plural = _("时段")
        ordering = ["time"]
        constraints = [models.UniqueConstraint(fields=["account_job", "time"], name="timeslot_unique_time")]

    def __str__(self) -> str:
        return f"{self.time:%H:%M}→{self.mount}"


class RawCard(models.Model):
    """A raw candidate payload, stored once per distinct content."""

    sha256 = models.CharField(max_length=64, unique=True)
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    payload = models.JSONField(_("原始数据"))
    # Refreshed each time the same content is seen again; retention counts from here.
    seen_at = models.DateTimeField(_("最近出现"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("原始名片")
        verbose_name_plural = _("原始名片")

    def __str__(self) -> str:
        return self.sha256[:12]


class Candidate(models.Model):
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    platform_cid = models.CharField(_("平台候选人ID"), max_length=255)
    name = models.CharField(_("姓名"), max_length=100, blank=True)
    profile = models.JSONField(_("解析后的简历"), null=True, blank=True)
    raw_card = models.ForeignKey(RawCard, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Set when this person (by platform id, phone or WeChat) is on the do-not-contact list.
    do_not_contact = models.BooleanField(_("勿扰"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("候选人")
        verbose_name_plural = _("候选人")
        constraints = [
            models.UniqueConstraint(fields=["platform", "platform_cid"], name="candidate_unique_platform_id")
        ]

    def __str__(self) -> str:
        return f"{self.name or '?'} ({self.platform}:{self.platform_cid})"


class ScreeningDecision(models.Model):
    account = models.ForeignKey(RecruitAccount, on_delete=models.CASCADE, related_name="+", verbose_name=_("账号"))
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("岗位"))
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("候选人")
    )
    raw_card = models.ForeignKey(RawCard, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    touch = models.BooleanField(_("打招呼"))
    reasons = models.JSONField(_("原因"), default=list)
    details = models.JSONField(_("各项判定"), default=list)
    profile = models.JSONField(_("解析后的简历"), null=True)
    source = models.CharField(_("来源"), max_length=16, default="filter")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("筛选记录")
        verbose_name_plural = _("筛选记录")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["job", "-created_at"], name="decision_job_time"),
            models.Index(fields=["candidate", "-created_at"], name="decision_candidate_time"),
        ]

    def __str__(self) -> str:
        return f"{'✓' if self.touch else '✗'} {self.candidate_id}@{self.job_id}"


class Reservation(models.Model):
    """A `touch: true` holds the candidate for one account until it reports the greeting or expires."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(RecruitAccount, on_delete=models.CASCADE, related_name="reservations")
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("预留")
        verbose_name_plural = _("预留")
        constraints = [models.UniqueConstraint(fields=["job", "candidate"], name="reservation_unique")]
        indexes = [models.Index(fields=["account", "job", "expires_at"], name="reservation_live")]

    def __str__(self) -> str:
        return f"{self.candidate_id}@{self.job_id} → {self.account_id}"


class Greeting(models.Model):
    """A greeting a bot reported; its calendar day is fixed when recorded."""

    account = models.ForeignKey(RecruitAccount, on_delete=models.CASCADE, related_name="greetings")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="greetings")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="greetings")
    day = models.DateField(_("日期"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("打招呼记录")
        verbose_name_plural = _("打招呼记录")
        constraints = [models.UniqueConstraint(fields=["account", "job", "candidate"], name="greeting_unique")]
        indexes = [models.Index(fields=["account", "job", "day"], name="greeting_daily")]

    def __str__(self) -> str:
        return f"{self.candidate_id}@{self.job_id} {self.day}"


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
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("会话")
        verbose_name_plural = _("会话")
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
        verbose_name_plural = _("消息")
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
        verbose_name_plural = _("联系方式")
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
        verbose_name_plural = _("勿扰名单")
        constraints = [models.UniqueConstraint(fields=["kind", "value_hash"], name="dnc_unique")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value_hash[:12]}"


class UnknownAccount(models.Model):
    """A well-formed accountID that called without being registered, so an operator can register it."""

    account_id = models.CharField(_("账号ID"), max_length=200, unique=True)
    hits = models.PositiveIntegerField(_("调用次数"), default=0)
    last_path = models.CharField(_("最近接口"), max_length=200, blank=True)
    first_seen = models.DateTimeField(_("首次"), auto_now_add=True)
    last_seen = models.DateTimeField(_("最近"), auto_now=True)

    class Meta:
        verbose_name = _("未注册账号")
        verbose_name_plural = _("未注册账号")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return self.account_id


class Notification(models.Model):
    """Outbox: written in the event's transaction, delivered later with retries."""

    class Kind(models.TextChoices):
        CONTACT = "contact", _("获得联系方式")
        NEED_HUMAN = "need_human", _("需要人工")
        TASK_FAILED = "task_failed", _("任务失败")

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
    payload = models.JSONField(default=dict)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
