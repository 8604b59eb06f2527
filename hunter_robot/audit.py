"""The kinds of audit record (`AuditLog.action`), named once: every writer and the console's filter use
these constants, and the console shows their Chinese labels.

Access records are the kinds that reveal a candidate's personal data to a person or take it out of the
system (CONTRACT §8): a full view of a phone, WeChat id or e-mail, a CV download, an export of contact
results, a candidate's data export and erasure. The rest record operator actions.

The values are not the model field's `choices`: a new kind would otherwise need a migration, and rows
written before a kind was renamed stay readable (shown by their stored value).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # Access to personal data.
    VIEW_CONTACT = "view_contact", _("查看联系方式")
    DOWNLOAD_CV = "download_cv", _("下载简历")
    EXPORT_RESULTS = "export_results", _("导出联系结果")
    SUBJECT_EXPORT = "subject_export", _("导出候选人数据")
    SUBJECT_ERASE = "subject_erase", _("删除候选人数据")
    # Operator actions.
    TAKE_OVER = "take_over", _("接管会话")
    HAND_BACK = "hand_back", _("交还机器人")
    CLEAR_FLAG = "clear_flag", _("清除人工标记")
    SET_STATUS = "set_status", _("修改会话状态")
    PAUSE = "pause", _("暂停账号")
    RESUME = "resume", _("恢复账号")
    RISK_REPORT = "risk_report", _("风控上报")
    JOB_CLONE = "job_clone", _("复制岗位")
    JOB_IMPORT = "job_import", _("导入岗位")
    REVOKE = "revoke", _("吊销密钥")


ACCESS_ACTIONS: frozenset[str] = frozenset(
    {
        AuditAction.VIEW_CONTACT,
        AuditAction.DOWNLOAD_CV,
        AuditAction.EXPORT_RESULTS,
        AuditAction.SUBJECT_EXPORT,
        AuditAction.SUBJECT_ERASE,
    }
)
"""The kinds that are access records: who saw, downloaded, exported or erased personal data."""


def action_label(action: str) -> str:
    """The Chinese label of a stored kind; an unknown value as stored."""
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return action
