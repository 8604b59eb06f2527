"""CONTRACT §3 job fallback, and an explicit jobID the account no longer has (→ 1003 everywhere).

The rule lives in two forms: `selectors.resolve_job` (chat, result, task report/fetch) and the
gates query of `services.screening` (filter, preFilter). One table of cases runs against both.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hunter_robot.errors import Conflict
from recruit import selectors
from recruit.models import (
    AccountJob,
    Candidate,
    ContactRecord,
    Conversation,
    Greeting,
    Job,
    RecruitAccount,
    Reservation,
    ScreeningDecision,
)
from recruit.services.screening import _gates
from tests.factories import AccountFactory, JobFactory, link
from tests.recruit.fixtures import boss_card

CONFLICT = "1003"

# (case, explicit jobID or None, conversations oldest first, unlink every job, expected job or CONFLICT).
# The account's list is [j1, j2]; j3 was in it and was dropped (AccountJob linked=False); j4 is a job
# of the same team the account never had (no AccountJob row).
CASES = [
    ("explicit linked job", "j2", [], False, "j2"),
    ("explicit first job", "j1", ["j2"], False, "j1"),
    ("explicit dropped job", "j3", [], False, CONFLICT),
    ("explicit dropped job with a conversation on it", "j3", ["j3"], False, CONFLICT),
    ("explicit job never in the list", "j4", [], False, CONFLICT),
    ("absent: the first linked job", None, [], False, "j1"),
    ("absent: the latest conversation's job", None, ["j1", "j2"], False, "j2"),
    ("absent: the latest conversation's job, older first", None, ["j2", "j1"], False, "j1"),
    ("absent: a conversation on a dropped job continues it", None, ["j3"], False, "j3"),
    ("absent: a conversation on a job the account never had is ignored", None, ["j4"], False, "j1"),
    ("absent: no job in the list", None, [], True, CONFLICT),
    ("absent: no job in the list, conversation on a dropped job", None, ["j2"], True, "j2"),
]


@pytest.fixture
def world(db):
    jobs = {key: JobFactory(platform_id=key) for key in ("j1", "j2", "j3", "j4")}
    account = AccountFactory(platform_id="a", team=jobs["j1"].team)
    Job.objects.filter(pk=jobs["j4"].pk).update(team=account.team)
    link(account, jobs["j1"], position=0)
    link(account, jobs["j2"], position=1)
    link(account, jobs["j3"], position=2, linked=False)
    candidate = Candidate.objects.create(platform="Boss", platform_cid="c1", profile={})
    return account, jobs, candidate


def via_selector(account: RecruitAccount, ref: str | None, candidate: Candidate) -> Job:
    explicit = Job.objects.get(platform="Boss", platform_id=ref) if ref else None
    return selectors.resolve_job(account, explicit, candidate.pk)


def via_gates(account: RecruitAccount, ref: str | None, candidate: Candidate) -> Job:
    job_id = Job.objects.get(platform="Boss", platform_id=ref).pk if ref else None
    link = _gates(account, job_id, candidate, timezone.now())
    if link is None:
        raise Conflict("no job")  # what candidate_filter / candidate_prefilter raise
    return link.job


@pytest.mark.parametrize("resolve", [via_selector, via_gates], ids=["selector", "gates-sql"])
@pytest.mark.parametrize(("case", "ref", "conversations", "unlink_all", "expected"), CASES, ids=[c[0] for c in CASES])
def test_job_resolution(world, resolve, case, ref, conversations, unlink_all, expected):
    account, jobs, candidate = world
    start = timezone.now() - timedelta(hours=len(conversations) + 1)
    for age, key in enumerate(conversations):
        conversation = Conversation.objects.create(account=account, job=jobs[key], candidate=candidate)
        Conversation.objects.filter(pk=conversation.pk).update(updated_at=start + timedelta(hours=age))
    if unlink_all:
        AccountJob.objects.filter(account=account).update(linked=False)
    if expected == CONFLICT:
        with pytest.raises(Conflict):
            resolve(account, ref, candidate)
    else:
        assert resolve(account, ref, candidate).platform_id == expected


# --- Every candidate endpoint through the API: a dropped or never-listed jobID is 1003, nothing stored.


@pytest.fixture
def dropped(api):
    """j1, j2 registered; the account registered with [j1, j2], then re-registered with [j1] only
    (j2 dropped); j3 registered but never in the account's list."""
    for key in ("j1", "j2", "j3"):
        api.ok("/recruit/job/register", {"platformType": "Boss", "platformID": key, "jobName": f"岗位{key}"})
    register = {"platformType": "Boss", "platformID": "a", "jobs": ["job_Boss_j1", "job_Boss_j2"]}
    api.ok("/recruit/account/register", register)
    api.ok("/recruit/account/register", {**register, "jobs": ["job_Boss_j1"]})
    assert AccountJob.objects.get(job__platform_id="j2").linked is False
    return api


