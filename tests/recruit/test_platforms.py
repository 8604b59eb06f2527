"""Platform names, candidate ids and card parsers (pure functions, no database)."""

from __future__ import annotations

import json

import pytest

from recruit.platforms import boss, liepin, linkedin, maimai, parse_profile
from recruit.platforms.ids import (
    PLATFORMS,
    candidate_id_from_info,
    canonical_platform,
    normalise_candidate_id,
)
from recruit.platforms.profile import (
    DATA_FIELDS,
    DEGREES,
    Profile,
    canonical_degree,
    coerce_field,
    degree_rank,
    parse_age,
    parse_salary_k,
    parse_work_years,
)
from tests.recruit.fixtures import CARD_FILES, CARDS_DIR, DELETE, SHARED_DATA_DIR, boss_card, load_card, vary

# --- Fixture copies -------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_fixture_cards_match_the_shared_ones(platform):
    shared = SHARED_DATA_DIR / CARD_FILES[platform]
    if not shared.exists():
        pytest.skip("../shared/data is not checked out next to the repository")
    copy = (CARDS_DIR / CARD_FILES[platform]).read_text("utf-8")
    assert json.loads(copy) == json.loads(shared.read_text("utf-8"))


# --- Platform names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Boss", "Boss"),
        ("boss", "Boss"),
        ("BOSS", "Boss"),
        ("zhipin", "Boss"),
        ("boss直聘", "Boss"),
        ("BOSS直聘", "Boss"),
        ("Linkedin", "Linkedin"),
        ("linkedin", "Linkedin"),
        ("LinkedIn", "Linkedin"),
        ("maimai", "maimai"),
        ("MaiMai", "maimai"),
        ("脉脉", "maimai"),
        ("liepin", "liepin"),
        ("猎聘", "liepin"),
        (" boss ", "Boss"),
    ],
)
def test_canonical_platform_matches_case_insensitively_and_by_alias(value, expected):
    assert canonical_platform(value) == expected


@pytest.mark.parametrize("value", ["", "lagou", "boss2", None, 1, ["Boss"], True])
def test_canonical_platform_rejects_unknown_values(value):
    assert canonical_platform(value) is None


# --- Candidate ids --------------------------------------------------------------------------------


def test_numeric_and_string_ids_are_the_same_candidate():
    assert normalise_candidate_id("Boss", 100000001) == "100000001"
    assert normalise_candidate_id("Boss", " 100000001 ") == "100000001"


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.LinkedIn.com/in/Foo-Bar/?x=1",
        "http://linkedin.com/in/foo-bar",
        "www.linkedin.com/in/foo-bar/",
        "linkedin.com/in/foo-bar#experience",
        "  HTTPS://WWW.LINKEDIN.COM/in/foo-bar?trk=abc#top  ",
        "linkedin.com/in/foo-bar",
        "https://cn.linkedin.com/in/foo-bar/",
    ],
)
def test_linkedin_ids_are_normalised(raw):
    assert normalise_candidate_id("Linkedin", raw) == "linkedin.com/in/foo-bar"


def test_linkedin_normalisation_is_idempotent():
    once = normalise_candidate_id("linkedin", "https://www.linkedin.com/in/Foo-Bar/")
    assert normalise_candidate_id("Linkedin", once) == once


def test_other_platforms_keep_the_case_of_their_ids():
    assert normalise_candidate_id("liepin", "synthetic0A1b") == "synthetic0A1b"


@pytest.mark.parametrize("raw", [True, False, 1.0, None, "", "   ", [], {}, "https://"])
def test_unusable_candidate_ids_are_rejected(raw):
    with pytest.raises(ValueError):
        normalise_candidate_id("Linkedin" if raw == "https://" else "Boss", raw)


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("Boss", "100000001"),
        ("maimai", "880000123"),
        ("liepin", "synthetic0a1b2c3d"),
        ("Linkedin", "linkedin.com/in/example-person-0001"),
    ],
)
def test_candidate_id_from_each_shared_card(platform, expected):
    assert candidate_id_from_info(platform, load_card(platform)) == expected


def test_boss_geek_id_as_number_or_string_gives_the_same_candidate():
    assert candidate_id_from_info("Boss", boss_card(geekId=100000001)) == "100000001"
    assert candidate_id_from_info("Boss", boss_card(geekId="100000001")) == "100000001"


