"""The one table from exceptions to envelope codes (CONTRACT §2), and nothing else naming a code."""

from __future__ import annotations

import inspect
import io
import tokenize
from pathlib import Path

import pytest

from hunter_robot import errors
from hunter_robot.api import errors as api_errors
from hunter_robot.api.errors import ERRORS, Code, code_for
from recruit.cv import CvRejected, CvTooLarge
from recruit.lookups import UnregisteredAccount

ROOT = Path(__file__).resolve().parent.parent
RET_CODES = {1001, 1002, 1003, 1004, 1401, 1403, 1429, 1500, 1503}

CONTRACT = [
    (errors.InvalidInput, 1001, 400),
    (errors.NotFound, 1002, 404),
    (errors.Conflict, 1003, 409),
    (errors.UploadRejected, 1004, 415),
    (errors.UploadTooLarge, 1004, 413),
    (errors.Forbidden, 1403, 403),
    (errors.Unavailable, 1503, 503),
    (api_errors.UnknownUrl, 1002, 404),
    (api_errors.MethodNotAllowed, 1001, 405),
    (api_errors.BodyTooLarge, 1004, 413),
    (api_errors.Unauthenticated, 1401, 401),
    (api_errors.RateLimited, 1429, 429),
    (api_errors.Internal, 1500, 500),
    # Subclasses raised by the apps take their base's entry.
    (CvRejected, 1004, 415),
    (CvTooLarge, 1004, 413),
    (UnregisteredAccount, 1002, 404),
    (KeyError, 1500, 500),
]


@pytest.mark.parametrize(("kind", "ret", "http"), CONTRACT, ids=[c[0].__name__ for c in CONTRACT])
def test_codes_follow_the_contract(kind, ret, http):
    assert code_for(kind) == Code(ret, http)


def test_every_domain_and_transport_error_has_an_entry():
    classes = [
        cls
        for module in (errors, api_errors)
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, (errors.DomainError, api_errors.TransportError)) and cls.__module__ == module.__name__
    ]
    bases = {errors.DomainError, api_errors.TransportError}
    assert {cls for cls in classes if cls not in bases} == set(ERRORS)


def app_sources() -> list[Path]:
    """The project's Python outside tests and migrations (the top-level packages and scripts)."""
    tops = [p for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name != "tests"]
    files = [*ROOT.glob("*.py"), *(ROOT / "bench").glob("*.py")]
    files += [path for top in tops for path in top.rglob("*.py") if "migrations" not in path.parts]
    return sorted(set(files) - {ROOT / "hunter_robot/api/errors.py"})


def test_no_code_names_a_ret_code_outside_the_table():
    found = []
    for path in app_sources():
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        for token in tokens:
            if token.type == tokenize.NUMBER and token.string.isdigit() and int(token.string) in RET_CODES:
                found.append(f"{path.relative_to(ROOT)}:{token.start[0]}: {token.string}")
    assert found == []
