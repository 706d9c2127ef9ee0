"""Lots: every award is a lot with an expiry date; spending takes the lots that expire first.

Lots are kept per member and expiry time (awards that expire at the same moment
share a lot), so a member has a handful of lots however many awards they got.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime


class NotEnoughInLots(Exception):
    """The lots hold fewer points than asked for (the caller checked the balance wrongly)."""


def take(
    lots: Mapping[datetime, int], points: int, prefer: datetime | None = None
) -> list[tuple[datetime, int]]:
    """Which lots ``points`` come from: ``prefer`` first (a clawed-back award's own lot), then
    the lot that expires first, and so on."""
    if points < 0:
        raise ValueError("cannot take a negative number of points")
    order = sorted(e for e, n in lots.items() if n > 0)
    if prefer is not None and lots.get(prefer, 0) > 0:
        order.remove(prefer)
        order.insert(0, prefer)
    taken: list[tuple[datetime, int]] = []
    wanted = points
    for expires_at in order:
        if wanted == 0:
            break
        n = min(wanted, lots[expires_at])
        taken.append((expires_at, n))
        wanted -= n
    if wanted:
        raise NotEnoughInLots(f"the lots hold {points - wanted} of {points} points")
    return taken
