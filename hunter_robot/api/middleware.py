"""Keeps the envelope on the paths DRF never sees: unknown URL, wrong method, oversize body, crashes.
A failure of a resolved view carries that view's failure `data` here too (errors.failure_data_for).

It also pins API messages to English and tags each request with an id.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.utils import translation

from hunter_robot.api.envelope import CONTENT_TYPE, envelope_response
from hunter_robot.api.errors import failure_data_for

logger = logging.getLogger("hunter_robot.api")

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


def failure(view, ret: int, msg: str, *, status: int):
    response = envelope_response(ret, msg, failure_data_for(view, msg), status=status)
    if status == 405:
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
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        if response.get("Content-Type") == CONTENT_TYPE:
            return response
        # Django answered on its own (URL not found, or an error page): keep the envelope.
        view = resolved_view(request)
        if response.status_code == 404:
            return failure(view, 1002, f"{request.path_info}: unknown URL", status=404)
        if response.status_code == 405:
            return failure(view, 1001, f"method {request.method} not allowed", status=405)
        if response.status_code == 413:
            return failure(view, 1004, "body: too large", status=413)
        if response.status_code >= 500:
            return failure(view, 1500, f"internal error (request {request.request_id})", status=500)
        if response.status_code >= 400:
            return failure(view, 1001, "bad request", status=response.status_code)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not is_api_path(request.path_info):
            return None
        # After LocaleMiddleware: API messages are English, read in bot logs (the admin stays Chinese).
        translation.activate("en")
        # CONTRACT order: unknown URL → wrong method → body too large → authentication → …
        view = view_class(view_func)
        if request.method != "POST":
            return failure(view, 1001, f"method {request.method} not allowed", status=405)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return failure(view, 1001, "Content-Length: invalid", status=400)
        if length > body_limit(request):
            return failure(view, 1004, "body: too large", status=413)
        return None

    def process_exception(self, request, exception):
        if not is_api_path(request.path_info):
            return None
        logger.exception("unhandled error [%s]", getattr(request, "request_id", "-"))
        msg = f"internal error (request {request.request_id})"
        return failure(resolved_view(request), 1500, msg, status=500)
