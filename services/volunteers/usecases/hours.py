"""Service hours: logged by members (or entered by coordinators), decided by coordinators."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, Forbidden, Invalid
from common.outbox import emit
from common.tokens import Principal
from services.volunteers.adapters.models import Activity, HoursEntry, Member, plumbing
from services.volunteers.config import VolunteersConfig
from services.volunteers.domain import hours as hours_rules
from services.volunteers.usecases import patterns
from services.volunteers.usecases.members import ensure_member, ensure_member_id
from services.volunteers.usecases.paging import PageQuery, filtered, page
from services.volunteers.usecases.rows import added, announce, found_or_error, locked, now_utc
from services.volunteers.usecases.scope import (
    is_coordinator,
    organization_named,
    require_own_or_in_scope,
    require_scope,
    scope_filter,
)
from suite.events import HoursApproved, HoursRejected

NOT_YOURS = "These hours are not yours or in your scope."


@dataclass(frozen=True)
class LogHours:
    started_at: datetime
    ended_at: datetime
    organization_id: uuid.UUID | None = None
    activity_id: uuid.UUID | None = None
    description: str = ""
    # a coordinator entering hours for a member; None for the caller's own
    member_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Rejection:
    reason: str


@dataclass(frozen=True)
class HoursQuery(PageQuery):
    status: str | None = None
    member_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    activity_id: uuid.UUID | None = None


def _served_for(db: Session, command: LogHours) -> tuple[uuid.UUID, Activity | None]:
    """The organisation the hours count for, and the activity served (if any)."""
    activity: Activity | None = None
    if command.activity_id is not None:
        activity = db.get(Activity, command.activity_id)
        if activity is None:
            raise Invalid.field("activity_id", "No activity has this id.")
    organization_id = command.organization_id
    if organization_id is None:
        if activity is None:
            raise Invalid.field("organization_id", "Give the organisation or the activity served.")
        organization_id = activity.organization_id
    elif activity is not None and activity.organization_id != organization_id:
        raise Invalid.field("organization_id", "The activity belongs to another organisation.")
    organization_named(db, organization_id, "organization_id")
    return organization_id, activity


def _refuse_overlap(
    db: Session, principal: Principal, member_id: uuid.UUID, command: LogHours
) -> None:
    """:class:`Conflict` when the member has hours at that time. The answer names the entry
    only when it is the caller's own (about them, or entered by them): a coordinator must
    not learn where and when a member was elsewhere by probing with overlapping entries."""
    # one writer per member at a time, so two overlapping entries cannot both pass the check
    locked(db, Member, member_id)
    clash = db.execute(
        sa.select(
            HoursEntry.id, HoursEntry.started_at, HoursEntry.ended_at, HoursEntry.entered_by
        ).where(
            HoursEntry.member_id == member_id,
            HoursEntry.status != "rejected",
            HoursEntry.started_at < command.ended_at,
            HoursEntry.ended_at > command.started_at,
        )
    ).first()
    if clash is None:
        return
    if principal.id in (member_id, clash.entered_by):
        raise Conflict(
            f"These hours overlap an entry already logged ({clash.started_at.isoformat()} to "
            f"{clash.ended_at.isoformat()}).",
            kind="overlapping-hours",
            extra={"conflicting_id": str(clash.id)},
        )
    raise Conflict("The member already has hours logged at that time.", kind="overlapping-hours")


def log_hours(
    db: Session, principal: Principal, command: LogHours, cfg: VolunteersConfig
) -> HoursEntry:
    member_id = command.member_id or principal.id
    self_logged = member_id == principal.id
    organization_id, activity = _served_for(db, command)
    if self_logged:
        source = "self"
    else:
        require_scope(db, principal, organization_id)
        source = "attendance" if activity is not None else "coordinator"
    minutes = hours_rules.check_entry(
        command.started_at,
        command.ended_at,
        now=now_utc(),
        self_logged=self_logged,
        self_log_days=cfg.self_log_days,
    )
    if self_logged:
        ensure_member(db, principal)
    else:
        ensure_member_id(db, member_id)
    _refuse_overlap(db, principal, member_id, command)
    entry = HoursEntry(
        id=uuid.uuid4(),
        member_id=member_id,
        organization_id=organization_id,
        activity_id=activity.id if activity else None,
        started_at=command.started_at,
        ended_at=command.ended_at,
        minutes=minutes,
        description=command.description or "",
        source=source,
        status="pending",
        entered_by=principal.id,
    )
    added(db, entry)
    patterns.watch_hours_logged(db, member_id, cfg)
    return entry


def visible_hours(db: Session, principal: Principal, hours_id: uuid.UUID) -> HoursEntry:
    """One entry: its member's, or in a coordinator's scope."""
    entry = found_or_error(db, HoursEntry, hours_id, "hours entry")
    require_own_or_in_scope(db, principal, entry.member_id, entry.organization_id, NOT_YOURS)
    return entry


def list_hours(db: Session, principal: Principal, query: HoursQuery) -> dict[str, Any]:
    """The caller's own hours, or (coordinators) those in their scope too; newest first."""
    select = sa.select(HoursEntry).order_by(HoursEntry.created_at.desc(), HoursEntry.id.desc())
    member_id = query.member_id
    if is_coordinator(principal) and member_id != principal.id:
        select = select.where(
            sa.or_(
                scope_filter(principal, HoursEntry.organization_id),
                HoursEntry.member_id == principal.id,
            )
        )
        if member_id:
            select = select.where(HoursEntry.member_id == member_id)
    else:
        if member_id and member_id != principal.id:
            raise Forbidden("Only coordinators see other members' hours.")
        select = select.where(HoursEntry.member_id == principal.id)
    select = filtered(
        select,
        (HoursEntry.status, query.status),
        (HoursEntry.organization_id, query.organization_id),
        (HoursEntry.activity_id, query.activity_id),
    )
    return page(db, select, query, HoursEntry.created_at, HoursEntry.id, descending=True)


