"""BOSS直聘 candidate cards (`candidateInfo` as the BOSS bot sends it: a list item with `geekCard`)."""

from __future__ import annotations

from recruit.platforms.ids import candidate_id_from_info
from recruit.platforms.profile import (
    Profile,
    as_dict,
    build_profile,
    canonical_degree,
    dicts,
    epoch_seconds,
    highest_degree,
    number,
    parse_age,
    parse_salary_k,
    parse_work_years,
    salary_bounds,
    strings,
    texts,
)

PLATFORM = "Boss"


def _card(info: dict) -> dict:
    return as_dict(info.get("geekCard"))


def _works(info: dict) -> list[dict]:
    # The list view carries geekWorks; some card variants only have showWorks or the last job.
    card = _card(info)
    return dicts(card.get("geekWorks")) or dicts(info.get("showWorks")) or dicts([info.get("geekLastWork")])


def _edus(info: dict) -> list[dict]:
    card = _card(info)
    return dicts(card.get("geekEdus")) or dicts(info.get("showEdus")) or dicts([card.get("geekEdu")])


def _age(info: dict) -> int | None:
    card = _card(info)
    return parse_age(card.get("ageDesc")) or parse_age(as_dict(card.get("ageLight")).get("content"))


def _degree(info: dict) -> str | None:
    card = _card(info)
    return (
        canonical_degree(card.get("geekDegree"))
        or canonical_degree(as_dict(card.get("geekEdu")).get("degreeName"))
        or highest_degree(edu.get("degreeName") for edu in _edus(info))
    )


def _work_years(info: dict) -> int | None:
    card = _card(info)
    years = parse_work_years(card.get("geekWorkYear"))
    if years is None and (number(card.get("freshGraduate")) or 0) > 0:
        return 0
    return years


def _salary(info: dict) -> tuple[float | None, float | None]:
    card = _card(info)
    bounds = salary_bounds(card.get("lowSalary"), card.get("highSalary"))
    if bounds != (None, None):
        return bounds
    return parse_salary_k(card.get("salary")) or (None, None)


def _skills(info: dict) -> list[str]:
    emphasis = [skill for work in _works(info) for skill in strings(work.get("workEmphasisList"))]
    return texts(emphasis + strings(_card(info).get("matches")))


EXTRACTORS = {
    "candidate_id": lambda info: candidate_id_from_info(PLATFORM, info),
    "name": lambda info: _card(info).get("geekName"),
    "age": _age,
    "degree": _degree,
    "work_years": _work_years,
    "expected_cities": lambda info: texts(
        [_card(info).get("expectLocationName"), as_dict(_card(info).get("viewExpect")).get("locationName")]
    ),
    "expected_positions": lambda info: texts(
        [_card(info).get("expectPositionName"), as_dict(_card(info).get("viewExpect")).get("positionName")]
    ),
    "salary_min_k": lambda info: _salary(info)[0],
    "salary_max_k": lambda info: _salary(info)[1],
    "apply_status": lambda info: _card(info).get("applyStatusDesc"),
    "active_desc": lambda info: info.get("activeTimeDesc") or _card(info).get("activeTimeDesc"),
    "active_time": lambda info: epoch_seconds(_card(info).get("activeTime")),
    "schools": lambda info: texts(edu.get("school") for edu in _edus(info)),
    "companies": lambda info: texts(work.get("company") for work in _works(info)),
    "work_titles": lambda info: texts(
        title for work in _works(info) for title in (work.get("positionName"), work.get("positionCategory"))
    ),
    "work_duties": lambda info: texts(work.get("responsibility") for work in _works(info)),
    "skills": _skills,
}


def parse(info: object) -> Profile:
    return build_profile(PLATFORM, info, EXTRACTORS)
