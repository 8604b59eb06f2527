"""「试用此岗位」 on a job's page: a pasted card is screened with the job's criteria, a typed message is
answered by the rule engine with the job's script, and nothing is stored."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.apps import apps
from django.urls import reverse

from tests.factories import JobFactory, TeamFactory, staff_client
from tests.recruit.fixtures import load_card

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def trial_url(job) -> str:
    return reverse("admin:recruit_job_try", args=[job.pk])


def row_counts() -> dict[str, int]:
    models = [*apps.get_app_config("recruit").get_models(), *apps.get_app_config("wechat").get_models()]
    return {model._meta.label: model.objects.count() for model in models}


@pytest.fixture
def team():
    return TeamFactory(name="一组")


@pytest.fixture
def job(team):
    # The BOSS fixture card: 6 years, and a degree the job asks more than (博士).
    return JobFactory(
        team=team, name="客服专员", work_years_min=3, min_degree="博士", faq_salary="月薪 8-12K，五险一金"
    )


@pytest.fixture
def client(team):
    return staff_client(team, "recruit.change_job", "recruit.view_job")


def test_the_job_page_has_the_button(client, job):
    html = client.get(reverse("admin:recruit_job_change", args=[job.pk])).content.decode()
    assert f'href="{trial_url(job)}"' in html and "试用此岗位" in html


def test_the_page_renders_for_a_team_staff_user(client, job):
    response = client.get(trial_url(job))
    assert response.status_code == 200
    body = text_of(response.content.decode())
    assert "试用此岗位：客服专员" in body and "候选人名片 (JSON)" in body and "不会保存任何记录" in body


def test_a_card_shows_the_decision_with_every_criterion(client, job):
    response = client.post(trial_url(job), {"platform": "", "card": json.dumps(load_card("Boss"))})
    assert response.status_code == 200
    html = response.content.decode()
    section = text_of(re.search(r'<fieldset class="module" id="trial-screening">.*?</fieldset>', html, re.S).group(0))
    assert "未通过（学历：" in section
    assert "学历 未通过" in section and "工作年限 通过 6 3–" in section  # every configured criterion, in Chinese
    assert "测试候选人" in section  # the parsed profile's card
    assert "BOSS直聘" in section


def test_the_card_is_read_as_the_platform_picked(client, job, team):
    other = JobFactory(team=team, name="市场专员", platform="Boss", cities="北京")
    response = client.post(trial_url(other), {"platform": "maimai", "card": json.dumps(load_card("maimai"))})
    section = text_of(response.content.decode())
    assert "脉脉" in section and "示例用户甲" in section and "期望城市 通过" in section


def test_a_whole_filter_request_body_is_accepted(client, job):
    body = json.dumps({"accountID": "x", "candidateInfo": load_card("Boss")})
    assert "测试候选人" in text_of(client.post(trial_url(job), {"card": body}).content.decode())


def test_a_message_shows_the_rule_engines_reply_and_next_step(client, job):
    response = client.post(trial_url(job), {"message": "薪资多少？"})
    html = response.content.decode()
    section = text_of(re.search(r'<fieldset class="module" id="trial-chat">.*?</fieldset>', html, re.S).group(0))
    assert "月薪 8-12K，五险一金" in section
    assert "下一步：" in section
    assert re.search(r"下一步： (继续聊天|索要联系方式|转人工确认|结束对话)", section)


def test_a_contact_in_the_message_finishes(client, job):
    section = text_of(client.post(trial_url(job), {"message": "我的电话 13800138000"}).content.decode())
    assert "下一步： 结束对话" in section


@pytest.mark.parametrize("card", ["{not json", "[1, 2]", '"text"', "{" * 5000, "[" * 100_000])
def test_invalid_json_is_a_friendly_error(client, job, card):
    response = client.post(trial_url(job), {"card": card})
    assert response.status_code == 200
    body = text_of(response.content.decode())
    assert "有效的 JSON" in body or "JSON 对象" in body
    assert 'id="trial-screening"' not in response.content.decode()


def test_an_empty_form_asks_for_input(client, job):
    assert "请粘贴候选人名片" in text_of(client.post(trial_url(job), {}).content.decode())


def test_nothing_is_stored(client, job):
    before = row_counts()
    client.post(trial_url(job), {"card": json.dumps(load_card("Boss")), "message": "在哪里上班？我微信 abc12345"})
    client.post(trial_url(job), {"platform": "liepin", "card": json.dumps(load_card("liepin")), "message": "好的"})
    assert row_counts() == before


def test_another_teams_job_is_not_found(client):
    other = JobFactory(team=TeamFactory(name="二组"))
    assert client.get(trial_url(other)).status_code == 404
    assert client.post(trial_url(other), {"message": "你好"}).status_code == 404


def test_the_change_permission_is_needed(team, job):
    viewer = staff_client(team, "recruit.view_job")
    assert viewer.get(trial_url(job)).status_code == 403
    page = viewer.get(reverse("admin:recruit_job_change", args=[job.pk])).content.decode()
    assert trial_url(job) not in page
