"""Use cases of the volunteers service, each inside one database transaction.

A function here takes the request's Session and the caller, checks who may do
what, applies the domain rules, writes, emits its events through the outbox in
the same transaction, and commits. A failure raises a Problem before anything
is committed, so nothing is ever half written.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from common.db import get_or_404
from common.events import Event
from common.outbox import emit
from common.problems import Problem
from common.tokens import Principal
from services.volunteers.adapters.models import (
    Activity,
    ActivitySignup,
    Checkin,
    HoursEntry,
    Member,
    Organization,
    Report,
    ReportCategory,
    ReportPhoto,
    Task,
    plumbing,
)
from services.volunteers.config import VolunteersConfig
from services.volunteers.domain import hours as hours_rules
from services.volunteers.domain import reports as report_rules
from services.volunteers.domain import tasks as task_rules
from services.volunteers.domain.errors import RuleViolation
from services.volunteers.domain.geo import bounding_box, haversine_m
from services.volunteers.domain.photos import clean_photo
from services.volunteers.domain.signing import (
    RecordTotals,
    StationCode,
    check_station_code,
    format_instant,
    issue_station_code,
    record_signature_valid,
    sign_record,
)

AREA_KINDS = ("street", "community", "grid")
QR_PREFIX = "civic-checkin:"


def now_utc() -> datetime:
    return datetime.now(UTC)


def problem_from(violation: RuleViolation) -> Problem:
    if violation.status == 422 and violation.field:
        return Problem(
            422,
            violation.kind,
            violation.message,
            title="Validation failed" if violation.kind == "validation-error" else None,
            errors={violation.field: [violation.message]},
        )
    return Problem(violation.status, violation.kind, violation.message)


def invalid(field: str, message: str) -> Problem:
    return Problem(
        422,
        "validation-error",
        message,
        title="Validation failed",
        errors={field: [message]},
    )


def _locked(db: Session, model: Any, key: uuid.UUID) -> Any:
    """The row of ``model`` with ``key``, locked FOR UPDATE and freshly read."""
    return db.execute(
        sa.select(model)
        .where(model.__mapper__.primary_key[0] == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


# ---------------------------------------------------------------- scope


def is_coordinator(principal: Principal) -> bool:
    return principal.has_role("coordinator", "admin")


def require_coordinator(principal: Principal) -> None:
    if not is_coordinator(principal):
        raise Problem(403, "forbidden", "Only a coordinator (or an admin) may do this.")


def scope_query(root_ids: Iterable[uuid.UUID]) -> sa.Select[Any]:
    """The ids of the organisations ``root_ids`` and everything below them (recursive CTE)."""
    roots = list(root_ids)
    tree = (
        sa.select(Organization.id.label("id"))
        .where(Organization.id.in_(roots))
        .cte("scope", recursive=True)
    )
    child = aliased(Organization)
    tree = tree.union(sa.select(child.id).join(tree, child.parent_id == tree.c.id))
    return sa.select(tree.c.id)


def scope_filter(principal: Principal, *columns: Any) -> Any:
    """A WHERE clause: one of ``columns`` lies in the caller's scope (true for an admin)."""
    if principal.is_admin:
        return sa.true()
    if not principal.has_role("coordinator") or not principal.organization_ids:
        return sa.false()
    scope = scope_query(principal.organization_ids)
    return sa.or_(*(column.in_(scope) for column in columns))


def in_scope(db: Session, principal: Principal, organization_id: uuid.UUID | None) -> bool:
    if principal.is_admin:
        return True
    if organization_id is None or not principal.has_role("coordinator"):
        return False
    if not principal.organization_ids:
        return False
    scope = scope_query(principal.organization_ids).subquery()
    found = db.execute(sa.select(scope.c.id).where(scope.c.id == organization_id).limit(1)).first()
    return found is not None


def require_scope(db: Session, principal: Principal, organization_id: uuid.UUID | None) -> None:
    require_coordinator(principal)
    if not in_scope(db, principal, organization_id):
        raise Problem(
            403,
            "out-of-scope",
            "This belongs to an organisation outside your scope.",
        )


def organization_or_422(db: Session, organization_id: uuid.UUID, field: str) -> Organization:
    organization = db.get(Organization, organization_id)
    if organization is None:
        raise invalid(field, "No organisation has this id.")
    return organization


# ---------------------------------------------------------------- members


def ensure_member(db: Session, principal: Principal) -> Member:
    """The caller's profile, created on first use from the token."""
    return ensure_member_id(db, principal.id, principal.username)


