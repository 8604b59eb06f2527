"""Jobs, recruiter accounts, their daily tasks and greetings, and callers not registered yet."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hunter_robot.models import ApiKey, Team
from recruit.platforms.profile import DEGREES


class Platform(models.TextChoices):
    BOSS = "Boss", _("BOSS直聘")
    MAIMAI = "maimai", _("脉脉")
    LINKEDIN = "Linkedin", "LinkedIn"
    LIEPIN = "liepin", _("猎聘")


# What the console shows for each degree on the scale; the stored values stay the Chinese DEGREES.
DEGREE_LABELS = {
    "初中及以下": _("初中及以下"),
    "中专/中技": _("中专/中技"),
    "高中": _("高中"),
    "大专": _("大专"),
    "本科": _("本科"),
    "硕士": _("硕士"),
    "博士": _("博士"),
}


def lines(text: str) -> list[str]:
    """One value per line, as the admin edits lists; blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class NotifyFormat(models.TextChoices):
    """The message shape of the job's notification webhook: generic JSON or a group robot's."""

    JSON = "json", "JSON"
    WECOM = "wecom", _("企业微信机器人")
    DINGTALK = "dingtalk", _("钉钉机器人")
    FEISHU = "feishu", _("飞书机器人")


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
    min_degree = models.CharField(
        _("最低学历"), max_length=10, blank=True, choices=[(d, DEGREE_LABELS[d]) for d in DEGREES]
    )
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
    notify_format = models.CharField(
        _("通知格式"), max_length=10, choices=NotifyFormat.choices, default=NotifyFormat.JSON
    )
    # WeChat channel (CONTRACT §6): times the rule engine proposes, and when to nudge a silent friend.
    interview_slots = models.TextField(_("面试时间"), blank=True, help_text=_("每行一个，如 周二 14:00"))
    wechat_nudge_after_hours = models.PositiveIntegerField(_("微信未回复提醒(小时)"), default=24)
    # Second-stage screening (CONTRACT §9): the LLM scores a candidate who passed every rule against this
    # rubric (one scored point per line, recruit.jobconfig.RUBRIC_MAX_POINTS); touch needs score >= threshold.
    rubric = models.TextField(
        _("评分标准"),
        blank=True,
        help_text=_("大模型按此为通过规则筛选的候选人打分（0-100）；每行一条要点，留空不评分"),
    )
    rubric_threshold = models.PositiveSmallIntegerField(
        _("评分及格线"), default=60, validators=[MaxValueValidator(100)], help_text=_("0-100，评分不低于此值才打招呼")
    )

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = pgettext_lazy("plural", "岗位")
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
            models.CheckConstraint(condition=Q(rubric_threshold__lte=100), name="job_rubric_threshold_range"),
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
        from recruit import jobconfig  # it reads Job: imported here, not at module level

        if len(jobconfig.rubric_points(self.rubric)) > jobconfig.RUBRIC_MAX_POINTS:
            errors["rubric"] = _("最多 %(n)d 条要点（每行一条）") % {"n": jobconfig.RUBRIC_MAX_POINTS}
        elif len(self.rubric) > jobconfig.RUBRIC_MAX_CHARS:
            errors["rubric"] = _("最多 %(n)d 个字") % {"n": jobconfig.RUBRIC_MAX_CHARS}
        if errors:
            raise ValidationError(errors)

    @property
    def job_id(self) -> str:
        return f"job_{self.platform}_{self.platform_id}"


class RecallStep(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="recall_steps", verbose_name=_("岗位"))
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    after_hours = models.PositiveIntegerField(_("间隔(小时)"))
    msg = models.TextField(_("召回话术"), help_text=_("可用占位符 {name}、{job_name}"))

    class Meta:
        verbose_name = _("召回步骤")
        verbose_name_plural = pgettext_lazy("plural", "召回步骤")
        ordering = ["position", "after_hours", "id"]

    def __str__(self) -> str:
        return f"{self.after_hours}h"


class RecruitAccount(models.Model):
    class Risk(models.TextChoices):
        """The platform risk pages a bot reports (CONTRACT §9 account/risk/report)."""

        CAPTCHA = "captcha", _("验证码")
        RATE_LIMITED = "rate_limited", _("操作频繁")
        LOGIN_EXPIRED = "login_expired", _("登录失效")
        BANNED = "banned", _("封禁")
        OTHER = "other", _("其他")

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="recruit_accounts", verbose_name=_("团队"))
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    platform_id = models.CharField(_("平台账号ID"), max_length=128)
    desc = models.CharField(_("备注"), max_length=255, blank=True)
    active = models.BooleanField(_("启用"), default=True, help_text=_("暂停后不再分配打招呼任务"))
    jobs = models.ManyToManyField(Job, through="AccountJob", related_name="accounts", verbose_name=_("岗位"))
    api_keys = models.ManyToManyField(ApiKey, blank=True, related_name="recruit_accounts", verbose_name=_("接口密钥"))
    # The bot's last call naming this account (any endpoint), stamped at most once per BOT_SEEN_RESOLUTION
    # by one conditional UPDATE (recruit.activity.call_stamp), so exact to that resolution; the endpoint
    # is the one of the call that stamped.
    last_call_at = models.DateTimeField(_("最近调用"), null=True, blank=True, editable=False)
    last_call_endpoint = models.CharField(_("最近调用接口"), max_length=100, blank=True, editable=False)
    # The platform risk page the bot last reported (account/risk/report): set with the pause it causes,
    # cleared by the resume (recruit.services.risk). NULL: not paused by a risk report.
    risk_kind = models.CharField(
        _("风控类型"), max_length=16, choices=Risk.choices, null=True, blank=True, editable=False
    )
    risk_at = models.DateTimeField(_("风控时间"), null=True, blank=True, editable=False)
    risk_detail = models.CharField(_("风控详情"), max_length=500, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("招聘账号")
        verbose_name_plural = pgettext_lazy("plural", "招聘账号")
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
        verbose_name_plural = pgettext_lazy("plural", "每日任务")
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
        verbose_name_plural = pgettext_lazy("plural", "时段")
        ordering = ["time"]
        constraints = [models.UniqueConstraint(fields=["account_job", "time"], name="timeslot_unique_time")]

    def __str__(self) -> str:
        return f"{self.time:%H:%M}→{self.mount}"


class UnknownAccount(models.Model):
    """A well-formed accountID that called without being registered, so an operator can register it."""

    account_id = models.CharField(_("账号ID"), max_length=200, unique=True)
    hits = models.PositiveIntegerField(_("调用次数"), default=0)
    last_path = models.CharField(_("最近接口"), max_length=200, blank=True)
    first_seen = models.DateTimeField(_("首次"), auto_now_add=True)
    last_seen = models.DateTimeField(_("最近"), auto_now=True)

    class Meta:
        verbose_name = _("未注册账号")
        verbose_name_plural = pgettext_lazy("plural", "未注册账号")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return self.account_id
