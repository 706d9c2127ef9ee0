"""Organisations: streets, communities, grids, teams and stations."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from common.app import session
from common.auth import require_auth, require_roles
from common.db import get_or_404
from common.pagination import PageArgs, keyset_page, page_of
from common.problems import Problem
from services.volunteers.adapters.models import ORGANIZATION_KINDS, Organization

blp = Blueprint("organizations", __name__, url_prefix="/api/v1", description="Organisations")


class OrganizationIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(ORGANIZATION_KINDS))
    parent_id = fields.UUID(load_default=None)
    lat = fields.Float(load_default=None, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(load_default=None, validate=validate.Range(min=-180, max=180))
    radius_m = fields.Integer(
        load_default=None, strict=True, validate=validate.Range(min=1, max=100_000)
    )

    @validates_schema
    def _station_has_a_place(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("kind") == "station" and None in (
            data.get("lat"),
            data.get("lng"),
            data.get("radius_m"),
        ):
            raise SchemaError("A station needs lat, lng and radius_m.", "radius_m")


class OrganizationOut(Schema):
    id = fields.UUID()
    name = fields.String()
    kind = fields.String()
    parent_id = fields.UUID(allow_none=True)
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    radius_m = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


OrganizationPage = page_of(OrganizationOut)


class OrganizationQuery(PageArgs):
    kind = fields.String(validate=validate.OneOf(ORGANIZATION_KINDS), load_default=None)
    parent_id = fields.UUID(load_default=None)


@blp.post("/organizations")
@require_roles("admin")
@blp.arguments(OrganizationIn)
@blp.response(201, OrganizationOut)
def create_organization(data: dict[str, Any]) -> Organization:
    """Create an organisation (admin)"""
    db = session()
    if data["parent_id"] is not None and db.get(Organization, data["parent_id"]) is None:
        raise Problem(
            422,
            "validation-error",
            "The parent organisation does not exist.",
            errors={"parent_id": ["No organisation has this id."]},
        )
    organization = Organization(id=uuid.uuid4(), **data)
    db.add(organization)
    db.commit()
    return organization


@blp.get("/organizations")
@require_auth
@blp.arguments(OrganizationQuery, location="query")
@blp.response(200, OrganizationPage)
def list_organizations(args: dict[str, Any]) -> dict[str, Any]:
    """List organisations, by name"""
    query = sa.select(Organization).order_by(Organization.name, Organization.id)
    if args["kind"]:
        query = query.where(Organization.kind == args["kind"])
    if args["parent_id"]:
        query = query.where(Organization.parent_id == args["parent_id"])
    return keyset_page(session(), query, args, Organization.name, Organization.id)


@blp.get("/organizations/<uuid:organization_id>")
@require_auth
@blp.response(200, OrganizationOut)
def get_organization(organization_id: uuid.UUID) -> Organization:
    """One organisation"""
    return get_or_404(session(), Organization, organization_id, "organisation")
