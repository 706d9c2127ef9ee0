"""A safety report's way to resolution: coordinators verify, dispatch, resolve, reject or
reassign it; its reporter confirms the resolution or reopens it. The events these emit tell
the points service what to pay (or claw back) and the reporter what became of the report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from common.errors import Conflict, Forbidden
from common.tokens import Principal
from services.volunteers.adapters.models import Report
from services.volunteers.domain import reports as report_rules
from services.volunteers.usecases.flags import flag_by_key
from services.volunteers.usecases.followers import tell_followers
from services.volunteers.usecases.patterns import refile_key
from services.volunteers.usecases.reports import locked_report, report_or_404
from services.volunteers.usecases.rows import announce, now_utc
from services.volunteers.usecases.scope import organization_named, require_scope
from suite.events import AwardReversed, ReportRejected, ReportResolved, ReportVerified


@dataclass(frozen=True)
class Resolution:
    note: str | None = None
    close_reason: str | None = None


@dataclass(frozen=True)
class Dispatch:
    note: str | None = None


@dataclass(frozen=True)
class Rejection:
    reason: str


@dataclass(frozen=True)
class Reopening:
    reason: str | None = None


@dataclass(frozen=True)
class Assignment:
    organization_id: uuid.UUID


def _decidable(db: Session, principal: Principal, report_id: uuid.UUID, action: str) -> Report:
    """The report locked for a coordinator in its scope, moved to the state ``action`` leads to."""
    report = report_or_404(db, report_id)
    require_scope(db, principal, report.organization_id)
    if report.reporter_id == principal.id and action in ("verify", "reject"):
        raise Forbidden("Another coordinator must decide on your own report.", kind="own-report")
    report = locked_report(db, report_id)
    report.status = report_rules.next_status(report.status, action)
    return report


def verify_report(db: Session, principal: Principal, report_id: uuid.UUID) -> Report:
    """Verify a submitted report; an original one made in the app pays its reporter."""
    report = _decidable(db, principal, report_id, "verify")
    if report.organization_id is None:
        raise Conflict(
            "This report lies outside every organisation's area; assign it to one first.",
            kind="unassigned-report",
        )
    report.verified_at = now_utc()
    report.verified_by = principal.id
    if not _award_held(db, report):
        pay_reporter(db, report)
    tell_followers(db, report, "verified", "")
    db.flush()
    return report


def _award_held(db: Session, report: Report) -> bool:
    """A re-filed report (one where a report of its kind was lately resolved) pays only once
    an admin has reviewed its flag and released it."""
    flag = flag_by_key(db, refile_key(report.id))
    return flag is not None and not flag.released


def pay_reporter(db: Session, report: Report) -> None:
    """``report.verified`` for an original report made in the app that has not paid yet."""
    if (
        report.reporter_id is None
        or report.duplicate_of is not None
        or report.verified_event_id is not None
        or report.organization_id is None
    ):
        return
    verified = ReportVerified(
        report_id=report.id,
        member_id=report.reporter_id,
        organization_id=report.organization_id,
        category=report.category,
    )
    # a later rejection names this event, to claw back what it paid
    report.verified_event_id = announce(db, verified).id


def release_held_award(db: Session, report_id: uuid.UUID) -> None:
    """Pay a re-filed report whose flag was released, if it is verified by now (else its
    verification will pay it)."""
    report = locked_report(db, report_id)
    if report.status in ("verified", "dispatched", "resolved") and report.verified_at:
        pay_reporter(db, report)
        db.flush()


def dispatch_report(
    db: Session, principal: Principal, report_id: uuid.UUID, dispatch: Dispatch
) -> Report:
    report = _decidable(db, principal, report_id, "dispatch")
    report.dispatched_at = now_utc()
    report.dispatch_note = dispatch.note
    db.flush()
    return report


def resolve_report(
    db: Session, principal: Principal, report_id: uuid.UUID, resolution: Resolution
) -> Report:
    """Close a report as dealt with; its reporter (if any) hears of it."""
    report = _decidable(db, principal, report_id, "resolve")
    report.resolved_at = now_utc()
    report.resolution_note = resolution.note
    report.close_reason = resolution.close_reason or (
        "duplicate" if report.duplicate_of is not None else "fixed"
    )
    report.confirmed_at = None
    if report.reporter_id is not None:
        resolved = ReportResolved(
            report_id=report.id, member_id=report.reporter_id, note=resolution.note or ""
        )
        announce(db, resolved)
    tell_followers(db, report, "resolved", resolution.note or "")
    db.flush()
    return report


def reject_report(
    db: Session, principal: Principal, report_id: uuid.UUID, rejection: Rejection
) -> Report:
    """Reject a report; whatever its verification paid is clawed back."""
    report = _decidable(db, principal, report_id, "reject")
    reason = rejection.reason
    report.rejected_at = now_utc()
    report.reject_reason = reason
    if report.reporter_id is not None:
        if report.verified_event_id is not None:
            reversed_award = AwardReversed(
                reverses_event_id=report.verified_event_id,
                member_id=report.reporter_id,
                reason=reason or "report rejected",
            )
            announce(db, reversed_award)
        rejected = ReportRejected(report_id=report.id, member_id=report.reporter_id, reason=reason)
        announce(db, rejected)
    tell_followers(db, report, "rejected", reason)
    db.flush()
    return report


def assign_report(
    db: Session, principal: Principal, report_id: uuid.UUID, assignment: Assignment
) -> Report:
    """Hand an open report to another organisation (a coordinator of both, or an admin)."""
    organization_id = assignment.organization_id
    report = report_or_404(db, report_id)
    # an unplaced report is the admins' (in_scope of None is false for everyone else)
    require_scope(db, principal, report.organization_id)
    organization_named(db, organization_id, "organization_id")
    require_scope(db, principal, organization_id)
    report = locked_report(db, report_id)
    if report.status not in report_rules.OPEN_STATUSES:
        raise Conflict(f"A {report.status} report cannot be reassigned.", kind="wrong-state")
    report.organization_id = organization_id
    db.flush()
    return report


def rider_action(
    db: Session,
    principal: Principal,
    report_id: uuid.UUID,
    action: str,
    reopen_days: int,
    reopening: Reopening | None = None,
) -> Report:
    """The reporter confirms a resolved report, or reopens it, within the window."""
    report = report_or_404(db, report_id)
    if report.reporter_id != principal.id:
        raise Forbidden("Only the rider who reported this can do that.")
    report = locked_report(db, report_id)
    report_rules.next_status(report.status, action)
    report_rules.check_rider_window(report.resolved_at, now_utc(), reopen_days)
    if report.confirmed_at is not None:
        raise Conflict("You already confirmed this resolution.", kind="wrong-state")
    if action == "confirm":
        report.confirmed_at = now_utc()
    else:
        report.status = report_rules.reopen_target(report.verified_at)
        report.reopened_at = now_utc()
        report.reopen_reason = reopening.reason if reopening else None
        report.reopen_count += 1
        report.resolved_at = None
        report.close_reason = None
    db.flush()
    return report
