"""Keeps the envelope on the paths DRF never sees: unknown URL, wrong method, oversize body, crashes.
A failure of a resolved view carries that view's failure `data` here too (errors.failure_data_for).

It also pins API messages to English and tags each request with an id.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.utils import translation

from hunter_robot import errors
from hunter_robot.api.envelope import CONTENT_TYPE, envelope_response
from hunter_robot.api.errors import (
    BodyTooLarge,
    Internal,
    MethodNotAllowed,
    UnknownUrl,
    classify,
    code_for,
    failure_data_for,
)

API_PREFIXES = ("/recruit/", "/wechat/")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def view_class(view_func):
    """The class behind a view function (DRF's as_view sets `cls`, Django's `view_class`), or None."""
    return getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)


def resolved_view(request):
    """The view class of the request's URL; None when the URL resolved to nothing."""
    match = getattr(request, "resolver_match", None)
    return view_class(match.func) if match is not None else None


def failure(view, kind: type[Exception], msg: str, *, status: int | None = None):
    """The enveloped failure for an error of class `kind` (codes from `hunter_robot.api.errors.ERRORS`); `status`
    overrides the table's HTTP status where Django already chose one."""
    code = code_for(kind)
    response = envelope_response(code.ret, msg, failure_data_for(view, msg), status=status or code.http)
    if kind is MethodNotAllowed:
        response["Allow"] = "POST"
    return response


def body_limit(request) -> int:
    if (request.content_type or "").startswith("multipart/"):
        return settings.CV_MAX_BYTES + 64 * 1024  # room for the form fields around the file
    return settings.API_MAX_BODY_BYTES


class ApiEnvelopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex[:12]
        if not is_api_path(request.path_info):
            return self.get_response(request)
        # API messages are English, read in bot logs; the console speaks LANGUAGE_CODE. Restored after
        # the call, so the worker thread's next (console) request is not left in English.
        with translation.override("en"):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        if response.get("Content-Type") == CONTENT_TYPE:
            return response
        # Django answered on its own (URL not found, or an error page): keep the envelope.
        view = resolved_view(request)
        if response.status_code == 404:
            return failure(view, UnknownUrl, f"{request.path_info}: unknown URL")
        if response.status_code == 405:
            return failure(view, MethodNotAllowed, f"method {request.method} not allowed")
        if response.status_code == 413:
            return failure(view, BodyTooLarge, "body: too large")
        if response.status_code >= 500:
            return failure(view, Internal, f"internal error (request {request.request_id})")
        if response.status_code >= 400:
            return failure(view, errors.InvalidInput, "bad request", status=response.status_code)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not is_api_path(request.path_info):
            return None
        # CONTRACT order: unknown URL → wrong method → body too large → authentication → …
        view = view_class(view_func)
        if request.method != "POST":
            return failure(view, MethodNotAllowed, f"method {request.method} not allowed")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return failure(view, errors.InvalidInput, "Content-Length: invalid")
        if length > body_limit(request):
            return failure(view, BodyTooLarge, "body: too large")
        return None

    def process_exception(self, request, exception):
        if not is_api_path(request.path_info):
            return None
        # The handler's classification (it logs what it does not expect): a lost database is 1503 here too.
        kind, msg, _headers = classify(exception, getattr(request, "request_id", "-"))
        return failure(resolved_view(request), kind, msg)
