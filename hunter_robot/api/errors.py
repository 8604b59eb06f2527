"""Error codes (CONTRACT section 2) and the one exception handler every API view uses."""

from __future__ import annotations

import logging
import math

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response

from hunter_robot.api.envelope import envelope

logger = logging.getLogger("hunter_robot.api")


class ApiError(Exception):
    ret = 1500
    http = 500

    def __init__(self, msg: str, *, http: int | None = None):
        super().__init__(msg)
        self.msg = msg
        if http is not None:
            self.http = http


class InvalidRequest(ApiError):
    ret, http = 1001, 400


class NotFound(ApiError):
    ret, http = 1002, 404


class Conflict(ApiError):
    ret, http = 1003, 409


class UploadRejected(ApiError):
    ret, http = 1004, 413


class Unauthenticated(ApiError):
    ret, http = 1401, 401


class Forbidden(ApiError):
    ret, http = 1403, 403


class RateLimited(ApiError):
    ret, http = 1429, 429


class Unavailable(ApiError):
    ret, http = 1503, 503


def first_error(errors, path: str = "") -> str:
    """The first offending field of a DRF error tree, as `a.b[0].c: message`."""
    if isinstance(errors, dict):
        key, value = next(iter(errors.items()))
        if key == "non_field_errors":
            return first_error(value, path)
        sub = f"{path}.{key}" if path else str(key)
        if isinstance(key, int):
            sub = f"{path}[{key}]"
        return first_error(value, sub)
    if isinstance(errors, list):
        for index, item in enumerate(errors):
            if item in ({}, [], None, ""):
                continue  # DRF lists per-item errors with blanks for the valid items
            if isinstance(item, (dict, list)):
                return first_error(item, f"{path}[{index}]")
            return first_error(item, path)
        return f"{path}: invalid"
    text = str(errors).rstrip(".")
    text = text[:1].lower() + text[1:]
    return f"{path}: {text}" if path else text


def failure_data_for(view, msg: str):
    """The `data` of a failure answered by `view` (a view instance or class; None: no view, e.g. an
    unknown URL). Bots dereference some shapes without checking `ret`, so each view names its failure
    `data` with a static `failure_data(msg)`; the others carry null. The one rule for every failure path:
    DRF's exception handler and the middleware (405, 413, crashes outside DRF) both ask here."""
    make = getattr(view, "failure_data", None)
    return make(msg) if make is not None else None


def failure_response(ret: int, http: int, msg: str, view=None, headers: dict | None = None) -> Response:
    response = Response(envelope(ret, msg, failure_data_for(view, msg)), status=http, headers=headers)
    response.enveloped = True
    return response


def exception_handler(exc, context) -> Response:
    view = context.get("view")
    request = context.get("request")
    if isinstance(exc, ApiError):
        return failure_response(exc.ret, exc.http, exc.msg, view)
    if isinstance(exc, drf.ValidationError):
        return failure_response(1001, 400, first_error(exc.detail), view)
    if isinstance(exc, ModelValidationError):
        # A model-level rule (e.g. a range edited in admin, then partly updated through the API).
        return failure_response(1001, 400, first_error(getattr(exc, "message_dict", None) or exc.messages), view)
    if isinstance(exc, drf.ParseError):
        return failure_response(1001, 400, f"body: {exc.detail}", view)
    if isinstance(exc, drf.UnsupportedMediaType):
        return failure_response(1004, 415, str(exc.detail), view)
    if isinstance(exc, drf.MethodNotAllowed):
        return failure_response(1001, 405, str(exc.detail), view)
    if isinstance(exc, RequestDataTooBig):
        return failure_response(1004, 413, "body: too large", view)
    if isinstance(exc, drf.Throttled):
        retry = max(1, math.ceil(exc.wait or 0))  # whole seconds, never 0: an immediate retry fails again
        return failure_response(
            1429, 429, f"rate limited, retry in {retry}s", view, headers={"Retry-After": str(retry)}
        )
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        return failure_response(1401, 401, str(exc.detail), view)
    if isinstance(exc, (drf.PermissionDenied, PermissionDenied)):
        return failure_response(1403, 403, "forbidden", view)
    if isinstance(exc, (drf.NotFound, Http404)):
        return failure_response(1002, 404, "not found", view)
    request_id = getattr(request, "request_id", "-")
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable [%s]: %s", request_id, type(exc).__name__)
        return failure_response(1503, 503, f"database unavailable, retry later (request {request_id})", view)
    if isinstance(exc, DatabaseError):
        logger.exception("database error [%s]", request_id)
    else:
        logger.exception("unhandled error [%s]", request_id)
    return failure_response(1500, 500, f"internal error (request {request_id})", view)
