"""Domain rule violations; the service layer turns them into problem responses."""

from __future__ import annotations


class RuleViolation(Exception):
    """A request breaks a rule of the domain.

    ``kind`` names the rule (it becomes the problem type), ``field`` the input at
    fault when there is one (a 422 with an ``errors`` map), ``status`` the HTTP
    answer the rule maps to.
    """

    def __init__(self, kind: str, message: str, *, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.field = field
        self.status = status