def _decidable(db: Session, principal: Principal, hours_id: uuid.UUID) -> HoursEntry:
    entry = found_or_error(db, HoursEntry, hours_id, "hours entry")
    require_scope(db, principal, entry.organization_id)
    if entry.member_id == principal.id:
        raise Forbidden("Another coordinator must decide on your own hours.", kind="own-hours")
    ensure_member(db, principal)  # so that records can name who approved
    return entry


def _decide(db: Session, principal: Principal, entry: HoursEntry, **decision: Any) -> None:
    """Mark pending hours decided; the status condition makes the decision once, however
    many coordinators press at once."""
    decided = db.execute(
        sa.update(HoursEntry)
        .where(HoursEntry.id == entry.id, HoursEntry.status == "pending")
        .values(decided_by=principal.id, decided_at=sa.func.now(), **decision)
        .returning(HoursEntry.id)
    ).first()
    db.refresh(entry)
    if decided is None:
        raise Conflict(f"These hours are already {entry.status}.", kind="wrong-state")


def approve_hours(
    db: Session, principal: Principal, hours_id: uuid.UUID, cfg: VolunteersConfig
) -> HoursEntry:
    """Approve pending hours; ``hours.approved`` dates the work in the district's zone.

    Only someone who neither served nor entered them, and an admin for old work."""
    entry = _decidable(db, principal, hours_id)
    hours_rules.check_approver(
        approver_id=principal.id,
        approver_is_admin=principal.is_admin,
        member_id=entry.member_id,
        entered_by=entry.entered_by,
        ended_at=entry.ended_at,
        now=now_utc(),
        admin_after_days=cfg.admin_approval_after_days,
    )
    district = cfg.district_timezone
    event = HoursApproved(
        hours_id=entry.id,
        member_id=entry.member_id,
        organization_id=entry.organization_id,
        minutes=entry.minutes,
        approved_by=principal.id,
        work_date=entry.started_at.astimezone(district).date(),
    ).event(entry.member_id)
    _decide(db, principal, entry, status="approved", event_id=event.id)
    emit(db, plumbing.outbox, event)
    patterns.watch_approval(db, principal.id, entry.member_id, cfg)
    return entry


def reject_hours(
    db: Session, principal: Principal, hours_id: uuid.UUID, rejection: Rejection
) -> HoursEntry:
    """Reject pending hours with a reason, which ``hours.rejected`` carries to the member."""
    entry = _decidable(db, principal, hours_id)
    reason = rejection.reason
    _decide(db, principal, entry, status="rejected", reject_reason=reason)
    announce(
        db,
        HoursRejected(
            hours_id=entry.id,
            member_id=entry.member_id,
            organization_id=entry.organization_id,
            minutes=entry.minutes,
            reason=reason,
            rejected_by=principal.id,
        ),
    )
    return entry
