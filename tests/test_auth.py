"""API keys, anonymous networks and X-Forwarded-For (CONTRACT §7), and team scoping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hunter_robot.models import ApiKey
from recruit.models import Job
from tests.conftest import Api
from tests.factories import AccountFactory, JobFactory, TeamFactory, link

JOB = {"platformType": "boss", "platformID": "1", "jobName": "客服"}


def make_key(team=None, **fields) -> tuple[ApiKey, str]:
    key = ApiKey(team=team or TeamFactory(), name="bot", **fields)
    plain = key.issue()
    key.save()
    return key, plain


@pytest.fixture
def remote(db) -> Api:
    """A client outside the anonymous networks."""
    return Api(Client(REMOTE_ADDR="203.0.113.9"))


def test_remote_without_key_is_1401(remote):
    status, body = remote.post("/recruit/job/register", JOB)
    assert (status, body["ret"]) == (401, 1401)
    assert not Job.objects.exists()


def test_loopback_without_key_is_allowed(api):
    assert api.ok("/recruit/job/register", JOB) == {"jobID": "job_Boss_1"}


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_API_KEY"])
def test_manage_key_registers_into_its_team(remote, header):
    key, plain = make_key(manage=True)
    value = f"Api-Key {plain}" if header == "HTTP_AUTHORIZATION" else plain
    assert remote.ok("/recruit/job/register", JOB, **{header: value}) == {"jobID": "job_Boss_1"}
    assert Job.objects.get().team == key.team
    remote.ok(
        "/recruit/account/register",
        {"platformType": "boss", "platformID": "7", "jobs": ["job_Boss_1"]},
        **{header: value},
    )
    assert list(key.recruit_accounts.values_list("platform_id", flat=True)) == ["7"]


@pytest.mark.parametrize(
    "fields",
    [{"revoked_at": timezone.now()}, {"expires_at": timezone.now() - timedelta(seconds=1)}],
    ids=["revoked", "expired"],
)
def test_revoked_or_expired_key_is_1401(remote, fields):
    _key, plain = make_key(manage=True, **fields)
    status, body = remote.post("/recruit/job/register", JOB, HTTP_X_API_KEY=plain)
    assert (status, body["ret"]) == (401, 1401)


def test_wrong_secret_is_1401(remote):
    _key, plain = make_key(manage=True)
    status, body = remote.post("/recruit/job/register", JOB, HTTP_X_API_KEY=plain[:-2] + "xx")
    assert (status, body["ret"]) == (401, 1401)


def test_key_is_stored_hashed(db):
    key, plain = make_key()
    assert plain not in (key.key_hash, key.prefix) and key.matches(plain)


def test_key_without_manage_scope_cannot_register(remote):
    _key, plain = make_key(manage=False)
    status, body = remote.post("/recruit/job/register", JOB, HTTP_X_API_KEY=plain)
    assert (status, body["ret"]) == (403, 1403)
    assert not Job.objects.exists()


def test_key_acts_only_on_bound_accounts_and_permission_precedes_existence(remote):
    key, plain = make_key()
    mine = AccountFactory(team=key.team, platform_id="mine")
    mine.api_keys.add(key)
    link(mine, JobFactory(team=key.team))
    AccountFactory(platform_id="theirs")
    assert remote.ok("/recruit/account/task/fetch", {"accountID": "account_Boss_mine"}, HTTP_X_API_KEY=plain)["task"]
    for account_id in ("account_Boss_theirs", "account_Boss_doesnotexist"):
        status, body = remote.post("/recruit/account/task/fetch", {"accountID": account_id}, HTTP_X_API_KEY=plain)
        assert (status, body["ret"], body["data"]) == (403, 1403, {"task": []})


def test_validation_comes_after_authentication(remote):
    status, body = remote.post("/recruit/account/task/fetch", {})
    assert (status, body["ret"]) == (401, 1401)


def test_forwarded_for_is_believed_only_through_trusted_proxies(db, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    proxy = Api(Client(REMOTE_ADDR="10.0.0.5"))
    # The client behind the proxy is remote: no anonymous access, even if it claims loopback first.
    status, body = proxy.post("/recruit/job/register", JOB, HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.7")
    assert (status, body["ret"]) == (401, 1401)
    # A loopback client behind the trusted proxy is anonymous-allowed.
    assert proxy.ok("/recruit/job/register", JOB, HTTP_X_FORWARDED_FOR="127.0.0.1")
    # An untrusted peer cannot spoof loopback with the header.
    spoof = Api(Client(REMOTE_ADDR="203.0.113.7"))
    status, body = spoof.post("/recruit/job/register", JOB, HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert status == 401


def test_key_from_other_team_cannot_touch_job(remote):
    JobFactory(platform_id="1")
    _key, plain = make_key(manage=True)
    status, body = remote.post("/recruit/job/register", JOB, HTTP_X_API_KEY=plain)
    assert (status, body["ret"]) == (403, 1403)


def test_rate_limit_per_key_answers_1429_with_the_endpoint_shape(remote, settings):
    from django.core.cache import cache

    cache.clear()
    settings.API_RATE_LIMIT = "2/min"
    key, plain = make_key()
    account = AccountFactory(team=key.team, platform_id="mine")
    account.api_keys.add(key)
    body = {"accountID": "account_Boss_mine"}
    for _ in range(2):
        remote.ok("/recruit/account/task/fetch", body, HTTP_X_API_KEY=plain)
    status, payload = remote.post("/recruit/account/task/fetch", body, HTTP_X_API_KEY=plain)
    assert (status, payload["ret"], payload["data"]) == (429, 1429, {"task": []})
    assert payload["msg"].startswith("rate limited")
    # Another key has its own budget.
    other, other_plain = make_key(team=key.team)
    account.api_keys.add(other)
    assert remote.ok("/recruit/account/task/fetch", body, HTTP_X_API_KEY=other_plain) == {"task": []}


def test_key_cannot_probe_which_jobs_exist(remote):
    JobFactory(platform_id="theirs")
    _key, plain = make_key(manage=True)
    for platform_id in ("theirs", "missing"):
        status, body = remote.post(
            "/recruit/job/query", {"platformType": "boss", "platformID": platform_id}, HTTP_X_API_KEY=plain
        )
        assert (status, body["ret"]) == (403, 1403)
