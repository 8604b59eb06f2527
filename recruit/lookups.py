"""The API edge's lookups: the accounts and jobs a bot names by ID, checked against the caller.

Permission is judged before existence (CONTRACT §1 order), so an API key cannot probe which IDs exist.
Services and selectors take the resolved account and job; only the API layer knows the caller.
"""

from __future__ import annotations

from hunter_robot import sql
from hunter_robot.api.auth import Caller
from hunter_robot.errors import InvalidInput, NotFound
from recruit.models import Job, RecruitAccount
from recruit.refs import parse_ref

ABSENT_JOB_IDS = {"", "none", "null"}


def _parse(kind: str, ref: str, field: str) -> tuple[str, str]:
    parsed = parse_ref(kind, ref)
    if parsed is None:
        raise InvalidInput(f"{field}: malformed, expected {kind}_<Platform>_<platformID>")
    return parsed


class UnregisteredAccount(NotFound):
    """A well-formed accountID that is not registered; `account_id` is its canonical form."""

    def __init__(self, msg: str, *, account_id: str):
        super().__init__(msg)
        self.account_id = account_id


def _account_sql() -> str:
    return (
        f"SELECT {sql.columns(RecruitAccount, 'a')} FROM {sql.table(RecruitAccount)} a"
        " WHERE a.platform = %s AND a.platform_id = %s"
    )


def account_for(caller: Caller, ref: str, *, field: str = "accountID") -> RecruitAccount:
    """The account a bot names. Reads only: the API layer records an unregistered caller
    (`services.callers`)."""
    platform, platform_id = _parse("account", ref, field)
    # Every bot call starts here: written out, the query costs a fifth of what the ORM takes to build it.
    account = sql.fetch_instance(RecruitAccount, _account_sql, [platform, platform_id])
    caller.check_account(account, field)
    if account is None:
        canonical = f"account_{platform}_{platform_id}"
        raise UnregisteredAccount(f"{field}: {canonical} is not registered", account_id=canonical)
    return account


def job_for(caller: Caller, ref: str, *, field: str = "jobID") -> Job:
    platform, platform_id = _parse("job", ref, field)
    job = Job.objects.filter(platform=platform, platform_id=platform_id).first()
    caller.check_team(job.team_id if job else None, field)
    if job is None:
        raise NotFound(f"{field}: job_{platform}_{platform_id} is not registered")
    return job


def job_ref_given(value) -> bool:
    """`jobID` is deprecated in candidate calls: missing, "", null, "None", "NULL" mean absent."""
    return value is not None and str(value).strip().lower() not in ABSENT_JOB_IDS


def explicit_job(caller: Caller, job_ref) -> Job | None:
    """The job an optional `jobID` names; None when absent (the CONTRACT §3 fallback then applies,
    in `selectors.resolve_job` or the screening gates)."""
    return job_for(caller, str(job_ref).strip()) if job_ref_given(job_ref) else None


def check_registration(
    caller: Caller, model: type[Job] | type[RecruitAccount], platform: str, platform_id: str
) -> None:
    """An API key registers only within its team: an existing job or account of another team is
    refused before anything is validated against it or written. (The view checks the registered row
    again, in the same transaction, for one created meanwhile.)"""
    team_id = model.objects.filter(platform=platform, platform_id=platform_id).values_list("team_id", flat=True).first()
    if team_id is not None:
        caller.check_team(team_id, "platformID")
