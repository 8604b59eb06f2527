"""The account safety fuse (CONTRACT §9): a bot that meets a platform risk page (captcha, "操作频繁", login
expired, ban notice) reports it, and the account is paused at once, the recruiter notified.

While paused by a risk report, task fetch answers helloSum 0 (the pause), filter answers
`account: paused (risk: <kind>)` (`risk_reason`), recallList answers [] (nudges are platform messages);
chat and result keep answering, so conversations in progress are not dropped. Only a recruiter clears it,
with the same resume as a manual pause (`recruit.services.actions.account_resume`, audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chatbot.contacts import mask_text
from hunter_robot.audit import AuditAction
from hunter_robot.services import audit_record
from recruit.models import Job, Notification, RecruitAccount
from recruit.services.actions import account_pause
from recruit.services.notify import admin_url, notification_for, notifications_enqueue


@dataclass(frozen=True)
class RiskReport:
    paused: bool  # this report paused the account (False: it was paused by an earlier report)
    notified: int  # notifications written


def risk_reason(account: RecruitAccount) -> str | None:
    """Filter's reason for an account a risk report paused; None when it was not (or was resumed)."""
    if account.active or not account.risk_kind:
        return None
    return f"account: paused (risk: {account.risk_kind})"


def paused_by_risk(account: RecruitAccount) -> bool:
    return risk_reason(account) is not None


@transaction.atomic
def account_risk_report(
    *, account: RecruitAccount, kind: str, detail: str = "", now: datetime | None = None
) -> RiskReport:
    """Pause `account` for the platform risk `kind` (a `RecruitAccount.Risk` value) and notify the
    recruiter. The pause goes through `account_pause` (audited as the system's, naming the risk); the
    report itself is an audit row of kind "risk_report", so every report is on record.

    A report while the account is already paused by an earlier report is recorded (audit row) and
    changes nothing else: the first kind, time and detail stand until a recruiter resumes, and no
    second notification goes out. A report on an account a recruiter paused by hand records the risk
    and notifies (the recruiter learns why the bot stopped); resuming clears both.

    Concurrency: under the account's row lock (taken first, then re-entered by `account_pause`), so of
    two concurrent reports one pauses and notifies, the other waits and is recorded as a repeat.
    """
    if kind not in RecruitAccount.Risk.values:
        raise ValueError(f"unknown risk kind {kind!r}")
    now = now or timezone.now()
    detail = detail.strip()
    locked = RecruitAccount.objects.select_for_update().get(pk=account.pk)
    note = f"{kind}: {detail}" if detail else kind
    if locked.risk_kind:
        audit_record(
            user=None, action=AuditAction.RISK_REPORT, obj=locked, detail=f"{note} (paused already: {locked.risk_kind})"
        )
        _mirror(account, locked)
        return RiskReport(paused=False, notified=0)
    account_pause(account=locked, user=None, detail=f"risk: {kind}")
    locked.risk_kind, locked.risk_at, locked.risk_detail = kind, now, detail or None
    locked.save(update_fields=["risk_kind", "risk_at", "risk_detail"])
    audit_record(user=None, action=AuditAction.RISK_REPORT, obj=locked, detail=note)
    # For the recruiter, in the console's language (a bot's call runs in English: its messages are logs).
    with translation.override(settings.LANGUAGE_CODE):
        rows = notifications_enqueue(_notifications(locked))
    _mirror(account, locked)
    return RiskReport(paused=True, notified=len(rows))


def _mirror(account: RecruitAccount, locked: RecruitAccount) -> None:
    for name in ("active", "risk_kind", "risk_at", "risk_detail", "updated_at"):
        setattr(account, name, getattr(locked, name))


def _notifications(account: RecruitAccount) -> list[Notification]:
    """One "account_risk" notification per distinct webhook of the account's listed jobs (of its own
    team: another team's webhook must not learn of this account), in list order; with no webhook at
    all, one kept in the console only. It concerns an account, not a conversation (as a silent slot)."""
    label = str(RecruitAccount.Risk(account.risk_kind).label)
    payload = {
        "kind": Notification.Kind.ACCOUNT_RISK.value,
        "risk": account.risk_kind,
        "risk_label": label,
        # The bot's note on the risk page: machine text from the platform, masked as logs are.
        "detail": mask_text(account.risk_detail or "", loose=False),
        "summary": _("账号 %(account)s 触发平台风控（%(risk)s），已自动暂停，请处理后在后台恢复")
        % {"account": account.account_id, "risk": label},
        "at": timezone.localtime(account.risk_at).isoformat(),
        "accountID": account.account_id,
        "url": admin_url("admin:recruit_recruitaccount_change", account.pk),
    }
    jobs = Job.objects.filter(
        account_jobs__account=account, account_jobs__linked=True, team_id=account.team_id
    ).order_by("account_jobs__position", "account_jobs__id")
    rows, webhooks = [], set()
    for job in jobs:
        if job.notify_webhook and job.notify_webhook not in webhooks:
            webhooks.add(job.notify_webhook)
            rows.append(
                notification_for(job, kind=Notification.Kind.ACCOUNT_RISK, payload={**payload, "job": job.name})
            )
    if not rows:
        rows.append(
            Notification(
                team_id=account.team_id,
                kind=Notification.Kind.ACCOUNT_RISK,
                payload=payload,
                status=Notification.Status.SKIPPED,
                next_attempt_at=timezone.now(),
            )
        )
    return rows
