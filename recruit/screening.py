"""Screening rules (CONTRACT §4 candidate/filter, criterion 4): a job's criteria applied to a normalised
profile, one explainable result per configured criterion. Pure Python, no Django."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from recruit.platforms.profile import DEGREES, Profile, canonical_degree, degree_rank

CODES = (
    "age",
    "degree",
    "work_years",
    "city",
    "salary",
    "keywords",
    "exclude_keywords",
    "exclude_companies",
    "active",
    "school",
)
SCHOOL_TIERS = ("any", "211", "985")
ON_MISSING = ("fail", "pass")


class CriteriaError(ValueError):
    """A rejected `jobConfig.criteria`; `path` names the offending key, e.g. "criteria.age"."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass
class Criteria:
    age_min: int | None = None
    age_max: int | None = None
    min_degree: str | None = None
    work_years_min: int | None = None
    work_years_max: int | None = None
    cities: list[str] = field(default_factory=list)
    salary_min_k: float | None = None
    salary_max_k: float | None = None
    keywords: list[str] = field(default_factory=list)
    exclude_keywords: list[str] = field(default_factory=list)
    exclude_companies: list[str] = field(default_factory=list)
    active_desc: list[str] = field(default_factory=list)
    active_within_minutes: int | None = None
    school_tier: str = "any"  # any | 211 | 985
    on_missing: str = "fail"  # fail | pass


@dataclass
class CriterionResult:
    code: str
    passed: bool
    actual: object
    expected: object
    missing: bool = False
    reason: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


# --- Evaluation ----------------------------------------------------------------------------------


def evaluate(profile: Profile, criteria: Criteria, *, now: datetime) -> list[CriterionResult]:
    """One result per configured criterion, in CODES order; every one is evaluated, even after a failure,
    so the stored decision shows the whole picture. `now` should be timezone-aware."""
    results = []
    for check in _CHECKS:
        result = check(profile, criteria, now)
        if result is not None:
            results.append(result)
    return results


def _judged(code: str, actual: object, expected: object, failure: str | None) -> CriterionResult:
    reason = f"{code}: {failure}" if failure else ""
    return CriterionResult(code, failure is None, actual, expected, reason=reason)


def _lacking(code: str, criteria: Criteria, actual: object, expected: object) -> CriterionResult:
    passed = criteria.on_missing == "pass"
    reason = "" if passed else f"{code}: missing"
    return CriterionResult(code, passed, actual, expected, missing=True, reason=reason)


def _clean(values: list[str]) -> list[str]:
    # Admin edits lists as lines; a stray blank one must not turn into "matches everything".
    return [value.strip() for value in values if isinstance(value, str) and value.strip()]


def _range_failure(value: int, low: int | None, high: int | None) -> str | None:
    if high is not None and value > high:
        return f"{value} > {high}"
    if low is not None and value < low:
        return f"{value} < {low}"
    return None


def _check_age(profile: Profile, criteria: Criteria, now: datetime) -> CriterionResult | None:
    if criteria.age_min is None and criteria.age_max is None:
        return None
    expected = [criteria.age_min, criteria.age_max]
    if profile.age is None:
        return _lacking("age", criteria, None, expected)
    failure = _range_failure(profile.age, criteria.age_min, criteria.age_max)
    return _judged("age", profile.age, expected, failure)


def _check_degree(profile: Profile, criteria: Criteria, now: datetime) -> CriterionResult | None:
    minimum = canonical_degree(criteria.min_degree)
    if minimum is None:
        return None
    rank = degree_rank(profile.degree)
    if rank is None:
        return _lacking("degree", criteria, None, minimum)
    failure = f"{profile.degree} < {minimum}" if rank < DEGREES.index(minimum) else None
    return _judged("degree", profile.degree, minimum, failure)


def _check_work_years(profile: Profile, criteria: Criteria, now: datetime) -> CriterionResult | None:
    low, high = criteria.work_years_min, criteria.work_years_max
    if low is None and high is None:
        return None
    if profile.work_years is None:
        return _lacking("work_years", criteria, None, [low, high])
    failure = _range_failure(profile.work_years, low, high)
    return _judged("work_years", profile.work_years, [low, high], failure)