def test_boss_id_falls_back_to_top_level_geek_id_but_never_to_encrypt_geek_id():
    without = boss_card(geekId=DELETE)
    assert candidate_id_from_info("Boss", without) is None  # encryptGeekId is present, and ignored
    assert candidate_id_from_info("Boss", vary(without, {"geekId": 42})) == "42"


def test_a_zero_placeholder_id_is_not_a_candidate():
    assert candidate_id_from_info("Boss", boss_card(geekId=0)) is None


def test_linkedin_id_falls_back_to_the_contact_url():
    url = "https://www.linkedin.com/in/X/"
    card = vary(load_card("Linkedin"), {"id": DELETE, "profile.contactInfo.url": url})
    assert candidate_id_from_info("Linkedin", card) == "linkedin.com/in/x"


@pytest.mark.parametrize(
    ("platform", "info"),
    [
        ("Boss", None),
        ("Boss", []),
        ("Boss", {"geekCard": 5}),
        ("Boss", {"geekCard": {"geekId": 1.5}}),
        ("maimai", {"id": True}),
        ("liepin", {}),
        ("Linkedin", {"id": "", "profile": "x"}),
        ("lagou", {"id": 1}),
    ],
)
def test_candidate_id_from_unusable_info_is_none(platform, info):
    assert candidate_id_from_info(platform, info) is None


# --- Text parsers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("初中", "初中及以下"),
        ("初中及以下", "初中及以下"),
        ("中专", "中专/中技"),
        ("中技", "中专/中技"),
        ("中专/中技", "中专/中技"),
        ("高中", "高中"),
        ("大专", "大专"),
        ("专科", "大专"),
        ("本科", "本科"),
        ("学士", "本科"),
        ("硕士", "硕士"),
        ("研究生", "硕士"),
        ("硕士研究生", "硕士"),
        ("MBA", "硕士"),
        ("工商管理MBA", "硕士"),
        ("博士", "博士"),
        ("博士研究生", "博士"),
        ("Bachelor of Arts", "本科"),
        ("Master of Science", "硕士"),
        ("PhD", "博士"),
        ("Ph.D. in Physics", "博士"),
        ("Doctor of Philosophy", "博士"),
        ("Associate Degree", "大专"),
        ("Lombard Street", None),
        ("", None),
        (None, None),
        (1, None),
    ],
)
def test_canonical_degree(text, expected):
    assert canonical_degree(text) == expected


def test_degree_rank_follows_the_scale():
    assert [degree_rank(label) for label in DEGREES] == list(range(7))
    assert degree_rank("学士") is None
    assert degree_rank(None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5年", 5),
        ("应届生", 0),
        ("25年应届生", 0),
        ("26年毕业", 0),
        ("在校/应届", 0),
        ("1年以内", 0),
        ("不足1年", 0),
        ("一年以内", 0),
        ("10年以上", 10),
        ("工作6年", 6),
        ("2年半", 2),
        ("7 yrs", 7),
        ("1 yr 6 mos", 1),
        ("6个月", 0),
        ("3", 3),
        (4, 4),
        (0, 0),
        ("2019年", None),
        ("", None),
        ("若干", None),
        (None, None),
        (True, None),
        (-1, None),
    ],
)
def test_parse_work_years(text, expected):
    assert parse_work_years(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26岁", 26),
        ("26", 26),
        (29, 29),
        (" 41 岁 ", 41),
        ("3岁", None),
        (True, None),
        ("", None),
        (None, None),
    ],
)
def test_parse_age(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6-8K", (6.0, 8.0)),
        ("12k-18k/月", (12.0, 18.0)),
        ("12-18K·13薪", (12.0, 18.0)),
        ("1-1.5万", (10.0, 15.0)),
        ("6000-8000元", (6.0, 8.0)),
        ("24-36万/年", (20.0, 30.0)),
        ("8K", (8.0, 8.0)),
        ("8K以上", (8.0, None)),
        ("面议", None),
        ("150-200元/天", None),
        ("", None),
        (None, None),
        (8, None),
    ],
)
def test_parse_salary_k(text, expected):
    assert parse_salary_k(text) == expected


# --- Parsers on the shared cards ------------------------------------------------------------------

