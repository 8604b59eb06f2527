"""Serializer fields shared by the bot APIs."""

from __future__ import annotations

from rest_framework import serializers


class IdField(serializers.Field):
    """Any `*ID` / `*_id`: a JSON string or integer (not bool, not float), handled as a stripped string."""

    default_error_messages = {
        "type": "expected a string or integer",
        "blank": "this field may not be blank",
        "max_length": "longer than {max_length} characters",
    }

    def __init__(self, *, max_length: int = 255, allow_blank: bool = False, **kwargs):
        self.max_length = max_length
        self.allow_blank = allow_blank
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            self.fail("type")
        value = str(data).strip()
        if not value and not self.allow_blank:
            self.fail("blank")
        if len(value) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return value

    def to_representation(self, value) -> str:
        return str(value)


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers, lists and objects instead of coercing them to text."""

    default_error_messages = {"invalid": "expected a string"}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
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


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "expected a boolean"}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data
