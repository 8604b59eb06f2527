"""The one envelope: `{"ret", "msg", "data"}`, UTF-8, never a top-level `status` key."""

from __future__ import annotations

import json

from django.http import HttpResponse
from rest_framework.renderers import BaseRenderer

CONTENT_TYPE = "application/json; charset=utf-8"


def envelope(ret: int, msg: str, data=None) -> dict:
    return {"ret": ret, "msg": msg, "data": data}


def dumps(body: dict) -> bytes:
    # A message may echo input holding a lone surrogate, which UTF-8 cannot encode; it only occurs
    # inside JSON strings, where backslashreplace writes it as the valid JSON escape `\udxxx`.
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.encode("utf-8", "backslashreplace")


def envelope_response(ret: int, msg: str, data=None, *, status: int) -> HttpResponse:
    """For paths outside DRF (unknown URL, wrong method, oversize body, crashes in middleware)."""
    return HttpResponse(dumps(envelope(ret, msg, data)), status=status, content_type=CONTENT_TYPE)


class EnvelopeRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if not getattr(response, "enveloped", False):
            data = envelope(0, "success", data)
        return dumps(data)
