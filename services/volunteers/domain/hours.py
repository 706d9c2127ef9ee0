"""Service hours: what a loggable entry is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.volunteers.domain.errors import RuleViolation

CLOCK_SKEW = timedelta(minutes=5)
MAX_ENTRY = timedelta(hours=24)


@dataclass(frozen=True)
class Interval:
    started_at: datetime
    ended_at: datetime

    def overlaps(self, other: Interval) -> bool:
        """Half-open intervals: one ending as the next starts do not overlap."""
        return self.started_at < other.ended_at and other.started_at < self.ended_at


def check_entry(
    started_at: datetime,
    ended_at: datetime,
    *,
    now: datetime,
    self_logged: bool,
    self_log_days: int,
) -> int:
    """The entry's whole minutes, or a :class:`RuleViolation`.

    Refused: an end before the start, anything in the future, more than 24 hours
    in one entry, less than a minute, and (for self-logged entries) an end older
    than the self-logging window; later hours only a coordinator can enter.
    """
    if started_at.tzinfo is None or ended_at.tzinfo is None:
        raise RuleViolation("validation-error", "Times need a UTC offset.", field="started_at")
    if ended_at <= started_at:
        raise RuleViolation(
            "validation-error", "The end must be after the start.", field="ended_at"
        )
    if ended_at > now + CLOCK_SKEW:
        raise RuleViolation(
            "future-hours", "Hours cannot be logged before they are served.", field="ended_at"
        )
    if ended_at - started_at > MAX_ENTRY:
        raise RuleViolation(
            "validation-error", "One entry covers at most 24 hours.", field="ended_at"
        )
    minutes = int((ended_at - started_at).total_seconds() // 60)
    if minutes < 1:
        raise RuleViolation("validation-error", "An entry is at least a minute.", field="ended_at")
    if self_logged and ended_at < now - timedelta(days=self_log_days):
        raise RuleViolation(
            "self-logging-closed",
            f"Hours can be self-logged for {self_log_days} days after the service; "
            "ask a coordinator to enter older hours.",
            field="started_at",
            status=403,
        )
    return minutes


def first_overlap(entry: Interval, existing: list[Interval]) -> Interval | None:
    for other in existing:
        if entry.overlaps(other):
            return other
    return None
