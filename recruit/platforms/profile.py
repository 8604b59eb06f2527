"""The normalised candidate profile every platform parser produces, and the text parsers they share.

Pure Python, no Django: the screening rules and the parsers are unit-tested without a database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields

DEGREES = ("初中及以下", "中专/中技", "高中", "大专", "本科", "硕士", "博士")

# Latin abbreviations must not match inside longer words ("Lombard" holds "mba"); \b would not do,
# because CJK characters count as word characters and "工商管理MBA" has no boundary before "M".
_A = r"(?<![a-z])"
_Z = r"(?![a-z])"

# Checked from the highest degree down, so "博士研究生" is 博士 and "硕士研究生" is 硕士.
_DEGREE_PATTERNS = tuple(
    (label, re.compile(pattern, re.IGNORECASE))
    for label, pattern in (
        ("博士", rf"博士|{_A}ph\.?\s?d{_Z}|{_A}doctor|{_A}d\.?phil{_Z}"),
        (
            "硕士",
            rf"硕士|研究生|{_A}e?mba{_Z}|{_A}master|{_A}m\.?sc?{_Z}|{_A}m\.?a{_Z}|{_A}m\.?eng{_Z}|{_A}mphil{_Z}",
        ),
        ("本科", rf"本科|学士|专升本|{_A}bachelor|{_A}b\.?sc?{_Z}|{_A}b\.?a{_Z}|{_A}b\.?eng{_Z}"),
        ("大专", rf"大专|专科|高职|{_A}associate"),
        ("高中", r"高中"),
        ("中专/中技", r"中专|中技|技校|职高"),
        ("初中及以下", r"初中|小学"),
    )
)


def degree_rank(label: object) -> int | None:
    """Position of a canonical degree label on the scale (初中及以下 = 0 … 博士 = 6)."""
    return DEGREES.index(label) if label in DEGREES else None


def canonical_degree(text: object) -> str | None:
    """The canonical label for a platform's spelling of a degree, or None when it names none."""
    if not isinstance(text, str):
        return None
    for label, pattern in _DEGREE_PATTERNS:
        if pattern.search(text):
            return label
    return None


def highest_degree(values: Iterable[object]) -> str | None:
    labels = [label for label in map(canonical_degree, values) if label]
    return max(labels, key=DEGREES.index, default=None)


def _int_value(value: object) -> int | None:
    # bool is an int subclass; True is never a count of years.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value)


_NUMBER = r"(\d+(?:\.\d+)?)"
_YEARS = re.compile(_NUMBER + r"\s*(?:年|yrs?\b|years?\b)", re.IGNORECASE)
_MONTHS = re.compile(_NUMBER + r"\s*(?:个月|月|mos?\b|months?\b)", re.IGNORECASE)
# BOSS shows students and new graduates as "应届生", "25年应届生", "26年毕业", "在校".
_FRESH = re.compile(r"应届|在校|无经验|无工作经验|\d{2}年毕业|fresh\s*graduate", re.IGNORECASE)
_UNDER_A_YEAR = re.compile(r"(?:不足|少于|未满|<)\s*(?:1|一)\s*年|(?:1|一)\s*年\s*(?:以内|以下|内)")
_MAX_WORK_YEARS = 70


def parse_work_years(text: object) -> int | None:
    """Whole years of experience: "5年" → 5, "应届生"/"1年以内" → 0, "10年以上" → 10, "7 yrs" → 7."""
    number = _int_value(text)
    if number is not None:
        return number if 0 <= number <= _MAX_WORK_YEARS else None
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    if _FRESH.search(text) or _UNDER_A_YEAR.search(text):
        return 0
    years = _YEARS.search(text)
    if years:
        value = int(float(years.group(1)))
        return value if value <= _MAX_WORK_YEARS else None
    if _MONTHS.search(text):
        return 0
    if re.fullmatch(r"\d{1,2}", text):
        return parse_work_years(int(text))
    return None


def months_of_experience(text: object) -> int | None:
    """Months in a duration such as "7 yrs", "1 yr 3 mos" or "2年7个月"; None when it holds none."""
    if not isinstance(text, str):
        return None
    years = _YEARS.search(text)
    months = _MONTHS.search(text)
    if not years and not months:
        return None
    total = float(years.group(1)) * 12 if years else 0.0
    total += float(months.group(1)) if months else 0.0
    return int(total)


def parse_age(text: object) -> int | None:
    """Age in years from "26岁", "26" or 26; None when implausible or absent."""
    age = _int_value(text)
    if age is None and isinstance(text, str):
        match = re.fullmatch(r"\s*(\d{1,3})\s*(?:岁|周岁)?\s*", text) or re.search(r"(\d{1,3})\s*岁", text)
        age = int(match.group(1)) if match else None
    return age if age is not None and 10 <= age <= 100 else None


_SALARY_NUMBER = re.compile(_NUMBER + r"\s*(k|千|万|w|元)?", re.IGNORECASE)
_SALARY_SCALE = {"k": 1.0, "千": 1.0, "万": 10.0, "w": 10.0, "元": 0.001}


