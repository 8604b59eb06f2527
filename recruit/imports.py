"""Jobs in bulk: importing jobs from a spreadsheet (CSV or XLSX), and the spreadsheet's template.

The columns are the job page's fields — the job admin's form: team, platform and platform job id, name,
criteria, scripts, notification and WeChat settings — headed by their labels (a file may also head them
with the field names or the English labels). Every row is validated by that same form (its fields' and
the model's validators, `Job.clean`, the form's own checks), so a value is accepted from a file exactly
when it would be accepted typed on the job's page. The template is an export of the same columns; its
cells read back unchanged (re-importing an export changes nothing).

A row is one job, found by (platform, platform job id): the key the bots know it by, unique across teams,
so importing the same file again updates, or leaves unchanged, what the first import created.
Team scoping (CONTRACT §8): a row may create a job only in one of the user's teams (the team column, by
name; it may be left out by a user of exactly one team) and update only a job of the user's teams, never
moving it to another team. A row naming another team's job or team is an error row; no message names
another team or anything of its jobs. Superusers may import into any team.

Cells: a blank cell clears an optional field; in a field that cannot be empty (platform, name, the
switches, numbers with a default …) it keeps the job's value, or the default for a new job. A list
(cities, keywords, contact asks …) is one item per line within the cell, as on the job page. Text that a
spreadsheet would run as a formula is written with a leading `'` (recruit.exports.safe_text), which
reading removes again.

The console's pages (preview, confirm) are django-import-export's (recruit.admin.imports); this module
knows the columns, the rows and the audit record, not HTTP. Concurrency: a file is imported in one
transaction; each existing job a row names is locked (`select_for_update`) until it commits, so a
concurrent import or edit of the same job waits instead of being overwritten unseen; of two imports
creating the same job at once, the unique (platform, platform job id) lets one commit, and the other's
row becomes an error row and its whole import rolls back.
"""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

import tablib
from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import RowResult

from hunter_robot.audit import AuditAction
from hunter_robot.models import Team
from hunter_robot.services import audit_record
from recruit.exports import safe_text
from recruit.models import Job
from recruit.platforms.ids import canonical_platform
from recruit.platforms.profile import canonical_degree

logger = logging.getLogger(__name__)

MAX_ROWS = 2000
"""Rows one file may hold: an import is one transaction, previewed on one page."""
MAX_BYTES = 5 * 1024 * 1024
KEY_COLUMNS = ("platform", "platform_id")
"""The columns every file needs: a row's job is found by them."""
_CELL_SHOWN = 80  # characters of a value shown in the preview
_NAMED_BY_ROW = ("team", *KEY_COLUMNS, "name")  # the preview shows them as the row's job and team


class ImportFileError(ValueError):
    """A file that cannot be imported as a whole (unreadable, empty, unknown or missing columns); the
    message says why, in the user's language."""


# --- Columns: the job form's fields ---------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str  # the form field (and Job field) the column sets
    header: str  # its label in the active language: the template's header
    kind: str  # team | platform | degree | choice | bool | int | text
    labels: dict  # stored value -> label in the active language (choice kinds)
    choices: dict  # normalised value or label, in any language -> stored value (choice kinds)
    aliases: frozenset  # normalised headers read as this column


def _norm(text: object) -> str:
    """A header or a choice as compared: no spaces, lower case, no required-field star."""
    return "".join(str(text).split()).lower().rstrip("*")


def _kind(name: str, field: forms.Field) -> str:
    if isinstance(field, forms.ModelChoiceField):
        if name != "team":
            raise ImproperlyConfigured(f"the job import reads relations by name; add a lookup for {name!r}")
        return "team"
    if name == "platform":
        return "platform"
    if name == "min_degree":
        return "degree"
    if isinstance(field, forms.BooleanField):
        return "bool"
    if isinstance(field, forms.IntegerField):
        return "int"
    if isinstance(field, forms.ChoiceField):
        return "choice"
    return "text"


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def columns(form_class: type[forms.ModelForm]) -> list[Column]:
    """The import's columns: the fields of the job form, in its order."""
    found = []
    for name, field in form_class.base_fields.items():
        kind = _kind(name, field)
        aliases = {_norm(name)}
        choices: dict[str, str] = {}
        for language in _languages():
            with translation.override(language):
                aliases.add(_norm(field.label))
                if kind in ("platform", "degree", "choice"):
                    for value, label in field.choices:
                        if value != "":
                            choices.setdefault(_norm(value), value)
                            choices.setdefault(_norm(label), value)
        labels = {value: str(label) for value, label in field.choices if value != ""} if choices else {}
        found.append(Column(name, str(field.label), kind, labels, choices, frozenset(aliases)))
    return found


