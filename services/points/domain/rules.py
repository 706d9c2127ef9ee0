"""Earning rules: what an event is worth, per event or per hour, trimmed by a daily cap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

PER_EVENT: Final = "event"
PER_HOUR: Final = "hour"
PER: Final = (PER_EVENT, PER_HOUR)

REVERSAL_EVENT: Final = "award.reversed"
# Events the consumer takes that earn nothing by design (no rule may be set for them).
EARNS_NOTHING: Final = (REVERSAL_EVENT,)

# How a member's history names what an award was for.
_WHAT: Final = {
    "hours.approved": "approved service hours",
    "report.verified": "a verified safety report",
    "checkin.recorded": "a check-in",
    "task.completed": "a completed task",
}


@dataclass(frozen=True)
class Rule:
    event_type: str
    points: int
    per: str = PER_EVENT
    daily_cap: int | None = None

    def __post_init__(self) -> None:
        if self.points < 0:
            raise ValueError("points must not be negative")
        if self.per not in PER:
            raise ValueError(f"per must be one of {PER}")
        if self.daily_cap is not None and self.daily_cap < 0:
            raise ValueError("daily_cap must not be negative")


# What a fresh database starts with (the first migration writes them).
DEFAULT_RULES: Final = (
    Rule("hours.approved", 10, PER_HOUR, 80),
    Rule("report.verified", 20, PER_EVENT, 100),
    Rule("checkin.recorded", 5, PER_EVENT, 5),
    Rule("task.completed", 15, PER_EVENT, None),
)


class BadEvent(ValueError):
    """The event's data lacks what its rule needs."""


def base_points(rule: Rule, minutes: int | None = None) -> int:
    """Points before the cap: per event, or per hour prorated by minutes (rounded down)."""
    if rule.per == PER_EVENT:
        return rule.points
    if minutes is None or minutes < 0:
        raise BadEvent("an hourly rule needs the event's non-negative minutes")
    return rule.points * minutes // 60


def capped(points: int, daily_cap: int | None, already_today: int) -> int:
    """What is still payable today: the cap trims an award, it never drops the event."""
    if daily_cap is None:
        return points
    return max(0, min(points, daily_cap - already_today))


def award_day(occurred_at: datetime) -> date:
    """The (UTC) day an award counts against for its daily cap."""
    if occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=UTC)
    return occurred_at.astimezone(UTC).date()


def describe(event_type: str, points: int, minutes: int | None = None) -> str:
    """The line an award leaves in the member's history."""
    what = _WHAT.get(event_type, event_type)
    if event_type == "hours.approved" and minutes is not None:
        what += f" ({minutes} minutes)"
    return f"{points} points for {what}"
