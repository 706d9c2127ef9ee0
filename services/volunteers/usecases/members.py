"""Members' profiles (created on first use from the token) and party members' registration."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from common.errors import Conflict, Forbidden, Invalid, NotFound
from common.tokens import Principal
from services.volunteers.adapters.models import HoursEntry, Member
from services.volunteers.usecases.paging import PageQuery, page
from services.volunteers.usecases.rows import announce, found_or_error, locked, now_utc
from services.volunteers.usecases.scope import organization_named, scope_filter, scope_query
from suite.events import MemberUpdated

# a field left out of a profile update: distinct from None, which clears a field
UNCHANGED: Any = object()


@dataclass(frozen=True)
class Rider:
    platform: str
    rider_id: str


@dataclass(frozen=True)
class ProfileChange:
    """What ``PUT /me/profile`` changes; a field left at ``UNCHANGED`` is kept as it is."""

    display_name: str = UNCHANGED
    home_community_id: uuid.UUID | None = UNCHANGED
    rider: Rider | None = UNCHANGED


@dataclass(frozen=True)
class PartyRegistration:
    branch: str
    community_id: uuid.UUID


@dataclass(frozen=True)
class MemberQuery(PageQuery):
    q: str | None = None
    community_id: uuid.UUID | None = None


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
    member = locked(db, Member, principal.id)
    assert member is not None
    return member


def _community(db: Session, community_id: uuid.UUID, field: str, message: str) -> uuid.UUID:
    if organization_named(db, community_id, field).kind != "community":
        raise Invalid.field(field, message)
    return community_id


def update_profile(db: Session, principal: Principal, change: ProfileChange) -> Member:
    """Change the caller's profile; a new name or home community is told to other services."""
    member = lock_member(db, principal)
    before = (member.display_name, member.home_community_id)
    if change.display_name is not UNCHANGED:
        member.display_name = change.display_name
    if change.home_community_id is not UNCHANGED:
        community_id = change.home_community_id
        if community_id is not None:
            _community(
                db, community_id, "home_community_id", "Your home community must be a community."
            )
        member.home_community_id = community_id
    if change.rider is not UNCHANGED:
        member.rider_platform = change.rider.platform if change.rider else None
        member.rider_number = change.rider.rider_id if change.rider else None
    if (member.display_name, member.home_community_id) != before:
        updated = MemberUpdated(
            member_id=member.id,
            home_community_id=member.home_community_id,
            display_name=member.display_name,
        )
        announce(db, updated)
    db.flush()
    return member


def register_party_member(
    db: Session, principal: Principal, registration: PartyRegistration
) -> Member:
    if not principal.has_role("party_member", "admin"):
        raise Forbidden("Only party members register with a community.")
    member = lock_member(db, principal)
    if member.party_registered_at is not None:
        raise Conflict(
            "You are already registered; ask a coordinator to change your community.",
            kind="already-registered",
        )
    member.party_community_id = _community(
        db, registration.community_id, "community_id", "Party members register with a community."
    )
    member.party_branch = registration.branch
    member.party_registered_at = now_utc()
    db.flush()
    return member


def party_registration(db: Session, principal: Principal) -> Member:
    """The caller's profile, when they have registered as a party member."""
    member = db.get(Member, principal.id)
    if member is None or member.party_registered_at is None:
        raise NotFound("You have not registered as a party member.")
    return member


def member_or_404(db: Session, member_id: uuid.UUID) -> Member:
    return found_or_error(db, Member, member_id, "member")


def _visible_members(principal: Principal) -> Any:
    """A WHERE clause: a member a coordinator may look at, one who lives (or is registered as
    a party member) in their scope, or whose work there was approved. A pending entry does
    not count: any coordinator can write one for anybody, to open their profile."""
    if not principal.has_role("coordinator") or not principal.organization_ids:
        return sa.false()
    scope = scope_query(principal.organization_ids)
    hours_in_scope = (
        sa.select(HoursEntry.id)
        .where(
            HoursEntry.member_id == Member.id,
            HoursEntry.organization_id.in_(scope),
            HoursEntry.status == "approved",
        )
        .exists()
    )
    return sa.or_(
        Member.home_community_id.in_(scope),
        Member.party_community_id.in_(scope),
        hours_in_scope,
    )


def member_in_scope(db: Session, principal: Principal, member_id: uuid.UUID) -> Member:
    """A member the coordinator may look at; anyone else is a 404, so ids cannot be probed."""
    if principal.is_admin:
        return member_or_404(db, member_id)
    member = db.scalar(sa.select(Member).where(Member.id == member_id, _visible_members(principal)))
    if member is None:
        raise NotFound("No member with this id is in your scope.")
    return member


def list_members(db: Session, principal: Principal, query: MemberQuery) -> dict[str, Any]:
    """Members whose home or party community is in the caller's scope, by name."""
    select = (
        sa.select(Member)
        .where(scope_filter(principal, Member.home_community_id, Member.party_community_id))
        .order_by(Member.display_name, Member.id)
    )
    if query.q:
        escaped = query.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        select = select.where(Member.display_name.ilike(f"%{escaped}%", escape="\\"))
    if query.community_id:
        select = select.where(
            sa.or_(
                Member.home_community_id == query.community_id,
                Member.party_community_id == query.community_id,
            )
        )
    return page(db, select, query, Member.display_name, Member.id)
