"""The catalogue of rewards."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from common.app import session
from common.auth import require_auth
from common.pagination import PageArgs, keyset_page, page_of
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
    result = keyset_page(session(), query, args, Reward.cost, Reward.id)
    result["items"] = [
        {
            **RewardOut().dump(r),
            "requires_approval": r.approvers_needed > 0,
            "eligible": True,
            "ineligible_reason": None,
        }
        for r in result["items"]
    ]
    return result
