"""The console's job import (django-import-export, on the job list), and its template.

导入 uploads a CSV (UTF-8 with or without a BOM, or GBK) or XLSX file and shows a preview: every row as
new, update, unchanged or error, the changed fields of an update and the errors of a row by column,
with nothing stored (a dry run rolled back). Confirming imports the same file in one transaction; if
anything changed since the preview so that a row fails, nothing is imported and the page says so.
Importing needs adding and changing jobs; what a row may touch (the user's teams) and how its cells are
read and validated is `recruit.imports`. 导出 is the template: the list's jobs (its filters and search,
the user's teams) in the same columns, for whoever may see the list.
"""

from __future__ import annotations

import os
import tempfile

from django import forms
from django.contrib import messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm
from import_export.results import RowResult
from unfold.contrib.import_export.forms import ExportForm, ImportForm

from recruit import imports
from recruit.admin.exports import CSV as ExportCSV

IMPORT_FORMATS = [imports.CSV, imports.XLSX]


class JobImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                _("文件太大：最多 %(mb)d MB。") % {"mb": imports.MAX_BYTES // (1024 * 1024)}, code="too_large"
            )
        return upload


class JobConfirmImportForm(ConfirmImportForm):
    """The preview's hidden fields, checked: a format of this import and an uploaded file still there."""

    format = forms.TypedChoiceField(
        choices=[(str(index), str(index)) for index in range(len(IMPORT_FORMATS))], coerce=int, widget=forms.HiddenInput
    )

    def clean_import_file_name(self):
        name = super().clean_import_file_name()
        if not os.path.isfile(os.path.join(tempfile.gettempdir(), name)):
            raise forms.ValidationError(_("上传的文件已失效，请重新上传。"), code="expired")
        return name


class JobImportExportMixin(ImportExportMixin):
    """Put before the ModelAdmin base of the job admin."""

    resource_classes = [imports.JobResource]
    import_formats = IMPORT_FORMATS
    export_formats = [ExportCSV, base_formats.XLSX]
    import_form_class = JobImportForm
    confirm_form_class = JobConfirmImportForm
    export_form_class = ExportForm  # the columns are fixed: a format to pick, nothing else
    import_template_name = "admin/recruit/job/import.html"
    to_encoding = "utf-8-sig"  # the template as CSV starts with the BOM, for Excel

    def is_skip_import_confirm_enabled(self):
        return False  # always the preview first, whatever IMPORT_EXPORT_SKIP_ADMIN_CONFIRM says

    def has_import_permission(self, request):
        # An import creates and updates jobs (the rows it may touch: recruit.imports).
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        # Jobs hold no personal data: the template is the list's rows, for whoever may see the list.
        return self.has_view_or_change_permission(request)

    def resource_kwargs(self, request) -> dict:
        return {"user": request.user, "form_class": self.get_form(request)}

    def get_import_resource_kwargs(self, request, **kwargs):
        return self.resource_kwargs(request)

    def get_export_resource_kwargs(self, request, **kwargs):
        return self.resource_kwargs(request)

    def get_export_filename(self, request, queryset, file_format):
        return f"jobs-{timezone.localtime():%Y%m%d-%H%M}.{file_format.get_extension()}"

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, imports.ImportFileError):
            form.add_error("import_file", str(e))
        else:
            form.add_error("import_file", _("无法读取这个文件：请确认“格式”（CSV 或 XLSX）与文件一致。"))

    def process_dataset(self, dataset, form, request, **kwargs):
        # A row that fails at confirmation (the data changed since the preview) rolls the whole file back.
        return super().process_dataset(dataset, form, request, rollback_on_validation_errors=True, **kwargs)

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, _("没有导入任何数据：有的行出错了（可能预览之后岗位被修改过），请修正后重新上传。"))
            return self.import_page(request, result)
        return super().process_result(result, request)

    def import_page(self, request, result):
        """The import page with a fresh upload form and `result` (the rows and their errors)."""
        form = self.get_import_form_class(request)(self.get_import_formats(), self.get_import_resource_classes(request))
        resource = imports.JobResource(**self.resource_kwargs(request))
        context = {
            **self.admin_site.each_context(request),
            "title": _("导入"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "fields_list": [(resource.get_display_name(), [f.column_name for f in resource.get_user_visible_fields()])],
            "import_error_display": self.import_error_display,
            "result": result,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def add_success_message(self, result, request):
        totals = result.totals
        messages.success(
            request,
            _("导入完成：新建 %(new)d 个岗位，更新 %(update)d 个，未变 %(skip)d 个。")
            % {
                "new": totals[RowResult.IMPORT_TYPE_NEW],
                "update": totals[RowResult.IMPORT_TYPE_UPDATE],
                "skip": totals[RowResult.IMPORT_TYPE_SKIP],
            },
        )
