"""Candidate data requests (CONTRACT §8): find everything stored about one person, export it as one zip,
erase it.

The agency is the data controller, so a request covers every team and every platform: the person is
the candidate rows matched by platform id, then, transitively, every candidate who gave one of their
phone numbers, WeChat ids or e-mail addresses (a phone given on BOSS finds the maimai candidate who
gave the same phone), and the WeChat friends made from their WeChat ids. Which rows hold a person's
data, by which fields and kinds, and what erasure does to each model come from the personal-data
registry (`recruit.personal_data`: PERSONAL and SUBJECT), never from a list kept here.

No HTTP here: the console (`recruit.admin.screening`) and `manage.py subject_request` call these.
"""

from __future__ import annotations

import json
import logging
import shutil
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath
from typing import BinaryIO

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast, Lower
from django.utils import timezone

from chatbot.contacts import normalise_email, normalise_phone, normalise_wechat
from hunter_robot.audit import AuditAction
from hunter_robot.errors import Conflict, InvalidInput, NotFound
from hunter_robot.models import AuditLog
from recruit.models import Candidate, ContactRecord, Conversation, DoNotContact, ScreeningDecision
from recruit.personal_data import PERSONAL, SUBJECT, Erasure
from recruit.pii import identity_hash, platform_identity_hash
from recruit.platforms.ids import canonical_platform, normalise_candidate_id
from recruit.services import rubric

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "hunter_robot.subject_export"
EXPORT_VERSION = 1
# Rows the export names by their __str__ next to the ids that point at them (which job, which account).
CONTEXT_MODELS = ("recruit.Job", "recruit.RecruitAccount", "wechat.WechatAccount", "hunter_robot.Team")
COPY_CHUNK = 1 << 20
DELETE_BATCH = 500  # primary keys per DELETE statement (SQLite caps the parameters of one statement)


# --- Identifiers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identifiers:
    """What a request names the person by, normalised as stored (phones as `normalise_phone` gives
    them, WeChat ids and e-mails lower-cased: both are matched without regard to case)."""

    platform_ids: frozenset[tuple[str, str]] = frozenset()
    phones: frozenset[str] = frozenset()
    wechat_ids: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()

    @classmethod
    def of_candidate(cls, candidate: Candidate) -> Identifiers:
        return cls(platform_ids=frozenset({(candidate.platform, candidate.platform_cid)}))

    @classmethod
    def parse(
        cls,
        *,
        platform: str = "",
        platform_id: str = "",
        phones: tuple[str, ...] | list[str] = (),
        wechat_ids: tuple[str, ...] | list[str] = (),
        emails: tuple[str, ...] | list[str] = (),
    ) -> Identifiers:
        """Identifiers as an operator types them. InvalidInput names the field at fault (never echoing
        a phone, WeChat id or e-mail, which are personal data)."""
        pairs = set()
        if platform or platform_id:
            canonical = canonical_platform(platform)
            if canonical is None:
                raise InvalidInput(
                    f"platform: not a platform we serve ({platform!r}); one of Boss, maimai, Linkedin, liepin"
                )
            try:
                pairs.add((canonical, normalise_candidate_id(canonical, platform_id)))
            except ValueError as exc:
                raise InvalidInput(f"platform_id: {exc}") from exc
        found_phones = set()
        for value in phones:
            phone = normalise_phone(value)
            if not phone:
                raise InvalidInput("phone: not a phone number")
            found_phones.add(phone)
        found_wechats = set()
        for value in wechat_ids:
            wechat = normalise_wechat(value)
            if not wechat:
                raise InvalidInput("wechat: not a WeChat id")
            found_wechats.add(wechat.lower())
        found_emails = set()
        for value in emails:
            email = normalise_email(value)
            if not email:
                raise InvalidInput("email: not an e-mail address")
            found_emails.add(email.lower())
        if not (pairs or found_phones or found_wechats or found_emails):
            raise InvalidInput("identifiers: give a platform and platform id, a phone, a WeChat id or an e-mail")
        return cls(frozenset(pairs), frozenset(found_phones), frozenset(found_wechats), frozenset(found_emails))


# --- Finding the person ----------------------------------------------------------------------------