def _check_city(profile: Profile, criteria: Criteria, now: datetime) -> CriterionResult | None:
    cities = _clean(criteria.cities)
    if not cities:
        return None
    wanted = _clean(profile.expected_cities)
    if not wanted:
        return _lacking("city", criteria, [], cities)
    # Either direction: a job in "北京" takes "北京市", and a job in "北京朝阳" takes a candidate who said "北京".
    matched = any(c.lower() in w.lower() or w.lower() in c.lower() for w in wanted for c in cities)
    failure = None if matched else f"{', '.join(wanted)} not in {', '.join(cities)}"
    return _judged("city", wanted, cities, failure)


def _k(value: float) -> str:
    return f"{value:g}"


def _check_salary(profile: Profile, criteria: Criteria, now: datetime) -> CriterionResult | None:
    job_low, job_high = criteria.salary_min_k, criteria.salary_max_k
    if job_low is None and job_high is None:
        return None
    expected = [job_low, job_high]
    if profile.salary_min_k is None and profile.salary_max_k is None:
        return _lacking("salary", criteria, None, expected)
    # A candidate who gave one bound is taken at that point.
    bounds = [v for v in (profile.salary_min_k, profile.salary_max_k) if v is not None]
    low, high = min(bounds), max(bounds)
    overlaps = (job_high is None or low <= job_high) and (job_low is None or high >= job_low)
    failure = None
    if not overlaps:
        asked = f"{_k(low)}K" if low == high else f"{_k(low)}-{_k(high)}K"
        if job_low is not None and job_high is not None:
            offered = f"{_k(job_low)}-{_k(job_high)}K"
        else:
            offered = f">={_k(job_low)}K" if job_low is not None else f"<={_k(job_high)}K"
        failure = f"{asked} outside {offered}"
    return _judged("salary", [low, high], expected, failure)


def _experience_texts(profile: Profile) -> list[str]:
    texts = profile.expected_positions + profile.work_titles + profile.work_duties + profile.skills
    return [text.lower() for text in _clean(texts)]


def _found(needles: list[str], haystack: list[str]) -> list[str]:
    return [needle for needle in needles if any(needle.lower() in text for text in haystack)]


def _check_keywords(profile: Profile, criteria: Criteria, now: datetime) -> CriterionResult | None:
    keywords = _clean(criteria.keywords)
    if not keywords:
        return None
    texts = _experience_texts(profile)
    if not texts:
        return _lacking("keywords", criteria, [], keywords)
    found = _found(keywords, texts)
    return _judged("keywords", found, keywords, None if found else f"none of {', '.join(keywords)}")


def _check_exclude_keywords(profile: Profile, criteria: Criteria, now: datetime) -> CriterionResult | None:
    excluded = _clean(criteria.exclude_keywords)
    if not excluded:
        return None
    texts = _experience_texts(profile)
    if not texts:
        return _lacking("exclude_keywords", criteria, [], excluded)
    found = _found(excluded, texts)
    return _judged("exclude_keywords", found, excluded, ", ".join(found) or None)


def _check_exclude_companies(profile: Profile, criteria: Criteria, now: datetime) -> CriterionResult | None:
    excluded = _clean(criteria.exclude_companies)
    if not excluded:
        return None
    companies = _clean(profile.companies)
    if not companies:
        return _lacking("exclude_companies", criteria, [], excluded)
    found = _found(excluded, [company.lower() for company in companies])
    return _judged("exclude_companies", companies, excluded, ", ".join(found) or None)