BOSS_PROFILE = {
    "platform": "Boss",
    "candidate_id": "100000001",
    "name": "测试候选人",
    "age": 26,
    "degree": "大专",
    "work_years": 6,
    "expected_cities": ["北京"],
    "expected_positions": ["客服专员"],
    "salary_min_k": 6.0,
    "salary_max_k": 8.0,
    "apply_status": "离职-随时到岗",
    "active_desc": "刚刚活跃",
    "active_time": 1700000000,
    "schools": ["示例职业技术学院", "样例中学"],
    "companies": ["示例云服务有限公司", "样例零售公司"],
    "work_titles": ["客服专员", "客户服务", "门店销售", "销售"],
    "work_duties": [
        "（虚构示例）负责在线及电话客户咨询的受理与解答；跟进工单直至闭环；整理常见问题并维护知识库；协助组内新人培训。",
        "（虚构示例）负责门店日常接待与商品推荐；维护会员关系；配合完成月度促销活动与库存盘点。",
    ],
    "skills": [
        "客户沟通",
        "工单处理",
        "电话客服",
        "投诉处理",
        "满意度回访",
        "知识库维护",
        "门店销售",
        "会员维护",
        "陈列管理",
        "库存盘点",
        "收银",
        "活动执行",
    ],
    "missing": [],
}

MAIMAI_PROFILE = {
    "platform": "maimai",
    "candidate_id": "880000123",
    "name": "示例用户甲",
    "age": None,
    "degree": "本科",
    "work_years": 5,
    "expected_cities": ["北京"],
    "expected_positions": ["客户成功", "客服主管"],
    "salary_min_k": 12.0,
    "salary_max_k": 18.0,
    "apply_status": None,
    "active_desc": "今日活跃",
    "active_time": None,
    "schools": ["示例大学"],
    "companies": ["示例云科技有限公司", "示例电商有限公司"],
    "work_titles": ["客户成功经理", "客服专员"],
    "work_duties": ["负责大客户续约与满意度（虚构示例）", "在线客服与投诉处理（虚构示例）"],
    "skills": ["客户成功", "SaaS", "客服"],
    "missing": ["age", "apply_status", "active_time"],
}

LIEPIN_PROFILE = {
    "platform": "liepin",
    "candidate_id": "synthetic0a1b2c3d",
    "name": "示例用户乙",
    "age": 29,
    "degree": "大专",
    "work_years": 6,
    "expected_cities": ["上海"],
    "expected_positions": ["客服主管"],
    "salary_min_k": 8.0,
    "salary_max_k": 12.0,
    "apply_status": None,
    "active_desc": None,
    "active_time": None,
    "schools": ["示例职业技术学院"],
    "companies": ["示例信息服务有限公司"],
    "work_titles": ["客服组长"],
    "work_duties": ["带领 12 人客服团队（虚构示例）"],
    "skills": ["客服", "呼叫中心", "投诉处理"],
    "missing": ["apply_status", "active_desc", "active_time"],
}

LINKEDIN_PROFILE = {
    "platform": "Linkedin",
    "candidate_id": "linkedin.com/in/example-person-0001",
    "name": "Alex Example",
    "age": None,
    "degree": "本科",
    "work_years": 7,
    "expected_cities": ["Shenzhen"],
    "expected_positions": [],
    "salary_min_k": None,
    "salary_max_k": None,
    "apply_status": None,
    "active_desc": None,
    "active_time": None,
    "schools": ["Example University"],
    "companies": ["Example Co"],
    "work_titles": ["Customer Support Lead", "Customer Support Lead at Example Co"],
    "work_duties": ["Runs a support team (synthetic)."],
    "skills": [],
    "missing": [
        "age",
        "expected_positions",
        "salary_min_k",
        "salary_max_k",
        "apply_status",
        "active_desc",
        "active_time",
        "skills",
    ],
}


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("boss", BOSS_PROFILE),
        ("maimai", MAIMAI_PROFILE),
        ("猎聘", LIEPIN_PROFILE),
        ("linkedin", LINKEDIN_PROFILE),
    ],
)
def test_each_shared_card_parses_into_every_field(platform, expected):
    profile = parse_profile(platform, load_card(canonical_platform(platform)))
    assert profile.to_dict() == expected


def test_profile_round_trips_through_json():
    profile = parse_profile("Boss", load_card("Boss"))
    assert Profile.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile


