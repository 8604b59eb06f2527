"""The console's frame (hunter_robot/console.py on django-unfold): branding and the sidebar in the
recruiter's order, showing each user only what they may open."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

RECRUITING = ["工作台", "岗位", "招聘账号", "会话", "候选人", "筛选记录", "通知"]
SYSTEM = ["团队", "接口密钥", "审计记录", "定时任务", "用户"]


def sidebar_links(html: str) -> list[tuple[str, str]]:
    """(title, href) of each link in the sidebar, in page order."""
    nav = html[html.index('id="nav-sidebar"') :]
    links = re.findall(
        r'<a href="([^"]+)"[^>]*>\s*(?:<span[^>]*>[^<]*</span>\s*)?<span[^>]*>\s*([^<]+?)\s*</span>', nav
    )
    return [(title, href) for href, title in links]


def in_order(wanted: list[str], titles: list[str]) -> bool:
    positions = [titles.index(title) for title in wanted]
    return positions == sorted(positions)


def test_superuser_sidebar_is_in_the_recruiters_order_then_system():
    client = Client()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    html = client.get(reverse("admin:index")).content.decode()
    titles = [title for title, _href in sidebar_links(html)]
    assert set(RECRUITING + SYSTEM) <= set(titles), titles
    assert in_order(RECRUITING + SYSTEM, titles), titles
    assert "猎头机器人" in html  # the branded header


def test_every_sidebar_link_opens_for_the_user_it_is_shown_to():
    client = Client()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    links = sidebar_links(client.get(reverse("admin:index")).content.decode())
    assert len(links) >= len(RECRUITING + SYSTEM)
    for title, href in links:
        assert client.get(href).status_code == 200, (title, href)


def test_a_recruiter_sees_the_recruiting_entries_and_no_system_ones():
    team = TeamFactory()
    recruiter = UserFactory()
    recruiter.groups.add(Group.objects.get(name="招聘专员"))
    team.members.add(recruiter)
    client = Client()
    client.force_login(recruiter)
    links = sidebar_links(client.get(reverse("admin:index")).content.decode())
    titles = [title for title, _href in links]
    assert in_order(["工作台", "岗位", "招聘账号", "会话"], titles), titles
    assert not set(SYSTEM) & set(titles), titles
    for title, href in links:
        assert client.get(href).status_code == 200, (title, href)