def _check_active(profile: Profile, criteria: Criteria, now: datetime) -> CriterionResult | None:
    allowed = _clean(criteria.active_desc)
    within = criteria.active_within_minutes
    if not allowed and within is None:
        return None
    expected = {"active_desc": allowed, "active_within_minutes": within}
    # Rounded up, so "within N minutes" holds exactly when the elapsed seconds are at most N * 60.
    minutes_ago = math.ceil((now.timestamp() - profile.active_time) / 60) if profile.active_time else None
    actual = {"active_desc": profile.active_desc, "minutes_ago": minutes_ago}
    by_desc = bool(allowed) and profile.active_desc is not None
    by_time = within is not None and minutes_ago is not None
    if not by_desc and not by_time:
        return _lacking("active", criteria, actual, expected)
    if (by_desc and profile.active_desc.strip() in allowed) or (by_time and minutes_ago <= within):
        return _judged("active", actual, expected, None)
    seen = []
    if by_desc:
        seen.append(profile.active_desc)
    if by_time:
        seen.append(f"{minutes_ago} min ago > {within}")
    return _judged("active", actual, expected, ", ".join(seen))


def _check_school(profile: Profile, criteria: Criteria, now: datetime) -> CriterionResult | None:
    tier = criteria.school_tier
    if tier not in ("211", "985"):
        return None
    schools = _clean(profile.schools)
    if not schools:
        return _lacking("school", criteria, {"schools": [], "tier": None}, tier)
    tiers = {school_tier_of(school) for school in schools}
    best = "985" if "985" in tiers else "211" if "211" in tiers else None
    passed = best == "985" or (best == "211" and tier == "211")
    return _judged("school", {"schools": schools, "tier": best}, tier, None if passed else f"not {tier}")


_CHECKS: tuple[Callable[[Profile, Criteria, datetime], CriterionResult | None], ...] = (
    _check_age,
    _check_degree,
    _check_work_years,
    _check_city,
    _check_salary,
    _check_keywords,
    _check_exclude_keywords,
    _check_exclude_companies,
    _check_active,
    _check_school,
)


# --- School tiers --------------------------------------------------------------------------------

_DATA = Path(__file__).resolve().parent / "data"
_PLA = "中国人民解放军"
_CAMPUS = re.compile(r"（[^（）]*）$")
# Names graduates of before the 2017 military reform still write on their CVs.
_FORMER_NAMES = {
    "第二军医大学": "海军军医大学",
    "第四军医大学": "空军军医大学",
    "国防科学技术大学": "国防科技大学",
}


def _school_key(name: str) -> str:
    key = "".join(name.split()).replace("(", "（").replace(")", "）").removeprefix(_PLA)
    return _FORMER_NAMES.get(key, key)


@cache
def _school_tiers() -> dict[str, str]:
    tiers: dict[str, str] = {}
    for tier in ("211", "985"):  # 985 second: every 985 is also listed as 211, and the higher tier wins
        for line in (_DATA / f"schools_{tier}.txt").read_text(encoding="utf-8").splitlines():
            if line.strip():
                key = _school_key(line)
                tiers[key] = tier
                # Both campuses of 中国石油大学（华东/北京） etc. are listed, so the bare name is in the tier too.
                tiers.setdefault(_CAMPUS.sub("", key), tier)
    return tiers


def school_tier_of(school: str) -> str | None:
    """ "985", "211" or None. A campus suffix is ignored ("山东大学（威海）"), but independent colleges
    named after a university ("吉林大学珠海学院") are not that university and match nothing."""
    if not isinstance(school, str) or not school.strip():
        return None
    key = _school_key(school)
    tiers = _school_tiers()
    return tiers.get(key) or tiers.get(_CAMPUS.sub("", key))


# --- jobConfig.criteria --------------------------------------------------------------------------

