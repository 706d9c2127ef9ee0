"""Riders' "me too": the open reports near a position, and following one instead of filing
a duplicate. A nearby report shows nothing of who filed or follows it."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from marshmallow import Schema, fields, post_load, validate

from common.app import session
from common.auth import current_principal, require_auth
from common.transaction import transactional
from services.volunteers.adapters.models import REPORT_STATUSES
from services.volunteers.api.routing import routes
from services.volunteers.usecases import followers

blp = routes("followers", __name__, url_prefix="/api/v1", description="Safety reports")


class FollowingOut(Schema):
    report_id = fields.UUID()
    following = fields.Boolean()
    followers = fields.Integer()


class NearbyIn(Schema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    category = fields.String(required=True, validate=validate.Length(min=1, max=50))

    @post_load
    def _query(self, data: dict[str, Any], **_: Any) -> followers.Nearby:
        return followers.Nearby(**data)


class NearbyOut(Schema):
    id = fields.UUID()
    category = fields.String()
    address = fields.String()
    status = fields.String(metadata={"enum": list(REPORT_STATUSES)})
    distance_m = fields.Integer()
    followers = fields.Integer()
    following = fields.Boolean(metadata={"description": "whether you follow it"})
    mine = fields.Boolean(metadata={"description": "whether you reported it"})
    created_at = fields.DateTime()


class NearbyList(Schema):
    items = fields.List(fields.Nested(NearbyOut))


@blp.get("/reports/nearby")
@require_auth
@transactional
@blp.arguments(NearbyIn, location="query")
@blp.response(200, NearbyList)
def list_nearby(query: followers.Nearby) -> dict[str, Any]:
    """Open reports of a category within 50 m, nearest first: follow one instead of filing"""
    db, principal = session(), current_principal()
    found = followers.nearby(db, query)
    ids = [r.id for _, r in found]
    counted, mine = followers.counts(db, ids), followers.following_of(db, principal, ids)
    items = [
        {
            "id": r.id,
            "category": r.category,
            "address": r.address,
            "status": r.status,
            "distance_m": round(metres),
            "followers": counted[r.id],
            "following": r.id in mine,
            "mine": r.reporter_id == principal.id,
            "created_at": r.created_at,
        }
        for metres, r in found
    ]
    return {"items": items}


@blp.post("/reports/<uuid:report_id>/follow")
@require_auth
@transactional
@blp.response(200, FollowingOut)
def follow_report(report_id: uuid.UUID) -> dict[str, Any]:
    """Me too: follow an open report you did not file, to hear its outcome (earns nothing)"""
    return dataclasses.asdict(followers.follow(session(), current_principal(), report_id))


@blp.delete("/reports/<uuid:report_id>/follow")
@require_auth
@transactional
@blp.response(200, FollowingOut)
def unfollow_report(report_id: uuid.UUID) -> dict[str, Any]:
    """Stop following a report"""
    return dataclasses.asdict(followers.unfollow(session(), current_principal(), report_id))