@dataclass
class Subject:
    """One person: their candidate rows (on every platform, of every team) and every identifier they
    gave. `person` is the keyed hash the audit log records them by."""

    anchor: Candidate
    candidate_ids: frozenset[int]
    platform_ids: set[tuple[str, str]] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    wechat_ids: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)

    @property
    def person(self) -> str:
        """The keyed hash of the platform id of the candidate the request started from (the lowest
        id when it named no platform id): the do-not-contact list's hash of that identity."""
        return platform_identity_hash(self.anchor)

    def identity_hashes(self) -> list[tuple[str, str]]:
        """(do-not-contact kind, keyed hash) of every identifier of the person."""
        return [
            *(
                (DoNotContact.Kind.PLATFORM_ID, platform_identity_hash(Candidate(platform=p, platform_cid=cid)))
                for p, cid in sorted(self.platform_ids)
            ),
            *((DoNotContact.Kind.PHONE, identity_hash(DoNotContact.Kind.PHONE, v)) for v in sorted(self.phones)),
            *((DoNotContact.Kind.WECHAT, identity_hash(DoNotContact.Kind.WECHAT, v)) for v in sorted(self.wechat_ids)),
        ]

    def rows(self, label: str) -> models.QuerySet:
        """The rows of the SUBJECT model `label` about this person."""
        model = apps.get_model(label)
        holding = SUBJECT[label]
        if holding.path is not None:
            lookup = "pk__in" if holding.path == "pk" else f"{holding.path}__in"
            return model._default_manager.filter(**{lookup: self.candidate_ids})
        return _RULES[label](self, model)

    def asked_not_to_be_contacted(self) -> bool:
        """A conversation they declined, a candidate row flagged, or an identifier already listed."""
        return (
            Conversation.objects.filter(candidate__in=self.candidate_ids, status=Conversation.Status.DECLINED).exists()
            or Candidate.objects.filter(pk__in=self.candidate_ids, do_not_contact=True).exists()
            or self.rows("recruit.DoNotContact").exists()
        )


def _raw_cards(subject: Subject, model) -> models.QuerySet:
    # The cards the person's candidate rows and screening decisions point at (their reverse relations
    # are unnamed: a card is found only through them).
    ids = subject.candidate_ids
    return model._default_manager.filter(
        Q(pk__in=Candidate.objects.filter(pk__in=ids, raw_card__isnull=False).values("raw_card"))
        | Q(pk__in=ScreeningDecision.objects.filter(candidate__in=ids, raw_card__isnull=False).values("raw_card"))
    )


def _do_not_contact(subject: Subject, model) -> models.QuerySet:
    return model._default_manager.filter(value_hash__in=[value for _kind, value in subject.identity_hashes()])


def _about(subject: Subject) -> list[tuple[type[models.Model], models.QuerySet]]:
    """(model, its rows about the person as text ids) for every SUBJECT model found by a path or by the
    raw-card rule: the objects audit and console-history rows can be about."""
    found = []
    for label, holding in SUBJECT.items():
        if holding.erasure in (Erasure.DELETE, Erasure.ANONYMISE):
            text_ids = subject.rows(label).annotate(text_id=Cast("pk", models.CharField())).values("text_id")
            found.append((apps.get_model(label), text_ids))
    return found


def _mentions(subject: Subject, model) -> Q:
    """Rows of a BLANK model whose personal text names one of the person's phones, WeChat ids or
    e-mails (an audit row recording a search for the phone, say)."""
    condition = Q(pk__in=[])
    for name in PERSONAL.get(model._meta.label, {}):
        for value in sorted(subject.phones | subject.wechat_ids | subject.emails):
            condition |= Q(**{f"{name}__icontains": value})
    return condition


def _audit_rows(subject: Subject, model) -> models.QuerySet:
    about = Q(pk__in=[])
    for target, text_ids in _about(subject):
        about |= Q(object_type=target._meta.model_name, object_id__in=text_ids)
    return model._default_manager.filter(about | _mentions(subject, model))


def _history_rows(subject: Subject, model) -> models.QuerySet:
    about = Q(pk__in=[])
    for target, text_ids in _about(subject):
        content_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        about |= Q(content_type=content_type, object_id__in=text_ids)
    return model._default_manager.filter(about | _mentions(subject, model))


def _rubric_scores(subject: Subject, model) -> models.QuerySet:
    # Cached rubric scores are keyed by the hash of a masked profile: the person's are those of the
    # profiles stored for them (their candidate rows and decisions), deleted before those rows go.
    ids = subject.candidate_ids
    profiles = [
        *Candidate.objects.filter(pk__in=ids).values_list("profile", flat=True),
        *ScreeningDecision.objects.filter(candidate__in=ids).values_list("profile", flat=True),
    ]
    return model._default_manager.filter(profile_hash__in=sorted(rubric.profile_hashes(profiles)))


