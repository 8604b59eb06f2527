"""The base class of every bot endpoint, and its lean form for the hottest ones."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from rest_framework.exceptions import ValidationError
from rest_framework.fields import SkipField, get_error_detail
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from hunter_robot.api.auth import authenticate
from hunter_robot.api.envelope import CONTENT_TYPE, EnvelopeRenderer, envelope
from hunter_robot.api.errors import classify, code_for, failure_data_for
from hunter_robot.api.parsers import AnyJSONParser
from hunter_robot.api.throttle import BotRateThrottle


class BotView(APIView):
    """POST-only, envelope-wrapped, authenticated by API key or trusted network.

    `failure_data(msg)`, a staticmethod, gives the `data` a failure carries, for clients that read it
    without checking `ret` (CONTRACT §1); the middleware calls it on the class. `Input` is the DRF
    serializer validating the body. `scraped_text` lists the body paths holding scraped page text
    ("[]" = every item): the JSON parser removes NUL characters and lone surrogates there instead of
    refusing the body (CONTRACT §1).
    """

    http_method_names = ["post"]
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = [BotRateThrottle]
    failure_data = None
    Input = None
    scraped_text: tuple[str, ...] = ("candidateInfo", "historyMsg[].msg")

    def perform_authentication(self, request) -> None:
        request.caller = authenticate(request)

    def validated(self, request) -> dict:
        """The body validated by `Input`: DRF's request by a serializer, or Django's (the lean path of
        LeanBotView) by the same fields through `lean_validated`."""
        if not isinstance(request, Request):
            return lean_validated(self.Input, lean_body(request, self))
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


# Accept values DRF's negotiation answers with the envelope renderer (its only one), whatever else they list.
JSON_ACCEPTS = frozenset({"*/*", "application/*", "application/json"})


def lean_request(request) -> bool:
    """Whether DRF would treat this request exactly as `LeanBotView.dispatch` does: a body parsed
    by AnyJSONParser (not multipart or a form, which get DRF's QueryDicts), an Accept that takes JSON,
    no `format` query parameter (DRF's renderer override)."""
    meta = request.META
    content_type = meta.get("CONTENT_TYPE", meta.get("HTTP_CONTENT_TYPE", ""))
    if content_type.startswith(("multipart/", "application/x-www-form-urlencoded")) or "format" in request.GET:
        return False
    accept = meta.get("HTTP_ACCEPT", "*/*")
    return any(token.split(";", 1)[0].strip() in JSON_ACCEPTS for token in accept.split(","))


_bound_fields: dict[type, list] = {}


def lean_validated(serializer_class: type[Serializer], data: dict) -> dict:
    """`serializer_class(data=data)` validated, without building a serializer (and deep-copying its
    fields) per request: the same fields, run in declaration order, each with its own messages; the
    first error is raised as DRF reports it (`{field: detail}`, which `errors.first_error` reads). For
    serializers without `validate`/`validate_<field>` hooks, checked when first used. The fields are
    bound once and shared: run_validation of the fields used here keeps no state."""
    fields = _bound_fields.get(serializer_class)
    if fields is None:
        serializer = serializer_class()
        hooks = [name for name in dir(serializer) if name.startswith("validate_") and not hasattr(Serializer, name)]
        if hooks or type(serializer).validate is not Serializer.validate:
            raise TypeError(f"{serializer_class.__name__} has validation hooks; validate it with DRF")
        fields = _bound_fields.setdefault(serializer_class, list(serializer._writable_fields))
    validated: dict = {}
    for field in fields:
        try:
            validated[field.source] = field.run_validation(field.get_value(data))
        except SkipField:
            continue
        except ValidationError as exc:
            raise ValidationError({field.field_name: exc.detail}) from None
        except DjangoValidationError as exc:
            raise ValidationError({field.field_name: get_error_detail(exc)}) from None
    return validated


def lean_body(request, view) -> dict:
    """What `request.data` is on DRF's path for a `lean_request`: DRF's `_load_stream` (no Content-Length,
    no body: {}) and AnyJSONParser with the view as its context."""
    meta = request.META
    try:
        length = int(meta.get("CONTENT_LENGTH", meta.get("HTTP_CONTENT_LENGTH", 0)))
    except (ValueError, TypeError):
        length = 0
    if not length:
        return {}
    content_type = meta.get("CONTENT_TYPE", meta.get("HTTP_CONTENT_TYPE", ""))
    return AnyJSONParser().parse(request, content_type, {"view": view, "request": request})


class LeanBotView(BotView):
    """A BotView whose common requests (`lean_request`) skip DRF's request wrapper, negotiation and
    per-request serializer: the same steps, in the same order, from the same modules (API-key
    authentication, the throttle, AnyJSONParser and its input limits, the Input serializer's fields,
    the one error table through `errors.classify`, the envelope renderer), so the answer, status and
    headers are the ones DRF gives; any other request goes through DRF. Subclasses implement `handle`."""

    def handle(self, request, data: dict):
        """The success `data` for validated input; `request` is Django's or DRF's request."""
        raise NotImplementedError

    def post(self, request):
        return Response(self.handle(request, self.validated(request)))

    def dispatch(self, request, *args, **kwargs):
        if not lean_request(request):
            return super().dispatch(request, *args, **kwargs)
        self.args, self.kwargs, self.request = args, kwargs, request
        self.headers = self.default_response_headers
        try:
            self.perform_authentication(request)
            self.check_throttles(request)
            data = self.handle(request, self.validated(request))
            response = HttpResponse(EnvelopeRenderer().render(data), content_type=CONTENT_TYPE)
        except Exception as exc:
            response = self.lean_failure(request, exc)
        for name, value in self.headers.items():
            response[name] = value
        return response

    def lean_failure(self, request, exc: Exception) -> HttpResponse:
        """What DRF's exception handler (errors.exception_handler) answers for `exc`, rendered here."""
        kind, msg, headers = classify(exc, getattr(request, "request_id", "-"))
        code = code_for(kind)
        response = HttpResponse(status=code.http, content_type=CONTENT_TYPE, headers=headers)
        response.enveloped = True
        body = envelope(code.ret, msg, failure_data_for(self, msg))
        response.content = EnvelopeRenderer().render(body, renderer_context={"response": response})
        return response
