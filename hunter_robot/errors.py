"""Domain exceptions, raised by services, selectors and pure modules of every app (recruit, wechat).

They know nothing of HTTP: `msg` is one English line naming the offending field by its path (e.g.
"jobID: job_Boss_1 is not registered"), read by the people who run bots and by admin actions and
management commands alike. The API layer maps each class to an envelope `ret` and an HTTP status in
one table (`hunter_robot.api.errors.ERRORS`).
"""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, msg: str):
        super().__init__(msg)
        self.msg = msg


class InvalidInput(DomainError):
    """A value is malformed, missing or out of range."""


class NotFound(DomainError):
    """A referenced entity (account, job, conversation…) does not exist."""


class Conflict(DomainError):
    """The entity exists with different data, or its state does not allow the action."""


class UploadRejected(DomainError):
    """An uploaded file's type is not allowed."""


class UploadTooLarge(UploadRejected):
    """An uploaded file is larger than allowed."""


class Forbidden(DomainError):
    """The actor may not act on this entity."""


class Unavailable(DomainError):
    """A resource the action needs is down; retrying later may succeed."""
