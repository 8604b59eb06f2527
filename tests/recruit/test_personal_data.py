"""The personal-data registry classifies every text, JSON and file field of our models."""

from __future__ import annotations

from django.db import models

from recruit import personal_data
from recruit.models import ContactRecord


def test_every_text_json_and_file_field_is_classified():
    assert personal_data.unclassified_fields() == []


def test_registry_names_only_fields_that_exist():
    assert personal_data.stale_entries() == []


def test_a_new_unclassified_field_is_reported(monkeypatch):
    field = models.TextField(name="nickname")
    field.set_attributes_from_name("nickname")
    fields = [*ContactRecord._meta.get_fields(), field]
    monkeypatch.setattr(ContactRecord._meta, "get_fields", lambda **kwargs: fields)
    assert personal_data.unclassified_fields() == ["recruit.ContactRecord.nickname"]


def test_fields_by_kind():
    contacts = {(f.model.__name__, f.name) for f in personal_data.personal_fields(personal_data.Kind.CONTACT)}
    assert {("ContactRecord", "phone"), ("ContactRecord", "wechat"), ("WechatFriend", "search_id")} <= contacts
    assert all(f.kind == personal_data.Kind.CV for f in personal_data.personal_fields(personal_data.Kind.CV))
