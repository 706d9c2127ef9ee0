"""Service hours: what a loggable entry is."""

from __future__ import annotations

from datetime import datetime, timedelta

from common.errors import Forbidden, Invalid

CLOCK_SKEW = timedelta(minutes=5)
MAX_ENTRY = timedelta(hours=24)


def check_entry(
    started_at: datetime,
    ended_at: datetime,
    *,
    now: datetime,
    self_logged: bool,
    self_log_days: int,
) -> int:
    """The entry's whole minutes; :class:`Invalid` or :class:`Forbidden` when refused.

    Refused: an end before the start, anything in the future, more than 24 hours
    in one entry, less than a minute, and (for self-logged entries) an end older
    than the self-logging window; later hours only a coordinator can enter.
    """
    if started_at.tzinfo is None or ended_at.tzinfo is None:
        raise Invalid.field("started_at", "Times need a UTC offset.")
    if ended_at <= started_at:
        raise Invalid.field("ended_at", "The end must be after the start.")
    if ended_at > now + CLOCK_SKEW:
        raise Invalid.field(
            "ended_at", "Hours cannot be logged before they are served.", kind="future-hours"
        )
    if ended_at - started_at > MAX_ENTRY:
        raise Invalid.field("ended_at", "One entry covers at most 24 hours.")
    minutes = int((ended_at - started_at).total_seconds() // 60)
    if minutes < 1:
        raise Invalid.field("ended_at", "An entry is at least a minute.")
    if self_logged and ended_at < now - timedelta(days=self_log_days):
        raise Forbidden(
            f"Hours can be self-logged for {self_log_days} days after the service; "
            "ask a coordinator to enter older hours.",
            kind="self-logging-closed",
        )
    return minutes