# --- Cells ----------------------------------------------------------------------------------------

KEEP = object()
"""A cell that leaves the job's value (or a new job's default) as it is."""
_TRUE = {"是", "true", "yes", "y", "1", "启用", "on", "t", "√", "✓"}
_FALSE = {"否", "false", "no", "n", "0", "停用", "off", "f", "×", "✗"}


def cell_text(value: object) -> str:
    """A cell as text: numbers as written (XLSX gives 1001 for "1001"), line breaks as "\\n", and the
    apostrophe that keeps a spreadsheet from running text as a formula removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.replace(microsecond=0).isoformat(sep=" ")
    elif isinstance(value, date | time):
        value = value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("'") and safe_text(text[1:]) == text:
        text = text[1:]
    return text


def _blank(values: Iterable[object]) -> bool:
    return all(value is None or not str(value).strip() for value in values)


def _same_text(new: object, old: object) -> bool:
    def lines(text: object) -> str:
        return str(text).replace("\r\n", "\n").replace("\r", "\n").strip()

    return isinstance(new, str) and isinstance(old, str) and lines(new) == lines(old)


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= _CELL_SHOWN else text[: _CELL_SHOWN - 1] + "…"


# --- Files ----------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without the BOM Excel writes), or GBK as Excel in China saves
    it (read as GB18030, its superset)."""
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("这是一个 XLSX 文件：请在“格式”中选择 xlsx。"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("无法识别文件的编码：请另存为 UTF-8 或 GBK 编码的 CSV。"))


def checked(dataset: tablib.Dataset) -> tablib.Dataset:
    rows = sum(1 for row in dataset if not _blank(row))
    if rows == 0:
        raise ImportFileError(_("文件中没有数据：第一行是列名，从第二行起每行一个岗位。"))
    if rows > MAX_ROWS:
        raise ImportFileError(
            _("一个文件最多导入 %(max)d 行，这个文件有 %(rows)d 行：请分成几个文件。") % {"max": MAX_ROWS, "rows": rows}
        )
    return dataset


class CSV(base_formats.CSV):
    """CSV as spreadsheets save it, read as bytes and decoded here (`decode_text`)."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream):
        text = decode_text(in_stream) if isinstance(in_stream, bytes) else in_stream
        return checked(tablib.import_set(text, format="csv"))


class XLSX(base_formats.XLSX):
    """The first sheet of an XLSX workbook."""

    def create_dataset(self, in_stream):
        return checked(super().create_dataset(in_stream))


# --- Rows -----------------------------------------------------------------------------------------


class JobRowResult(RowResult):
    """A row's outcome with what the preview shows of it."""

    def __init__(self):
        super().__init__()
        self.line = 0  # the row's number in the spreadsheet (its header is row 1)
        self.job = ""  # the job as the row names it
        self.team_id: int | None = None
        self.team = ""
        self.changes: list[tuple[str, str, str]] = []  # an update: (column, before, after)
        self.values: list[tuple[str, str]] = []  # a new job: (column, value) of the filled columns
        self.problems: list[tuple[str, list[str]]] = []  # an error row: (column or "", messages)