# The `jobConfig.criteria` keys and the Criteria fields they set, which are also the Job fields that
# store them (recruit.jobconfig maps the rest of jobConfig). Ranges are [min, max] pairs.
CRITERIA_RANGES = {
    "age": ("age_min", "age_max"),
    "work_years": ("work_years_min", "work_years_max"),
    "salary_k": ("salary_min_k", "salary_max_k"),
}
CRITERIA_LISTS = ("cities", "keywords", "exclude_keywords", "exclude_companies", "active_desc")
CRITERIA_SCALARS = ("min_degree", "active_within_minutes", "school_tier", "on_missing")
_RANGE_LIMITS = {"age": 150, "work_years": 80, "salary_k": 10_000}
_MAX_MINUTES = 10 * 366 * 24 * 60
_MAX_ITEMS = 200
_MAX_ITEM_CHARS = 100


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _range(key: str, value: object, *, numbers: bool) -> tuple[float | None, float | None]:
    path = f"criteria.{key}"
    if value is None:
        return None, None
    kind = "numbers" if numbers else "integers"

    def ok(bound: object) -> bool:
        if bound is None or _is_int(bound):
            return True
        return numbers and isinstance(bound, float) and math.isfinite(bound)

    if not isinstance(value, list) or len(value) != 2 or not all(ok(bound) for bound in value):
        raise CriteriaError(path, f"expected a list of two {kind} or nulls")
    low, high = value
    if any(bound is not None and bound < 0 for bound in value):
        raise CriteriaError(path, "bounds must not be negative")
    limit = _RANGE_LIMITS[key]
    if any(bound is not None and bound > limit for bound in value):
        raise CriteriaError(path, f"bounds must be at most {limit}")
    if low is not None and high is not None and low > high:
        raise CriteriaError(path, "min must not exceed max")
    return low, high


def _string_list(key: str, value: object) -> list[str]:
    path = f"criteria.{key}"
    if value is None:
        return []
    if not isinstance(value, list):
        raise CriteriaError(path, "expected a list of strings")
    if len(value) > _MAX_ITEMS:
        raise CriteriaError(path, f"expected at most {_MAX_ITEMS} items")
    items: dict[str, None] = {}
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if not isinstance(item, str):
            raise CriteriaError(item_path, "expected a string")
        item = item.strip()
        if not item:
            raise CriteriaError(item_path, "must not be blank")
        # Admin stores these lists one value per line.
        if item.splitlines() != [item]:
            raise CriteriaError(item_path, "must not contain a line break")
        if len(item) > _MAX_ITEM_CHARS:
            raise CriteriaError(item_path, f"must be at most {_MAX_ITEM_CHARS} characters")
        items.setdefault(item, None)
    return list(items)


def _choice(key: str, value: object, choices: tuple[str, ...]) -> str:
    if value is None:
        return choices[0]
    # 211 and 985 arrive as JSON numbers from some configs.
    if _is_int(value):
        value = str(value)
    if value not in choices:
        raise CriteriaError(f"criteria.{key}", f"expected one of {', '.join(choices)}")
    return value


def criteria_from_config(d: dict) -> Criteria:
    """Validate `jobConfig.criteria` (CONTRACT §4 job/register). Unknown keys are ignored; a null value
    clears its criterion; `min_degree` accepts common spellings (专科, 研究生, Bachelor) and is stored as
    the canonical label. Raises CriteriaError on the first invalid key."""
    if not isinstance(d, dict):
        raise CriteriaError("criteria", "expected an object")
    criteria = Criteria()
    for key, (low_field, high_field) in CRITERIA_RANGES.items():
        if key in d:
            low, high = _range(key, d[key], numbers=key == "salary_k")
            setattr(criteria, low_field, low)
            setattr(criteria, high_field, high)
    if "min_degree" in d and d["min_degree"] not in (None, ""):
        criteria.min_degree = canonical_degree(d["min_degree"])
        if criteria.min_degree is None:
            raise CriteriaError("criteria.min_degree", f"expected one of {', '.join(DEGREES)}")
    for key in CRITERIA_LISTS:
        if key in d:
            setattr(criteria, key, _string_list(key, d[key]))
    if "active_within_minutes" in d:
        minutes = d["active_within_minutes"]
        if minutes is not None and (not _is_int(minutes) or minutes < 0):
            raise CriteriaError("criteria.active_within_minutes", "expected a non-negative integer or null")
        if minutes is not None and minutes > _MAX_MINUTES:
            raise CriteriaError("criteria.active_within_minutes", f"must be at most {_MAX_MINUTES}")
        criteria.active_within_minutes = minutes
    if "school_tier" in d:
        criteria.school_tier = _choice("school_tier", d["school_tier"], SCHOOL_TIERS)
    if "on_missing" in d:
        criteria.on_missing = _choice("on_missing", d["on_missing"], ON_MISSING)
    return criteria
