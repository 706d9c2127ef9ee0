"""Holds: reserved points that end exactly once, as a capture, a release or an expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from common.errors import Conflict
from services.points.domain.errors import invalid

ACTIVE: Final = "active"
CAPTURED: Final = "captured"
RELEASED: Final = "released"
EXPIRED: Final = "expired"
STATUSES: Final = (ACTIVE, CAPTURED, RELEASED, EXPIRED)


class HoldNotActive(Conflict):
    """The hold ended another way already (a 409 hold-not-active naming its status)."""

    def __init__(self, status: str, wanted: str, detail: str | None = None) -> None:
        super().__init__(
            detail or f"the hold is already {status}; it cannot be {wanted}",
            kind="hold-not-active",
            extra={"status": status},
        )
        self.status = status
        self.wanted = wanted


def end(status: str, wanted: str) -> bool:
    """Whether ending a hold in ``status`` as ``wanted`` does anything.

    ``True``: it is active, end it now. ``False``: it already ended this way (a
    retried capture or release answers as the first did). A hold that ended
    another way refuses with :class:`HoldNotActive`.
    """
    if wanted not in (CAPTURED, RELEASED, EXPIRED):
        raise ValueError(f"a hold cannot end as {wanted!r}")
    if status == ACTIVE:
        return True
    if status == wanted:
        return False
    raise HoldNotActive(status, wanted)


def check_capture(deadline: datetime, now: datetime) -> None:
    """Past its deadline a hold reserves nothing any more: whether the expiry job has run
    yet must not decide if the points can still be spent; that job will release them."""
    if deadline <= now:
        raise HoldNotActive(
            EXPIRED,
            CAPTURED,
            "The hold passed its deadline and is being released; place a new one.",
        )


def deadline_of(
    now: datetime,
    deadline: datetime | None,
    ttl_seconds: int | None,
    *,
    default_seconds: int,
    max_seconds: int,
) -> datetime:
    """When a new hold ends: the deadline asked for, or ``ttl_seconds`` (else the default)
    from now; in the future and no further off than the longest hold allowed."""
    if ttl_seconds is not None and ttl_seconds > max_seconds:
        # refused before the date arithmetic, which overflows for absurd values
        raise invalid(
            "The hold may last at most the longest hold allowed.",
            {"ttl_seconds": [f"at most {max_seconds}"]},
        )
    if deadline is None:
        deadline = now + timedelta(seconds=ttl_seconds or default_seconds)
    if not now < deadline <= now + timedelta(seconds=max_seconds):
        raise invalid(
            "The deadline must be in the future and within the longest hold allowed.",
            {"deadline": [f"between now and {max_seconds} seconds from now"]},
        )
    return deadline