_RULES = {
    "recruit.RawCard": _raw_cards,
    "recruit.RubricScore": _rubric_scores,
    "recruit.DoNotContact": _do_not_contact,
    "hunter_robot.AuditLog": _audit_rows,
    "admin.LogEntry": _history_rows,
}


def _lower_in(queryset: models.QuerySet, column: str, values: set[str]) -> models.QuerySet:
    return queryset.annotate(**{f"{column}_lower": Lower(column)}).filter(**{f"{column}_lower__in": sorted(values)})


def subject_find(identifiers: Identifiers) -> Subject:
    """The person the identifiers name, on every platform and in every team. NotFound when no stored
    candidate matches.

    Transitive: each round adds the candidates whose conversations hold a known phone, WeChat id or
    e-mail (contact records, and WeChat friends by `search_id`), then the identifiers those
    candidates gave, until nothing new turns up. A WeChat id that is a phone number counts as both
    (WeChat finds people by phone). A few statements per round; people have a handful of rows.
    """
    by_platform = Q(pk__in=[])
    for platform, cid in identifiers.platform_ids:
        by_platform |= Q(platform=platform, platform_cid=cid)
    named = set(Candidate.objects.filter(by_platform).values_list("pk", flat=True))
    candidates = set(named)
    phones, wechats, emails = set(identifiers.phones), set(), set(identifiers.emails)
    for wechat in identifiers.wechat_ids:
        _add_identifiers(phones, wechats, emails, wechat=wechat)
    while True:
        before = (len(candidates), len(phones), len(wechats), len(emails))
        wechat_like = wechats | phones
        records = ContactRecord.objects.all()
        matched = (
            set(records.filter(phone__in=sorted(phones)).values_list("conversation__candidate", flat=True))
            | set(_lower_in(records, "wechat", wechat_like).values_list("conversation__candidate", flat=True))
            | set(_lower_in(records, "email", emails).values_list("conversation__candidate", flat=True))
            | set(
                _lower_in(apps.get_model("wechat.WechatFriend")._default_manager, "search_id", wechat_like).values_list(
                    "conversation__candidate", flat=True
                )
            )
        )
        candidates |= matched
        given = ContactRecord.objects.filter(conversation__candidate__in=candidates).values_list(
            "phone", "wechat", "email"
        )
        friends = apps.get_model("wechat.WechatFriend")._default_manager.filter(conversation__candidate__in=candidates)
        for phone, wechat, email in given:
            _add_identifiers(phones, wechats, emails, phone=phone, wechat=wechat, email=email)
        for search_id in friends.values_list("search_id", flat=True):
            _add_identifiers(phones, wechats, emails, wechat=search_id)
        if (len(candidates), len(phones), len(wechats), len(emails)) == before:
            break
    if not candidates:
        raise NotFound("identifiers: no stored candidate matches them")
    rows = list(Candidate.objects.filter(pk__in=candidates).order_by("pk"))
    anchor = next((c for c in rows if c.pk in named), rows[0])
    return Subject(
        anchor=anchor,
        candidate_ids=frozenset(candidates),
        platform_ids={(c.platform, c.platform_cid) for c in rows},
        phones=phones,
        wechat_ids=wechats,
        emails=emails,
    )


def _add_identifiers(phones: set, wechats: set, emails: set, *, phone="", wechat="", email="") -> None:
    if phone:
        phones.add(normalise_phone(phone) or phone)
    if wechat:
        wechats.add(wechat.lower())
        as_phone = normalise_phone(wechat)
        if as_phone:
            phones.add(as_phone)
    if email:
        emails.add(email.lower())


def subject_counts(subject: Subject) -> dict[str, int]:
    """Rows about the person per SUBJECT model (those with any), in registry order."""
    counts = {label: subject.rows(label).count() for label in SUBJECT}
    return {label: n for label, n in counts.items() if n}


def _file_fields(model) -> list[models.FileField]:
    names = PERSONAL.get(model._meta.label, {})
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField) and f.name in names]


