"""Activities coordinators publish, and members' sign-ups (the capacity holds under races)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, Invalid, NotFound
from common.tokens import Principal
from services.volunteers.adapters.models import Activity, ActivitySignup
from services.volunteers.usecases.members import ensure_member
from services.volunteers.usecases.paging import PageQuery, filtered, page
from services.volunteers.usecases.rows import added, found_or_error, locked, now_utc
from services.volunteers.usecases.scope import organization_named, require_scope


@dataclass(frozen=True)
class NewActivity:
    title: str
    organization_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    capacity: int | None = None
    location: str = ""
    description: str = ""


@dataclass(frozen=True)
class ActivityQuery(PageQuery):
    organization_id: uuid.UUID | None = None
    starts_after: datetime | None = None


def create_activity(db: Session, principal: Principal, command: NewActivity) -> Activity:
    organization_named(db, command.organization_id, "organization_id")
    require_scope(db, principal, command.organization_id)
    if command.ends_at <= command.starts_at:
        raise Invalid.field("ends_at", "The end must be after the start.")
    activity = Activity(
        id=uuid.uuid4(),
        created_by=principal.id,
        signup_count=0,
        title=command.title,
        organization_id=command.organization_id,
        starts_at=command.starts_at,
        ends_at=command.ends_at,
        capacity=command.capacity,
        location=command.location,
        description=command.description,
    )
    return added(db, activity)


def list_activities(db: Session, query: ActivityQuery) -> dict[str, Any]:
    """Activities, soonest first (every member may see them)."""
    select = sa.select(Activity).order_by(Activity.starts_at, Activity.id)
    select = filtered(select, (Activity.organization_id, query.organization_id))
    if query.starts_after:
        select = select.where(Activity.starts_at >= query.starts_after)
    return page(db, select, query, Activity.starts_at, Activity.id)


def activity_or_404(db: Session, activity_id: uuid.UUID) -> Activity:
    return found_or_error(db, Activity, activity_id, "activity")


def _locked_activity(db: Session, activity_id: uuid.UUID) -> Activity:
    activity = locked(db, Activity, activity_id)
    if activity is None:
        raise NotFound.of("activity")
    return activity


def sign_up(db: Session, principal: Principal, activity_id: uuid.UUID) -> ActivitySignup:
    ensure_member(db, principal)
    activity = _locked_activity(db, activity_id)
    if activity.ends_at <= now_utc():
        raise Conflict("This activity is over; sign-ups are closed.", kind="activity-over")
    if db.get(ActivitySignup, (activity_id, principal.id)) is not None:
        raise Conflict("You are already signed up for this activity.", kind="already-signed-up")
    if activity.capacity is not None and activity.signup_count >= activity.capacity:
        raise Conflict("This activity has no places left.", kind="activity-full")
    signup = ActivitySignup(activity_id=activity_id, member_id=principal.id)
    db.add(signup)
    activity.signup_count += 1
    db.flush()
    return signup


def cancel_signup(db: Session, principal: Principal, activity_id: uuid.UUID) -> None:
    activity = _locked_activity(db, activity_id)
    signup = db.get(ActivitySignup, (activity_id, principal.id))
    if signup is None:
        raise Conflict("You are not signed up for this activity.", kind="not-signed-up")
    db.delete(signup)
    activity.signup_count -= 1
    db.flush()
