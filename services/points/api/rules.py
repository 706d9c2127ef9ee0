"""Earning rules: what each event type is worth."""

# flask-smorest ships no type hints: its decorators are untyped, the views are not

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from common.app import session
from common.auth import current_principal, require_auth, require_roles
from common.transaction import transactional
from services.points.adapters.models import EarningRule
from services.points.api.schemas import RuleIn, RuleList, RuleSchema
from services.points.usecases import rules
from services.points.usecases.rules import RuleChange

blp = Blueprint("rules", __name__, url_prefix="/api/v1/points", description="Earning rules")


@blp.get("/rules")
@require_auth
@blp.response(200, RuleList)
def list_rules() -> dict[str, Any]:
    """The earning rule in force for each event type"""
    return {"items": rules.current_rules(session())}


@blp.put("/rules/<string:event_type>")
@require_roles("admin")
@transactional
@blp.arguments(RuleIn)
@blp.response(200, RuleSchema)
def put_rule(change: RuleChange, event_type: str) -> EarningRule:
    """Set an event type's rule from now on (admin); earlier events keep the rule of their time"""
    return rules.set_rule(session(), event_type, change, actor=current_principal().id)