def ensure_member_id(db: Session, member_id: uuid.UUID, display_name: str = "") -> Member:
    member = db.get(Member, member_id)
    if member is not None:
        if not member.display_name and display_name:
            member.display_name = display_name
        return member
    db.execute(
        pg_insert(Member)
        .values(id=member_id, display_name=display_name)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    member = db.get(Member, member_id, populate_existing=True)
    assert member is not None
    return member


def lock_member(db: Session, principal: Principal) -> Member:
    ensure_member(db, principal)
    member: Member = _locked(db, Member, principal.id)
    return member


def update_profile(db: Session, principal: Principal, data: dict[str, Any]) -> Member:
    member = lock_member(db, principal)
    if "display_name" in data:
        member.display_name = data["display_name"]
    if "home_community_id" in data:
        community_id = data["home_community_id"]
        if community_id is not None:
            community = organization_or_422(db, community_id, "home_community_id")
            if community.kind != "community":
                raise invalid("home_community_id", "Your home community must be a community.")
        member.home_community_id = community_id
    if "rider" in data:
        rider = data["rider"]
        member.rider_platform = rider.get("platform") if rider else None
        member.rider_number = rider.get("rider_id") if rider else None
    db.commit()
    return member


def register_party_member(db: Session, principal: Principal, data: dict[str, Any]) -> Member:
    if not principal.has_role("party_member", "admin"):
        raise Problem(403, "forbidden", "Only party members register with a community.")
    member = lock_member(db, principal)
    if member.party_registered_at is not None:
        raise Problem(
            409,
            "already-registered",
            "You are already registered; ask a coordinator to change your community.",
        )
    community = organization_or_422(db, data["community_id"], "community_id")
    if community.kind != "community":
        raise invalid("community_id", "Party members register with a community.")
    member.party_branch = data["branch"]
    member.party_community_id = community.id
    member.party_registered_at = now_utc()
    db.commit()
    return member


def member_or_404(db: Session, member_id: uuid.UUID) -> Member:
    return get_or_404(db, Member, member_id, "member")


def member_in_scope_or_404(db: Session, principal: Principal, member_id: uuid.UUID) -> Member:
    """A member a coordinator may look at: one who lives or reports in their scope, or whose
    hours they decide on. Anyone else is a 404, so ids cannot be probed for profiles."""
    if principal.is_admin:
        return member_or_404(db, member_id)
    visible: Any = sa.false()
    if principal.has_role("coordinator") and principal.organization_ids:
        scope = scope_query(principal.organization_ids)
        hours_in_scope = (
            sa.select(HoursEntry.id)
            .where(HoursEntry.member_id == Member.id, HoursEntry.organization_id.in_(scope))
            .exists()
        )
        visible = sa.or_(
            Member.home_community_id.in_(scope),
            Member.party_community_id.in_(scope),
            hours_in_scope,
        )
    member = db.scalar(sa.select(Member).where(Member.id == member_id, visible))
    if member is None:
        raise Problem(404, "not-found", "No member with this id is in your scope.")
    return member


# ---------------------------------------------------------------- activities


def create_activity(db: Session, principal: Principal, data: dict[str, Any]) -> Activity:
    organization_or_422(db, data["organization_id"], "organization_id")
    require_scope(db, principal, data["organization_id"])
    if data["ends_at"] <= data["starts_at"]:
        raise invalid("ends_at", "The end must be after the start.")
    activity = Activity(id=uuid.uuid4(), created_by=principal.id, signup_count=0, **data)
    db.add(activity)
    db.commit()
    return activity


def activity_or_404(db: Session, activity_id: uuid.UUID) -> Activity:
    return get_or_404(db, Activity, activity_id, "activity")


def sign_up(db: Session, principal: Principal, activity_id: uuid.UUID) -> ActivitySignup:
    ensure_member(db, principal)
    activity: Activity | None = _locked(db, Activity, activity_id)
    if activity is None:
        raise Problem(404, "not-found", "There is no activity with this id.")
    if activity.ends_at <= now_utc():
        raise Problem(409, "activity-over", "This activity is over; sign-ups are closed.")
    if db.get(ActivitySignup, (activity_id, principal.id)) is not None:
        raise Problem(409, "already-signed-up", "You are already signed up for this activity.")
    if activity.capacity is not None and activity.signup_count >= activity.capacity:
        raise Problem(409, "activity-full", "This activity has no places left.")
    signup = ActivitySignup(activity_id=activity_id, member_id=principal.id)
    db.add(signup)
    activity.signup_count += 1
    db.commit()
    return signup


def cancel_signup(db: Session, principal: Principal, activity_id: uuid.UUID) -> None:
    activity: Activity | None = _locked(db, Activity, activity_id)
    if activity is None:
        raise Problem(404, "not-found", "There is no activity with this id.")
    signup = db.get(ActivitySignup, (activity_id, principal.id))
    if signup is None:
        raise Problem(409, "not-signed-up", "You are not signed up for this activity.")
    db.delete(signup)
    activity.signup_count -= 1
    db.commit()


# ---------------------------------------------------------------- hours


def log_hours(
    db: Session, principal: Principal, data: dict[str, Any], cfg: VolunteersConfig
) -> HoursEntry:
    now = now_utc()
    member_id: uuid.UUID = data.get("member_id") or principal.id
    self_logged = member_id == principal.id
    activity: Activity | None = None
    if data.get("activity_id") is not None:
        activity = db.get(Activity, data["activity_id"])
        if activity is None:
            raise invalid("activity_id", "No activity has this id.")
    organization_id = data.get("organization_id")
    if organization_id is None:
        if activity is None:
            raise invalid("organization_id", "Give the organisation or the activity served.")
        organization_id = activity.organization_id
    elif activity is not None and activity.organization_id != organization_id:
        raise invalid("organization_id", "The activity belongs to another organisation.")
    organization_or_422(db, organization_id, "organization_id")
    if self_logged:
        source = "self"
    else:
        require_scope(db, principal, organization_id)
        source = "attendance" if activity is not None else "coordinator"
    try:
        minutes = hours_rules.check_entry(
            data["started_at"],
            data["ended_at"],
            now=now,
            self_logged=self_logged,
            self_log_days=cfg.self_log_days,
        )
    except RuleViolation as violation:
        raise problem_from(violation) from None
    if self_logged:
        ensure_member(db, principal)
    else:
        ensure_member_id(db, member_id)
    # one writer per member at a time, so two overlapping entries cannot both pass the check
    _locked(db, Member, member_id)
    clash = db.execute(
        sa.select(HoursEntry.id, HoursEntry.started_at, HoursEntry.ended_at).where(
            HoursEntry.member_id == member_id,
            HoursEntry.status != "rejected",
            HoursEntry.started_at < data["ended_at"],
            HoursEntry.ended_at > data["started_at"],
        )
    ).first()
    if clash is not None:
        raise Problem(
            409,
            "overlapping-hours",
            f"These hours overlap an entry already logged ({clash.started_at.isoformat()} to "
            f"{clash.ended_at.isoformat()}).",
            extra={"conflicting_id": str(clash.id)},
        )
    entry = HoursEntry(
        id=uuid.uuid4(),
        member_id=member_id,
        organization_id=organization_id,
        activity_id=activity.id if activity else None,
        started_at=data["started_at"],
        ended_at=data["ended_at"],
        minutes=minutes,
        description=data.get("description") or "",
        source=source,
        status="pending",
        entered_by=principal.id,
    )
    db.add(entry)
    db.commit()
    return entry


def hours_or_404(db: Session, hours_id: uuid.UUID) -> HoursEntry:
    return get_or_404(db, HoursEntry, hours_id, "hours entry")


def can_see_hours(db: Session, principal: Principal, entry: HoursEntry) -> bool:
    return entry.member_id == principal.id or in_scope(db, principal, entry.organization_id)


def _decide_hours(db: Session, principal: Principal, hours_id: uuid.UUID) -> HoursEntry:
    entry = hours_or_404(db, hours_id)
    require_scope(db, principal, entry.organization_id)
    if entry.member_id == principal.id:
        raise Problem(403, "own-hours", "Another coordinator must decide on your own hours.")
    ensure_member(db, principal)  # so that records can name who approved
    return entry


def approve_hours(db: Session, principal: Principal, hours_id: uuid.UUID) -> HoursEntry:
    entry = _decide_hours(db, principal, hours_id)
    event = Event.new(
        "hours.approved",
        entry.member_id,
        {
            "hours_id": str(entry.id),
            "member_id": str(entry.member_id),
            "organization_id": str(entry.organization_id),
            "minutes": entry.minutes,
            "approved_by": str(principal.id),
        },
    )
    # the status condition makes the decision once, however many coordinators press at once
    decided = db.execute(
        sa.update(HoursEntry)
        .where(HoursEntry.id == hours_id, HoursEntry.status == "pending")
        .values(
            status="approved",
            decided_by=principal.id,
            decided_at=sa.func.now(),
            event_id=event.id,
        )
        .returning(HoursEntry.id)
    ).first()
    if decided is None:
        db.rollback()
        db.refresh(entry)
        raise Problem(409, "wrong-state", f"These hours are already {entry.status}.")
    emit(db, plumbing.outbox, event)
    db.commit()
    db.refresh(entry)
    return entry


def reject_hours(db: Session, principal: Principal, hours_id: uuid.UUID, reason: str) -> HoursEntry:
    entry = _decide_hours(db, principal, hours_id)
    decided = db.execute(
        sa.update(HoursEntry)
        .where(HoursEntry.id == hours_id, HoursEntry.status == "pending")
        .values(
            status="rejected",
            decided_by=principal.id,
            decided_at=sa.func.now(),
            reject_reason=reason,
        )
        .returning(HoursEntry.id)
    ).first()
    if decided is None:
        db.rollback()
        db.refresh(entry)
        raise Problem(409, "wrong-state", f"These hours are already {entry.status}.")
    db.commit()
    db.refresh(entry)
    return entry


# ---------------------------------------------------------------- reports


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
        db.commit()


def categories(db: Session) -> list[ReportCategory]:
    ensure_categories(db)
    return list(
        db.scalars(
            sa.select(ReportCategory)
            .where(ReportCategory.active.is_(True))
            .order_by(ReportCategory.position, ReportCategory.code)
        )
    )


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


def _find_duplicate(
    db: Session, category: str, lat: float, lng: float, now: datetime
) -> uuid.UUID | None:
    # serialise new reports of one category, so two riders reporting the same lamp at
    # the same moment get one original and one duplicate
    db.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(f"report-dup:{category}"))))
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, report_rules.DUPLICATE_RADIUS_M)
    rows = db.execute(
        sa.select(Report.id, Report.lat, Report.lng, Report.created_at, Report.duplicate_of).where(
            Report.category == category,
            Report.status.in_(report_rules.OPEN_STATUSES),
            Report.created_at > now - report_rules.DUPLICATE_WINDOW,
            Report.lat.between(min_lat, max_lat),
            Report.lng.between(min_lng, max_lng),
        )
    ).all()
    candidates = [
        report_rules.Candidate(r.id, r.lat, r.lng, r.created_at, r.duplicate_of) for r in rows
    ]
    found: uuid.UUID | None = report_rules.find_original(lat, lng, now, candidates)
    return found