def subject_files(subject: Subject) -> list[tuple[str, int, models.FileField, str]]:
    """(label, pk, field, stored name) of every file the person's rows hold."""
    found = []
    for label in SUBJECT:
        model = apps.get_model(label)
        for file_field in _file_fields(model):
            rows = subject.rows(label).exclude(**{file_field.name: ""}).exclude(**{f"{file_field.name}__isnull": True})
            found += [(label, pk, file_field, name) for pk, name in rows.values_list("pk", file_field.name)]
    return found


# --- Export ----------------------------------------------------------------------------------------


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _archive_file(archive: zipfile.ZipFile, field_file, arcname: str) -> bool:
    """Copy a stored file into the archive in chunks (a large CV never sits in memory); False when the
    file is gone from storage."""
    try:
        with (
            field_file.storage.open(field_file.name, "rb") as source,
            archive.open(arcname, "w", force_zip64=True) as target,
        ):
            shutil.copyfileobj(source, target, COPY_CHUNK)
    except FileNotFoundError:
        return False
    return True


def subject_export(subject: Subject, *, out: BinaryIO, user=None, via: str = "") -> dict[str, int]:
    """Write everything stored about the person to `out` as one zip: `manifest.json` (every row of every
    SUBJECT model about them, all columns, which fields hold personal data of which kind, the kinds
    present, and the jobs, accounts and teams the rows point at) and the files (CVs) under `files/`,
    copied in chunks. Returns the rows exported per model. Writes an audit row (who, when, the
    person's keyed hash, the counts; never a value).
    """
    items: dict[str, list[dict]] = {}
    files: list[dict] = []
    kinds: set[str] = set()
    context: dict[str, set] = defaultdict(set)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for label in SUBJECT:
            model = apps.get_model(label)
            personal = PERSONAL.get(label, {})
            rows = []
            for obj in subject.rows(label).order_by("pk").iterator(chunk_size=500):
                values = {}
                for column in model._meta.concrete_fields:
                    value = column.value_from_object(obj)
                    if isinstance(column, models.FileField):
                        value = _export_file(archive, files, label, obj.pk, column, value)
                    elif (
                        column.is_relation and value is not None and column.related_model._meta.label in CONTEXT_MODELS
                    ):
                        context[column.related_model._meta.label].add(value)
                    if column.name in personal and not _is_empty(value):
                        kinds.add(str(personal[column.name]))
                    values[column.attname] = value
                rows.append({"pk": obj.pk, "fields": values})
            if rows:
                items[label] = rows
        manifest = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "generated_at": timezone.now(),
            "person": subject.person,
            "identifiers": {
                "platform_ids": [{"platform": p, "id": cid} for p, cid in sorted(subject.platform_ids)],
                "phones": sorted(subject.phones),
                "wechat_ids": sorted(subject.wechat_ids),
                "emails": sorted(subject.emails),
            },
            "kinds": sorted(kinds),
            "personal_fields": {label: {k: str(v) for k, v in PERSONAL.get(label, {}).items()} for label in items},
            "counts": {label: len(rows) for label, rows in items.items()},
            "items": items,
            "files": files,
            "context": {
                label: {str(obj.pk): str(obj) for obj in apps.get_model(label)._default_manager.filter(pk__in=ids)}
                for label, ids in sorted(context.items())
            },
        }
        text = json.dumps(manifest, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
        archive.writestr("manifest.json", text)
    counts = manifest["counts"]
    _audit(user=user, action=AuditAction.SUBJECT_EXPORT, subject=subject, counts=counts, files=len(files), via=via)
    return counts


def _export_file(archive, files: list[dict], label: str, pk: int, column, field_file) -> str:
    """The archive path of a row's file (copied now), "" when the row holds none."""
    if not field_file:
        return ""
    model_name = label.split(".")[1].lower()
    arcname = f"files/{model_name}-{pk}-{column.name}/{PurePosixPath(field_file.name).name}"
    present = _archive_file(archive, field_file, arcname)
    files.append(
        {"item": label, "pk": pk, "field": column.name, "path": arcname if present else None, "missing": not present}
    )
    return arcname if present else ""


# --- Erasure ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureResult:
    person: str
    counts: dict[str, int]  # per model label: rows deleted, anonymised or blanked
    files: int
    do_not_contact: bool  # whether the keyed-hash do-not-contact entries were kept (and completed)


def _locked(identifiers: Identifiers) -> Subject:
    """The person, their conversations then candidate rows locked (`SELECT … FOR UPDATE`), in the order
    the chat and WeChat write paths take them. Found again under the locks until nothing new turns up:
    a row written meanwhile is either seen (and erased) or waits for this transaction."""
    locked: set[int] = set()
    for _round in range(5):
        subject = subject_find(identifiers)
        new = sorted(subject.candidate_ids - locked)
        if not new:
            return subject
        list(
            Conversation.objects.select_for_update(of=("self",))
            .filter(candidate__in=new)
            .order_by("pk")
            .values_list("pk")
        )
        list(Candidate.objects.select_for_update().filter(pk__in=new).order_by("pk").values_list("pk"))
        locked.update(new)
    raise Conflict("identifiers: the person's records kept changing during the erasure; try again")


def _emptied(column: models.Field):
    if isinstance(column, (models.CharField, models.TextField)):
        return ""
    if column.null:
        return None
    return column.get_default()


def subject_erase(*, identifiers: Identifiers, user=None, do_not_contact: bool = False, via: str = "") -> ErasureResult:
    """Erase everything stored about the person, in one transaction, as SUBJECT says per model: rows
    deleted (children first; pending notifications and WeChat tasks with them), greetings kept as
    anonymous counts, audit and console-history rows kept with their personal text emptied. Their
    files are deleted once the transaction commits (a rollback keeps them).

    The keyed-hash do-not-contact entries are kept, and completed with every identifier of the person,
    when they asked not to be contacted (a declined conversation, a flagged candidate, an identifier
    already listed) or `do_not_contact` is set; nothing else of theirs remains. Writes an audit row
    (who, when, the person's keyed hash, the counts; never a value).

    Concurrency: see `_locked`; SQLite (no row locks) serialises the whole transaction instead.
    """
    with transaction.atomic():
        subject = _locked(identifiers)
        keep = do_not_contact or subject.asked_not_to_be_contacted()
        if keep:
            DoNotContact.objects.bulk_create(
                [
                    DoNotContact(kind=kind, value_hash=value, reason="erasure")
                    for kind, value in subject.identity_hashes()
                ],
                ignore_conflicts=True,
            )
        files = subject_files(subject)
        doomed = {
            label: list(subject.rows(label).values_list("pk", flat=True))
            for label, holding in SUBJECT.items()
            if holding.erasure == Erasure.DELETE
        }
        counts: dict[str, int] = defaultdict(int)
        for label, holding in SUBJECT.items():
            if holding.erasure == Erasure.BLANK:
                model = apps.get_model(label)
                columns = [model._meta.get_field(name) for name in PERSONAL[label]]
                counts[label] += subject.rows(label).update(**{c.name: _emptied(c) for c in columns})
            elif holding.erasure == Erasure.ANONYMISE:
                counts[label] += subject.rows(label).update(**{holding.path: None})
        for label in reversed(SUBJECT):
            pks = doomed.get(label, [])
            model = apps.get_model(label)
            for start in range(0, len(pks), DELETE_BATCH):
                _total, per_model = model._default_manager.filter(pk__in=pks[start : start + DELETE_BATCH]).delete()
                for deleted_label, n in per_model.items():
                    counts[deleted_label] += n
        counts = {label: n for label, n in counts.items() if n}
        _audit(
            user=user,
            action=AuditAction.SUBJECT_ERASE,
            subject=subject,
            counts=counts,
            files=len(files),
            via=via,
            extra="do_not_contact=kept" if keep else "do_not_contact=none",
        )
        transaction.on_commit(partial(_files_delete, [(f.storage, name) for _l, _pk, f, name in files]))
    return ErasureResult(person=subject.person, counts=counts, files=len(files), do_not_contact=keep)


def _files_delete(files: list) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError as exc:
            # The name is random, but a path says nothing useful here either; the row is gone already.
            logger.warning("subject erasure: a file could not be deleted (%s)", type(exc).__name__)


# --- Audit -----------------------------------------------------------------------------------------


def _audit(*, user, action: str, subject: Subject, counts: dict[str, int], files: int, via: str, extra: str = ""):
    """One audit row about the person: `object_type` "person" and their keyed hash as `object_id`
    (searchable, and no admin page of any team shows it: superusers only); the detail lists the
    counts per model, never a value."""
    parts = [f"{label.split('.')[1].lower()}={n}" for label, n in counts.items()]
    parts += [f"files={files}", *([extra] if extra else []), *([f"via={via}"] if via else [])]
    return AuditLog.objects.create(
        user=user, action=action, object_type="person", object_id=subject.person, detail=" ".join(parts)[:255]
    )