def test_profile_from_dict_ignores_unknown_keys_and_wrong_types():
    profile = Profile.from_dict(
        {
            "platform": "Boss",
            "age": "old",
            "degree": "学位",
            "schools": "北京大学",
            "skills": ["a", 1],
            "extra": 1,
        }
    )
    assert profile == Profile(platform="Boss", skills=["a"])
    assert Profile.from_dict(None) == Profile(platform="")


# Variants of the BOSS card: the fallbacks each field has.


def test_boss_degree_falls_back_to_the_education_record():
    assert parse_profile("Boss", boss_card(geekDegree=DELETE)).degree == "大专"
    card = boss_card(geekDegree=None, geekEdu=None)
    card["geekCard"]["geekEdus"][0]["degreeName"] = "本科"
    assert parse_profile("Boss", card).degree == "本科"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"geekWorkYear": "应届生"}, 0),
        ({"geekWorkYear": "10年以上"}, 10),
        ({"geekWorkYear": DELETE, "freshGraduate": 1}, 0),
        ({"geekWorkYear": DELETE, "freshGraduate": 0}, None),
    ],
)
def test_boss_work_years(changes, expected):
    assert parse_profile("Boss", boss_card(**changes)).work_years == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"lowSalary": 0, "highSalary": 0, "salary": "10-15K"}, (10.0, 15.0)),
        ({"lowSalary": 0, "highSalary": 0, "salary": "面议"}, (None, None)),
        ({"lowSalary": DELETE, "highSalary": DELETE, "salary": "7-9K·13薪"}, (7.0, 9.0)),
        ({"lowSalary": 7, "highSalary": 0}, (7.0, 7.0)),
        ({"lowSalary": -5, "highSalary": 0, "salary": "面议"}, (None, None)),
    ],
)
def test_boss_salary(changes, expected):
    profile = parse_profile("Boss", boss_card(**changes))
    assert (profile.salary_min_k, profile.salary_max_k) == expected


@pytest.mark.parametrize(("active_time", "expected"), [(0, None), (1700000000123, 1700000000), (None, None)])
def test_boss_active_time(active_time, expected):
    profile = parse_profile("Boss", boss_card(activeTime=active_time))
    assert profile.active_time == expected
    assert ("active_time" in profile.missing) is (expected is None)


def test_boss_age_falls_back_to_the_highlighted_age():
    assert parse_profile("Boss", boss_card(ageDesc=None)).age == 26
    assert parse_profile("Boss", boss_card(ageDesc=None, ageLight=None)).age is None


@pytest.mark.parametrize(("code", "expected"), [(1, "本科"), (2, "硕士"), (3, "博士")])
def test_maimai_degree_codes(code, expected):
    assert parse_profile("maimai", vary(load_card("maimai"), {"degree": code})).degree == expected


def test_maimai_degree_falls_back_to_the_education_text():
    card = vary(load_card("maimai"), {"degree": 9, "edu.0.sdegree": "硕士", "edu.0.degree": None})
    assert parse_profile("maimai", card).degree == "硕士"


def test_maimai_cities_fall_back_to_where_the_candidate_lives():
    card = vary(load_card("maimai"), {"job_preferences": {}, "province": "上海", "city": "浦东新区"})
    assert parse_profile("maimai", card).expected_cities == ["上海", "浦东新区"]


def test_liepin_expectation_may_name_several_cities():
    card = vary(load_card("liepin"), {"resExpectInfoDtos.0.wantDqName": "北京,上海、杭州"})
    assert parse_profile("liepin", card).expected_cities == ["北京", "上海", "杭州"]


def test_liepin_cities_fall_back_to_the_current_city():
    card = vary(load_card("liepin"), {"resExpectInfoDtos": [], "basicInfoForm.dqName": "广州"})
    assert parse_profile("liepin", card).expected_cities == ["广州"]


def test_linkedin_work_years_are_summed_over_experiences():
    card = load_card("Linkedin")
    card["profile"]["experiences"] = [
        {"companyName": "A", "timeInfo": "2019 - Present · 1 yr 6 mos"},
        {"companyName": "B", "timeInfo": "2016 - 2019 · 2 yrs 6 mos"},
        {"companyName": "C", "timeInfo": "2015"},
    ]
    assert parse_profile("Linkedin", card).work_years == 4


def test_linkedin_without_durations_has_no_work_years():
    card = vary(load_card("Linkedin"), {"profile.experiences.0.timeInfo": "2019 - Present"})
    profile = parse_profile("Linkedin", card)
    assert profile.work_years is None
    assert "work_years" in profile.missing