def _category_or_422(db: Session, code: str) -> ReportCategory:
    category = db.get(ReportCategory, code)
    if category is None:
        ensure_categories(db)
        category = db.get(ReportCategory, code)
    if category is None or not category.active:
        raise invalid("category", "Not a report category; see GET /api/v1/reports/categories.")
    return category


def create_report(
    db: Session, principal: Principal, data: dict[str, Any], cfg: VolunteersConfig
) -> Report:
    now = now_utc()
    _category_or_422(db, data["category"])
    if data.get("organization_id") is not None:
        organization_or_422(db, data["organization_id"], "organization_id")
    member = lock_member(db, principal)
    recent = db.execute(
        sa.select(sa.func.count(), sa.func.min(Report.created_at)).where(
            Report.reporter_id == principal.id, Report.created_at > now - timedelta(hours=1)
        )
    ).one()
    if recent[0] >= cfg.reports_per_hour:
        retry = max(1, int((recent[1] + timedelta(hours=1) - now).total_seconds()) + 1)
        raise Problem(
            429,
            "report-limit",
            f"At most {cfg.reports_per_hour} reports an hour; try again later.",
            headers={"Retry-After": str(retry)},
        )
    organization_id = (
        data.get("organization_id")
        or area_for(db, data["lat"], data["lng"])
        or member.home_community_id
    )
    report = Report(
        id=uuid.uuid4(),
        reporter_id=principal.id,
        source="app",
        category=data["category"],
        description=data["description"],
        lat=data["lat"],
        lng=data["lng"],
        address=data.get("address") or "",
        organization_id=organization_id,
        status="submitted",
        duplicate_of=_find_duplicate(db, data["category"], data["lat"], data["lng"], now),
        reopen_count=0,
    )
    db.add(report)
    db.commit()
    return report


