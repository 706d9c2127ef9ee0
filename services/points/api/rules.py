"""Earning rules: what each event type is worth."""

from __future__ import annotations

import re
from typing import Any

from flask_smorest import Blueprint

from common.app import session
from common.auth import current_principal, require_auth, require_roles
from common.problems import Problem
from services.points import services
from services.points.adapters.models import EarningRule
from services.points.api.schemas import RuleIn, RuleList, RuleSchema

blp = Blueprint("rules", __name__, url_prefix="/api/v1/points", description="Earning rules")

EVENT_TYPE = re.compile(r"^[a-z][a-z_]{0,38}\.[a-z][a-z_]{0,38}$")


@blp.get("/rules")
@require_auth
@blp.response(200, RuleList)
def list_rules() -> dict[str, Any]:
    """The earning rule in force for each event type"""
    return {"items": services.current_rules(session())}


@blp.put("/rules/<string:event_type>")
@require_roles("admin")
@blp.arguments(RuleIn)
@blp.response(200, RuleSchema)
def put_rule(data: dict[str, Any], event_type: str) -> EarningRule:
    """Set an event type's rule from now on (admin); earlier events keep the rule of their time"""
    if not EVENT_TYPE.match(event_type):
        raise Problem(404, "not-found", "Event types look like 'hours.approved'.")
    rule = services.set_rule(
        session(),
        event_type,
        points=data["points"],
        per=data["per"],
        daily_cap=data["daily_cap"],
        actor=current_principal().id,
    )
    session().commit()
    return rule
