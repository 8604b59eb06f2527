"""Candidate data requests on a candidate's console page (CONTRACT §8): 导出个人数据 downloads the zip of
everything stored about the person, 删除个人数据 shows what will be removed (counts, no values) with the
不再联系 checkbox and erases it on confirmation. Each needs its own permission (`recruit.
export_subject_data`, `recruit.erase_subject_data`, in no group by default) and a candidate the user
may open; the request itself covers every team and platform (`recruit.services.subject`)."""

from __future__ import annotations

import tempfile

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recruit.personal_data import SUBJECT, Erasure
from recruit.services import subject as subject_service

VIA = "console"

ERASURE_LABELS = {
    Erasure.DELETE: gettext_lazy("删除"),
    Erasure.ANONYMISE: gettext_lazy("保留为匿名计数"),
    Erasure.BLANK: gettext_lazy("清空个人信息后保留"),
    Erasure.KEEP: gettext_lazy("保留（仅加密哈希）"),
}


class EraseForm(forms.Form):
    do_not_contact = forms.BooleanField(
        required=False,
        label=gettext_lazy("不再联系"),
        help_text=gettext_lazy("保留此人各身份标识的加密哈希（勿扰名单），今后任何团队都不会再筛选通过此人"),
    )


def _candidate(model_admin, request, object_id: str):
    """The candidate, if this user may open it (staff: one their teams met); 404 otherwise."""
    candidate = model_admin.get_object(request, unquote(object_id))
    if candidate is None:
        raise Http404
    return candidate


def export_view(model_admin, request, object_id: str) -> FileResponse:
    """The zip, built in an anonymous temporary file (gone once the response is closed), never whole in
    memory; audited by the service."""
    candidate = _candidate(model_admin, request, object_id)
    subject = subject_service.subject_find(subject_service.Identifiers.of_candidate(candidate))
    out = tempfile.TemporaryFile()
    try:
        subject_service.subject_export(subject, out=out, user=request.user, via=VIA)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"candidate-{candidate.pk}-personal-data.zip", content_type="application/zip"
    )


def erase_view(model_admin, request, object_id: str):
    """GET: the confirmation page. POST: erase, then back to the candidate list (the page is gone)."""
    candidate = _candidate(model_admin, request, object_id)
    identifiers = subject_service.Identifiers.of_candidate(candidate)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        result = subject_service.subject_erase(
            identifiers=identifiers, user=request.user, do_not_contact=form.cleaned_data["do_not_contact"], via=VIA
        )
        done = _("已删除此人的个人数据：%(rows)d 条记录，%(files)d 个文件。") % {
            "rows": sum(result.counts.values()),
            "files": result.files,
        }
        if result.do_not_contact:
            done += _("已保留勿扰记录（仅加密哈希）。")
        model_admin.message_user(request, done, messages.SUCCESS)
        opts = model_admin.opts
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    subject = subject_service.subject_find(identifiers)
    counts = subject_service.subject_counts(subject)
    rows = [
        {
            "label": apps.get_model(label)._meta.verbose_name_plural,
            "count": count,
            "erasure": ERASURE_LABELS[SUBJECT[label].erasure],
        }
        for label, count in counts.items()
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("删除个人数据"),
        "original": candidate,
        "form": form,
        "rows": rows,
        "files": len(subject_service.subject_files(subject)),
        "identities": len(subject.platform_ids),
        "asked": subject.asked_not_to_be_contacted(),
        "change_url": reverse(
            f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_change", args=[candidate.pk]
        ),
    }
    return TemplateResponse(request, "admin/recruit/candidate/subject_erase.html", context)
