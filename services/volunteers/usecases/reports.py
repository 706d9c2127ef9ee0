"""Riders' safety reports: categories, placing and de-duplicating them, who sees which, and
their way to resolution (coordinators decide, the reporter confirms or reopens)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from common.errors import Invalid, NotFound, TooMany
from common.tokens import Principal
from services.volunteers.adapters.models import Organization, Report, ReportCategory
from services.volunteers.config import VolunteersConfig
from services.volunteers.domain import reports as report_rules
from services.volunteers.domain.geo import bounding_box, haversine_m
from services.volunteers.usecases import patterns
from services.volunteers.usecases.members import lock_member
from services.volunteers.usecases.paging import PageQuery, filtered, page
from services.volunteers.usecases.rows import added, found_or_error, locked, now_utc
from services.volunteers.usecases.scope import (
    is_coordinator,
    organization_named,
    require_own_or_in_scope,
    scope_filter,
)

AREA_KINDS = ("street", "community", "grid")


NOT_YOURS = "This report is not yours or in your scope."


@dataclass(frozen=True)
class NewReport:
    category: str
    description: str
    lat: float
    lng: float
    address: str = ""
    organization_id: uuid.UUID | None = None
    observed_at: datetime | None = None


# a phone's clock may run a little ahead of ours
OBSERVED_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class ReportQuery(PageQuery):
    status: str | None = None
    category: str | None = None
    mine: bool = False
    organization_id: uuid.UUID | None = None


# ---------------------------------------------------------------- categories


def ensure_categories(db: Session) -> None:
    """The default categories, when the table is empty (a fresh or truncated database)."""
    if db.execute(sa.select(ReportCategory.code).limit(1)).first() is None:
        db.execute(
            pg_insert(ReportCategory)
            .values(
                [
                    {"code": code, "name": name, "description": "", "position": i, "active": True}
                    for i, (code, name) in enumerate(report_rules.DEFAULT_CATEGORIES)
                ]
            )
            .on_conflict_do_nothing(index_elements=["code"])
        )


def categories(db: Session) -> list[ReportCategory]:
    ensure_categories(db)
    return list(
        db.scalars(
            sa.select(ReportCategory)
            .where(ReportCategory.active.is_(True))
            .order_by(ReportCategory.position, ReportCategory.code)
        )
    )


def category_named(db: Session, code: str) -> ReportCategory:
    category = db.get(ReportCategory, code)
    if category is None:
        ensure_categories(db)
        category = db.get(ReportCategory, code)
    if category is None or not category.active:
        raise Invalid.field(
            "category", "Not a report category; see GET /api/v1/reports/categories."
        )
    return category


# ---------------------------------------------------------------- new reports


def area_for(db: Session, lat: float, lng: float) -> uuid.UUID | None:
    """The smallest street, community or grid whose circle holds the position."""
    rows = db.execute(
        sa.select(Organization.id, Organization.lat, Organization.lng, Organization.radius_m).where(
            Organization.kind.in_(AREA_KINDS),
            Organization.lat.is_not(None),
            Organization.lng.is_not(None),
            Organization.radius_m.is_not(None),
        )
    ).all()
    best: tuple[int, uuid.UUID] | None = None
    for row in rows:
        if haversine_m(lat, lng, row.lat, row.lng) <= row.radius_m and (
            best is None or row.radius_m < best[0]
        ):
            best = (row.radius_m, row.id)
    return best[1] if best else None


def _lock_key(text: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True
    )


def open_near(category: str, lat: float, lng: float) -> tuple[sa.ColumnElement[bool], ...]:
    """Where-clauses for open reports of ``category`` in the box around the duplicate radius
    (the caller measures the true distance)."""
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, report_rules.DUPLICATE_RADIUS_M)
    return (
        Report.category == category,
        Report.status.in_(report_rules.OPEN_STATUSES),
        Report.lat.between(min_lat, max_lat),
        Report.lng.between(min_lng, max_lng),
    )


def find_duplicate(
    db: Session, category: str, lat: float, lng: float, now: datetime
) -> uuid.UUID | None:
    # serialise new reports of one category, so two riders reporting the same lamp at
    # the same moment get one original and one duplicate
    db.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(f"report-dup:{category}"))))
    rows = db.execute(
        sa.select(Report.id, Report.lat, Report.lng, Report.created_at, Report.duplicate_of).where(
            *open_near(category, lat, lng),
            Report.created_at > now - report_rules.DUPLICATE_WINDOW,
        )
    ).all()
    candidates = [
        report_rules.Candidate(r.id, r.lat, r.lng, r.created_at, r.duplicate_of) for r in rows
    ]
    found: uuid.UUID | None = report_rules.find_original(lat, lng, now, candidates)
    return found


def _refuse_over_cap(db: Session, principal: Principal, per_hour: int, now: datetime) -> None:
    count, oldest = db.execute(
        sa.select(sa.func.count(), sa.func.min(Report.created_at)).where(
            Report.reporter_id == principal.id, Report.created_at > now - timedelta(hours=1)
        )
    ).one()
    if count >= per_hour:
        retry = max(1, int((oldest + timedelta(hours=1) - now).total_seconds()) + 1)
        raise TooMany(
            f"At most {per_hour} reports an hour; try again later.",
            kind="report-limit",
            retry_after=retry,
        )


def create_report(
    db: Session, principal: Principal, command: NewReport, cfg: VolunteersConfig
) -> Report:
    """A rider's new report, placed in its area and linked to an open one it duplicates;
    bursts and re-filings where one was lately resolved are flagged (``patterns``)."""
    now = now_utc()
    if command.observed_at is not None and command.observed_at > now + OBSERVED_CLOCK_SKEW:
        raise Invalid.field("observed_at", "The hazard cannot be seen in the future.")
    category_named(db, command.category)
    if command.organization_id is not None:
        organization_named(db, command.organization_id, "organization_id")
    member = lock_member(db, principal)
    _refuse_over_cap(db, principal, cfg.reports_per_hour, now)
    organization_id = (
        command.organization_id
        or area_for(db, command.lat, command.lng)
        or member.home_community_id
    )
    report = Report(
        id=uuid.uuid4(),
        reporter_id=principal.id,
        source="app",
        observed_at=command.observed_at,
        category=command.category,
        description=command.description,
        lat=command.lat,
        lng=command.lng,
        address=command.address or "",
        organization_id=organization_id,
        status="submitted",
        duplicate_of=find_duplicate(db, command.category, command.lat, command.lng, now),
        reopen_count=0,
    )
    added(db, report)
    patterns.watch_report(db, report, cfg)
    return report


# ---------------------------------------------------------------- who sees which


def report_or_404(db: Session, report_id: uuid.UUID) -> Report:
    return found_or_error(db, Report, report_id, "report")


def visible_report(db: Session, principal: Principal, report_id: uuid.UUID) -> Report:
    """One report: its reporter's, or in a coordinator's scope."""
    report = report_or_404(db, report_id)
    require_own_or_in_scope(db, principal, report.reporter_id, report.organization_id, NOT_YOURS)
    return report


def list_reports(db: Session, principal: Principal, query: ReportQuery) -> dict[str, Any]:
    """The caller's own reports (``mine``, or any member), or a coordinator's scope."""
    select = sa.select(Report).order_by(Report.created_at.desc(), Report.id.desc())
    if query.mine or not is_coordinator(principal):
        select = select.where(Report.reporter_id == principal.id)
    else:
        select = select.where(scope_filter(principal, Report.organization_id))
    select = filtered(
        select,
        (Report.status, query.status),
        (Report.category, query.category),
        (Report.organization_id, query.organization_id),
    )
    return page(db, select, query, Report.created_at, Report.id, descending=True)


def locked_report(db: Session, report_id: uuid.UUID) -> Report:
    report = locked(db, Report, report_id)
    if report is None:
        raise NotFound.of("report")
    return report
