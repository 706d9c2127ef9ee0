"""Earning rules: what an event is worth, per event or per hour, trimmed by a daily cap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
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
    Rule("task.completed", 15, PER_EVENT, 45),
)

# The cap of a rule set without one (POINTS_DEFAULT_DAILY_CAP): no event type pays without
# limit, so one insider with a second account cannot mint points by the hundred.
DEFAULT_DAILY_CAP: Final = 100


class BadEvent(ValueError):
    """The event's data lacks what its rule needs."""


def base_points(rule: Rule, minutes: int | None = None) -> int:
    """Points before the cap: per event, or per hour prorated by minutes (rounded down)."""
    if rule.per == PER_EVENT:
        return rule.points
    if minutes is None or minutes < 0:
        raise BadEvent("an hourly rule needs the event's non-negative minutes")
    return rule.points * minutes // 60


def capped(points: int, daily_cap: int, already_today: int) -> int:
    """What is still payable today: the cap trims an award, it never drops the event."""
    return max(0, min(points, daily_cap - already_today))


def cap_of(rule: Rule, default_cap: int) -> int:
    """The rule's own daily cap, or the default one: every event type has a cap."""
    return default_cap if rule.daily_cap is None else rule.daily_cap


def district_day(when: datetime, zone: tzinfo) -> date:
    """The district's calendar day a moment falls on (a naive moment is UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(zone).date()


def award_day(occurred_at: datetime, zone: tzinfo, work_date: date | None = None) -> date:
    """The day an award counts against for its daily cap: the day the work was done when the
    event says (approved hours), else the district's day of ``occurred_at``; never the day
    of approval in UTC, which would let a day's work be paid over two caps."""
    if work_date is not None:
        return work_date
    return district_day(occurred_at, zone)


def month_of(when: datetime, zone: tzinfo) -> str:
    """The district's month (``YYYY-MM``) a moment counts in on the leaderboards."""
    return district_day(when, zone).strftime("%Y-%m")


def describe(event_type: str, points: int, minutes: int | None = None) -> str:
    """The line an award leaves in the member's history."""
    what = _WHAT.get(event_type, event_type)
    if event_type == "hours.approved" and minutes is not None:
        what += f" ({minutes} minutes)"
    return f"{points} points for {what}"
