"""job/register, job/query, account/register, account/query (CONTRACT §4) and the envelope (§1–2)."""

from __future__ import annotations

import pytest

from recruit.models import AccountJob, Job, RecruitAccount
from tests.factories import JobFactory


def register_job(api, **overrides):
    body = {"platformType": "boss", "platformID": "1001", "jobName": "客服专员", "jobJD": "接待客户"}
    body.update(overrides)
    return api.ok("/recruit/job/register", body)


def test_job_register_returns_canonical_deterministic_id(api):
    assert register_job(api) == {"jobID": "job_Boss_1001"}
    job = Job.objects.get()
    assert (job.platform, job.platform_id, job.name, job.jd) == ("Boss", "1001", "客服专员", "接待客户")


@pytest.mark.parametrize("alias", ["boss", "BOSS", "Boss", "zhipin"])
def test_platform_aliases_are_canonicalised(api, alias):
    assert register_job(api, platformType=alias)["jobID"] == "job_Boss_1001"


def test_numeric_platform_id_is_a_string(api):
    assert register_job(api, platformID=1001)["jobID"] == "job_Boss_1001"


def test_job_register_is_idempotent_and_keeps_admin_edits(api):
    register_job(api, jobConfig={"touch_msg": "你好", "faq": {"salary": "8K"}})
    job = Job.objects.get()
    job.faq_location = "望京"  # a recruiter's edit in admin
    job.closing_msg = "谢谢"
    job.save()
    again = register_job(api, jobName="客服主管", jobConfig={"faq": {"hours": "早九晚六"}})
    assert again == {"jobID": "job_Boss_1001"}
    job.refresh_from_db()
    assert Job.objects.count() == 1
    assert job.name == "客服主管"
    assert (job.faq_salary, job.faq_location, job.faq_hours) == ("8K", "望京", "早九晚六")
    assert (job.touch_msg, job.closing_msg, job.jd) == ("你好", "谢谢", "接待客户")


def test_job_config_is_stored_in_fields(api):
    register_job(
        api,
        jobConfig={
            "criteria": {"age": [18, None], "min_degree": "大专", "cities": ["北京", "上海"], "salary_k": [5, 10]},
            "contact_ask": ["方便留个微信吗？", "留个电话？"],
            "max_contact_asks": 3,
            "recall_steps": [{"after_hours": 12, "msg": "{name}您好"}],
            "read_recall_after_hours": 4,
            "notify_format": "dingtalk",
            "wechat_nudge_after_hours": 12,
            "unknown_key": 1,
        },
    )
    job = Job.objects.get()
    assert (job.age_min, job.age_max, job.min_degree) == (18, None, "大专")
    assert (job.cities, job.salary_min_k, job.salary_max_k) == ("北京\n上海", 5, 10)
    assert job.contact_ask == "方便留个微信吗？\n留个电话？"
    assert (job.max_contact_asks, job.read_recall_after_hours) == (3, 4)
    assert (job.notify_format, job.wechat_nudge_after_hours) == ("dingtalk", 12)
    assert [(s.after_hours, s.msg) for s in job.recall_steps.all()] == [(12, "{name}您好")]


def test_job_query(api):
    register_job(api)
    assert api.ok("/recruit/job/query", {"platformType": "BOSS", "platformID": "1001"}) == {"jobID": "job_Boss_1001"}
    status, body = api.post("/recruit/job/query", {"platformType": "boss", "platformID": "nope"})
    assert (status, body["ret"], body["data"]) == (404, 1002, None)


def test_account_register_and_query(api):
    register_job(api)
    data = api.ok(
        "/recruit/account/register", {"platformType": "boss", "platformID": 27175761, "jobs": ["job_boss_1001"]}
    )
    assert data == {"accountID": "account_Boss_27175761"}
    link = AccountJob.objects.get()
    assert (link.hello_sum, [(f"{s.time:%H:%M}", s.mount) for s in link.slots.all()]) == (
        50,
        [("09:00", 25), ("16:00", 25)],
    )
    query = api.ok("/recruit/account/query", {"platformType": "Boss", "platformID": "27175761"})
    assert query == {"accountID": "account_Boss_27175761"}


def test_account_reregistration_sets_order_and_keeps_configs(api):
    a, b, c = (JobFactory(platform_id=x) for x in ("a", "b", "c"))
    api.ok(
        "/recruit/account/register",
        {
            "platformType": "boss",
            "platformID": "1",
            "jobs": ["job_Boss_a", "job_Boss_b"],
            "taskConfig": [
                {
                    "jobID": "job_Boss_a",
                    "taskType": "batchTouch",
                    "helloSum": 10,
                    "timeMount": [{"time": "10:00", "mount": 10}],
                    "filter": {"city": "北京"},
                }
            ],
        },
    )
    link_a = AccountJob.objects.get(job=a)
    link_a.hello_sum = 12  # edited in admin
    link_a.save()
    # The bot re-registers at start-up with a new order and without taskConfig.
    api.ok(
        "/recruit/account/register", {"platformType": "boss", "platformID": "1", "jobs": ["job_Boss_c", "job_Boss_a"]}
    )
    links = {link.job_id: link for link in AccountJob.objects.all()}
    assert (links[a.pk].hello_sum, links[a.pk].search_filter, links[a.pk].position) == (12, {"city": "北京"}, 1)
    assert [(f"{s.time:%H:%M}", s.mount) for s in links[a.pk].slots.all()] == [("10:00", 10)]
    assert (links[c.pk].position, links[c.pk].hello_sum, links[c.pk].linked) == (0, 50, True)
    assert links[b.pk].linked is False
    assert RecruitAccount.objects.count() == 1


def test_account_register_with_empty_jobs(api):
    assert api.ok("/recruit/account/register", {"platformType": "maimai", "platformID": "9", "jobs": []}) == {
        "accountID": "account_maimai_9"
    }


def test_unknown_account_query_is_1002(api):
    status, body = api.post("/recruit/account/query", {"platformType": "boss", "platformID": "404"})
    assert (status, body["ret"]) == (404, 1002)


def test_interview_slots_are_a_job_config_key(api):
    body = {
        "platformType": "boss",
        "platformID": "slots",
        "jobName": "客服",
        "jobConfig": {"interview_slots": ["周二 14:00", "周三 10:00"]},
    }
    api.ok("/recruit/job/register", body)
    from recruit.models import Job

    assert Job.objects.get(platform_id="slots").interview_slots == "周二 14:00\n周三 10:00"
    status, payload = api.post("/recruit/job/register", {**body, "jobConfig": {"interview_slots": "周二"}})
    assert (status, payload["msg"]) == (400, "jobConfig.interview_slots: expected a list")