def create_open311_report(
    db: Session, client: str, data: dict[str, Any], cfg: VolunteersConfig
) -> Report:
    now = now_utc()
    _category_or_422(db, data["category"])
    report = Report(
        id=uuid.uuid4(),
        reporter_id=None,
        source="open311",
        source_client=client,
        category=data["category"],
        description=data["description"],
        lat=data["lat"],
        lng=data["lng"],
        address=data.get("address") or "",
        organization_id=area_for(db, data["lat"], data["lng"]),
        status="submitted",
        duplicate_of=_find_duplicate(db, data["category"], data["lat"], data["lng"], now),
        reopen_count=0,
    )
    db.add(report)
    db.commit()
    return report


def report_or_404(db: Session, report_id: uuid.UUID) -> Report:
    return get_or_404(db, Report, report_id, "report")


def can_see_report(db: Session, principal: Principal, report: Report) -> bool:
    return report.reporter_id == principal.id or in_scope(db, principal, report.organization_id)


def _locked_report(db: Session, report_id: uuid.UUID) -> Report:
    report: Report | None = _locked(db, Report, report_id)
    if report is None:
        raise Problem(404, "not-found", "There is no report with this id.")
    return report


def _transition(report: Report, action: str) -> str:
    try:
        return report_rules.next_status(report.status, action)
    except RuleViolation as violation:
        raise problem_from(violation) from None


