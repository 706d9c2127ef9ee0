"""Domain errors: what went wrong, in the domain's words, with no HTTP in them.

Domain modules and use cases raise these; one mapping (``common.problems``,
registered by the app factory) turns each kind into its problem response. The
``kind`` becomes the last part of the problem ``type`` (``insufficient-points``,
``wrong-state``, ...), so clients can tell two conflicts apart.

This module imports nothing from Flask, so plain domain code can raise them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """Base of every error a client can act on.

    ``detail`` is a sentence for a person; ``errors`` maps input fields to messages;
    ``extra`` adds members to the problem body (``available``, ``needed``, ...).
    """

    default_kind = "domain-error"

    def __init__(
        self,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
        extra: Mapping[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.kind = kind or self.default_kind
        self.title = title
        self.errors = dict(errors) if errors is not None else None
        self.extra = dict(extra or {})
        self.retry_after = retry_after


class Invalid(DomainError):
    """The input breaks a rule (a field's value, or fields taken together)."""

    default_kind = "validation-error"

    @classmethod
    def field(cls, name: str, message: str, *, kind: str | None = None) -> Invalid:
        return cls(message, kind=kind, errors={name: [message]})


class NotFound(DomainError):
    """The thing named does not exist (or the caller may not know that it does)."""

    default_kind = "not-found"

    @classmethod
    def of(cls, what: str) -> NotFound:
        return cls(f"There is no {what} with this id.")


class Unauthenticated(DomainError):
    """The caller is not signed in, or the credentials are wrong."""

    default_kind = "unauthorized"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    default_kind = "forbidden"


class Conflict(DomainError):
    """The request is sound but the state of things does not allow it now."""

    default_kind = "conflict"


class TooMany(DomainError):
    """The caller has done this too often; ``retry_after`` says when to try again."""

    default_kind = "too-many-requests"


class Unavailable(DomainError):
    """Something this depends on is down; nothing was changed."""

    default_kind = "service-unavailable"


class Malformed(DomainError):
    """The request cannot be read at all (not a validation of its fields)."""

    default_kind = "malformed-request"


# the HTTP status each kind of domain error maps to (most specific class first)
HTTP_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (Malformed, 400),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Invalid, 422),
    (TooMany, 429),
    (Unavailable, 503),
)


def status_of(error: DomainError) -> int:
    for cls, status in HTTP_STATUS:
        if isinstance(error, cls):
            return status
    return 422
