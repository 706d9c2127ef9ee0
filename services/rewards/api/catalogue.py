"""The catalogue of rewards."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from common.app import session
from common.auth import require_auth
from common.pagination import PageArgs, decode_cursor, page, page_of
from services.rewards.adapters.models import Reward

blp = Blueprint("catalogue", __name__, url_prefix="/api/v1", description="The rewards catalogue")


class RewardOut(Schema):
    id = fields.UUID()
    name = fields.String()
    category = fields.String()
    cost = fields.Integer()
    stock_remaining = fields.Integer(allow_none=True)
    requires_approval = fields.Boolean()
    eligible = fields.Boolean()
    ineligible_reason = fields.String(allow_none=True)


RewardPage = page_of(RewardOut)


@blp.get("/rewards")
@require_auth
@blp.arguments(PageArgs, location="query")
@blp.response(200, RewardPage)
def list_rewards(args: dict[str, Any]) -> dict[str, Any]:
    """The active rewards, cheapest first"""
    query = sa.select(Reward).where(Reward.active).order_by(Reward.cost, Reward.id)
    after = decode_cursor(args["cursor"], int, uuid.UUID)
    if after:
        query = query.where(sa.tuple_(Reward.cost, Reward.id) > sa.tuple_(*after))
    rows = list(session().scalars(query.limit(args["limit"] + 1)))
    result = page(rows, args["limit"], lambda r: (r.cost, r.id))
    result["items"] = [
        {**RewardOut().dump(r), "eligible": True, "ineligible_reason": None}
        for r in result["items"]
    ]
    return result
