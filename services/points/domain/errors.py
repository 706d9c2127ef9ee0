"""The points service's domain errors that more than one area raises."""

from __future__ import annotations

from collections.abc import Mapping

from common.errors import Invalid

# the title these answers had before domain errors existed; kept so that they stay
# byte for byte what clients already receive ("Validation failed" is the schemas')
VALIDATION_TITLE = "Validation error"


def invalid(detail: str, errors: Mapping[str, list[str]] | None = None) -> Invalid:
    """A broken rule of the points service, answered as a 422 validation-error."""
    return Invalid(detail, title=VALIDATION_TITLE, errors=errors)


def key_reused() -> Invalid:
    """The same idempotency key came back with another request body."""
    return Invalid(
        "This Idempotency-Key was used with a different request body.",
        kind="idempotency-key-reused",
    )
