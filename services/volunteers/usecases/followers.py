"""Riders who met the same hazard follow the open report ("me too") instead of filing a
duplicate: they are told its outcome and earn nothing. Who follows is nobody's business
but the follower's; everyone else sees a count."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from common.errors import Conflict, Forbidden
from common.tokens import Principal
from services.volunteers.adapters.models import Report, ReportFollower
from services.volunteers.domain import reports as report_rules
from services.volunteers.domain.geo import haversine_m
from services.volunteers.usecases.members import ensure_member
from services.volunteers.usecases.reports import (
    category_named,
    locked_report,
    open_near,
    report_or_404,
)
from services.volunteers.usecases.rows import announce
from suite.events import ReportFollowedOutcome

# a short list to choose from, not a map
NEARBY_LIMIT = 20


@dataclass(frozen=True)
class Following:
    """Whether the caller follows the report, and how many do."""

    report_id: uuid.UUID
    following: bool
    followers: int


@dataclass(frozen=True)
class Nearby:
    lat: float
    lng: float
    category: str


def _open_report(db: Session, principal: Principal, report_id: uuid.UUID) -> Report:
    """The report locked, so that a decision taken meanwhile sees this follower or refuses
    it (a decision locks the report too)."""
    report = report_or_404(db, report_id)
    if report.reporter_id == principal.id:
        raise Forbidden("You reported this yourself.", kind="own-report")
    ensure_member(db, principal)
    report = locked_report(db, report_id)
    if report.status not in report_rules.OPEN_STATUSES:
        raise Conflict(f"A {report.status} report cannot be followed.", kind="wrong-state")
    return report


def _state(db: Session, report_id: uuid.UUID, following: bool) -> Following:
    return Following(report_id, following, counts(db, [report_id])[report_id])


def follow(db: Session, principal: Principal, report_id: uuid.UUID) -> Following:
    """Follow an open report; following it again changes nothing."""
    report = _open_report(db, principal, report_id)
    db.execute(
        pg_insert(ReportFollower)
        .values(report_id=report.id, member_id=principal.id)
        .on_conflict_do_nothing(index_elements=["report_id", "member_id"])
    )
    return _state(db, report.id, True)


def unfollow(db: Session, principal: Principal, report_id: uuid.UUID) -> Following:
    """Stop following a report (whatever its state); not following it is no error."""
    report = report_or_404(db, report_id)
    db.execute(
        sa.delete(ReportFollower).where(
            ReportFollower.report_id == report.id, ReportFollower.member_id == principal.id
        )
    )
    return _state(db, report.id, False)


def counts(db: Session, report_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many follow each report (0 for those nobody follows)."""
    found: dict[uuid.UUID, int] = dict.fromkeys(report_ids, 0)
    if report_ids:
        rows = db.execute(
            sa.select(ReportFollower.report_id, sa.func.count())
            .where(ReportFollower.report_id.in_(report_ids))
            .group_by(ReportFollower.report_id)
        ).all()
        found.update({row[0]: row[1] for row in rows})
    return found


def following_of(db: Session, principal: Principal, report_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of the reports the caller follows."""
    if not report_ids:
        return set()
    return set(
        db.scalars(
            sa.select(ReportFollower.report_id).where(
                ReportFollower.report_id.in_(report_ids),
                ReportFollower.member_id == principal.id,
            )
        )
    )


def nearby(db: Session, query: Nearby) -> list[tuple[float, Report]]:
    """Open reports of the category within the duplicate radius of the position, nearest
    first: what a rider may follow instead of filing again."""
    category_named(db, query.category)
    rows = db.scalars(
        sa.select(Report).where(*open_near(query.category, query.lat, query.lng))
    ).all()
    measured = sorted(
        ((haversine_m(query.lat, query.lng, r.lat, r.lng), r) for r in rows),
        key=lambda pair: pair[0],
    )
    radius = report_rules.DUPLICATE_RADIUS_M
    return [(metres, r) for metres, r in measured if metres <= radius][:NEARBY_LIMIT]


def tell_followers(db: Session, report: Report, outcome: str, note: str) -> None:
    """One ``report.followed_outcome`` per follower, in the transaction of the decision."""
    members = db.scalars(
        sa.select(ReportFollower.member_id)
        .where(ReportFollower.report_id == report.id)
        .order_by(ReportFollower.created_at, ReportFollower.member_id)
    ).all()
    for member_id in members:
        announce(
            db,
            ReportFollowedOutcome(
                report_id=report.id, member_id=member_id, outcome=outcome, note=note
            ),
        )
