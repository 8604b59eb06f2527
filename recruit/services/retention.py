"""Retention per kind of candidate data (CONTRACT §8): what is past its age is deleted, or its personal
fields blanked where the row also carries what the funnel counts.

Each kind's days come from `settings.RETENTION_DAYS` (keys are `personal_data.Kind` names; 0 or empty
keeps the kind forever). What a row's age is, and what goes, per kind:

- raw_card: a raw card not seen again for N days (`seen_at`, refreshed at every sighting) is deleted;
  candidates and decisions pointing at it keep their rows (the reference is set null). A candidate's
  stored profile (parsed from the cards) that no card has refreshed for N days is cleared.
- message: transcript lines, on the platform and on WeChat, recorded more than N days ago are deleted,
  and so are finished WeChat tasks created that long ago (they carry the text sent). Conversations, with
  their counters and milestones, stay: the dashboard's funnel counts them and they hold no personal data.
- contact: the phone, WeChat id and e-mail of a contact record unchanged for N days are blanked (the row,
  its "exchanged" flags and the conversation's milestones stay); a WeChat friend silent for N days (since
  its last message, else its creation) has its WeChat id replaced by `~<row id>` (the column is unique
  per WeChat account, so it needs a placeholder, and no WeChat id starts with "~").
- cv: the CV file of a contact record unchanged for N days is deleted and its file name blanked (type,
  size and the "received" flag stay). Files are deleted after their batch has committed; a CV file older
  than N days that no row references (an interruption between a commit and the deletion) goes too.
- decision: screening decisions made more than N days ago (reasons, per-criterion values and the profile
  they were made on) are deleted.
- audit: audit rows written more than N days ago are deleted.

Rows go in batches of `RETENTION_BATCH` ids. The ids are read in primary-key order after the previous
batch's last one (one pass over each table per run, however much goes), then each batch is one short
transaction that locks those of its rows still past their age (SKIP LOCKED: a row being written right
now waits for the next run) and deletes or blanks them by id. Nothing is held between batches, so a bot
or the console waits on this task at most one batch. Each kind's pass is recorded (`RetentionRun`), its
counts committed with the batch they count. Running again removes nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import F, Max, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hunter_robot.models import AuditLog
from recruit.models import (
    Candidate,
    ContactRecord,
    Message,
    RawCard,
    RetentionRun,
    RubricScore,
    ScreeningDecision,
    private_storage,
)
from wechat.models import WechatFriend, WechatTask

logger = logging.getLogger(__name__)

Kind = RetentionRun.RetainedKind
CV_FOLDER = "cv"  # where `ContactRecord.cv_file` uploads go in the private storage
WECHAT_ID_PLACEHOLDER = "~"  # prefix of a retired friend's search_id; WeChat ids start with a letter


@dataclass(frozen=True)
class Target:
    """One table a kind is enforced on: its rows past their age (still holding the data), and what
    happens to the locked ones (returns how many changed; may name files to delete after the commit)."""

    rows: Callable[[datetime], QuerySet]
    apply: Callable[[QuerySet, list[str]], int]


@dataclass(frozen=True)
class Rule:
    kind: Kind
    age: Promise  # what a row's age is and what goes, for the console
    targets: tuple[Target, ...]
    sweeps_files: bool = False


def _delete(rows: QuerySet, files: list[str]) -> int:
    _total, per_model = rows.delete()
    return per_model.get(rows.model._meta.label, 0)


def _clear_profile(rows: QuerySet, files: list[str]) -> int:
    return rows.update(profile=None)


def _blank_contacts(rows: QuerySet, files: list[str]) -> int:
    return rows.update(phone="", wechat="", email="")


def _retire_wechat_id(rows: QuerySet, files: list[str]) -> int:
    return rows.update(search_id=Concat(Value(WECHAT_ID_PLACEHOLDER), Cast("pk", models.CharField())))


def _drop_cv(rows: QuerySet, files: list[str]) -> int:
    files += rows.values_list("cv_file", flat=True)
    return rows.update(cv_file="", cv_name="")


def _friends_silent_since(cutoff: datetime) -> QuerySet:
    silent = Q(last_message_at__lt=cutoff) | Q(last_message_at__isnull=True, created_at__lt=cutoff)
    return WechatFriend.objects.filter(silent).exclude(search_id__startswith=WECHAT_ID_PLACEHOLDER)


RULES: dict[str, Rule] = {
    rule.kind.value: rule
    for rule in (
        Rule(
            Kind.RAW_CARD,
            _("最近一次出现早于期限的原始名片删除；候选人解析后的简历在期限内未被新名片更新的清空"),
            (
                Target(lambda cutoff: RawCard.objects.filter(seen_at__lt=cutoff), _delete),
                Target(
                    lambda cutoff: Candidate.objects.filter(updated_at__lt=cutoff, profile__isnull=False),
                    _clear_profile,
                ),
            ),
        ),
        Rule(
            Kind.MESSAGE,
            _("早于期限记录的聊天消息（平台和微信）及已结束的微信任务删除；会话及其里程碑保留"),
            (
                Target(lambda cutoff: Message.objects.filter(created_at__lt=cutoff), _delete),
                Target(
                    lambda cutoff: WechatTask.objects.filter(
                        created_at__lt=cutoff, status__in=[WechatTask.Status.DONE, WechatTask.Status.FAILED]
                    ),
                    _delete,
                ),
            ),
        ),
        Rule(
            Kind.CONTACT,
            _("期限内未更新的联系记录清空手机号、微信号和邮箱；期限内无消息的微信好友清除微信号"),
            (
                Target(
                    lambda cutoff: ContactRecord.objects.filter(updated_at__lt=cutoff).filter(
                        ~Q(phone="") | ~Q(wechat="") | ~Q(email="")
                    ),
                    _blank_contacts,
                ),
                Target(_friends_silent_since, _retire_wechat_id),
            ),
        ),
        Rule(
            Kind.CV,
            _("期限内未更新的联系记录删除简历文件并清空文件名；无记录引用的过期简历文件一并删除"),
            (
                Target(
                    lambda cutoff: ContactRecord.objects.filter(updated_at__lt=cutoff).exclude(cv_file=""),
                    _drop_cv,
                ),
            ),
            sweeps_files=True,
        ),
        Rule(
            Kind.DECISION,
            _("早于期限的筛选记录（原因、各项判定及所依据的简历）及评分缓存删除"),
            (
                Target(lambda cutoff: ScreeningDecision.objects.filter(created_at__lt=cutoff), _delete),
                Target(lambda cutoff: RubricScore.objects.filter(created_at__lt=cutoff), _delete),
            ),
        ),
        Rule(
            Kind.AUDIT,
            _("早于期限的审计记录删除"),
            (Target(lambda cutoff: AuditLog.objects.filter(created_at__lt=cutoff), _delete),),
        ),
    )
}


def retention_days() -> dict[str, int | None]:
    """Each kind's days from `settings.RETENTION_DAYS` (None: kept forever); ImproperlyConfigured
    for a kind that does not exist or a value that is not a whole number of days (also a system
    check, `recruit.E001`, so a typo stops the server from starting)."""
    configured = settings.RETENTION_DAYS
    unknown = sorted(set(configured) - set(RULES))
    if unknown:
        raise ImproperlyConfigured(f"RETENTION_DAYS: unknown kind {', '.join(unknown)} (known: {', '.join(RULES)})")
    days: dict[str, int | None] = {}
    for kind in RULES:
        raw = configured.get(kind)
        value = "" if raw is None else str(raw).strip()
        if not value:
            days[kind] = None
            continue
        if not value.isdigit():
            raise ImproperlyConfigured(f"RETENTION_DAYS: {kind}={value!r} is not a whole number of days (0: forever)")
        days[kind] = int(value) or None
    return days


def retention_enforce(*, now: datetime | None = None, batch: int | None = None) -> dict[str, int]:
    """Apply every kind's retention as of `now`; returns {kind: rows deleted or blanked} for the kinds
    with a period. Must not run inside a transaction (each batch is its own: `durable`)."""
    now = now or timezone.now()
    batch = batch or settings.RETENTION_BATCH
    removed = {}
    for kind, days in retention_days().items():
        if days is None:
            continue
        run = _enforce(RULES[kind], days=days, cutoff=now - timedelta(days=days), batch=batch)
        removed[kind] = run.removed
    return removed


def _enforce(rule: Rule, *, days: int, cutoff: datetime, batch: int) -> RetentionRun:
    run = RetentionRun.objects.create(kind=rule.kind, days=days, cutoff=cutoff, started_at=timezone.now())
    files_removed = 0
    for target in rule.targets:
        for files in _batches(target, cutoff, batch, run_id=run.pk):
            # The rows' change has committed: their files can go now.
            files_removed += _delete_files(files)
    if rule.sweeps_files:
        files_removed += _sweep_orphan_cvs(cutoff, batch)
    RetentionRun.objects.filter(pk=run.pk).update(files_removed=files_removed, finished_at=timezone.now())
    run.refresh_from_db()
    logger.info(
        "retention %s: %d removed, %d files, %d batches (cutoff %s)",
        rule.kind,
        run.removed,
        run.files_removed,
        run.batches,
        cutoff.isoformat(),
    )
    return run


def _batches(target: Target, cutoff: datetime, batch: int, *, run_id: int) -> Iterator[list[str]]:
    """Applies `target` batch by batch, each counted on the run in its own transaction; yields, after
    each commit, the files the batch's rows named."""
    last = None
    while True:
        pending = target.rows(cutoff).order_by("pk")
        if last is not None:
            pending = pending.filter(pk__gt=last)
        ids = list(pending.values_list("pk", flat=True)[:batch])
        if not ids:
            return
        last = ids[-1]
        files: list[str] = []
        with transaction.atomic(durable=True):
            # Still past its age (the WHERE again) and not being written right now (SKIP LOCKED).
            locked = target.rows(cutoff).filter(pk__in=ids).select_for_update(skip_locked=True)
            rows = target.rows(cutoff).model.objects.filter(pk__in=list(locked.values_list("pk", flat=True)))
            changed = target.apply(rows, files)
            RetentionRun.objects.filter(pk=run_id).update(removed=F("removed") + changed, batches=F("batches") + 1)
        yield files


