"""The job page shows what the robot actually says where the recruiter left a line empty."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from recruit.jobconfig import DEFAULT_CLOSING, DEFAULT_CONTACT_ASK, DEFAULT_RECALL_STEPS
from recruit.models import RecallStep
from tests.factories import JobFactory


@pytest.fixture
def client(db) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", None))
    return client


def panel(client: Client, job) -> dict[str, str]:
    """The "in effect" panel's parts, by name, as text."""
    html = client.get(reverse("admin:recruit_job_change", args=[job.pk])).content.decode()
    assert "实际使用 (in effect)" in html
    parts = re.findall(r'<div class="in-effect-([a-z_]+)">(.*?)</div>', html, re.S)
    return {name: re.sub(r"<[^>]+>", " ", body) for name, body in parts}


def test_a_job_without_its_own_lines_shows_the_defaults(client):
    job = JobFactory(name="客服专员")
    parts = panel(client, job)
    assert DEFAULT_CLOSING in parts["closing"] and "默认" in parts["closing"]
    assert DEFAULT_CONTACT_ASK in parts["contact_ask"] and "默认" in parts["contact_ask"]
    assert "您好，我们正在招聘「客服专员」" in parts["greeting"] and "默认" in parts["greeting"]
    assert DEFAULT_RECALL_STEPS[0][1] in parts["recall_steps"] and "默认" in parts["recall_steps"]


def test_a_job_with_its_own_lines_shows_them(client):
    job = JobFactory(touch_msg="在招客服", contact_ask="留个微信吧\n留个电话也行", closing_msg="谢谢，回头联系")
    RecallStep.objects.create(job=job, after_hours=12, msg="{name}还在吗")
    parts = panel(client, job)
    assert "谢谢，回头联系" in parts["closing"] and DEFAULT_CLOSING not in parts["closing"]
    assert "留个微信吧" in parts["contact_ask"] and "留个电话也行" in parts["contact_ask"]
    assert "在招客服" in parts["greeting"]
    assert "12h：{name}还在吗" in parts["recall_steps"]
    assert not any("默认" in text for text in parts.values())


def test_empty_fields_show_the_default_as_placeholder(client):
    html = client.get(reverse("admin:recruit_job_add")).content.decode()
    assert f'placeholder="{DEFAULT_CLOSING}"' in html
    assert f'placeholder="{DEFAULT_CONTACT_ASK}"' in html