def coordinator_action(
    db: Session,
    principal: Principal,
    report_id: uuid.UUID,
    action: str,
    *,
    reason: str | None = None,
    note: str | None = None,
    close_reason: str | None = None,
) -> Report:
    """verify, dispatch, resolve or reject a report (a coordinator in its scope)."""
    report = report_or_404(db, report_id)
    require_scope(db, principal, report.organization_id)
    if report.reporter_id == principal.id and action in ("verify", "reject"):
        raise Problem(403, "own-report", "Another coordinator must decide on your own report.")
    report = _locked_report(db, report_id)
    report.status = _transition(report, action)
    now = now_utc()
    if action == "verify" and report.organization_id is None:
        raise Problem(
            409,
            "unassigned-report",
            "This report lies outside every organisation's area; assign it to one first.",
        )
    if action == "verify":
        report.verified_at = now
        report.verified_by = principal.id
        if report.reporter_id is not None and report.duplicate_of is None:
            event = Event.new(
                "report.verified",
                report.reporter_id,
                {
                    "report_id": str(report.id),
                    "member_id": str(report.reporter_id),
                    "organization_id": str(report.organization_id),
                    "category": report.category,
                },
            )
            emit(db, plumbing.outbox, event)
            report.verified_event_id = event.id
    elif action == "dispatch":
        report.dispatched_at = now
        report.dispatch_note = note
    elif action == "resolve":
        report.resolved_at = now
        report.resolution_note = note
        report.close_reason = close_reason or (
            "duplicate" if report.duplicate_of is not None else "fixed"
        )
        report.confirmed_at = None
    elif action == "reject":
        report.rejected_at = now
        report.reject_reason = reason
        if report.verified_event_id is not None and report.reporter_id is not None:
            emit(
                db,
                plumbing.outbox,
                Event.new(
                    "award.reversed",
                    report.reporter_id,
                    {
                        "reverses_event_id": str(report.verified_event_id),
                        "member_id": str(report.reporter_id),
                        "reason": reason or "report rejected",
                    },
                ),
            )
    db.commit()
    return report


def assign_report(
    db: Session, principal: Principal, report_id: uuid.UUID, organization_id: uuid.UUID
) -> Report:
    """Hand an open report to another organisation (a coordinator of both, or an admin)."""
    report = report_or_404(db, report_id)
    # an unplaced report is the admins' (in_scope of None is false for everyone else)
    require_scope(db, principal, report.organization_id)
    organization_or_422(db, organization_id, "organization_id")
    require_scope(db, principal, organization_id)
    report = _locked_report(db, report_id)
    if report.status not in report_rules.OPEN_STATUSES:
        raise Problem(409, "wrong-state", f"A {report.status} report cannot be reassigned.")
    report.organization_id = organization_id
    db.commit()
    return report