def _delete_files(names: list[str]) -> int:
    deleted = 0
    for name in names:
        if not name:
            continue
        try:
            if private_storage.exists(name):
                private_storage.delete(name)
                deleted += 1
        except OSError:
            # Left for the orphan sweep of a later run; the row no longer names it.
            logger.warning("retention: could not delete a CV file", exc_info=True)
    return deleted


def _cv_files(folder: str = CV_FOLDER) -> Iterator[str]:
    if not private_storage.exists(folder):
        return
    dirs, files = private_storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for sub in dirs:
        yield from _cv_files(f"{folder}/{sub}")


def _sweep_orphan_cvs(cutoff: datetime, batch: int) -> int:
    """CV files older than the cutoff that no contact record names."""
    old = [name for name in _cv_files() if private_storage.get_modified_time(name) < cutoff]
    deleted = 0
    for start in range(0, len(old), batch):
        chunk = old[start : start + batch]
        named = set(ContactRecord.objects.filter(cv_file__in=chunk).values_list("cv_file", flat=True))
        deleted += _delete_files([name for name in chunk if name not in named])
    return deleted


def retention_policy() -> list[dict]:
    """For the console: each kind with its days (None: forever), what its age is, and its last run."""
    days = retention_days()
    latest = RetentionRun.objects.values("kind").annotate(last=Max("pk")).values("last")
    last_runs = {run.kind: run for run in RetentionRun.objects.filter(pk__in=latest)}
    return [
        {"kind": kind, "label": rule.kind.label, "days": days[kind], "age": rule.age, "last_run": last_runs.get(kind)}
        for kind, rule in RULES.items()
    ]