class JobResource(resources.Resource):
    """Jobs as spreadsheet rows: `columns(form_class)`, validated by `form_class` (the job admin's form,
    as the console builds it for `user`: its team field offers only the user's teams)."""

    class Meta:
        instance_loader_class = BaseInstanceLoader  # rows are looked up by get_or_init_instance
        use_transactions = True
        skip_diff = True  # the preview shows the changed fields (JobRowResult), not an HTML diff
        report_skipped = True

    @classmethod
    def get_display_name(cls):
        return _("岗位")

    @classmethod
    def get_row_result_class(cls):
        return JobRowResult

    def __init__(self, *, user, form_class: type[forms.ModelForm], **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.form_class = form_class
        self.columns = columns(form_class)
        self.by_name = {column.name: column for column in self.columns}
        self.fields = OrderedDict(
            (column.name, Field(attribute=column.name, column_name=column.header)) for column in self.columns
        )
        missing = [name for name in (*KEY_COLUMNS, "team") if name not in self.by_name]
        if missing:
            raise ImproperlyConfigured(f"the job form lacks {missing}: the import needs them")
        self.own_teams = list(user.teams.order_by("name"))
        self._teams_named = {team.name: team for team in self.own_teams}
        self._lines: list[int] = []
        self._seen: dict[tuple[str, str], int] = {}
        self._row: dict = {}
        self._dry_run = True

    # --- whose jobs ---

    def get_queryset(self) -> QuerySet[Job]:
        jobs = Job.objects.select_related("team")
        return jobs if self.user.is_superuser else jobs.filter(team__in=self.own_teams)

    def _may_use(self, team_id: int) -> bool:
        return self.user.is_superuser or any(team.pk == team_id for team in self.own_teams)

    def _team_named(self, name: str) -> Team | None:
        if name not in self._teams_named and self.user.is_superuser:
            self._teams_named[name] = Team.objects.filter(name=name).first()
        return self._teams_named.get(name)

    # --- the file ---

    def import_data(self, dataset, dry_run=False, **kwargs):
        self._dry_run = dry_run
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def before_import(self, dataset, **kwargs):
        """Read the header row (labels, field names or English labels, in any order), refuse a file with
        unknown, repeated or missing key columns, and drop blank rows, remembering each row's number."""
        headers = list(dataset.headers or [])
        aliases = {alias: column for column in self.columns for alias in column.aliases}
        positions: dict[str, int] = {}
        unknown, repeated = [], []
        for index, header in enumerate(headers):
            text = "" if header is None else str(header).strip()
            if not text:
                if _blank(row[index] for row in dataset):
                    continue  # an empty column a spreadsheet left behind
                unknown.append(gettext("第 %(n)d 列（没有列名）") % {"n": index + 1})
                continue
            column = aliases.get(_norm(text))
            if column is None:
                unknown.append(text)
            elif column.name in positions:
                repeated.append(column.header)
            else:
                positions[column.name] = index
        problems = []
        if unknown:
            problems.append(gettext("无法识别的列：%(columns)s") % {"columns": "、".join(unknown)})
        if repeated:
            problems.append(gettext("重复的列：%(columns)s") % {"columns": "、".join(repeated)})
        missing = [self.by_name[name].header for name in KEY_COLUMNS if name not in positions]
        if missing:
            problems.append(gettext("缺少必需的列：%(columns)s") % {"columns": "、".join(missing)})
        if problems:
            dataset.wipe()  # no row is read from a file whose columns are wrong
            raise ImportFileError("；".join(problems))
        rows, self._lines = [], []
        for number, row in enumerate(dataset, start=2):
            values = [row[index] for index in positions.values()]
            if not _blank(values):
                rows.append(values)
                self._lines.append(number)
        dataset.wipe()
        dataset.headers = [self.by_name[name].header for name in positions]
        for values in rows:
            dataset.append(values)
        self._seen = {}

    # --- one row ---

    def _cell(self, row, name: str) -> object:
        return row.get(self.by_name[name].header)

    def _form_value(self, column: Column, raw: object, instance: Job) -> object:
        """What the form gets for `column` from the cell `raw` (KEEP: the job's value). Values the form
        would reject are passed on as they are, so its own message names the problem."""
        if column.kind == "team":
            return self._team_value(raw, instance)
        text = cell_text(raw)
        if not text.strip():
            required = self.form_class.base_fields[column.name].required
            return KEEP if required or column.kind == "bool" else ""
        if column.kind == "bool":
            if isinstance(raw, bool):
                return raw
            key = _norm(text)
            yes = _TRUE | {_norm(gettext("是"))}
            no = _FALSE | {_norm(gettext("否"))}
            if key in yes or key in no:
                return key in yes
            raise ValueError(gettext("请填写“是”或“否”"))
        if column.kind == "platform":
            return canonical_platform(text) or column.choices.get(_norm(text), text.strip())
        if column.kind == "degree":
            return canonical_degree(text) or column.choices.get(_norm(text), text.strip())
        if column.kind == "choice":
            return column.choices.get(_norm(text), text.strip())
        return text

    def _team_value(self, raw: object, instance: Job) -> object:
        name = cell_text(raw).strip()
        if not name:
            if instance.pk is not None:
                return KEEP
            if len(self.own_teams) == 1:
                return self.own_teams[0].pk
            raise ValueError(gettext("请填写团队（您属于多个团队）") if self.own_teams else gettext("请填写团队"))
        team = self._team_named(name)
        if team is None or not self._may_use(team.pk):
            # The same words whether or not another team has this name (CONTRACT §8).
            raise ValueError(gettext("没有这个团队") if self.user.is_superuser else gettext("不是您所在的团队"))
        if instance.pk is not None and team.pk != instance.team_id:
            raise ValueError(gettext("导入不能更换已有岗位的团队"))
        return team.pk

    def import_row(self, row, instance_loader, **kwargs):
        line = self._lines[kwargs["row_number"] - 1] if self._lines else kwargs["row_number"] + 1
        self._row = {"line": line, "changes": [], "values": [], "changed": [], "team": None}
        result = super().import_row(row, instance_loader, **kwargs)
        result.line = line
        name = cell_text(self._cell(row, "name")).strip() if "name" in self.by_name else ""
        key = " ".join(cell_text(self._cell(row, field)).strip() for field in KEY_COLUMNS).strip()
        result.job = f"{name}（{key}）" if name and key else name or key
        team = self._row["team"]
        if team is not None:
            result.team_id, result.team = team.pk, team.name
        result.changes, result.values = self._row["changes"], self._row["values"]
        if result.validation_error is not None:
            for field, messages in result.validation_error.message_dict.items():
                column = self.by_name.get(field)
                result.problems.append(("" if field == NON_FIELD_ERRORS or column is None else column.header, messages))
        elif result.errors:
            for error in result.errors:
                logger.error("job import: row %s failed", line, exc_info=error.error)
            result.problems.append(("", [gettext("处理这一行时出错，整个文件都没有导入；请稍后重试。")]))
        return result

    def get_or_init_instance(self, instance_loader, row):
        """The job the row names, by (platform, platform job id), locked; a new one when none has the
        key. Another team's job is an error, said without naming anything of it."""
        platform = self._form_value(self.by_name["platform"], self._cell(row, "platform"), Job())
        code = cell_text(self._cell(row, "platform_id")).strip()
        if platform is KEEP or not code or platform not in self.by_name["platform"].labels:
            return self.init_instance(row), True  # the form says what is missing or wrong
        first = self._seen.setdefault((platform, code), self._row["line"])
        if first != self._row["line"]:
            raise ValidationError(
                {"platform_id": gettext("和第 %(line)d 行是同一个岗位：一个岗位只能出现一次") % {"line": first}}
            )
        job = Job.objects.select_for_update().filter(platform=platform, platform_id=code).first()
        if job is None:
            return self.init_instance(row), True
        if not self._may_use(job.team_id):
            raise ValidationError({"platform_id": gettext("这个平台岗位ID已被其他团队的岗位使用，不能导入")})
        return job, False

    def init_instance(self, row=None):
        return Job()

    def import_instance(self, instance, row, **kwargs):
        """Set the job's fields through the job form: the row's cells over the job's own values (a new
        job's defaults), validated as if typed on the job's page."""
        names = list(self.form_class.base_fields)
        data = {name: "" if value is None else value for name, value in model_to_dict(instance, fields=names).items()}
        errors: dict[str, list[str]] = {}
        for column in self.columns:
            if column.header not in row and column.kind != "team":
                continue
            try:
                value = self._form_value(column, row.get(column.header), instance)
            except ValueError as error:
                errors[column.name] = [str(error)]
                continue
            if value is KEEP or (column.kind == "text" and _same_text(value, data[column.name])):
                continue  # (text typed in the browser is stored with "\r\n": the same lines)
            data[column.name] = value
        form = self.form_class(data=data, instance=instance)
        if not form.is_valid():
            for name, found in form.errors.as_data().items():
                if name not in errors:
                    errors[name] = [message for error in found for message in error.messages]
        if errors:
            raise ValidationError(errors)
        self._row["team"] = form.cleaned_data["team"]
        self._row["changed"] = list(form.changed_data)
        if instance.pk is None:
            self._row["values"] = [
                (column.header, self._display(column, form.cleaned_data[column.name]))
                for column in self.columns
                if column.name in form.changed_data
                and column.name not in _NAMED_BY_ROW
                and form.cleaned_data[column.name] not in (None, "")
            ]
        else:
            self._row["changes"] = [
                (
                    self.by_name[name].header,
                    self._display(self.by_name[name], form.initial.get(name)),
                    self._display(self.by_name[name], form.cleaned_data[name]),
                )
                for name in form.changed_data
            ]

    def _display(self, column: Column, value: object) -> str:
        if value is None or value == "":
            return gettext("（空）")
        if column.kind == "team":
            return value.name if isinstance(value, Team) else ""
        if column.kind == "bool":
            return gettext("是") if value else gettext("否")
        return _shown(column.labels.get(value, value))

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """An existing job the row would not change: reported as unchanged, not saved."""
        return instance.pk is not None and not import_validation_errors and not self._row["changed"]

    def do_instance_save(self, instance, is_create):
        # An update writes only the fields its row changed.
        fields = None if is_create else [*self._row["changed"], "updated_at"]
        try:
            with transaction.atomic():
                instance.save(force_insert=is_create, update_fields=fields)
        except IntegrityError:
            # Someone created a job with this key since the row was read (the unique constraint).
            raise ValidationError(
                {"platform_id": gettext("同一平台岗位ID的岗位刚刚被创建，没有导入：请重新上传文件。")}
            ) from None

    def after_import(self, dataset, result, **kwargs):
        """The audit record, one per team the import wrote to, in the import's transaction: who, the
        file, and the rows created, updated and left unchanged."""
        if self._dry_run or result.has_errors() or result.has_validation_errors():
            return
        counts: dict[int, Counter] = defaultdict(Counter)
        for row in result.rows:
            if row.team_id is not None:
                counts[row.team_id][row.import_type] += 1
        file_name = kwargs.get("file_name") or "-"
        for team in Team.objects.filter(pk__in=counts).order_by("pk"):
            count = counts[team.pk]
            detail = (
                f"{file_name}：新建 {count[RowResult.IMPORT_TYPE_NEW]}，更新 {count[RowResult.IMPORT_TYPE_UPDATE]}，"
                f"未变 {count[RowResult.IMPORT_TYPE_SKIP]}"
            )
            audit_record(user=self.user, action=AuditAction.JOB_IMPORT, obj=team, detail=detail)

    # --- the template: an export of the same columns ---

    def get_export_headers(self, selected_fields=None):
        return [column.header for column in self.columns]

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("team").order_by("team__name", "platform", "platform_id")

    def export_resource(self, instance, selected_fields=None, **kwargs):
        return [self._export_cell(column, instance) for column in self.columns]

    def _export_cell(self, column: Column, job: Job) -> object:
        """A cell as `_form_value` reads it back to the same value."""
        value = getattr(job, column.name)
        if column.kind == "team":
            return safe_text(value.name)
        if column.kind == "bool":
            return gettext("是") if value else gettext("否")
        if column.kind == "int":
            return "" if value is None else value
        if column.kind in ("platform", "degree", "choice"):
            return safe_text(column.labels.get(value, value or ""))
        return safe_text(value or "")
