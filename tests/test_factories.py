"""Every core model has a factory, and each builds a row its model accepts."""

from __future__ import annotations

import pytest
from django.apps import apps

from tests import factories

FACTORIES = [
    obj
    for obj in vars(factories).values()
    if isinstance(obj, type) and issubclass(obj, factories.factory.django.DjangoModelFactory) and obj._meta.model
]


def test_every_model_of_our_apps_has_a_factory():
    covered = {f._meta.model for f in FACTORIES}
    models = {m for app in ("hunter_robot", "recruit", "wechat") for m in apps.get_app_config(app).get_models()}
    assert sorted(m.__name__ for m in models - covered) == []


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_factory_creates_a_valid_row(db, factory_class):
    first, second = factory_class(), factory_class()
    assert first.pk and second.pk and first.pk != second.pk
    first.full_clean(validate_unique=True, validate_constraints=True)
