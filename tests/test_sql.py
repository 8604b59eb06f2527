"""hunter_robot.sql: the hot paths' hand-written statements give the instances a queryset gives, and on
PostgreSQL run as statements each connection prepares once, whatever happens to the connection."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hunter_robot import sql
from recruit.models import AccountJob, Job, RecruitAccount
from tests.factories import AccountFactory, JobFactory, link


def _job_sql() -> str:
    return f"SELECT {sql.columns(Job, 'j')} FROM {sql.table(Job)} j WHERE j.id = %s"


def _account_sql() -> str:
    return f"SELECT {sql.columns(RecruitAccount, 'a')} FROM {sql.table(RecruitAccount)} a WHERE a.id = %s"


def _count_sql() -> str:
    return f"SELECT COUNT(*) FROM {sql.table(AccountJob)} WHERE account_id = %s AND hello_sum >= %s"


def values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_instances_are_the_querysets(db):
    job = JobFactory(notify_webhook="https://hooks.example/x", age_min=18, max_contact_asks=3)
    account = AccountFactory(last_call_at=timezone.now(), last_call_endpoint="recruit/account/task/fetch")
    for model, build, pk in ((Job, _job_sql, job.pk), (RecruitAccount, _account_sql, account.pk)):
        written = sql.fetch_instance(model, build, [pk])
        assert values(written) == values(model.objects.get(pk=pk))
        assert written._state.adding is False and written._state.db == connection.alias
    assert sql.fetch_instance(Job, _job_sql, [0]) is None


def count(account_id: int, at_least: int) -> int:
    with connection.cursor() as cursor:
        sql.execute(cursor, _count_sql, [account_id, at_least])
        return cursor.fetchone()[0]


def test_one_statement_per_call_whatever_the_connection_went_through(db):
    account = AccountFactory()
    link(account, JobFactory(), hello_sum=30)
    with CaptureQueriesContext(connection) as queries:
        assert count(account.pk, 10) == 1
        assert count(account.pk, 50) == 0
    assert len(queries.captured_queries) == 2
    with transaction.atomic():
        assert count(account.pk, 10) == 1
        transaction.set_rollback(True)  # a statement prepared in a rolled-back transaction stays prepared
    assert count(account.pk, 10) == 1


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again(postgres):
    """A new server session has no prepared statement: the wrapper learns of it (`connection_created`)."""
    account = AccountFactory()
    link(account, JobFactory(), hello_sum=30)
    assert count(account.pk, 10) == 1
    first = backend_pid()
    connection.close()
    assert count(account.pk, 10) == 1
    assert backend_pid() != first


def test_each_thread_prepares_on_its_own_connection(postgres):
    account = AccountFactory()
    link(account, JobFactory(), hello_sum=30)
    assert count(account.pk, 10) == 1  # prepared on this thread's connection only
    seen: list = []

    def other() -> None:
        try:
            seen.append(count(account.pk, 10))
        except Exception as exc:  # noqa: BLE001 - reported below
            seen.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=30)
    # The other thread's connection cannot see this test's uncommitted rows, but it ran the statement.
    assert seen == [0]
