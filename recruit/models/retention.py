"""The record of each retention pass (recruit.services.retention): one row per kind and run."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recruit.personal_data import Kind


class RetentionRun(models.Model):
    class RetainedKind(models.TextChoices):
        """The kinds of candidate data with a retention period (their `personal_data.Kind` names)."""

        RAW_CARD = Kind.RAW_CARD.value, _("原始名片")
        MESSAGE = Kind.MESSAGE.value, _("聊天记录")
        CONTACT = Kind.CONTACT.value, _("联系方式")
        CV = Kind.CV.value, _("简历")
        DECISION = Kind.DECISION.value, _("筛选记录")
        AUDIT = Kind.AUDIT.value, _("审计记录")

    kind = models.CharField(_("数据类别"), max_length=16, choices=RetainedKind.choices)
    days = models.PositiveIntegerField(_("保留天数"))
    cutoff = models.DateTimeField(_("截止时间"), help_text=_("早于此时间的数据被清除"))
    removed = models.PositiveIntegerField(_("清除条数"), default=0)
    files_removed = models.PositiveIntegerField(_("删除文件数"), default=0)
    batches = models.PositiveIntegerField(_("批次"), default=0)
    started_at = models.DateTimeField(_("开始时间"), db_index=True)
    # Null while the pass runs, or when it was interrupted (each batch it finished stays done).
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("数据保留清理")
        verbose_name_plural = pgettext_lazy("plural", "数据保留清理")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"
