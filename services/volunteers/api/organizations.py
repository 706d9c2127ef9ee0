"""Organisations: streets, communities, grids, teams and stations."""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import Schema, fields, post_load, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from common.app import session
from common.auth import require_auth, require_roles
from common.pagination import PageArgs, page_of
from common.transaction import transactional
from services.volunteers.adapters.models import ORGANIZATION_KINDS, Organization
from services.volunteers.api.routing import routes
from services.volunteers.usecases import scope

blp = routes("organizations", __name__, url_prefix="/api/v1", description="Organisations")


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

    @post_load
    def _command(self, data: dict[str, Any], **_: Any) -> scope.NewOrganization:
        return scope.NewOrganization(**data)


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

    @post_load
    def _query(self, data: dict[str, Any], **_: Any) -> scope.OrganizationQuery:
        return scope.OrganizationQuery(**data)


@blp.post("/organizations")
@require_roles("admin")
@transactional
@blp.arguments(OrganizationIn)
@blp.response(201, OrganizationOut)
def create_organization(command: scope.NewOrganization) -> Organization:
    """Create an organisation (admin)"""
    return scope.create_organization(session(), command)


@blp.get("/organizations")
@require_auth
@blp.arguments(OrganizationQuery, location="query")
@blp.response(200, OrganizationPage)
def list_organizations(query: scope.OrganizationQuery) -> dict[str, Any]:
    """List organisations, by name"""
    return scope.list_organizations(session(), query)


@blp.get("/organizations/<uuid:organization_id>")
@require_auth
@blp.response(200, OrganizationOut)
def get_organization(organization_id: uuid.UUID) -> Organization:
    """One organisation"""
    return scope.organization(session(), organization_id)
