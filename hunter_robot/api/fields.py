"""Serializer fields shared by the bot APIs."""

from __future__ import annotations

import re

from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

# PostgreSQL text and jsonb cannot hold NUL, and a lone surrogate has no UTF-8 encoding: either one
# would fail the write (an internal error). JSON can carry both as escapes (\u0000, \ud800).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGES = {"nul": "contains a NUL character", "surrogate": "contains a lone surrogate"}


def unstorable(text: str) -> str | None:
    """Why `text` cannot be stored ("nul" or "surrogate"), or None when it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return "nul" if found.group() == "\x00" else "surrogate"


def storable(text: str) -> str:
    """`text` without NUL characters and lone surrogates (for scraped text, which is kept)."""
    return _UNSTORABLE.sub("", text)


class IdField(serializers.Field):
    """Any `*ID` / `*_id`: a JSON string or integer (not bool, not float), handled as a stripped string."""

    default_error_messages = {
        "type": "expected a string or integer",
        "blank": "this field may not be blank",
        "max_length": "longer than {max_length} characters",
        **UNSTORABLE_MESSAGES,
    }

    def __init__(self, *, max_length: int, allow_blank: bool = False, **kwargs):
        self.max_length = max_length
        self.allow_blank = allow_blank
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            self.fail("type")
        value = str(data).strip()
        if problem := unstorable(value):
            self.fail(problem)
        if not value and not self.allow_blank:
            self.fail("blank")
        if len(value) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return value

    def to_representation(self, value) -> str:
        return str(value)


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers, lists and objects instead of coercing them to text, and text
    that cannot be stored (NUL, lone surrogates)."""

    default_error_messages = {"invalid": "expected a string", **UNSTORABLE_MESSAGES}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Checked once by one regex in to_internal_value (DRF's surrogate check loops per character).
        self.validators = [
            v
            for v in self.validators
            if not isinstance(v, ProhibitNullCharactersValidator | ProhibitSurrogateCharactersValidator)
        ]

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if problem := unstorable(data):
            self.fail(problem)
        return super().to_internal_value(data)


class StrictListField(serializers.ListField):
    default_error_messages = {"not_a_list": "expected a list", "empty": "this list may not be empty"}


class StrictDictField(serializers.DictField):
    default_error_messages = {"not_a_dict": "expected an object"}


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: no bools, floats or numeric strings."""

    default_error_messages = {
        "invalid": "expected an integer",
        "max_value": "must be at most {max_value}",
        "min_value": "must be at least {min_value}",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class FlagField(serializers.BooleanField):
    """`true`/`false`, or the integers `1`/`0` (the original backend stored flags as 0/1). Nothing else:
    not "1", "true", 1.0 or 2."""

    default_error_messages = {"invalid": "expected true, false, 1 or 0"}

    def to_internal_value(self, data) -> bool:
        if isinstance(data, bool):
            return data
        if type(data) is int and data in (0, 1):
            return bool(data)
        self.fail("invalid")


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "expected a boolean"}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data
