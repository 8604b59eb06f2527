"""recruit.jobconfig: the one home of a job's configuration. Pure: every test here runs on unsaved jobs,
without a database (pytest-django refuses any query)."""

from __future__ import annotations

import pytest

from recruit import jobconfig
from recruit.jobconfig import DEFAULT_CLOSING, DEFAULT_CONTACT_ASK, DEFAULT_RECALL_STEPS, Step
from recruit.models import Job, RecallStep
from recruit.screening import criteria_from_config
from recruit.serializers import JobConfigInput

EMPTY = Job(name="客服专员")
OWN = Job(
    name="客服专员",
    touch_msg=" 您好，在招客服 ",
    contact_ask="方便留个微信吗？\n\n留个电话也行",
    closing_msg="谢谢，HR 联系您",
    faq_salary="8K",
)
OWN_STEPS = [RecallStep(after_hours=12, msg="{name}在吗")]


def test_defaults_are_in_effect_where_the_recruiter_left_lines_empty():
    script = jobconfig.effective(EMPTY, [])
    assert script.greeting == "您好，我们正在招聘「客服专员」，看了您的经历觉得很合适，方便聊聊吗？"
    assert (script.contact_ask, script.closing) == ((DEFAULT_CONTACT_ASK,), DEFAULT_CLOSING)
    assert script.recall_steps == tuple(Step(hours, msg) for hours, msg in DEFAULT_RECALL_STEPS)
    assert script.defaulted == {"greeting", "contact_ask", "closing", "recall_steps"}


def test_the_recruiters_own_lines_win():
    script = jobconfig.effective(OWN, OWN_STEPS)
    assert (script.greeting, script.contact_ask, script.closing) == (
        "您好，在招客服",
        ("方便留个微信吗？", "留个电话也行"),
        "谢谢，HR 联系您",
    )
    assert (script.recall_steps, script.defaulted) == ((Step(12, "{name}在吗"),), frozenset())


@pytest.mark.parametrize("job", [EMPTY, OWN], ids=["defaults", "own"])
def test_the_engines_script_is_the_one_in_effect(job):
    script = jobconfig.job_script(job)
    effective = jobconfig.effective(job, [])
    assert (script.touch_msg, tuple(script.contact_ask), script.closing_msg) == (
        effective.greeting,
        effective.contact_ask,
        effective.closing,
    )
    assert script.faq == {
        "salary": job.faq_salary,
        "location": "",
        "hours": "",
        "benefits": "",
        "company": "",
    }


def test_the_mapping_covers_every_jobconfig_key_the_api_accepts():
    mapped = {*jobconfig.CONFIG_SCALARS, *jobconfig.CONFIG_LINES, "faq", "criteria", "recall_steps"}
    assert set(JobConfigInput().fields) == mapped
    assert all(hasattr(EMPTY, field) for field in (*jobconfig.CONFIG_SCALARS, *jobconfig.FAQ_FIELDS.values()))


CRITERIA = {
    "age": [20, 35],
    "work_years": [1, None],
    "salary_k": [8, 12.5],
    "min_degree": "专科",
    "cities": ["上海", "杭州"],
    "keywords": ["客服"],
    "exclude_keywords": ["兼职"],
    "exclude_companies": ["某某外包"],
    "active_desc": ["刚刚活跃"],
    "active_within_minutes": 60,
    "school_tier": "211",
    "on_missing": "pass",
}


def test_criteria_written_onto_a_job_read_back_as_validated():
    job = Job(name="客服专员")
    jobconfig.apply_config(job, {"criteria": jobconfig.criteria_config(CRITERIA)})
    assert jobconfig.job_criteria(job) == criteria_from_config(CRITERIA)


def test_only_the_keys_sent_change():
    job = Job(name="客服专员", age_min=18, age_max=30, faq_hours="9-6", closing_msg="再见")
    jobconfig.apply_config(job, jobconfig_input({"faq": {"salary": "8K"}, "criteria": {"cities": ["上海"]}}))
    assert (job.age_min, job.age_max, job.faq_hours, job.closing_msg) == (18, 30, "9-6", "再见")
    assert (job.faq_salary, job.cities) == ("8K", "上海")


def jobconfig_input(data: dict) -> dict:
    serializer = JobConfigInput(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
