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


def check_approver(
    *,
    approver_id: object,
    approver_is_admin: bool,
    member_id: object,
    entered_by: object,
    ended_at: datetime,
    now: datetime,
    admin_after_days: int,
) -> None:
    """:class:`Forbidden` unless this approver may pay this entry.

    Nobody approves their own hours (``own-hours``) or hours they entered for someone
    else (``own-entry``): the one who writes an entry and the one who pays it are two
    people. Work older than ``admin_after_days`` is approved by an admin only
    (``admin-approval-required``): backdating is where invented hours hide.
    """
    if member_id == approver_id:
        raise Forbidden("Another coordinator must decide on your own hours.", kind="own-hours")
    if entered_by == approver_id:
        raise Forbidden(
            "You entered these hours; another coordinator must approve them.", kind="own-entry"
        )
    if not approver_is_admin and ended_at < now - timedelta(days=admin_after_days):
        raise Forbidden(
            f"Hours served more than {admin_after_days} days ago need an admin's approval.",
            kind="admin-approval-required",
        )
