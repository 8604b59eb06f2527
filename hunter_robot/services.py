"""Operator actions on the shared models (API keys) and the audit record every such action writes.

No HTTP here: the admin calls these, and so can management commands or tasks.
"""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from hunter_robot.audit import AuditAction
from hunter_robot.models import ApiKey, AuditLog


def audit_record(*, user, action: str, obj: models.Model, detail: str = "") -> AuditLog:
    """One audit row about `obj`. Call inside the action's transaction, so both commit or neither.

    `action` is one of `hunter_robot.audit.AuditAction` (the kinds, named once, labelled in the console).

    `object_type` is the model name, the key the audit log's admin scopes staff by.
    """
    return AuditLog.objects.create(
        user=user,
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        detail=detail[:255],
    )


@transaction.atomic
def api_key_revoke(*, key: ApiKey, user) -> bool:
    """Revoke the key now; bots presenting it are refused from the next request on.

    Idempotent: a key already revoked keeps its first revocation time and no audit row is added;
    returns whether this call revoked it. Concurrency: the row is locked (`select_for_update`), so
    of two concurrent revocations one writes and audits, the other sees it revoked.
    """
    locked = ApiKey.objects.select_for_update().get(pk=key.pk)
    key.revoked_at = locked.revoked_at
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = key.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit_record(user=user, action=AuditAction.REVOKE, obj=locked)
    return True
