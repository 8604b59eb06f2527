"""Screening criteria on variants of the BOSS card (pure functions, no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from recruit.platforms import parse_profile
from recruit.screening import (
    CODES,
    Criteria,
    CriteriaError,
    CriterionResult,
    criteria_from_config,
    evaluate,
    school_tier_of,
)
from tests.recruit.fixtures import DELETE, boss_card, boss_work, load_card, vary

SCHOOL_LISTS = Path(__file__).resolve().parents[2] / "recruit" / "data"
ACTIVE_TIME = 1_700_000_000  # geekCard.activeTime of the shared BOSS card
NOW = datetime.fromtimestamp(ACTIVE_TIME, tz=UTC) + timedelta(minutes=30)


def screen(card: dict, platform: str = "Boss", **criteria) -> list[CriterionResult]:
    return evaluate(parse_profile(platform, card), Criteria(**criteria), now=NOW)


def one(card: dict, **criteria) -> CriterionResult:
    [result] = screen(card, **criteria)
    return result


def failures(results: list[CriterionResult]) -> list[str]:
    return [result.reason for result in results if not result.passed]


# Every criterion configured so that the shared BOSS card passes it.
PASSING = {
    "age_min": 18,
    "age_max": 35,
    "min_degree": "大专",
    "work_years_min": 1,
    "work_years_max": 10,
    "cities": ["北京"],
    "salary_min_k": 5,
    "salary_max_k": 10,
    "keywords": ["客服", "电话销售"],
    "exclude_keywords": ["兼职"],
    "exclude_companies": ["某某外包"],
    "active_desc": ["刚刚活跃", "今日活跃"],
    "active_within_minutes": 60,
    "school_tier": "any",
}


def test_a_job_without_criteria_accepts_everyone_with_no_results():
    assert screen(load_card("Boss")) == []
    assert screen(None) == []
    assert criteria_from_config({}) == Criteria()


def test_every_configured_criterion_gives_one_result_in_order():
    results = screen(load_card("Boss"), **{**PASSING, "school_tier": "211"})
    assert [r.code for r in results] == list(CODES)
    assert [r.code for r in results if not r.passed] == ["school"]
    assert all(r.reason == "" for r in results if r.passed)
    json.dumps([r.to_dict() for r in results], allow_nan=False)


def test_all_criteria_are_evaluated_and_every_failure_is_named():
    card = boss_card(ageDesc="36岁", expectLocationName="上海", activeTime=0)
    card["activeTimeDesc"] = "3天内活跃"
    reasons = failures(screen(card, **PASSING))
    assert reasons == ["age: 36 > 35", "city: 上海 not in 北京", "active: 3天内活跃"]


def test_result_to_dict_carries_compared_values():
    result = one(boss_card(ageDesc="36岁"), age_min=18, age_max=35)
    assert result.to_dict() == {
        "code": "age",
        "passed": False,
        "actual": 36,
        "expected": [18, 35],
        "missing": False,
        "reason": "age: 36 > 35",
    }


# --- Each criterion alone, at its boundaries ------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "age_min", "age_max", "reason"),
    [
        ("18岁", 18, 35, ""),
        ("35岁", 18, 35, ""),
        ("17岁", 18, 35, "age: 17 < 18"),
        ("36岁", 18, 35, "age: 36 > 35"),
        ("60岁", 18, None, ""),
        ("17岁", 18, None, "age: 17 < 18"),
        ("16岁", None, 35, ""),
        ("36岁", None, 35, "age: 36 > 35"),
    ],
)
def test_age(age, age_min, age_max, reason):
    result = one(boss_card(ageDesc=age), age_min=age_min, age_max=age_max)
    assert (result.code, result.passed, result.reason, result.missing) == ("age", not reason, reason, False)


@pytest.mark.parametrize(
    ("degree", "minimum", "reason"),
    [
        ("大专", "大专", ""),
        ("本科", "大专", ""),
        ("博士", "硕士", ""),
        ("高中", "大专", "degree: 高中 < 大专"),
        ("中专/中技", "中专/中技", ""),
        ("中专", "中专/中技", ""),
        ("中技", "高中", "degree: 中专/中技 < 高中"),
        ("初中及以下", "中专/中技", "degree: 初中及以下 < 中专/中技"),
        ("硕士", "博士", "degree: 硕士 < 博士"),
    ],
)
def test_degree(degree, minimum, reason):
    result = one(boss_card(geekDegree=degree), min_degree=minimum)
    assert (result.code, result.passed, result.reason) == ("degree", not reason, reason)


@pytest.mark.parametrize(
    ("work_year", "low", "high", "reason"),
    [
        ("应届生", 0, 3, ""),
        ("应届生", 1, None, "work_years: 0 < 1"),
        ("25年应届生", 1, 10, "work_years: 0 < 1"),
        ("1年以内", None, 0, ""),
        ("1年", 1, 5, ""),
        ("5年", 1, 5, ""),
        ("6年", 1, 5, "work_years: 6 > 5"),
        ("10年以上", 1, 10, ""),
        ("10年以上", None, 9, "work_years: 10 > 9"),
        ("10年以上", 10, None, ""),
    ],
)
def test_work_years(work_year, low, high, reason):
    result = one(boss_card(geekWorkYear=work_year), work_years_min=low, work_years_max=high)
    assert (result.code, result.passed, result.reason) == ("work_years", not reason, reason)


@pytest.mark.parametrize(
    ("city", "cities", "reason"),
    [
        ("北京", ["北京"], ""),
        ("北京市", ["北京"], ""),
        ("北京", ["北京朝阳"], ""),
        ("北京", ["上海", "北京"], ""),
        ("上海", ["北京"], "city: 上海 not in 北京"),
        ("上海", ["北京", "深圳"], "city: 上海 not in 北京, 深圳"),
    ],
)
def test_city(city, cities, reason):
    result = one(boss_card(expectLocationName=city), cities=cities)
    assert (result.code, result.passed, result.reason) == ("city", not reason, reason)


def test_blank_city_entries_are_not_a_criterion():
    assert screen(boss_card(expectLocationName="上海"), cities=["", "  "]) == []


@pytest.mark.parametrize(
    ("low", "high", "job_min", "job_max", "reason"),
    [
        (6, 8, 5, 10, ""),
        (6, 8, 8, 10, ""),  # touching at the job's minimum
        (6, 8, 3, 6, ""),  # touching at the job's maximum
        (6, 8, 9, 10, "salary: 6-8K outside 9-10K"),
        (6, 8, 3, 5.5, "salary: 6-8K outside 3-5.5K"),
        (6, 8, None, 6, ""),
        (6, 8, None, 5, "salary: 6-8K outside <=5K"),
        (6, 8, 8, None, ""),
        (6, 8, 9, None, "salary: 6-8K outside >=9K"),
        (12, 15, 5, 10, "salary: 12-15K outside 5-10K"),
        (7, 0, 7, 10, ""),  # one bound given: a point
        (7, 0, 8, 10, "salary: 7K outside 8-10K"),
    ],
)
def test_salary(low, high, job_min, job_max, reason):
    result = one(boss_card(lowSalary=low, highSalary=high), salary_min_k=job_min, salary_max_k=job_max)
    assert (result.code, result.passed, result.reason) == ("salary", not reason, reason)


def _history(expected: str = "", title: str = "", duty: str = "", skills: list[str] | None = None) -> dict:
    """A BOSS card whose searchable text is exactly what is given."""
    return boss_card(
        expectPositionName=expected,
        viewExpect=None,
        matches=[],
        geekWorks=[boss_work(company="示例公司", title=title, duty=duty, skills=skills)],
    )


@pytest.mark.parametrize(
    ("card", "found"),
    [
        (_history(expected="电话销售", title="文员"), ["电话销售"]),
        (_history(title="客服专员"), ["客服"]),
        (_history(title="文员", duty="接听客服热线"), ["客服"]),
        (_history(title="文员", skills=["电话销售技巧"]), ["电话销售"]),
        (_history(expected="客服", duty="电话销售"), ["客服", "电话销售"]),
    ],
    ids=["expected-position", "work-title", "duty", "skill", "both"],
)
def test_keyword_found_anywhere_in_the_work_history(card, found):
    result = one(card, keywords=["客服", "电话销售"])
    assert (result.passed, result.actual, result.reason) == (True, found, "")


def test_keyword_absent_fails():
    result = one(_history(expected="会计", title="出纳", duty="记账"), keywords=["客服", "电话销售"])
    assert (result.passed, result.actual, result.reason) == (False, [], "keywords: none of 客服, 电话销售")


def test_keywords_are_case_insensitive():
    assert one(_history(title="SaaS Customer Success"), keywords=["saas"]).passed


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        (_history(title="客服", duty="周末兼职客服"), "exclude_keywords: 兼职"),
        (_history(expected="兼职客服"), "exclude_keywords: 兼职"),
        (_history(title="客服", duty="全职"), ""),
    ],
)
def test_exclude_keywords(card, reason):
    result = one(card, exclude_keywords=["兼职"])
    assert (result.code, result.passed, result.reason) == ("exclude_keywords", not reason, reason)


@pytest.mark.parametrize(
    ("company", "reason"),
    [
        ("某某外包服务有限公司", "exclude_companies: 某某外包"),
        ("上海某某外包", "exclude_companies: 某某外包"),
        ("某某科技有限公司", ""),
    ],
)
def test_exclude_companies_matches_substrings_of_work_history(company, reason):
    card = boss_card(geekWorks=[boss_work(company="样例零售公司"), boss_work(company=company)])
    result = one(card, exclude_companies=["某某外包"])
    assert (result.code, result.passed, result.reason) == ("exclude_companies", not reason, reason)


def _active(desc: str | None, minutes_ago: int | None) -> dict:
    active_time = 0 if minutes_ago is None else int(NOW.timestamp()) - minutes_ago * 60
    return vary(boss_card(activeTime=active_time), {"activeTimeDesc": desc})


@pytest.mark.parametrize(
    ("desc", "minutes_ago", "criteria", "reason"),
    [
        ("刚刚活跃", 600, {"active_desc": ["刚刚活跃", "今日活跃"]}, ""),
        ("3天内活跃", 0, {"active_desc": ["刚刚活跃", "今日活跃"]}, "active: 3天内活跃"),
        ("3天内活跃", 60, {"active_within_minutes": 60}, ""),
        ("刚刚活跃", 61, {"active_within_minutes": 60}, "active: 61 min ago > 60"),
        ("3天内活跃", 60, {"active_desc": ["刚刚活跃"], "active_within_minutes": 60}, ""),
        ("刚刚活跃", 61, {"active_desc": ["刚刚活跃"], "active_within_minutes": 60}, ""),
        (
            "3天内活跃",
            61,
            {"active_desc": ["刚刚活跃"], "active_within_minutes": 60},
            "active: 3天内活跃, 61 min ago > 60",
        ),
        ("3天内活跃", None, {"active_desc": ["刚刚活跃"], "active_within_minutes": 60}, "active: 3天内活跃"),
        (None, 5, {"active_desc": ["刚刚活跃"], "active_within_minutes": 60}, ""),
    ],
)
def test_active(desc, minutes_ago, criteria, reason):
    result = one(_active(desc, minutes_ago), **criteria)
    assert (result.code, result.passed, result.reason, result.missing) == (
        "active",
        not reason,
        reason,
        False,
    )


def test_active_within_minutes_with_unknown_active_time_is_missing():
    result = one(_active("刚刚活跃", None), active_within_minutes=60)
    assert (result.passed, result.missing, result.reason) == (False, True, "active: missing")


@pytest.mark.parametrize(
    ("schools", "tier", "reason"),
    [
        (["北京大学"], "985", ""),
        (["北京大学"], "211", ""),
        (["样例中学", "苏州大学"], "211", ""),
        (["苏州大学"], "985", "school: not 985"),
        (["示例职业技术学院"], "985", "school: not 985"),
        (["示例职业技术学院", "样例中学"], "211", "school: not 211"),
        (["吉林大学珠海学院"], "211", "school: not 211"),
    ],
)
def test_school_tier(schools, tier, reason):
    card = boss_card(geekEdus=[{"school": school, "degreeName": "本科"} for school in schools])
    result = one(card, school_tier=tier)
    assert (result.code, result.passed, result.reason) == ("school", not reason, reason)


def test_school_tier_any_is_not_a_criterion():
    assert screen(load_card("Boss"), school_tier="any") == []


@pytest.mark.parametrize(
    ("school", "tier"),
    [
        ("清华大学", "985"),
        (" 清 华大学 ", "985"),
        ("国防科技大学", "985"),
        ("中国人民解放军国防科技大学", "985"),
        ("山东大学（威海）", "985"),
        ("哈尔滨工业大学(深圳)", "985"),
        ("苏州大学", "211"),
        ("中国石油大学(华东)", "211"),
        ("中国石油大学", "211"),
        ("第二军医大学", "211"),
        ("吉林大学珠海学院", None),
        ("示例职业技术学院", None),
        ("", None),
        (None, None),
    ],
)
def test_school_tier_of(school, tier):
    assert school_tier_of(school) == tier


def _school_list(tier: str) -> list[str]:
    return (SCHOOL_LISTS / f"schools_{tier}.txt").read_text("utf-8").split("\n")[:-1]


def test_school_lists_are_complete_and_nested():
    lists = {tier: _school_list(tier) for tier in ("985", "211")}
    assert len(lists["985"]) == len(set(lists["985"])) == 39
    assert len(lists["211"]) == len(set(lists["211"])) == 115
    assert set(lists["985"]) <= set(lists["211"])
    assert all(name == name.strip() and name for names in lists.values() for name in names)
    assert {school_tier_of(name) for name in lists["985"]} == {"985"}
    assert {school_tier_of(name) for name in set(lists["211"]) - set(lists["985"])} == {"211"}


# --- Missing data ---------------------------------------------------------------------------------

# The active rule by activeTime alone, so that a card without activeTime lacks its data.
ALL_PASSING = {**PASSING, "school_tier": "211", "active_desc": []}
NO_TEXT = {
    "expectPositionName": DELETE,
    "viewExpect": DELETE,
    "matches": DELETE,
    "geekWorks": [{"company": "某公司"}],
}

# (card fields to drop, the criteria that then lack their data)
MISSING_CASES = [
    ({"ageDesc": DELETE, "ageLight": DELETE}, ["age"]),
    ({"geekDegree": DELETE, "geekEdu": DELETE, "geekEdus": [{"school": "苏州大学"}]}, ["degree"]),
    ({"geekWorkYear": DELETE}, ["work_years"]),
    ({"expectLocationName": DELETE}, ["city"]),
    ({"lowSalary": 0, "highSalary": 0, "salary": "面议"}, ["salary"]),
    (NO_TEXT, ["keywords", "exclude_keywords"]),
    ({"geekWorks": []}, ["exclude_companies"]),
    ({"activeTime": 0}, ["active"]),
    ({"geekEdu": DELETE, "geekEdus": []}, ["school"]),
]
MISSING_IDS = ["-".join(codes) for _, codes in MISSING_CASES]


def _complete_card(**drop) -> dict:
    """The BOSS card with a 211 school, so that it passes ALL_PASSING, minus `drop`."""
    card = boss_card(**{"geekEdus": [{"school": "苏州大学", "degreeName": "大专"}], **drop})
    # BOSS repeats works and schools outside geekCard; a card lacking them lacks those too.
    for key in ("showWorks", "showEdus", "geekLastWork"):
        card.pop(key, None)
    return card


def test_the_complete_card_passes_every_criterion():
    results = screen(_complete_card(), **ALL_PASSING)
    assert [r.code for r in results] == list(CODES)
    assert failures(results) == []


@pytest.mark.parametrize(("drop", "codes"), MISSING_CASES, ids=MISSING_IDS)
def test_missing_data_fails_only_the_criteria_that_need_it(drop, codes):
    results = screen(_complete_card(**drop), **ALL_PASSING)
    failed = [(r.code, r.missing, r.reason) for r in results if not r.passed]
    assert failed == [(code, True, f"{code}: missing") for code in codes]


@pytest.mark.parametrize(("drop", "codes"), MISSING_CASES, ids=MISSING_IDS)
def test_missing_data_passes_when_the_job_says_on_missing_pass(drop, codes):
    results = screen(_complete_card(**drop), **ALL_PASSING, on_missing="pass")
    assert failures(results) == []
    passed_missing = [(r.code, r.passed, r.reason) for r in results if r.missing]
    assert passed_missing == [(code, True, "") for code in codes]


def test_a_card_we_cannot_parse_fails_every_criterion_as_missing():
    results = screen(None, **{**PASSING, "school_tier": "985"})
    assert [(r.code, r.passed, r.missing) for r in results] == [(code, False, True) for code in CODES]
    assert failures(results) == [f"{code}: missing" for code in CODES]


def test_maimai_cards_carry_no_age():
    card = load_card("maimai")
    assert failures(screen(card, platform="maimai", age_min=18, min_degree="本科")) == ["age: missing"]
    assert failures(screen(card, platform="maimai", age_min=18, on_missing="pass")) == []


def test_screening_a_stored_profile_gives_the_same_results():
    profile = parse_profile("Boss", boss_card(ageDesc="40岁"))
    stored = type(profile).from_dict(json.loads(json.dumps(profile.to_dict())))
    criteria = Criteria(**PASSING)
    assert evaluate(stored, criteria, now=NOW) == evaluate(profile, criteria, now=NOW)


# --- jobConfig.criteria ---------------------------------------------------------------------------

CONTRACT_EXAMPLE = {
    "age": [18, 35],
    "min_degree": "大专",
    "work_years": [1, 10],
    "cities": ["北京"],
    "salary_k": [5, 10],
    "keywords": ["客服", "电话销售"],
    "exclude_keywords": ["兼职"],
    "exclude_companies": ["某某外包"],
    "active_desc": ["刚刚活跃", "今日活跃"],
    "active_within_minutes": 60,
    "school_tier": "any",
    "on_missing": "fail",
}


def test_criteria_from_the_contract_example():
    criteria = criteria_from_config(CONTRACT_EXAMPLE)
    assert criteria == Criteria(**PASSING, on_missing="fail")
    assert failures(evaluate(parse_profile("Boss", load_card("Boss")), criteria, now=NOW)) == []


def test_criteria_from_config_normalises_values_and_ignores_unknown_keys():
    criteria = criteria_from_config(
        {
            "age": [None, 35],
            "salary_k": [5.5, None],
            "min_degree": "专科",
            "cities": [" 北京 ", "北京", "上海"],
            "school_tier": 985,
            "bonus": "ignored",
        }
    )
    assert criteria == Criteria(
        age_max=35, salary_min_k=5.5, min_degree="大专", cities=["北京", "上海"], school_tier="985"
    )


def test_null_values_clear_their_criterion():
    nulls = dict.fromkeys(CONTRACT_EXAMPLE)
    assert criteria_from_config(nulls) == Criteria()
    assert criteria_from_config({"min_degree": ""}).min_degree is None


TWO_INTS = "expected a list of two integers or nulls"
TWO_NUMBERS = "expected a list of two numbers or nulls"
ON_SCALE = "expected one of 初中及以下, 中专/中技, 高中, 大专, 本科, 硕士, 博士"
MINUTES = "criteria.active_within_minutes"
NON_NEGATIVE = "expected a non-negative integer or null"


@pytest.mark.parametrize(
    ("config", "path", "message"),
    [
        ("x", "criteria", "expected an object"),
        ({"age": 18}, "criteria.age", TWO_INTS),
        ({"age": [18]}, "criteria.age", TWO_INTS),
        ({"age": [18, 35, 40]}, "criteria.age", TWO_INTS),
        ({"age": ["18", 35]}, "criteria.age", TWO_INTS),
        ({"age": [True, 35]}, "criteria.age", TWO_INTS),
        ({"age": [18.5, 35]}, "criteria.age", TWO_INTS),
        ({"age": [-1, 35]}, "criteria.age", "bounds must not be negative"),
        ({"age": [18, 200]}, "criteria.age", "bounds must be at most 150"),
        ({"age": [36, 35]}, "criteria.age", "min must not exceed max"),
        ({"work_years": "1-10"}, "criteria.work_years", TWO_INTS),
        ({"work_years": [5, 1]}, "criteria.work_years", "min must not exceed max"),
        ({"salary_k": ["5", 10]}, "criteria.salary_k", TWO_NUMBERS),
        ({"salary_k": [float("nan"), 10]}, "criteria.salary_k", TWO_NUMBERS),
        ({"salary_k": [-5, 10]}, "criteria.salary_k", "bounds must not be negative"),
        ({"salary_k": [10, 5]}, "criteria.salary_k", "min must not exceed max"),
        ({"min_degree": "幼儿园"}, "criteria.min_degree", ON_SCALE),
        ({"min_degree": 3}, "criteria.min_degree", ON_SCALE),
        ({"cities": "北京"}, "criteria.cities", "expected a list of strings"),
        ({"cities": ["北京", 1]}, "criteria.cities[1]", "expected a string"),
        ({"keywords": ["  "]}, "criteria.keywords[0]", "must not be blank"),
        ({"exclude_keywords": ["兼\n职"]}, "criteria.exclude_keywords[0]", "must not contain a line break"),
        (
            {"exclude_companies": ["x" * 101]},
            "criteria.exclude_companies[0]",
            "must be at most 100 characters",
        ),
        ({"active_desc": ["a"] * 201}, "criteria.active_desc", "expected at most 200 items"),
        ({"active_within_minutes": -1}, MINUTES, NON_NEGATIVE),
        ({"active_within_minutes": "60"}, MINUTES, NON_NEGATIVE),
        ({"active_within_minutes": True}, MINUTES, NON_NEGATIVE),
        ({"active_within_minutes": 10**9}, MINUTES, "must be at most 5270400"),
        ({"school_tier": "986"}, "criteria.school_tier", "expected one of any, 211, 985"),
        ({"on_missing": "skip"}, "criteria.on_missing", "expected one of fail, pass"),
    ],
)
def test_criteria_from_config_rejects(config, path, message):
    with pytest.raises(CriteriaError) as caught:
        criteria_from_config(config)
    assert (caught.value.path, caught.value.message) == (path, message)
    assert str(caught.value) == f"{path}: {message}"
