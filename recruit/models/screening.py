"""Candidates, the cards bots scraped, screening decisions, reservations and greetings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recruit.models.jobs import Job, Platform, RecruitAccount


class RawCard(models.Model):
    """A raw candidate payload, stored once per distinct content."""

    sha256 = models.CharField(max_length=64, unique=True)
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    payload = models.JSONField(_("原始数据"))
    # Refreshed each time the same content is seen again; retention counts from here.
    seen_at = models.DateTimeField(_("最近出现"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("原始名片")
        verbose_name_plural = pgettext_lazy("plural", "原始名片")

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
        verbose_name_plural = pgettext_lazy("plural", "候选人")
        # Candidate data requests (recruit.services.subject): each its own permission, in no group by default.
        permissions = [
            ("export_subject_data", _("可导出候选人个人数据")),
            ("erase_subject_data", _("可删除候选人个人数据")),
        ]
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
    # Second-stage screening (CONTRACT §9): the LLM's score and one-line reason; null score when the job
    # has no rubric, the rules already said no, or the model was unavailable (`rubric_reason` then says why).
    rubric_score = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    rubric_reason = models.CharField(_("评分理由"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("筛选记录")
        verbose_name_plural = pgettext_lazy("plural", "筛选记录")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["job", "-created_at"], name="decision_job_time"),
            models.Index(fields=["candidate", "-created_at"], name="decision_candidate_time"),
        ]

    def __str__(self) -> str:
        # One sentence: candidate, job, account, 通过/未通过 and the reasons in Chinese.
        from recruit.presenters import decision_sentence

        return decision_sentence(self)


class RubricScore(models.Model):
    """The LLM's score of one masked profile against one rubric (CONTRACT §9), so the same card and
    rubric never cost a second model call. Keyed by content hashes, linked to no candidate: erasure finds
    a person's rows by the hashes of their stored profiles (recruit.services.subject)."""

    profile_hash = models.CharField(max_length=64)  # sha256 of the masked profile the model saw
    rubric_version = models.CharField(max_length=64)  # sha256 of the rubric text, model and prompt version
    score = models.PositiveSmallIntegerField(_("评分"))
    reason = models.CharField(_("评分理由"), max_length=300, blank=True)
    model = models.CharField(_("模型"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("评分缓存")
        verbose_name_plural = pgettext_lazy("plural", "评分缓存")
        constraints = [
            models.UniqueConstraint(fields=["profile_hash", "rubric_version"], name="rubric_score_unique"),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="rubric_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.profile_hash[:12]}/{self.rubric_version[:8]}: {self.score}"


class Reservation(models.Model):
    """A `touch: true` holds the candidate for one account until it reports the greeting or expires."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(RecruitAccount, on_delete=models.CASCADE, related_name="reservations")
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("预留")
        verbose_name_plural = pgettext_lazy("plural", "预留")
        constraints = [models.UniqueConstraint(fields=["job", "candidate"], name="reservation_unique")]
        indexes = [models.Index(fields=["account", "job", "expires_at"], name="reservation_live")]

    def __str__(self) -> str:
        return f"{self.candidate_id}@{self.job_id} → {self.account_id}"


class Greeting(models.Model):
    """A greeting a bot reported; its calendar day is fixed when recorded."""

    account = models.ForeignKey(RecruitAccount, on_delete=models.CASCADE, related_name="greetings")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="greetings")
    # Null once the candidate's data was erased: the greeting stays as an anonymous count, so the
    # day's quota arithmetic (greetings per account, job and day) is unchanged.
    candidate = models.ForeignKey(Candidate, null=True, on_delete=models.SET_NULL, related_name="greetings")
    day = models.DateField(_("日期"))
    # The greeting text the bot was given for this account, job and day (what task/fetch hands out).
    touch_msg = models.TextField(_("打招呼语"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("打招呼记录")
        verbose_name_plural = pgettext_lazy("plural", "打招呼记录")
        constraints = [models.UniqueConstraint(fields=["account", "job", "candidate"], name="greeting_unique")]
        indexes = [models.Index(fields=["account", "job", "day"], name="greeting_daily")]

    def __str__(self) -> str:
        return f"{self.candidate_id}@{self.job_id} {self.day}"
