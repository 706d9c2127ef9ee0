"""The points API's schemas: the contract, and the OpenAPI document's source."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from common.pagination import PageArgs, page_of
from services.points.domain.rules import PER
from services.points.usecases.accounts import Adjustment
from services.points.usecases.approvals import Rejection
from services.points.usecases.holds import HoldRequest
from services.points.usecases.rules import RuleChange

# Points (and seconds) are whole numbers: a fraction is refused, where a non-strict
# Integer would truncate it (1.7 points became 1).
Whole = partial(fields.Integer, strict=True)

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ExpiringSchema(Schema):
    points = fields.Integer()
    expires_at = fields.DateTime()


class BalanceSchema(Schema):
    member_id = fields.UUID()
    available = fields.Integer()
    held = fields.Integer()
    lifetime_earned = fields.Integer()
    expiring = fields.List(fields.Nested(ExpiringSchema))
    owed = fields.Integer(
        metadata={"description": "clawed back after it was spent or held; the next awards pay it"}
    )


class MemberQuery(Schema):
    member_id = fields.UUID(load_default=None, metadata={"description": "admins only"})


class TransactionQuery(PageArgs, MemberQuery):
    pass


class TransactionSchema(Schema):
    id = fields.UUID()
    kind = fields.String()
    amount = fields.Integer(metadata={"description": "change of the available points"})
    held_change = fields.Integer(metadata={"description": "change of the held points"})
    available_after = fields.Integer()
    held_after = fields.Integer()
    created_at = fields.DateTime()
    reference = fields.String()
    description = fields.String()


TransactionPage = page_of(TransactionSchema)


class AdjustmentIn(Schema):
    member_id = fields.UUID(required=True)
    amount = Whole(
        required=True,
        validate=[
            validate.Range(min=-1_000_000_000, max=1_000_000_000),
            validate.NoneOf([0], error="An adjustment moves points."),
        ],
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))

    @post_load
    def command(self, data: dict[str, Any], **_: Any) -> Adjustment:
        return Adjustment(data["member_id"], data["amount"], data["reason"])


class AdjustmentRequestSchema(Schema):
    id = fields.UUID()
    member_id = fields.UUID()
    amount = fields.Integer()
    reason = fields.String()
    status = fields.String(metadata={"description": "pending, approved or rejected"})
    requested_by = fields.UUID()
    requested_at = fields.DateTime()
    decided_by = fields.UUID(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    rejection_reason = fields.String(allow_none=True)


AdjustmentRequestPage = page_of(AdjustmentRequestSchema)


class ApprovalSchema(Schema):
    adjustment = fields.Nested(AdjustmentRequestSchema)
    balance = fields.Nested(BalanceSchema)


class AdjustmentQuery(PageArgs):
    status = fields.String(
        load_default=None, validate=validate.OneOf(["pending", "approved", "rejected"])
    )


class RejectionIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))

    @post_load
    def command(self, data: dict[str, Any], **_: Any) -> Rejection:
        return Rejection(data["reason"])


class RuleIn(Schema):
    points = Whole(required=True, validate=validate.Range(min=0, max=1_000_000))
    per = fields.String(required=True, validate=validate.OneOf(PER))
    daily_cap = Whole(load_default=None, validate=validate.Range(min=0, max=10_000_000))

    @post_load
    def command(self, data: dict[str, Any], **_: Any) -> RuleChange:
        return RuleChange(data["points"], data["per"], data["daily_cap"])


class RuleSchema(Schema):
    event_type = fields.String()
    points = fields.Integer()
    per = fields.String()
    daily_cap = fields.Integer(allow_none=True)
    effective_from = fields.DateTime()


class RuleList(Schema):
    items = fields.List(fields.Nested(RuleSchema))


def _has_bounds(period: str) -> None:
    """A month whose start and end are dates: not year 0, not the calendar's last month."""
    if period[:4] == "0000" or period >= "9999-12":
        raise ValidationError("Use a month from 0001-01 to 9999-11.")


class LeaderboardQuery(Schema):
    organization_id = fields.UUID(load_default=None)
    period = fields.String(
        required=True, validate=[validate.Regexp(PERIOD, error="Use YYYY-MM."), _has_bounds]
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class LeaderboardEntry(Schema):
    rank = fields.Integer()
    member_id = fields.UUID()
    points = fields.Integer()


class LeaderboardSchema(Schema):
    organization_id = fields.UUID(allow_none=True)
    period = fields.String()
    items = fields.List(fields.Nested(LeaderboardEntry))


class DiscrepancySchema(Schema):
    account = fields.String()
    check = fields.String()
    detail = fields.String()


class ReconcileSchema(Schema):
    ok = fields.Boolean()
    accounts = fields.Integer()
    transfers = fields.Integer()
    member_total = fields.Integer()
    system_total = fields.Integer()
    problems = fields.List(fields.Nested(DiscrepancySchema))


class ParkedEventSchema(Schema):
    event_id = fields.UUID()
    type = fields.String()
    reason = fields.String()
    envelope = fields.Dict()
    received_at = fields.DateTime()


ParkedPage = page_of(ParkedEventSchema)


class HoldIn(Schema):
    member_id = fields.UUID(required=True)
    amount = Whole(required=True, validate=validate.Range(min=1, max=1_000_000_000))
    deadline = fields.AwareDateTime(load_default=None, metadata={"description": "or ttl_seconds"})
    ttl_seconds = Whole(load_default=None, validate=validate.Range(min=1))
    reference = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="", validate=validate.Length(max=500))

    @post_load
    def command(self, data: dict[str, Any], **_: Any) -> HoldRequest:
        return HoldRequest(
            member_id=data["member_id"],
            amount=data["amount"],
            reference=data["reference"],
            description=data["description"],
            deadline=data["deadline"],
            ttl_seconds=data["ttl_seconds"],
        )


class HoldSchema(Schema):
    id = fields.UUID()
    member_id = fields.UUID()
    amount = fields.Integer()
    status = fields.String()
    deadline = fields.DateTime()
    reference = fields.String()
    description = fields.String()
    created_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)


class HoldResult(Schema):
    hold = fields.Nested(HoldSchema)
    balance = fields.Nested(BalanceSchema)
