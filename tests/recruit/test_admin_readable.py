"""Readable records in the console: a decision reads as a sentence, the parsed profile as a card,
criteria and sources in Chinese, the notification pages in Chinese; the API keeps English reasons."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from recruit import presenters
from recruit.models import Notification
from recruit.platforms import parse_profile
from recruit.screening import Criteria, evaluate
from tests.factories import (
    AccountFactory,
    CandidateFactory,
    ConversationFactory,
    JobFactory,
    NotificationFactory,
    ScreeningDecisionFactory,
    TeamFactory,
    staff_client,
)
from tests.recruit.fixtures import load_card

pytestmark = pytest.mark.django_db

PROFILE = {
    "platform": "Boss",
    "name": "王小明",
    "age": 29,
    "degree": "硕士",
    "work_years": 6,
    "expected_cities": ["上海", "杭州"],
    "salary_min_k": 25,
    "salary_max_k": 35,
    "schools": ["复旦大学"],
    "companies": ["甲科技有限公司"],
    "work_titles": ["高级工程师"],
    "skills": ["Python", "Django"],
}
DETAILS = [
    {"code": "age", "passed": False, "actual": 36, "expected": [18, 35], "missing": False, "reason": "age: 36 > 35"},
    {"code": "degree", "passed": True, "actual": "本科", "expected": "本科", "missing": False, "reason": ""},
    {"code": "city", "passed": False, "actual": [], "expected": ["北京"], "missing": True, "reason": "city: missing"},
]


@pytest.fixture
def team():
    return TeamFactory(name="一组")


@pytest.fixture
def decision(team):
    account = AccountFactory(team=team, platform_id="boss-hr-1", desc="张HR的BOSS")
    job = JobFactory(team=team, name="客服专员")
    candidate = CandidateFactory(name="王小明", profile=PROFILE)
    return ScreeningDecisionFactory(
        account=account,
        job=job,
        candidate=candidate,
        touch=False,
        reasons=["age: 36 > 35", "city: missing", "quota: none left today"],
        details=DETAILS,
        profile=PROFILE,
        source="prefilter",
    )


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_a_failed_decision_reads_as_a_sentence_with_chinese_reasons(decision):
    sentence = str(decision)
    assert (
        sentence
        == "王小明 · 客服专员 · 账号 张HR的BOSS：未通过（年龄：36 > 35；期望城市：简历缺少此项；今日名额已用完）"
    )


def test_a_passed_decision_reads_as_a_sentence(team):
    passed = ScreeningDecisionFactory(
        account=AccountFactory(team=team, platform_id="boss-hr-2", desc=""),
        job=JobFactory(team=team, name="销售代表"),
        candidate=CandidateFactory(name="李雷"),
        touch=True,
        reasons=[],
    )
    assert str(passed) == "李雷 · 销售代表 · 账号 boss-hr-2：通过"


def test_every_reason_the_screening_gives_is_translated():
    profile = parse_profile("Boss", load_card("Boss"))
    criteria = Criteria(
        age_min=60,
        min_degree="博士",
        work_years_min=40,
        cities=["拉萨"],
        salary_max_k=1,
        keywords=["量子物理"],
        school_tier="985",
        active_within_minutes=0,
    )
    reasons = [r.reason for r in evaluate(profile, criteria, now=timezone.now())]
    assert reasons, "the criteria above fail the fixture card"
    for reason in reasons:
        code = reason.partition(":")[0]
        assert not presenters.reason_text(reason).startswith(code), reason  # the code became a Chinese name
    for code in ("age", "min_degree", "work_years", "cities", "salary_k", "keywords", "exclude_keywords"):
        assert presenters.criterion_label(code) != code
    for code in ("exclude_companies", "active", "school_tier", "quota", "dedupe", "account", "job", "rubric"):
        assert presenters.criterion_label(code) != code
    assert presenters.source_label("filter") != "filter" and presenters.source_label("preFilter") != "preFilter"


def test_decision_page_shows_the_sentence_chinese_criteria_and_a_profile_card(team, decision):
    client = staff_client(team, "recruit.view_screeningdecision")
    html = client.get(reverse("admin:recruit_screeningdecision_change", args=[decision.pk])).content.decode()
    body = text_of(html)
    assert "王小明 · 客服专员 · 账号 张HR的BOSS：未通过" in body  # the page title and the first field
    # The criteria table: Chinese names, results and ranges, no codes.
    table = text_of(re.search(r'<table class="criteria-table">.*?</table>', html, re.S).group(0))
    assert "年龄 未通过 36 18–35" in table
    assert "学历 通过 本科 本科" in table
    assert "期望城市 未通过（缺少数据） - 北京" in table
    assert not re.search(r"\b(age|degree|city)\b", table)
    assert "预筛选" in body  # the source
    # The profile card: its values, no JSON.
    card = re.search(r'<dl class="profile-card".*?</dl>', html, re.S).group(0)
    for value in (
        "29",
        "硕士",
        "6 年",
        "上海、杭州",
        "25–35K",
        "复旦大学",
        "甲科技有限公司",
        "高级工程师",
        "Python、Django",
    ):
        assert value in card, value
    assert "{" not in card and '"age"' not in html


def test_decision_list_shows_sentences(team, decision):
    client = staff_client(team, "recruit.view_screeningdecision")
    response = client.get(reverse("admin:recruit_screeningdecision_changelist"))
    assert response.status_code == 200
    body = text_of(response.content.decode())
    assert "王小明 · 客服专员 · 账号 张HR的BOSS：未通过" in body
    assert "✗" not in body
    assert client.get(reverse("admin:recruit_screeningdecision_changelist") + "?source=prefilter").status_code == 200


def test_candidate_page_shows_the_profile_as_a_card(team, decision):
    client = staff_client(team, "recruit.view_candidate", "recruit.view_screeningdecision")
    html = client.get(reverse("admin:recruit_candidate_change", args=[decision.candidate.pk])).content.decode()
    card = re.search(r'<dl class="profile-card".*?</dl>', html, re.S).group(0)
    assert "复旦大学" in card and "25–35K" in card and "{" not in card
    assert "年龄：36 > 35" in text_of(html)  # the decisions inline, in Chinese


def test_notification_pages_are_in_chinese(team):
    conversation = ConversationFactory(job=JobFactory(team=team), account=AccountFactory(team=team))
    notification = NotificationFactory(
        team=team, conversation=conversation, kind=Notification.Kind.NEED_HUMAN, last_error="HTTP 500"
    )
    client = staff_client(team, "recruit.view_notification")
    listing = text_of(client.get(reverse("admin:recruit_notification_changelist")).content.decode())
    for label in ("类型", "状态", "会话", "尝试次数", "最近错误", "发送时间", "需要人工"):
        assert label in listing, label
    page = client.get(reverse("admin:recruit_notification_change", args=[notification.pk]))
    assert page.status_code == 200
    body = text_of(page.content.decode())
    for label in ("Webhook 地址", "通知内容", "最近错误", "需要人工 #"):
        assert label in body, label
    for english in ("Conversation:", "Payload:", "Last error:", "Sent at:", "Webhook:"):
        assert english not in body, english
