"""Error codes (CONTRACT section 2) and the one exception handler every API view uses.

`ERRORS` is the one table from an exception class to the envelope `ret` and the HTTP status: the
domain exceptions of `hunter_robot.errors` (raised by services and selectors) and the transport-level
errors below (raised by the API plumbing). The exception handler and the middleware look codes up
here by class; no other module names a `ret` code.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response

from hunter_robot import errors
from hunter_robot.api.envelope import envelope

logger = logging.getLogger("hunter_robot.api")


class TransportError(Exception):
    """An error of the HTTP exchange itself, not of the domain."""

    def __init__(self, msg: str):
        super().__init__(msg)
        self.msg = msg


class Unauthenticated(TransportError):
    """Missing or invalid API key."""


class RateLimited(TransportError):
    """Too many requests for this key or address."""


class MethodNotAllowed(TransportError):
    """Every endpoint is POST."""


class BodyTooLarge(TransportError):
    """The request body exceeds the limit."""


class UnknownUrl(TransportError):
    """No endpoint at this path."""


class Internal(TransportError):
    """An unhandled error; the message carries the request id, never a stack trace."""


@dataclass(frozen=True)
class Code:
    ret: int
    http: int


ERRORS: dict[type[Exception], Code] = {
    # Domain exceptions (hunter_robot.errors).
    errors.InvalidInput: Code(1001, 400),
    errors.NotFound: Code(1002, 404),
    errors.Conflict: Code(1003, 409),
    errors.UploadRejected: Code(1004, 415),
    errors.UploadTooLarge: Code(1004, 413),
    errors.Forbidden: Code(1403, 403),
    errors.Unavailable: Code(1503, 503),
    # Transport-level errors (this module).
    UnknownUrl: Code(1002, 404),
    MethodNotAllowed: Code(1001, 405),
    BodyTooLarge: Code(1004, 413),
    Unauthenticated: Code(1401, 401),
    RateLimited: Code(1429, 429),
    Internal: Code(1500, 500),
}


def code_for(kind: type[Exception]) -> Code:
    """The table entry of `kind` or of its nearest listed base class; unlisted classes are internal."""
    for cls in kind.__mro__:
        if cls in ERRORS:
            return ERRORS[cls]
    return ERRORS[Internal]


def first_error(detail, path: str = "") -> str:
    """The first offending field of a DRF error tree, as `a.b[0].c: message`."""
    if isinstance(detail, dict):
        key, value = next(iter(detail.items()))
        if key == "non_field_errors":
            return first_error(value, path)
        sub = f"{path}.{key}" if path else str(key)
        if isinstance(key, int):
            sub = f"{path}[{key}]"
        return first_error(value, sub)
    if isinstance(detail, list):
        for index, item in enumerate(detail):
            if item in ({}, [], None, ""):
                continue  # DRF lists per-item errors with blanks for the valid items
            if isinstance(item, (dict, list)):
                return first_error(item, f"{path}[{index}]")
            return first_error(item, path)
        return f"{path}: invalid"
    text = str(detail).rstrip(".")
    text = text[:1].lower() + text[1:]
    return f"{path}: {text}" if path else text


def failure_data_for(view, msg: str):
    """The `data` of a failure answered by `view` (a view instance or class; None: no view, e.g. an
    unknown URL). Bots dereference some shapes without checking `ret`, so each view names its failure
    `data` with a static `failure_data(msg)`; the others carry null. The one rule for every failure path:
    DRF's exception handler and the middleware (405, 413, crashes outside DRF) both ask here."""
    make = getattr(view, "failure_data", None)
    return make(msg) if make is not None else None


def failure_response(
    kind: type[Exception], msg: str, view=None, *, http: int | None = None, headers: dict | None = None
) -> Response:
    """The enveloped failure for an error of class `kind` (looked up in ERRORS); `http` overrides the
    table's status where Django already chose one."""
    code = code_for(kind)
    response = Response(envelope(code.ret, msg, failure_data_for(view, msg)), status=http or code.http, headers=headers)
    response.enveloped = True
    return response


def classify(exc, request_id: str) -> tuple[type[Exception], str, dict | None]:
    """(table class, message, headers) for any exception reaching the handler or the middleware: a
    database that dropped the connection or cannot be reached is 1503 (retry), never 1500."""
    if isinstance(exc, (errors.DomainError, TransportError)):
        return type(exc), exc.msg, None
    if isinstance(exc, drf.ValidationError):
        return errors.InvalidInput, first_error(exc.detail), None
    if isinstance(exc, ModelValidationError):
        # A model-level rule (e.g. a range edited in admin, then partly updated through the API).
        return errors.InvalidInput, first_error(getattr(exc, "message_dict", None) or exc.messages), None
    if isinstance(exc, drf.ParseError):
        return errors.InvalidInput, f"body: {exc.detail}", None
    if isinstance(exc, drf.UnsupportedMediaType):
        return errors.UploadRejected, str(exc.detail), None
    if isinstance(exc, drf.MethodNotAllowed):
        return MethodNotAllowed, str(exc.detail), None
    if isinstance(exc, RequestDataTooBig):
        return BodyTooLarge, "body: too large", None
    if isinstance(exc, drf.Throttled):
        retry = max(1, math.ceil(exc.wait or 0))  # whole seconds, never 0: an immediate retry fails again
        return RateLimited, f"rate limited, retry in {retry}s", {"Retry-After": str(retry)}
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        return Unauthenticated, str(exc.detail), None
    if isinstance(exc, (drf.PermissionDenied, PermissionDenied)):
        return errors.Forbidden, "forbidden", None
    if isinstance(exc, (drf.NotFound, Http404)):
        return errors.NotFound, "not found", None
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable [%s]: %s", request_id, type(exc).__name__)
        return errors.Unavailable, f"database unavailable, retry later (request {request_id})", None
    if isinstance(exc, DatabaseError):
        logger.exception("database error [%s]", request_id)
    else:
        logger.exception("unhandled error [%s]", request_id)
    return Internal, f"internal error (request {request_id})", None


def exception_handler(exc, context) -> Response:
    request_id = getattr(context.get("request"), "request_id", "-")
    kind, msg, headers = classify(exc, request_id)
    return failure_response(kind, msg, context.get("view"), headers=headers)
