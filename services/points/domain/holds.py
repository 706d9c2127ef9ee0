"""Holds: reserved points that end exactly once, as a capture, a release or an expiry."""

from __future__ import annotations

from typing import Final

ACTIVE: Final = "active"
CAPTURED: Final = "captured"
RELEASED: Final = "released"
EXPIRED: Final = "expired"
STATUSES: Final = (ACTIVE, CAPTURED, RELEASED, EXPIRED)


class HoldNotActive(Exception):
    def __init__(self, status: str, wanted: str) -> None:
        super().__init__(f"the hold is already {status}; it cannot be {wanted}")
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
