"""Bots send JSON with any Content-Type (often text/plain or none); parse it as JSON regardless."""

from __future__ import annotations

import json

from django.http import QueryDict
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser


class AnyJSONParser(BaseParser):
    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            if media_type and media_type.startswith("application/x-www-form-urlencoded"):
                return QueryDict(raw, encoding="utf-8").dict()
            raise ParseError("malformed JSON") from None
        if not isinstance(data, dict):
            raise ParseError("expected a JSON object")
        return data


class BotContentNegotiation(DefaultContentNegotiation):
    """Multipart stays multipart (CV upload); everything else is treated as JSON."""

    def select_parser(self, request, parsers):
        content_type = request.content_type or ""
        for parser in parsers:
            if content_type.startswith("multipart/") and isinstance(parser, MultiPartParser):
                return parser
        for parser in parsers:
            if isinstance(parser, AnyJSONParser):
                return parser
        return next((p for p in parsers if isinstance(p, FormParser)), None)
