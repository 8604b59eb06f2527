"""脉脉 maimai candidate cards. maimai shows no age, so `age` is always missing."""

from __future__ import annotations

from recruit.platforms.ids import candidate_id_from_info
from recruit.platforms.profile import (
    Profile,
    as_dict,
    build_profile,
    canonical_degree,
    dicts,
    highest_degree,
    parse_salary_k,
    parse_work_years,
    strings,
    texts,
)

PLATFORM = "maimai"

# maimai's numeric degree codes (README of the shared cards); other codes fall back to the text.
_DEGREE_CODES = {1: "本科", 2: "硕士", 3: "博士"}


def _code_degree(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return canonical_degree(value)
    return _DEGREE_CODES.get(value)


def _degree(info: dict) -> str | None:
    edus = dicts(info.get("edu"))
    return (
        _code_degree(info.get("degree"))
        or canonical_degree(info.get("sdegree"))
        or highest_degree(edu.get("sdegree") for edu in edus)
        or highest_degree(_code_degree(edu.get("degree")) for edu in edus)
    )


def _exps(info: dict) -> list[dict]:
    return dicts(info.get("exp"))


def _companies(info: dict) -> list[str]:
    # The top-level `companies` repeats exp[].company on the cards seen so far; kept in case exp is cut short.
    return texts([exp.get("company") for exp in _exps(info)] + strings(info.get("companies")))


def _prefs(info: dict) -> dict:
    return as_dict(info.get("job_preferences"))


def _cities(info: dict) -> list[str]:
    prefs = _prefs(info)
    wanted = texts(strings(prefs.get("regions")) + strings(prefs.get("province_cities")))
    # Without a stated preference, where the candidate lives is the best guess of where they work.
    return wanted or texts([info.get("province"), info.get("city")])


def _salary(info: dict) -> tuple[float | None, float | None]:
    return parse_salary_k(_prefs(info).get("salary")) or (None, None)


EXTRACTORS = {
    "candidate_id": lambda info: candidate_id_from_info(PLATFORM, info),
    "name": lambda info: info.get("name"),
    "degree": _degree,
    "work_years": lambda info: parse_work_years(info.get("work_time")),
    "expected_cities": _cities,
    "expected_positions": lambda info: texts(strings(_prefs(info).get("positions"))),
    "salary_min_k": lambda info: _salary(info)[0],
    "salary_max_k": lambda info: _salary(info)[1],
    "active_desc": lambda info: info.get("active_state"),
    "schools": lambda info: texts(edu.get("school") for edu in dicts(info.get("edu"))),
    "companies": _companies,
    "work_titles": lambda info: texts([exp.get("position") for exp in _exps(info)] + [info.get("position")]),
    "work_duties": lambda info: texts(exp.get("description") for exp in _exps(info)),
    "skills": lambda info: texts(strings(info.get("tag_list"))),
}


def parse(info: object) -> Profile:
    return build_profile(PLATFORM, info, EXTRACTORS)