# --- Garbage never raises -------------------------------------------------------------------------


class Hostile(dict):
    def get(self, *args, **kwargs):
        raise RuntimeError("boom")


GARBAGE = [
    None,
    [],
    "x",
    5,
    1.5,
    True,
    {},
    {"geekCard": 5},
    {"geekCard": []},
    {"geekCard": {"geekWorks": "x", "geekEdus": [1, None, "a"], "ageDesc": ["26岁"], "activeTime": True}},
    {"geekCard": {"lowSalary": float("nan"), "highSalary": float("inf"), "salary": {"a": 1}, "geekId": [1]}},
    {"geekCard": {"geekWorks": [{"workEmphasisList": "abc", "company": 5}], "matches": {"x": 1}}},
    {"profile": [], "id": 1.5},
    {"profile": {"experiences": [{"timeInfo": ["· 7 yrs"], "works": "x"}], "location": 7, "educations": {}}},
    {"exp": {"company": 1}, "edu": 7, "job_preferences": [], "degree": "3", "tag_list": "客服"},
    {"workExps": [[]], "basicInfoForm": "x", "resExpectInfoDtos": [{"wantSalaryLow": float("nan")}]},
    {"resExpectInfoDtos": [{"wantDqName": 5, "wantSalaryLow": "8"}], "eduExpFormList": [None]},
    {"a": {"b": {"c": {"d": [[[[{"e": None}]]]]}}}},
]
# Cards whose lookups themselves raise: only the guard in build_profile can save these.
HOSTILE = [Hostile(geekCard={}), {"geekCard": Hostile(geekId=1)}]


@pytest.mark.parametrize("platform", [*PLATFORMS, "lagou", None, 5])
@pytest.mark.parametrize("info", GARBAGE + HOSTILE, ids=lambda info: type(info).__name__)
def test_garbage_never_raises(platform, info):
    if platform in EXTRACTORS and isinstance(info, dict) and not any(info is bad for bad in HOSTILE):
        _extract_all(platform, info)
    profile = parse_profile(platform, info)
    json.dumps(profile.to_dict(), allow_nan=False)
    assert set(profile.missing) <= set(DATA_FIELDS)


def test_nothing_readable_lists_every_field_as_missing():
    profile = parse_profile("Boss", None)
    assert profile.platform == "Boss"
    assert profile.missing == list(DATA_FIELDS)
    assert profile == Profile(platform="Boss", missing=list(DATA_FIELDS))


def test_unknown_platform_gives_an_empty_profile():
    profile = parse_profile("lagou", load_card("Boss"))
    assert (profile.platform, profile.candidate_id, profile.missing) == ("lagou", None, list(DATA_FIELDS))


def _leaf_paths(node, prefix=()):
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from _leaf_paths(child, (*prefix, key))


WRONG_VALUES = [None, 5, -1, 1.5, float("nan"), True, "x", "", [], {}, [None, 1], {"a": [1]}]
EXTRACTORS = {
    "Boss": boss.EXTRACTORS,
    "maimai": maimai.EXTRACTORS,
    "liepin": liepin.EXTRACTORS,
    "Linkedin": linkedin.EXTRACTORS,
}


def _extract_all(platform: str, card: object) -> None:
    """Run each field extractor directly: they must cope with any shape themselves; the guard in
    build_profile is for what nobody foresaw, and would otherwise hide a careless lookup."""
    for name, extract in EXTRACTORS[platform].items():
        json.dumps(coerce_field(name, extract(card)), allow_nan=False)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_any_single_value_of_a_shared_card_wrong_or_absent_never_raises(platform):
    card = load_card(platform)
    _extract_all(platform, card)
    for path in list(_leaf_paths(card)):
        node = card
        for key in path[:-1]:
            node = node[key]
        original = node[path[-1]]
        for wrong in WRONG_VALUES:
            node[path[-1]] = wrong
            _extract_all(platform, card)
        if isinstance(node, dict):
            del node[path[-1]]
            _extract_all(platform, card)
        node[path[-1]] = original


def test_maimai_companies_do_not_need_the_top_level_list():
    card = vary(load_card("maimai"), {"companies": DELETE})
    assert parse_profile("maimai", card).companies == ["示例云科技有限公司", "示例电商有限公司"]
