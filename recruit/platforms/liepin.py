"""猎聘 liepin candidate cards."""

from __future__ import annotations

import re

from recruit.platforms.ids import candidate_id_from_info
from recruit.platforms.profile import (
    Profile,
    as_dict,
    build_profile,
    canonical_degree,
    dicts,
    highest_degree,
    parse_age,
    parse_work_years,
    salary_bounds,
    strings,
    texts,
)

PLATFORM = "liepin"


def _basic(info: dict) -> dict:
    return as_dict(info.get("basicInfoForm"))


def _expects(info: dict) -> list[dict]:
    return dicts(info.get("resExpectInfoDtos"))


def _cities(info: dict) -> list[str]:
    # A liepin expectation may name several cities in one string ("北京,上海").
    wanted = texts(
        part
        for expect in _expects(info)
        if isinstance(expect.get("wantDqName"), str)
        for part in re.split(r"[,，、;；/]", expect["wantDqName"])
    )
    return wanted or texts([_basic(info).get("dqName")])


def _salary(info: dict) -> tuple[float | None, float | None]:
    for expect in _expects(info):
        bounds = salary_bounds(expect.get("wantSalaryLow"), expect.get("wantSalaryHigh"))
        if bounds != (None, None):
            return bounds
    return None, None


def _degree(info: dict) -> str | None:
    return canonical_degree(_basic(info).get("eduLevelName")) or highest_degree(
        edu.get("redDegreeName") for edu in dicts(info.get("eduExpFormList"))
    )


EXTRACTORS = {
    "candidate_id": lambda info: candidate_id_from_info(PLATFORM, info),
    "name": lambda info: info.get("showName"),
    "age": lambda info: parse_age(_basic(info).get("birthYearAge")),
    "degree": _degree,
    "work_years": lambda info: parse_work_years(_basic(info).get("workYearsDescr")),
    "expected_cities": _cities,
    "expected_positions": lambda info: texts(expect.get("wantJobTitle") for expect in _expects(info)),
    "salary_min_k": lambda info: _salary(info)[0],
    "salary_max_k": lambda info: _salary(info)[1],
    "schools": lambda info: texts(edu.get("redSchool") for edu in dicts(info.get("eduExpFormList"))),
    "companies": lambda info: texts(
        [work.get("compName") for work in dicts(info.get("workExps"))] + [_basic(info).get("resCompany")]
    ),
    "work_titles": lambda info: texts(
        [work.get("rwTitle") for work in dicts(info.get("workExps"))] + [_basic(info).get("resTitle")]
    ),
    "work_duties": lambda info: texts(work.get("rwDuty") for work in dicts(info.get("workExps"))),
    "skills": lambda info: texts(strings(info.get("skillLables"))),
}


def parse(info: object) -> Profile:
    return build_profile(PLATFORM, info, EXTRACTORS)
