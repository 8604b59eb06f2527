"""Console page for retention (recruit.services.retention): each kind's period, what goes, and its last
pass, above the record of every pass. Read-only: the task writes the records, settings hold the periods."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from hunter_robot.admin import ReadOnlyAdmin
from recruit.models import RetentionRun
from recruit.services.retention import retention_policy


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "kind", "days", "cutoff", "removed", "files_removed", "batches", "finished")
    list_filter = ("kind",)
    date_hierarchy = "started_at"
    fields = list_display
    readonly_fields = list_display
    change_list_template = "admin/recruit/retentionrun/change_list.html"

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "retention_policy": retention_policy()})

    @admin.display(description=_("完成时间"), ordering="finished_at")
    def finished(self, run: RetentionRun) -> str:
        if run.finished_at is None:
            return _("未完成（进行中或被中断）")
        return date_format(timezone.localtime(run.finished_at), "DATETIME_FORMAT")
