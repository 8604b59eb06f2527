"""Every failure keeps the envelope; one test per rejected input; failures change nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from recruit.models import AccountJob, Greeting, Job, RecruitAccount, TimeSlot
from tests.factories import AccountFactory, JobFactory, link

JOB = {"platformType": "boss", "platformID": "1", "jobName": "客服"}
ACCOUNT = {"platformType": "boss", "platformID": "1", "jobs": []}
SLOT = {"jobID": "job_Boss_j", "taskType": "batchTouch", "helloSum": 5, "timeMount": [{"time": "09:00", "mount": 5}]}


def slot_config(**overrides):
    return {**ACCOUNT, "jobs": ["job_Boss_j"], "taskConfig": [{**SLOT, **overrides}]}


def assert_envelope(body):
    assert set(body) == {"ret", "msg", "data"}
    assert "status" not in body


REJECTED = [
    ("/recruit/job/register", {k: v for k, v in JOB.items() if k != "jobName"}, "jobName: this field is required"),
    ("/recruit/job/register", {**JOB, "jobName": ""}, "jobName: this field may not be blank"),
    ("/recruit/job/register", {**JOB, "jobName": 5}, "jobName: expected a string"),
    ("/recruit/job/register", {**JOB, "platformID": 1.5}, "platformID: expected a string or integer"),
    ("/recruit/job/register", {**JOB, "platformID": True}, "platformID: expected a string or integer"),
    ("/recruit/job/register", {**JOB, "platformType": "monster"}, "platformType: unknown platform 'monster'"),
    ("/recruit/job/register", {**JOB, "jobConfig": {"criteria": {"age": "x"}}}, "jobConfig.criteria.age: "),
    ("/recruit/job/register", {**JOB, "jobConfig": {"max_contact_asks": -1}}, "jobConfig.max_contact_asks: "),
    (
        "/recruit/job/register",
        {**JOB, "jobConfig": {"notify_format": "slack"}},
        "jobConfig.notify_format: expected one of json, wecom, dingtalk, feishu",
    ),
    ("/recruit/job/register", {**JOB, "jobConfig": {"notify_format": 1}}, "jobConfig.notify_format: expected a string"),
    (
        "/recruit/job/register",
        {**JOB, "jobConfig": {"wechat_nudge_after_hours": -1}},
        "jobConfig.wechat_nudge_after_hours: must be at least 0",
    ),
    (
        "/recruit/job/register",
        {**JOB, "jobConfig": {"wechat_nudge_after_hours": "24"}},
        "jobConfig.wechat_nudge_after_hours: expected an integer",
    ),
    ("/recruit/job/register", {**JOB, "robotApi": "http://evil.example.com/x"}, "robotApi: host evil.example.com"),
    (
        "/recruit/job/register",
        {**JOB, "jobConfig": {"notify_webhook": "https://evil.example.com/"}},
        "jobConfig.notify_webhook: host",
    ),
    ("/recruit/account/register", {**ACCOUNT, "jobs": "job_Boss_j"}, "jobs: expected a list"),
    (
        "/recruit/account/register",
        slot_config(timeMount=[{"time": "9:00", "mount": 5}]),
        "taskConfig[0].timeMount[0].time: expected zero-padded HH:MM",
    ),
    (
        "/recruit/account/register",
        slot_config(timeMount=[{"time": "24:00", "mount": 5}]),
        "taskConfig[0].timeMount[0].time: expected zero-padded HH:MM",
    ),
    (
        "/recruit/account/register",
        slot_config(timeMount=[{"time": "09:00", "mount": -1}]),
        "taskConfig[0].timeMount[0].mount: must be at least 0",
    ),
    (
        "/recruit/account/register",
        slot_config(timeMount=[{"time": "09:00", "mount": 1}, {"time": "09:00", "mount": 2}]),
        "taskConfig[0].timeMount[1].time: duplicate slot time",
    ),
    ("/recruit/account/register", slot_config(helloSum=10001), "taskConfig[0].helloSum: must be at most 10000"),
    ("/recruit/account/register", slot_config(helloSum="50"), "taskConfig[0].helloSum: expected an integer"),
    ("/recruit/account/register", {**slot_config(), "jobs": []}, "taskConfig[0].jobID: not in jobs"),
    ("/recruit/account/task/fetch", {}, "accountID: this field is required"),
    ("/recruit/account/task/fetch", {"accountID": ""}, "accountID: this field may not be blank"),
    ("/recruit/account/task/fetch", {"accountID": ["x"]}, "accountID: expected a string or integer"),
    ("/recruit/account/task/fetch", {"accountID": "garbage"}, "accountID: malformed"),
    ("/recruit/account/task/fetch", {"accountID": "account_monster_1"}, "accountID: malformed"),
    ("/recruit/account/task/report", {"accountID": "account_Boss_a", "taskStatus": {}}, "taskStatus: expected a list"),
    (
        "/recruit/account/task/report",
        {"accountID": "account_Boss_a", "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": "1"}}]},
        "taskStatus[0].details.candidateList: expected a list",
    ),
    (
        "/recruit/account/task/report",
        {
            "accountID": "account_Boss_a",
            "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": ["1", None]}}],
        },
        "taskStatus[0].details.candidateList[1]: expected a string or integer",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "msg"), REJECTED, ids=[r[2].split(":")[0] + f"-{i}" for i, r in enumerate(REJECTED)]
)
def test_rejected_input_is_1001_naming_the_field_and_changes_nothing(api, path, body, msg):
    job = JobFactory(platform_id="j")
    account = AccountFactory(platform_id="a")
    link(account, job)
    before = snapshot()
    status, payload = api.post(path, body)
    assert_envelope(payload)
    assert (status, payload["ret"]) == (400, 1001), payload
    assert payload["msg"].startswith(msg), payload["msg"]
    assert snapshot() == before


def snapshot():
    return tuple(
        sorted(model.objects.values_list("pk", flat=True))
        for model in (Job, RecruitAccount, AccountJob, TimeSlot, Greeting)
    ) + (list(Job.objects.values_list("name", "jd")),)


def test_unknown_job_in_jobs_is_1002_and_changes_nothing(api):
    before = snapshot()
    status, payload = api.post("/recruit/account/register", {**ACCOUNT, "jobs": ["job_Boss_missing"]})
    assert (status, payload["ret"], payload["data"]) == (404, 1002, None)
    assert "jobs" not in payload["msg"] or payload["msg"].startswith("jobID")
    assert snapshot() == before


def test_invalid_json(api):
    status, payload = api.post("/recruit/job/register", raw=b'{"platformType": ')
    assert_envelope(payload)
    assert (status, payload["ret"]) == (400, 1001)
    assert payload["msg"].startswith("body:")


def test_json_array_body_is_rejected(api):
    status, payload = api.post("/recruit/job/register", raw=b"[1, 2]")
    assert (status, payload["ret"], payload["msg"]) == (400, 1001, "body: expected a JSON object")


def test_json_with_text_plain_content_type_is_parsed(api):
    status, payload = api.post("/recruit/job/register", JOB, content_type="text/plain")
    assert (status, payload["data"]) == (200, {"jobID": "job_Boss_1"})


def test_unknown_query_parameters_are_ignored(api):
    status, payload = api.post("/recruit/job/register?_t_=8d1c", JOB)
    assert (status, payload["ret"]) == (200, 0)


def test_get_instead_of_post_is_405(api):
    response = Client().get("/recruit/job/register")
    payload = json.loads(response.content)
    assert_envelope(payload)
    assert (response.status_code, payload["ret"]) == (405, 1001)


def test_wrong_method_on_fetch_keeps_task_shape_free_envelope(api):
    response = Client().put("/recruit/account/task/fetch", data="{}")
    assert response.status_code == 405 and json.loads(response.content)["ret"] == 1001


def test_unknown_url_is_1002(api):
    status, payload = api.post("/recruit/nothing/here", {})
    assert_envelope(payload)
    assert (status, payload["ret"], payload["data"]) == (404, 1002, None)


def test_unknown_url_wins_over_wrong_method():
    response = Client().get("/recruit/nothing/here")
    assert (response.status_code, json.loads(response.content)["ret"]) == (404, 1002)


def test_oversize_body_is_413(api, settings):
    settings.API_MAX_BODY_BYTES = 1000
    status, payload = api.post("/recruit/job/register", {**JOB, "jobJD": "x" * 2000})
    assert_envelope(payload)
    assert (status, payload["ret"]) == (413, 1004)
    assert not Job.objects.exists()


def test_fetch_failure_keeps_task_list_shape(api):
    status, payload = api.post("/recruit/account/task/fetch", {"accountID": "account_Boss_nobody"})
    assert (status, payload["ret"], payload["data"]) == (404, 1002, {"task": []})


def test_chinese_is_utf8_not_escaped(api):
    response = Client().generic(
        "POST", "/recruit/job/register", json.dumps({**JOB, "platformType": "怪兽"}), "text/plain"
    )
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "怪兽".encode() in response.content
    assert b"\\u" not in response.content


def test_unhandled_exception_is_1500_with_request_id_and_no_traceback(api, monkeypatch):
    from recruit import api as recruit_api

    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(recruit_api, "job_register", boom)
    status, payload = api.post("/recruit/job/register", JOB)
    assert_envelope(payload)
    assert (status, payload["ret"]) == (500, 1500)
    assert "request" in payload["msg"] and "secret" not in payload["msg"] and "Traceback" not in payload["msg"]
