"""A member's balance."""

from __future__ import annotations

import uuid
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from common.app import session
from common.auth import current_principal, require_auth
from common.problems import Problem
from services.points.adapters.models import Account

blp = Blueprint("balances", __name__, url_prefix="/api/v1/points", description="Balances")


class ExpiringSchema(Schema):
    points = fields.Integer()
    expires_at = fields.DateTime()


class BalanceSchema(Schema):
    member_id = fields.UUID()
    available = fields.Integer()
    held = fields.Integer()
    lifetime_earned = fields.Integer()
    expiring = fields.List(fields.Nested(ExpiringSchema))


class BalanceQuery(Schema):
    member_id = fields.UUID(load_default=None)


@blp.get("/balance")
@require_auth
@blp.arguments(BalanceQuery, location="query")
@blp.response(200, BalanceSchema)
def balance(args: dict[str, Any]) -> dict[str, Any]:
    """The caller's points (admins may ask for any member's)"""
    principal = current_principal()
    member_id: uuid.UUID = args["member_id"] or principal.id
    if member_id != principal.id and not principal.is_admin:
        raise Problem(403, "forbidden", "Only admins may read another member's balance.")
    account = session().get(Account, member_id)
    return {
        "member_id": member_id,
        "available": account.available if account else 0,
        "held": account.held if account else 0,
        "lifetime_earned": account.lifetime_earned if account else 0,
        "expiring": [],
    }
