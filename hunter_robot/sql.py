"""Hand-written SQL on the bot endpoints' hot paths, and model instances from its rows.

Building a query through the ORM (filters, joins, compiling 40 columns) costs several times what
PostgreSQL spends answering it, so the hottest reads are written out (DESIGN "Performance targets";
recruit.services.screening._gates is the first). What the ORM would still do for them lives here:
quoted table and column names, and rows turned into instances with the database backend's and the
fields' converters (SQLite returns datetimes and times as text, PostgreSQL jsonb as text), as
`Model.from_db` gets them from a queryset. The per-model work is done once per process.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import Model
from django.dispatch import receiver

# (vendor, model) -> (column list template, attnames, [(index, converters)] of the fields that need any)
_shapes: dict[tuple[str, type[Model]], tuple[str, list[str], list[tuple[int, list]]]] = {}


def table(model: type[Model]) -> str:
    return _table(connection.vendor, model)


@functools.cache
def _table(vendor: str, model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def execute(cursor, build: Callable[[], str], params) -> None:
    """`cursor.execute(statement(build), params)`. On PostgreSQL through a statement this connection
    prepared (PREPARE … AS, then EXECUTE): the server parses and plans it once per connection rather than
    once per request, which was a third to a half of what PostgreSQL spent on a task fetch.

    The PREPARE is connection setup, run at most once per statement and connection on the DB-API cursor
    beneath Django's (like Django's own health check), so the statement log and the pinned counts show
    the EXECUTE only. Prepared statements outlive rolled-back transactions; a new connection (Django's
    `connection_created`) starts with none. Not for a pooler in transaction mode (this project connects
    directly, CONN_MAX_AGE)."""
    database = cursor.db  # this thread's DatabaseWrapper (`connection` is a proxy shared by all threads)
    if database.vendor != "postgresql":
        cursor.execute(statement(build), params)
        return
    name, prepare, run = _prepared(build)
    done = database.__dict__.setdefault(_PREPARED, set())
    if name not in done:
        with database.wrap_database_errors:
            cursor.cursor.execute(prepare)
        done.add(name)
    cursor.execute(run, params)


_PREPARED = "hunter_prepared"  # on the DatabaseWrapper: the statements its current connection prepared


@receiver(connection_created)
def _new_connection(sender, **kwargs) -> None:
    kwargs["connection"].__dict__.pop(_PREPARED, None)


@functools.cache
def _prepared(build: Callable[[], str]) -> tuple[str, str, str]:
    """(name, PREPARE text, EXECUTE text with the DB-API placeholders) of `build`'s statement."""
    name = re.sub(r"\W", "_", f"hr_{build.__module__}_{build.__qualname__}")[:63]
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    body = re.sub(r"%%|%s", number, statement(build))
    run = f"EXECUTE {name} ({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"
    return name, f"PREPARE {name} AS {body}", run


def statement(build: Callable[[], str]) -> str:
    """The text `build()` returns, built once per database vendor: a hot path's statement is written out
    with table and column names from the models, then reused as is (only parameters vary)."""
    return _statement(connection.vendor, build)


@functools.cache
def _statement(vendor: str, build: Callable[[], str]) -> str:
    return build()


def _shape(model: type[Model]) -> tuple[str, list[str], list[tuple[int, list]]]:
    key = (connection.vendor, model)
    shape = _shapes.get(key)
    if shape is None:
        fields = model._meta.concrete_fields
        template = ", ".join(f"{{alias}}.{connection.ops.quote_name(field.column)}" for field in fields)
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((index, [(converter, column) for converter in found]))
        shape = _shapes[key] = (template, [field.attname for field in fields], converters)
    return shape


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of `model` under the table alias `alias`, in field order: the select list
    that `instance` reads."""
    return _shape(model)[0].format(alias=alias)


def instance(model: type[Model], row, start: int = 0) -> Model:
    """The `model` instance whose `columns` start at `row[start]`, as a queryset would build it."""
    _template, names, converters = _shape(model)
    values = list(row[start : start + len(names)])
    for index, chain in converters:
        value = values[index]
        for converter, column in chain:
            value = converter(value, column, connection)
        values[index] = value
    return model.from_db(connection.alias, names, values)


def fetch_instance(model: type[Model], build: Callable[[], str], params) -> Model | None:
    """The first row of `build`'s statement (which selects `columns(model, …)` first) as a `model`, or
    None."""
    with connection.cursor() as cursor:
        execute(cursor, build, params)
        row = cursor.fetchone()
    return None if row is None else instance(model, row)