def parse_salary_k(text: object) -> tuple[float | None, float | None] | None:
    """Monthly salary in K from "6-8K", "12k-18k/月", "1-1.5万", "20-30万/年"; None for "面议" or
    anything that is not a monthly or yearly amount (daily and hourly rates cannot be compared)."""
    if not isinstance(text, str) or "面议" in text:
        return None
    # "·13薪" counts the months paid per year, not an amount.
    text = re.sub(r"[·.]?\s*\d+\s*薪", "", text)
    if re.search(r"天|日|时|/\s*h|per\s*(?:day|hour)", text, re.IGNORECASE):
        return None
    found = [(float(m.group(1)), (m.group(2) or "").lower()) for m in _SALARY_NUMBER.finditer(text)][:2]
    if not found:
        return None
    last_unit = found[-1][1]
    amounts = []
    for value, unit in found:
        # "6-8K" and "1-1.5万" state the unit once, after the range.
        unit = unit or last_unit
        if not unit:
            unit = "元" if value >= 1000 else "k"
        amounts.append(value * _SALARY_SCALE[unit])
    if re.search(r"年", text):
        amounts = [amount / 12 for amount in amounts]
    amounts = [round(amount, 2) for amount in amounts]
    if len(amounts) == 1:
        return (amounts[0], None) if re.search(r"以上|起|\+", text) else (amounts[0], amounts[0])
    low, high = sorted(amounts)
    return low, high


def epoch_seconds(value: object) -> int | None:
    """Epoch seconds from seconds or milliseconds (values ≥ 10^12 are milliseconds, as in CONTRACT §3);
    None for 0, which BOSS sends when it does not know."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    number = _int_value(value)
    if number is None or number <= 0:
        return None
    return number // 1000 if number >= 10**12 else number


# --- Defensive access to untrusted JSON --------------------------------------------------------


def dig(obj: object, *path: str | int) -> object:
    """obj[path[0]][path[1]]…, or None as soon as a step does not exist or has the wrong type."""
    for key in path:
        if isinstance(key, int):
            obj = obj[key] if isinstance(obj, list) and -len(obj) <= key < len(obj) else None
        else:
            obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def dicts(value: object) -> list[dict]:
    """The objects in a list, skipping anything else; [] when `value` is not a list."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def texts(values: Iterable[object]) -> list[str]:
    """Distinct non-blank strings in first-seen order."""
    seen: dict[str, None] = {}
    for value in values:
        cleaned = text(value)
        if cleaned is not None:
            seen.setdefault(cleaned, None)
    return list(seen)


def number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def salary_bounds(low: object, high: object) -> tuple[float | None, float | None]:
    """A (min, max) pair from two numeric fields, where 0 or less means "not stated" (BOSS encodes 面议
    as 0/0) and a single stated bound stands for both."""
    bounds = [value for value in (number(low), number(high)) if value is not None and value > 0]
    if not bounds:
        return None, None
    return min(bounds), max(bounds)


# --- The profile ---------------------------------------------------------------------------------


@dataclass
class Profile:
    platform: str
    candidate_id: str | None = None
    name: str | None = None
    age: int | None = None
    degree: str | None = None  # one of DEGREES or None
    work_years: int | None = None  # 应届生 / 1年以内 -> 0, 10年以上 -> 10
    expected_cities: list[str] = field(default_factory=list)
    expected_positions: list[str] = field(default_factory=list)
    salary_min_k: float | None = None  # expected monthly salary, in K
    salary_max_k: float | None = None
    apply_status: str | None = None
    active_desc: str | None = None  # BOSS activeTimeDesc / maimai active_state
    active_time: int | None = None  # epoch seconds of last activity; None when unknown
    schools: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    work_titles: list[str] = field(default_factory=list)
    work_duties: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # data fields the parser could not read

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: object) -> Profile:
        """Rebuild a stored profile. Unknown keys are ignored and values of the wrong type dropped, so
        profiles stored by an older version (or edited by hand) still load."""
        d = as_dict(d)
        profile = cls(platform=text(d.get("platform")) or "")
        for name in _FIELD_NAMES:
            if name != "platform" and name in d:
                value = coerce_field(name, d[name])
                if value is not None:
                    setattr(profile, name, value)
        return profile


_FIELD_NAMES = tuple(f.name for f in fields(Profile))
_INT_FIELDS = {"age", "work_years", "active_time"}
_FLOAT_FIELDS = {"salary_min_k", "salary_max_k"}
_LIST_FIELDS = {
    "expected_cities",
    "expected_positions",
    "schools",
    "companies",
    "work_titles",
    "work_duties",
    "skills",
    "missing",
}
DATA_FIELDS = tuple(name for name in _FIELD_NAMES if name not in ("platform", "missing"))


def coerce_field(name: str, value: object) -> object:
    """`value` in the type of Profile field `name`, or None when it does not fit; this keeps every
    profile JSON-serialisable whatever a parser or a stored dict hands over."""
    if name in _LIST_FIELDS:
        return texts(value) if isinstance(value, list) else None
    if name in _INT_FIELDS:
        return int(value) if number(value) is not None else None
    if name in _FLOAT_FIELDS:
        return number(value)
    if name == "degree":
        return value if value in DEGREES else None
    return text(value)


def build_profile(platform: str, info: object, extractors: Mapping[str, Callable[[dict], object]]) -> Profile:
    """Run each field extractor on a card; an extractor that fails costs its own field only."""
    profile = Profile(platform=platform)
    if isinstance(info, dict):
        for name, extract in extractors.items():
            try:
                value = coerce_field(name, extract(info))
            except Exception:  # a card shape nobody foresaw must cost one field, not the decision
                value = None
            if value is not None:
                setattr(profile, name, value)
    profile.missing = [name for name in DATA_FIELDS if getattr(profile, name) in (None, [])]
    return profile
