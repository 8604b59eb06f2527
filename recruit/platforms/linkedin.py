"""LinkedIn candidate cards (`id` + scraped `profile`). LinkedIn states no age, salary or expectations;
the location is taken as the expected city and the headline (`role`) as a work title."""

from __future__ import annotations

from recruit.platforms.ids import candidate_id_from_info
from recruit.platforms.profile import (
    Profile,
    as_dict,
    build_profile,
    dicts,
    highest_degree,
    months_of_experience,
    strings,
    text,
    texts,
)

PLATFORM = "Linkedin"


def _profile(info: dict) -> dict:
    return as_dict(info.get("profile"))


def _experiences(info: dict) -> list[dict]:
    return dicts(_profile(info).get("experiences"))


def _educations(info: dict) -> list[dict]:
    return dicts(_profile(info).get("educations"))


def _works(info: dict) -> list[dict]:
    return [work for experience in _experiences(info) for work in dicts(experience.get("works"))]


def _city(info: dict) -> list[str]:
    location = text(_profile(info).get("location"))
    return texts([location.split(",")[0]]) if location else []


def _work_years(info: dict) -> int | None:
    # timeInfo reads "2019 - Present · 7 yrs": the duration follows the last "·" (the dates before it
    # would otherwise parse as years). Overlapping positions are summed, so this is rough.
    months = [
        months_of_experience(experience["timeInfo"].rsplit("·", 1)[-1])
        for experience in _experiences(info)
        if isinstance(experience.get("timeInfo"), str) and "·" in experience["timeInfo"]
    ]
    known = [value for value in months if value is not None]
    return sum(known) // 12 if known else None


EXTRACTORS = {
    "candidate_id": lambda info: candidate_id_from_info(PLATFORM, info),
    "name": lambda info: _profile(info).get("name"),
    "degree": lambda info: highest_degree(edu.get("degreeInfo") for edu in _educations(info)),
    "work_years": _work_years,
    "expected_cities": _city,
    "schools": lambda info: texts(edu.get("schoolName") for edu in _educations(info)),
    "companies": lambda info: texts(experience.get("companyName") for experience in _experiences(info)),
    "work_titles": lambda info: texts(
        [work.get("workPosition") for work in _works(info)] + [_profile(info).get("role")]
    ),
    "work_duties": lambda info: texts(work.get("workDescription") for work in _works(info)),
    "skills": lambda info: texts(strings(_profile(info).get("skills"))),
}


def parse(info: object) -> Profile:
    return build_profile(PLATFORM, info, EXTRACTORS)
