"""A member's request to be deleted; admins complete it."""

from __future__ import annotations

import uuid
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from common.app import session
from common.auth import current_principal, require_auth, require_roles
from common.pagination import PageArgs, page_of
from common.transaction import transactional
from gateway.adapters.models import DeletionRequest
from gateway.api.revoking import revokes_tokens
from gateway.usecases import deletion

blp = Blueprint("deletion", __name__, url_prefix="/api/v1", description="Deleting an account")


class DeletionRequestSchema(Schema):
    id = fields.UUID()
    user_id = fields.UUID()
    status = fields.String(metadata={"description": "requested or completed"})
    requested_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.UUID(allow_none=True)
    tombstone = fields.String(allow_none=True)


DeletionRequestPage = page_of(DeletionRequestSchema)


class DeletionQuery(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(["requested", "completed"]))


@blp.post("/me/deletion-request")
@require_auth
@transactional
@blp.response(202, DeletionRequestSchema)
def request_deletion() -> DeletionRequest:
    """Ask for your account to be deleted (an admin completes it; asking again is the same)"""
    return deletion.request(session(), current_principal().id)


@blp.get("/admin/deletion-requests")
@require_roles("admin")
@blp.arguments(DeletionQuery, location="query")
@blp.response(200, DeletionRequestPage)
def list_requests(args: dict[str, Any]) -> dict[str, Any]:
    """Members' requests to be deleted, oldest first (admin)"""
    return deletion.listed(session(), args["status"], args)


@blp.post("/admin/deletion-requests/<uuid:request_id>/complete")
@require_roles("admin")
@blp.response(200, DeletionRequestSchema)
@revokes_tokens(lambda request, kwargs: request.user_id)
@transactional
def complete(request_id: uuid.UUID) -> DeletionRequest:
    """Anonymise the member everywhere (admin): the name becomes a tombstone id"""
    return deletion.complete(session(), request_id, actor=current_principal().id)
