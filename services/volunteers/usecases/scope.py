"""Organisations and the coordinators' scope: who may act on which part of the tree.

A coordinator acts on the organisations in their token and everything below them
(a recursive CTE over ``parent_id``); an admin acts everywhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from common.errors import Forbidden, Invalid
from common.tokens import Principal
from services.volunteers.adapters.models import Organization
from services.volunteers.usecases.paging import PageQuery, filtered, page
from services.volunteers.usecases.rows import added, found_or_error


def is_coordinator(principal: Principal) -> bool:
    return principal.has_role("coordinator", "admin")


def require_coordinator(principal: Principal) -> None:
    if not is_coordinator(principal):
        raise Forbidden("Only a coordinator (or an admin) may do this.")


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
        raise Forbidden("This belongs to an organisation outside your scope.", kind="out-of-scope")


def require_own_or_in_scope(
    db: Session,
    principal: Principal,
    owner_id: uuid.UUID | None,
    organization_id: uuid.UUID | None,
    refusal: str,
) -> None:
    """The caller owns the thing, or coordinates where it belongs; else ``refusal``."""
    if owner_id != principal.id and not in_scope(db, principal, organization_id):
        raise Forbidden(refusal, kind="out-of-scope")


def organization_named(db: Session, organization_id: uuid.UUID, field: str) -> Organization:
    """The organisation an input ``field`` names; :class:`Invalid` on that field if none."""
    organization = db.get(Organization, organization_id)
    if organization is None:
        raise Invalid.field(field, "No organisation has this id.")
    return organization


# ---------------------------------------------------------------- organisations


@dataclass(frozen=True)
class NewOrganization:
    name: str
    kind: str
    parent_id: uuid.UUID | None = None
    lat: float | None = None
    lng: float | None = None
    radius_m: int | None = None


@dataclass(frozen=True)
class OrganizationQuery(PageQuery):
    kind: str | None = None
    parent_id: uuid.UUID | None = None


def create_organization(db: Session, command: NewOrganization) -> Organization:
    """A new organisation (the admin check is the view's role requirement)."""
    if command.parent_id is not None and db.get(Organization, command.parent_id) is None:
        raise Invalid(
            "The parent organisation does not exist.",
            errors={"parent_id": ["No organisation has this id."]},
        )
    organization = Organization(
        id=uuid.uuid4(),
        name=command.name,
        kind=command.kind,
        parent_id=command.parent_id,
        lat=command.lat,
        lng=command.lng,
        radius_m=command.radius_m,
    )
    return added(db, organization)


def list_organizations(db: Session, query: OrganizationQuery) -> dict[str, Any]:
    """Organisations by name (everyone may see the tree)."""
    select = sa.select(Organization).order_by(Organization.name, Organization.id)
    select = filtered(
        select, (Organization.kind, query.kind), (Organization.parent_id, query.parent_id)
    )
    return page(db, select, query, Organization.name, Organization.id)


def organization(db: Session, organization_id: uuid.UUID) -> Organization:
    return found_or_error(db, Organization, organization_id, "organisation")