def rider_action(
    db: Session,
    principal: Principal,
    report_id: uuid.UUID,
    action: str,
    cfg: VolunteersConfig,
    reason: str | None = None,
) -> Report:
    """The reporter confirms a resolved report, or reopens it, within the window."""
    report = report_or_404(db, report_id)
    if report.reporter_id != principal.id:
        raise Problem(403, "forbidden", "Only the rider who reported this can do that.")
    report = _locked_report(db, report_id)
    _transition(report, action)
    try:
        report_rules.check_rider_window(report.resolved_at, now_utc(), cfg.reopen_days)
    except RuleViolation as violation:
        raise problem_from(violation) from None
    if report.confirmed_at is not None:
        raise Problem(409, "wrong-state", "You already confirmed this resolution.")
    if action == "confirm":
        report.confirmed_at = now_utc()
    else:
        report.status = report_rules.reopen_target(report.verified_at)
        report.reopened_at = now_utc()
        report.reopen_reason = reason
        report.reopen_count += 1
        report.resolved_at = None
        report.close_reason = None
    db.commit()
    return report


def photo_path(cfg: VolunteersConfig, storage_key: str) -> Path:
    return cfg.upload_dir / storage_key


def add_photo(
    db: Session, principal: Principal, report_id: uuid.UUID, raw: bytes, cfg: VolunteersConfig
) -> ReportPhoto:
    report = report_or_404(db, report_id)
    if report.reporter_id != principal.id:
        raise Problem(403, "forbidden", "Only the rider who reported this can add photos.")
    try:
        photo = clean_photo(raw, max_bytes=cfg.photo_max_bytes, max_pixels=cfg.photo_max_pixels)
    except RuleViolation as violation:
        raise problem_from(violation) from None
    report = _locked_report(db, report_id)
    if report.status not in report_rules.OPEN_STATUSES:
        raise Problem(409, "wrong-state", f"A {report.status} report takes no more photos.")
    count = db.execute(
        sa.select(sa.func.count()).where(ReportPhoto.report_id == report_id)
    ).scalar_one()
    if count >= cfg.photos_per_report:
        raise Problem(409, "photo-limit", f"A report has at most {cfg.photos_per_report} photos.")
    photo_id = uuid.uuid4()
    storage_key = f"reports/{photo_id.hex[:2]}/{photo_id.hex}.jpg"
    path = photo_path(cfg, storage_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(photo.data)
    os.replace(partial, path)
    row = ReportPhoto(
        id=photo_id,
        report_id=report_id,
        storage_key=storage_key,
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        size_bytes=len(photo.data),
        sha256=hashlib.sha256(photo.data).hexdigest(),
    )
    db.add(row)
    try:
        db.commit()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return row


def photos_of(db: Session, report_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ReportPhoto]]:
    found: dict[uuid.UUID, list[ReportPhoto]] = {rid: [] for rid in report_ids}
    if report_ids:
        for photo in db.scalars(
            sa.select(ReportPhoto)
            .where(ReportPhoto.report_id.in_(report_ids))
            .order_by(ReportPhoto.created_at, ReportPhoto.id)
        ):
            found[photo.report_id].append(photo)
    return found


# ---------------------------------------------------------------- stations and check-ins


def station_or_404(db: Session, station_id: uuid.UUID) -> Organization:
    return get_or_404(db, Organization, station_id, "station")


def _has_place(station: Organization) -> bool:
    return None not in (station.lat, station.lng, station.radius_m)


def station_code(
    db: Session, principal: Principal, station_id: uuid.UUID, cfg: VolunteersConfig
) -> StationCode:
    station = station_or_404(db, station_id)
    require_scope(db, principal, station.id)
    if not _has_place(station):
        raise Problem(
            409, "not-a-station", "Check-ins need an organisation with a position and a radius."
        )
    return issue_station_code(cfg.code_key, station.id, now_utc().timestamp(), cfg.code_ttl)


