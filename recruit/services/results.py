"""Contact results and CV uploads (CONTRACT candidate/result)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from chatbot.types import Contacts
from recruit import selectors
from recruit.cv import sniff_cv
from recruit.models import Conversation, Job, RecruitAccount
from recruit.services.candidates import candidates_ensure
from recruit.services.conversations import contact_merge, conversation_lock, conversation_save


def candidate_result(
    *,
    account: RecruitAccount,
    job: Job | None,
    cid: str,
    name: str,
    contacts: Contacts,
    cv: UploadedFile | None = None,
    filename: str = "",
) -> Conversation:
    """Merge reported contacts (and a CV) into the conversation's contact record. `job` is the explicit
    job (Conflict when the account no longer has it), None for the CONTRACT §3 fallback.

    The CV is judged by content before anything is written; a rejected upload (UploadRejected, raised
    by `recruit.cv`) stores nothing.
    Concurrency: runs under the conversation's row lock; a file written before a failed commit
    is removed.
    """
    kind = None
    if cv is not None:
        kind, _content_type = sniff_cv(cv, max_bytes=settings.CV_MAX_BYTES)
    stored_name = None
    try:
        with transaction.atomic():
            candidate = candidates_ensure(platform=account.platform, cids=[cid], names={cid: name})[cid]
            job = selectors.resolve_job(account, job, candidate.pk)
            conversation = conversation_lock(
                account=account, job=job, candidate=candidate, source=Conversation.Source.USER_ASK
            )
            found = contacts.merge(Contacts(cv_received=True)) if cv is not None else contacts
            record, _changed = contact_merge(conversation, found)
            if cv is not None:
                storage = record.cv_file.storage
                replaced = record.cv_file.name
                stored_name = storage.save(f"cv/{uuid.uuid4().hex}.{kind}", cv)
                record.cv_file.name = stored_name
                record.cv_name = (filename or cv.name or "")[:255]
                record.cv_type = kind
                record.cv_size = cv.size
                record.save()
                if replaced:
                    transaction.on_commit(lambda: storage.delete(replaced))
            conversation_save(conversation)
    except BaseException:
        if stored_name:
            record.cv_file.storage.delete(stored_name)
        raise
    return conversation
