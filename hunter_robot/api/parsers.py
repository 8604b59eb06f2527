"""Bots send JSON with any Content-Type (often text/plain or none); parse it as JSON regardless.

The JSON parser also enforces the input limits of CONTRACT §1 that only the whole body shows: nesting
depth, NaN/Infinity, and NUL characters or lone surrogates (removed from scraped text, refused elsewhere).
"""

from __future__ import annotations

import json
import math
import re

from django.http import QueryDict
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser

from hunter_robot.api.fields import UNSTORABLE_MESSAGES, storable, unstorable
from hunter_robot.errors import InvalidInput

MAX_DEPTH = 64  # levels of objects/arrays; the body object is level 1
TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels"

# JSON carries NUL or a lone surrogate only as an escape (\u0000, \ud800): raw control characters are
# invalid JSON and UTF-8 cannot encode a surrogate. Bodies without such an escape skip the text pass; a
# surrogate pair (an escaped emoji) is a false alarm that costs one walk.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_SEGMENT = re.compile(r"\[\]|[^.\[\]]+")


class _NotFinite(Exception):
    pass


def _refuse_constant(token: str):
    raise _NotFinite(f"{token} is not valid JSON")


def _finite_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):  # 1e999 parses to inf, which no JSON column can store
        raise _NotFinite(f"number {token[:40]} is out of range")
    return value


def too_deep(data: dict) -> str | None:
    """The top-level field under which `data` nests deeper than MAX_DEPTH levels, or None.
    Iterative, and touches only containers: this runs on every request."""
    for key, value in data.items():
        if type(value) is not dict and type(value) is not list:
            continue
        stack = [(value, 2)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                return key
            for child in node.values() if type(node) is dict else node:
                if type(child) is dict or type(child) is list:
                    stack.append((child, depth + 1))
    return None


# The text passes below recurse: they run after too_deep, so at most MAX_DEPTH frames.


def _storable_tree(node):
    kind = type(node)
    if kind is str:
        return storable(node)
    if kind is dict:
        return {storable(key): _storable_tree(value) for key, value in node.items()}
    if kind is list:
        return [_storable_tree(item) for item in node]
    return node


def _strip_at(node, segments: list[str]) -> None:
    """Remove NUL and lone surrogates from the text at `segments` ("[]" = every item) under `node`."""
    head, rest = segments[0], segments[1:]
    if head == "[]":
        keys = range(len(node)) if type(node) is list else ()
    else:
        keys = (head,) if type(node) is dict and head in node else ()
    for key in keys:
        if rest:
            _strip_at(node[key], rest)
        else:
            node[key] = _storable_tree(node[key])


def _first_unstorable(node, path: str) -> tuple[str, str] | None:
    """(path, problem) of the first string, key or value, that cannot be stored."""
    kind = type(node)
    if kind is str:
        problem = unstorable(node)
        return (path, problem) if problem else None
    if kind is dict:
        for key, value in node.items():
            sub = f"{path}.{key}" if path else key
            problem = unstorable(key)
            found = (sub, problem) if problem else _first_unstorable(value, sub)
            if found:
                return found
    elif kind is list:
        for index, item in enumerate(node):
            found = _first_unstorable(item, f"{path}[{index}]")
            if found:
                return found
    return None


def check_text(data: dict, scraped: tuple[str, ...]) -> None:
    """Scraped page text keeps its content without NUL and lone surrogates; anywhere else they are
    refused (InvalidInput, naming the path), whether or not the view reads that field."""
    for spec in scraped:
        _strip_at(data, _SEGMENT.findall(spec))
    found = _first_unstorable(data, "")
    if found:
        path, problem = found
        raise InvalidInput(f"{path}: {UNSTORABLE_MESSAGES[problem]}")


class AnyJSONParser(BaseParser):
    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if not raw.strip():
            return {}
        try:
            text = raw.decode("utf-8-sig")
            data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
        except _NotFinite as exc:
            raise ParseError(str(exc)) from None
        except RecursionError:  # the decoder recurses per level: thousands of "[" never reach too_deep
            raise ParseError(TOO_DEEP) from None
        except (UnicodeDecodeError, ValueError):
            if media_type and media_type.startswith("application/x-www-form-urlencoded"):
                return QueryDict(raw, encoding="utf-8").dict()
            raise ParseError("malformed JSON") from None
        if not isinstance(data, dict):
            raise ParseError("expected a JSON object")
        deep = too_deep(data)
        if deep is not None:
            raise InvalidInput(f"{deep}: {TOO_DEEP}")
        if _SUSPECT_ESCAPE.search(text):
            view = (parser_context or {}).get("view")
            check_text(data, getattr(view, "scraped_text", ()))
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
