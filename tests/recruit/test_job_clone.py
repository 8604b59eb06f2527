"""Cloning a job: every setting and recall step copied, a new unique platform id, same team, no
account links, audited; the console action calls the service for the user's own teams' jobs."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from hunter_robot.models import AuditLog
from recruit.models import AccountJob, Job
from recruit.services.jobs import job_clone
from tests.factories import AccountFactory, JobFactory, RecallStepFactory, TeamFactory, UserFactory, link

pytestmark = pytest.mark.django_db

SETTINGS = {
    "age_min": 22,
    "age_max": 35,
    "min_degree": "本科",
    "cities": "上海\n杭州",
    "salary_min_k": 10,
    "salary_max_k": 20,
    "keywords": "客服",
    "exclude_companies": "某公司",
    "school_tier": "211",
    "touch_msg": "您好，在招客服",
    "faq_salary": "8-12K",
    "faq_location": "上海徐汇",
    "contact_ask": "留个微信吧\n留个电话也行",
    "max_contact_asks": 3,
    "closing_msg": "谢谢",
    "interview_slots": "周二 14:00\n周四 10:00",
    "wechat_nudge_after_hours": 12,
    "robot_api": "llm",
    "notify_webhook": "https://hooks.example.invalid/x",
}


@pytest.fixture
def job():
    job = JobFactory(platform_id="kf-01", name="客服专员", **SETTINGS)
    RecallStepFactory(job=job, position=0, after_hours=12, msg="{name}还在吗")
    RecallStepFactory(job=job, position=1, after_hours=48, msg="「{job_name}」还在招")
    link(AccountFactory(team=job.team), job)
    return job


def settings_of(job: Job) -> dict:
    data = model_to_dict(job)
    for name in ("id", "platform_id", "name"):
        data.pop(name)
    return data


def steps_of(job: Job) -> list[tuple]:
    return list(job.recall_steps.values_list("position", "after_hours", "msg"))


def test_a_clone_copies_every_setting_and_recall_step(job):
    user = UserFactory()
    copy = job_clone(job=job, user=user)
    assert copy.pk != job.pk
    assert copy.name == "客服专员（副本）"
    assert copy.platform_id == "kf-01-copy-1" and copy.platform == job.platform
    assert copy.team_id == job.team_id
    assert settings_of(copy) == settings_of(job)
    assert steps_of(copy) == steps_of(job) and len(steps_of(copy)) == 2
    assert not AccountJob.objects.filter(job=copy).exists()  # linked to no account
    assert AccountJob.objects.filter(job=job).count() == 1  # the original keeps its link
    audit = AuditLog.objects.get(action="job_clone")
    assert (audit.user, audit.object_type, audit.object_id) == (user, "job", str(copy.pk))
    assert job.job_id in audit.detail


def test_platform_ids_stay_unique(job):
    user = UserFactory()
    first = job_clone(job=job, user=user)
    second = job_clone(job=job, user=user)
    of_copy = job_clone(job=first, user=user)
    assert (first.platform_id, second.platform_id) == ("kf-01-copy-1", "kf-01-copy-2")
    assert of_copy.platform_id == "kf-01-copy-1-copy-1"
    long = JobFactory(platform_id="x" * 128)
    assert len(job_clone(job=long, user=user).platform_id) == 128


def _client(team, *perms: str) -> Client:
    user = get_user_model().objects.create_user(f"staff-{team.pk}-{len(perms)}", is_staff=True)
    team.members.add(user)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="recruit", codename=codename))
    client = Client()
    client.force_login(user)
    return client


def run_clone(client: Client, jobs) -> None:
    response = client.post(
        reverse("admin:recruit_job_changelist"),
        {"action": "clone", ACTION_CHECKBOX_NAME: [job.pk for job in jobs], "index": 0},
    )
    assert response.status_code == 302


def test_the_console_action_clones_the_selected_jobs_of_the_users_teams(job):
    other = JobFactory(team=TeamFactory(name="另一组"), platform_id="other")
    client = _client(job.team, "view_job", "add_job", "change_job")
    assert client.get(reverse("admin:recruit_job_changelist")).status_code == 200
    run_clone(client, [job, other])
    assert Job.objects.filter(name="客服专员（副本）", team=job.team).count() == 1
    assert not Job.objects.filter(platform_id__startswith="other-copy").exists()  # another team's: not touched
    assert AuditLog.objects.filter(action="job_clone").count() == 1


def test_the_action_needs_the_add_permission(job):
    client = _client(job.team, "view_job", "change_job")
    html = client.get(reverse("admin:recruit_job_changelist")).content.decode()
    assert 'value="clone"' not in html
    client.post(reverse("admin:recruit_job_changelist"), {"action": "clone", ACTION_CHECKBOX_NAME: [job.pk]})
    assert Job.objects.count() == 1
