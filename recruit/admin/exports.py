"""The console's export of contact results (django-import-export), for the conversation list.

The 导出 button exports what the list shows: its filters, search and date drill-down, only the user's
teams' rows (the admin's own queryset), as CSV (UTF-8 with a BOM, so Excel reads the Chinese) or XLSX.
Columns and rows come from `recruit.exports`, shared with `manage.py export_results`. Exporting needs
`recruit.export_results` (and seeing the list); the contacts are in full only with
`recruit.view_contact_pii` too. Every export writes an audit row (who, when, format, row count, masked or
not, the list's filters).
"""

from __future__ import annotations

from collections import OrderedDict

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.admin import ExportMixin
from import_export.fields import Field
from import_export.formats import base_formats
from unfold.contrib.import_export.forms import ExportForm

from recruit import exports


class CSV(base_formats.CSV):
    CONTENT_TYPE = "text/csv; charset=utf-8"


class ContactResultResource(resources.Resource):
    """`recruit.exports.COLUMNS` as an import-export resource (export only)."""

    class Meta:
        chunk_size = exports.CHUNK_SIZE

    @classmethod
    def get_display_name(cls):
        return _("联系结果")

    def __init__(self, mask: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.mask = mask
        self.fields = OrderedDict(
            (column.key, Field(attribute=column.key, column_name=str(column.header), readonly=True))
            for column in exports.COLUMNS
        )

    def filter_export(self, queryset, **kwargs):
        return exports.results_queryset(queryset)

    def get_export_headers(self, selected_fields=None):
        return exports.headers()

    def export_resource(self, instance, selected_fields=None, **kwargs):
        return exports.result_row(instance, mask=self.mask)


def may_see_pii(request) -> bool:
    return request.user.has_perm(exports.PII_PERMISSION)


class ContactResultsExportMixin(ExportMixin):
    """Put before the ModelAdmin base of the conversation admin."""

    resource_classes = [ContactResultResource]
    export_formats = [CSV, base_formats.XLSX]
    export_form_class = ExportForm  # the columns are fixed: a format to pick, nothing else
    to_encoding = "utf-8-sig"  # text formats (CSV) start with the BOM

    def has_export_permission(self, request):
        # The rows are the list's: exporting also needs seeing it.
        return request.user.has_perm(exports.EXPORT_PERMISSION) and self.has_view_or_change_permission(request)

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"mask": not may_see_pii(request)}

    def get_export_filename(self, request, queryset, file_format):
        return f"contact-results-{timezone.localtime():%Y%m%d-%H%M}.{file_format.get_extension()}"

    def get_export_data(self, file_format, request, queryset, **kwargs):
        kwargs["export_format"] = file_format.get_title()
        return super().get_export_data(file_format, request, queryset, **kwargs)

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        exports.export_record(
            user=request.user,
            file_format=kwargs.get("export_format", ""),
            rows=len(dataset),
            masked=not may_see_pii(request),
            filters="&".join(f"{key}={value}" for key, values in request.GET.lists() for value in values),
            via="控制台",
        )
        return dataset
