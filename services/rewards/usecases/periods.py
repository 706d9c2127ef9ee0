"""Periods of a per-member limit, counted in the district's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def period_start(period: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The start of the day, month or year ``now`` falls in, locally; None for lifetime."""
    local = now.astimezone(zone)
    if period == "day":
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "month":
        return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if period == "year":
        return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return None