def check_in(
    db: Session, principal: Principal, data: dict[str, Any], cfg: VolunteersConfig
) -> Checkin:
    now = now_utc()
    station = db.get(Organization, data["station_id"])
    if station is None or not _has_place(station):
        raise invalid("station_id", "No station has this id.")
    code = data["code"].strip()
    if code.startswith(QR_PREFIX):
        # the app may send what it scanned: civic-checkin:<station_id>:<code>
        scanned_station, _, code = code[len(QR_PREFIX) :].partition(":")
        if scanned_station.lower() != str(station.id):
            raise problem_from(
                RuleViolation(
                    "invalid-code", "This QR code belongs to another station.", field="code"
                )
            )
    try:
        check_station_code(cfg.code_key, station.id, code, now.timestamp(), cfg.code_ttl)
    except RuleViolation as violation:
        raise problem_from(violation) from None
    assert station.lat is not None and station.lng is not None and station.radius_m is not None
    distance = haversine_m(data["lat"], data["lng"], station.lat, station.lng)
    if distance > station.radius_m:
        message = (
            f"You are {distance:.0f} m from the station; check in within {station.radius_m} m."
        )
        raise Problem(
            422,
            "outside-station",
            message,
            errors={"lat": [message], "lng": [message]},
            extra={"distance_m": round(distance)},
        )
    ensure_member(db, principal)
    checkin = Checkin(
        id=uuid.uuid4(),
        member_id=principal.id,
        station_id=station.id,
        organization_id=station.parent_id or station.id,
        day=now.astimezone(cfg.timezone).date(),
        lat=data["lat"],
        lng=data["lng"],
        distance_m=round(distance, 1),
    )
    try:
        with db.begin_nested():
            db.add(checkin)
    except IntegrityError:
        db.rollback()
        raise Problem(
            409,
            "already-checked-in",
            "You have already checked in at this station today.",
        ) from None
    emit(
        db,
        plumbing.outbox,
        Event.new(
            "checkin.recorded",
            principal.id,
            {
                "checkin_id": str(checkin.id),
                "member_id": str(principal.id),
                "station_id": str(station.id),
                "organization_id": str(checkin.organization_id),
                "day": checkin.day.isoformat(),
            },
        ),
    )
    db.commit()
    return checkin


# ---------------------------------------------------------------- tasks


def create_task(db: Session, principal: Principal, data: dict[str, Any]) -> Task:
    organization_or_422(db, data["organization_id"], "organization_id")
    require_scope(db, principal, data["organization_id"])
    task = Task(id=uuid.uuid4(), posted_by=principal.id, status="open", **data)
    db.add(task)
    db.commit()
    return task


def task_or_404(db: Session, task_id: uuid.UUID) -> Task:
    return get_or_404(db, Task, task_id, "task")


def task_action(
    db: Session,
    principal: Principal,
    task_id: uuid.UUID,
    action: str,
    note: str | None = None,
) -> Task:
    task = task_or_404(db, task_id)
    if action in ("confirm", "cancel"):
        require_scope(db, principal, task.organization_id)
    if action == "claim":
        ensure_member(db, principal)
    task = _locked(db, Task, task_id)
    if action in ("release", "finish") and task.claimed_by != principal.id:
        raise Problem(403, "forbidden", "Only the member who claimed this task can do that.")
    if action == "confirm" and task.claimed_by == principal.id:
        raise Problem(403, "own-task", "Another coordinator must confirm a task you did.")
    try:
        task.status = task_rules.next_status(task.status, action)
    except RuleViolation as violation:
        raise problem_from(violation) from None
    now = now_utc()
    if action == "claim":
        task.claimed_by, task.claimed_at = principal.id, now
    elif action == "release":
        task.claimed_by, task.claimed_at = None, None
    elif action == "finish":
        task.done_at, task.done_note = now, note
    elif action == "confirm":
        task.confirmed_by, task.confirmed_at = principal.id, now
        assert task.claimed_by is not None
        emit(
            db,
            plumbing.outbox,
            Event.new(
                "task.completed",
                task.claimed_by,
                {
                    "task_id": str(task.id),
                    "member_id": str(task.claimed_by),
                    "organization_id": str(task.organization_id),
                    "kind": task.kind,
                },
            ),
        )
    db.commit()
    return task


# ---------------------------------------------------------------- the service record


def _record_number() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")
    return f"SR-{raw[:4]}-{raw[4:8]}-{raw[8:12]}"


def record_number_for(db: Session, member: Member) -> str:
    if member.record_number is None:
        member = _locked(db, Member, member.id)
        if member.record_number is None:
            member.record_number = _record_number()
        db.commit()
    assert member.record_number is not None
    return member.record_number


