"""Flags: unusual patterns (one approver paying the same member, bursts, crowded or
implausible check-ins, re-filed reports) for an admin's review."""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import Schema, fields, post_load, validate

from common.app import session
from common.auth import current_principal, require_roles
from common.pagination import PageArgs, page_of
from common.transaction import transactional
from services.volunteers.adapters.models import Flag
from services.volunteers.api.routing import routes
from services.volunteers.usecases import flags, reviews

blp = routes("flags", __name__, url_prefix="/api/v1", description="Flags for admins' review")


class FlagOut(Schema):
    id = fields.UUID()
    kind = fields.String(metadata={"enum": list(flags.FLAG_KINDS)})
    member_id = fields.UUID(allow_none=True)
    details = fields.Dict()
    created_at = fields.DateTime()
    reviewed_at = fields.DateTime(allow_none=True)
    reviewed_by = fields.UUID(allow_none=True)
    review_note = fields.String(allow_none=True)
    released = fields.Boolean()


FlagPage = page_of(FlagOut)


class FlagQuery(PageArgs):
    kind = fields.String(load_default=None, validate=validate.OneOf(flags.FLAG_KINDS))
    reviewed = fields.Boolean(load_default=None)

    @post_load
    def _query(self, data: dict[str, Any], **_: Any) -> flags.FlagQuery:
        return flags.FlagQuery(**data)


class ReviewIn(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    release = fields.Boolean(
        load_default=False,
        metadata={
            "description": "let through what the flag held back (a re-filed report's points)"
        },
    )

    @post_load
    def _review(self, data: dict[str, Any], **_: Any) -> reviews.Review:
        return reviews.Review(**data)


@blp.get("/flags")
@require_roles("admin")
@blp.arguments(FlagQuery, location="query")
@blp.response(200, FlagPage)
def list_flags(query: flags.FlagQuery) -> dict[str, Any]:
    """Flags for review (admin), newest first; ?kind= and ?reviewed=true|false narrow them"""
    return flags.list_flags(session(), query)


@blp.post("/flags/<uuid:flag_id>/review")
@require_roles("admin")
@transactional
@blp.arguments(ReviewIn)
@blp.response(200, FlagOut)
def review_flag(review: reviews.Review, flag_id: uuid.UUID) -> Flag:
    """Mark a flag reviewed (admin, once); release: true lets a re-filed report's points through"""
    return reviews.review_flag(session(), current_principal(), flag_id, review)