GONE = ["job_Boss_j2", "job_Boss_j3"]


def assert_conflict(api, path, body, data):
    status, payload = api.post(path, body)
    assert (status, payload["ret"], payload["data"]) == (409, 1003, data), payload
    assert "jobID" in payload["msg"]


@pytest.mark.parametrize("job_id", GONE)
@pytest.mark.parametrize("path", ["/recruit/candidate/filter", "/recruit/candidate/filter/v2"])
def test_filter_refuses_a_job_the_account_does_not_have(dropped, path, job_id):
    body = {"accountID": "account_Boss_a", "candidateInfo": boss_card(geekId=7), "jobID": job_id}
    status, payload = dropped.post(path, body)
    assert (status, payload["ret"]) == (409, 1003)
    assert payload["data"] == {"touch": False, "reasons": [payload["msg"]]}
    assert not Reservation.objects.exists() and not ScreeningDecision.objects.exists()
    assert not Candidate.objects.exists()  # nothing stored for a rejected request
    # The job of the list still screens (and reserves).
    assert dropped.ok(path, {**body, "jobID": "job_Boss_j1"})["touch"] is True


@pytest.mark.parametrize("job_id", GONE)
def test_prefilter_refuses_a_job_the_account_does_not_have(dropped, job_id):
    body = {"accountID": "account_Boss_a", "candidate_id": 7, "jobID": job_id}
    # Profile not stored yet: still a state error, not "candidate_in_db": false.
    assert_conflict(dropped, "/recruit/candidate/preFilter/v2", body, {"candidate_in_db": False})
    dropped.ok("/recruit/candidate/filter", {"accountID": "account_Boss_a", "candidateInfo": boss_card(geekId=7)})
    Reservation.objects.all().delete()
    decisions = ScreeningDecision.objects.count()
    assert_conflict(dropped, "/recruit/candidate/preFilter/v2", body, {"candidate_in_db": False})
    assert ScreeningDecision.objects.count() == decisions and not Reservation.objects.exists()


@pytest.mark.parametrize("job_id", GONE)
@pytest.mark.parametrize("path", ["/recruit/candidate/chat", "/recruit/candidate/chat/v2"])
def test_chat_refuses_a_job_the_account_does_not_have(dropped, path, job_id):
    body = {
        "accountID": "account_Boss_a",
        "candidateID": "c1",
        "candidateName": "张三",
        "historyMsg": [{"speaker": "user", "msg": "你好，我微信是 zhang_san88"}],
        "jobID": job_id,
    }
    assert_conflict(dropped, path, body, {"nextStep": "", "nextStepContent": ""})
    assert not Conversation.objects.exists() and not ContactRecord.objects.exists()


@pytest.mark.parametrize("job_id", GONE)
@pytest.mark.parametrize("path", ["/recruit/candidate/result", "/recruit/candidate/result/v2"])
def test_result_refuses_a_job_the_account_does_not_have(dropped, path, job_id):
    body = {"accountID": "account_Boss_a", "candidateID": "c1", "candidateName": "张三", "jobID": job_id}
    assert_conflict(dropped, path, {**body, "wechat": "zhang_san88"}, None)
    assert not Conversation.objects.exists() and not ContactRecord.objects.exists()


@pytest.mark.parametrize("job_id", GONE)
@pytest.mark.parametrize("path", ["/recruit/account/task/report", "/recruit/account/task/report/v2"])
def test_task_report_refuses_a_job_the_account_does_not_have(dropped, path, job_id):
    body = {
        "accountID": "account_Boss_a",
        "jobID": job_id,
        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [7]}}],
    }
    assert_conflict(dropped, path, body, None)
    assert not Greeting.objects.exists() and not Conversation.objects.exists()


@pytest.mark.parametrize("job_id", GONE)
@pytest.mark.parametrize("path", ["/recruit/account/task/fetch", "/recruit/account/task/fetch/v2"])
def test_task_fetch_refuses_a_job_the_account_does_not_have(dropped, path, job_id):
    assert_conflict(dropped, path, {"accountID": "account_Boss_a", "jobID": job_id}, {"task": []})
    assert [t["jobID"] for t in dropped.ok(path, {"accountID": "account_Boss_a"})["task"]] == ["job_Boss_j1"]