def service_record(db: Session, principal: Principal, cfg: VolunteersConfig) -> dict[str, Any]:
    """The member's approved hours, totals signed so that the printed record can be checked."""
    member = ensure_member(db, principal)
    number = record_number_for(db, member)
    # the database's clock, as approvals are stamped with it; in UTC, whatever the session's
    # time zone, as the printed record labels it
    issued_at: datetime = (
        db.execute(sa.select(sa.func.clock_timestamp())).scalar_one().astimezone(UTC)
    )
    approver = aliased(Member)
    rows = db.execute(
        sa.select(
            HoursEntry,
            Organization.name.label("organization_name"),
            Activity.title.label("activity_title"),
            approver.display_name.label("approver_name"),
        )
        .join(Organization, Organization.id == HoursEntry.organization_id)
        .outerjoin(Activity, Activity.id == HoursEntry.activity_id)
        .outerjoin(approver, approver.id == HoursEntry.decided_by)
        .where(
            HoursEntry.member_id == member.id,
            HoursEntry.status == "approved",
            HoursEntry.decided_at <= issued_at,
        )
        .order_by(HoursEntry.started_at, HoursEntry.id)
    ).all()
    entries = [
        {
            "hours_id": row.HoursEntry.id,
            "organization_id": row.HoursEntry.organization_id,
            "organization_name": row.organization_name,
            "activity_id": row.HoursEntry.activity_id,
            "activity_title": row.activity_title,
            "date": row.HoursEntry.started_at.astimezone(cfg.timezone).date(),
            "started_at": row.HoursEntry.started_at,
            "ended_at": row.HoursEntry.ended_at,
            "minutes": row.HoursEntry.minutes,
            "description": row.HoursEntry.description,
            "source": row.HoursEntry.source,
            "approved_by": row.HoursEntry.decided_by,
            "approved_by_name": row.approver_name or "",
            "approved_at": row.HoursEntry.decided_at,
        }
        for row in rows
    ]
    total_minutes = sum(e["minutes"] for e in entries)
    totals = RecordTotals(number, total_minutes, len(entries), issued_at)
    signature = sign_record(cfg.record_key, totals)
    return {
        "member_id": member.id,
        "holder_name": member.display_name,
        "record_number": number,
        "issuing_organization": _issuing_organization(db, member, entries),
        "issued_at": issued_at,
        "total_minutes": total_minutes,
        "total_hours": round(total_minutes / 60, 2),
        "entry_count": len(entries),
        "entries": entries,
        "signature": signature,
        "verification_url": verification_url(cfg, totals, signature),
    }


def _issuing_organization(
    db: Session, member: Member, entries: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The member's home community; else the organisation they served most for."""
    organization_id = member.home_community_id
    if organization_id is None and entries:
        minutes: dict[uuid.UUID, int] = {}
        for entry in entries:
            minutes[entry["organization_id"]] = (
                minutes.get(entry["organization_id"], 0) + entry["minutes"]
            )
        organization_id = max(minutes, key=lambda k: (minutes[k], str(k)))
    if organization_id is None:
        return None
    organization = db.get(Organization, organization_id)
    if organization is None:
        return None
    return {"id": organization.id, "name": organization.name}


def verification_url(cfg: VolunteersConfig, totals: RecordTotals, signature: str) -> str:
    issued = format_instant(totals.issued_at)
    return (
        f"{cfg.public_base_url}/api/v1/service-records/{totals.record_number}/verification"
        f"?minutes={totals.minutes}&entries={totals.entries}&issued_at={issued}&sig={signature}"
    )


def verify_record(
    db: Session,
    record_number: str,
    minutes: int,
    entries: int,
    issued_at: datetime,
    signature: str,
    cfg: VolunteersConfig,
) -> dict[str, Any]:
    """Confirms a printed record's totals; a changed number (or signature) fails."""
    member = db.execute(
        sa.select(Member).where(Member.record_number == record_number)
    ).scalar_one_or_none()
    if member is None:
        raise Problem(404, "not-found", "No service record has this number.")
    totals = RecordTotals(record_number, minutes, entries, issued_at)
    if not record_signature_valid(cfg.record_key, totals, signature):
        raise Problem(
            422,
            "record-not-verified",
            "These totals were not issued for this record: the record has been altered.",
        )
    return {
        "record_number": record_number,
        "valid": True,
        "total_minutes": minutes,
        "total_hours": round(minutes / 60, 2),
        "entry_count": entries,
        "issued_at": totals.issued_at,
    }


# ---------------------------------------------------------------- housekeeping


def sweep_orphan_photos(db: Session, upload_dir: Path, min_age: timedelta) -> int:
    """Delete photo files no row refers to (a crash between writing a file and committing
    its row); only files older than ``min_age``, so an upload in flight is never touched."""
    root = upload_dir / "reports"
    if not root.is_dir():
        return 0
    cutoff = now_utc().timestamp() - min_age.total_seconds()
    old = {
        path.relative_to(upload_dir).as_posix(): path
        for path in root.rglob("*")
        if path.is_file() and path.stat().st_mtime < cutoff
    }
    if not old:
        return 0
    known = set(
        db.scalars(sa.select(ReportPhoto.storage_key).where(ReportPhoto.storage_key.in_(old)))
    )
    removed = 0
    for key, path in old.items():
        if key not in known:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
