"""The rewards API's schemas: the contract of every request and answer body."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, post_load, validate

from common.pagination import PageArgs
from services.rewards.adapters.models import ALLOCATIONS, LIMIT_PERIODS, REWARD_CATEGORIES
from services.rewards.domain.redemptions import STATES
from services.rewards.usecases.catalogue import RewardChanges, RewardTerms
from services.rewards.usecases.decisions import Decision
from services.rewards.usecases.listing import RedemptionFilter
from services.rewards.usecases.requests import RedemptionRequest
from services.rewards.usecases.rounds import NewRound

_NAME = validate.Length(min=1, max=200)


class RewardFields(Schema):
    name = fields.String(required=True, validate=_NAME)
    name_en = fields.String(allow_none=True, validate=_NAME)
    category = fields.String(required=True, validate=validate.OneOf(REWARD_CATEGORIES))
    cost = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000_000))
    stock = fields.Integer(allow_none=True, strict=True, validate=validate.Range(0, 10_000_000))
    per_member_limit = fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(1, 1000)
    )
    limit_period = fields.String(validate=validate.OneOf(LIMIT_PERIODS))
    opens_at = fields.AwareDateTime(allow_none=True)
    closes_at = fields.AwareDateTime(allow_none=True)
    approvers_needed = fields.Integer(strict=True, validate=validate.Range(0, 5))
    allocation = fields.String(validate=validate.OneOf(ALLOCATIONS))
    # checked by the domain rules (services.rewards.domain.eligibility / forms)
    eligibility = fields.Raw(allow_none=True)
    form_fields = fields.Raw(allow_none=True)
    provider_ids = fields.List(fields.UUID(), validate=validate.Length(max=50))


class RewardIn(RewardFields):
    @post_load
    def to_terms(self, data: dict[str, Any], **_: Any) -> RewardTerms:
        data["eligibility"] = data.get("eligibility") or {}
        data["form_fields"] = data.get("form_fields") or []
        data["provider_ids"] = tuple(data.get("provider_ids") or ())
        return RewardTerms(**data)


class RewardPatch(RewardFields):
    @post_load
    def to_changes(self, data: dict[str, Any], **_: Any) -> RewardChanges:
        for name in ("eligibility", "form_fields"):
            if name in data and data[name] is None:
                data[name] = {} if name == "eligibility" else []
        return RewardChanges(data)


class WindowOut(Schema):
    opens_at = fields.DateTime(allow_none=True)
    closes_at = fields.DateTime(allow_none=True)


class RewardOut(Schema):
    id = fields.UUID()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    category = fields.String()
    cost = fields.Integer()
    stock = fields.Integer(allow_none=True)
    stock_remaining = fields.Integer(allow_none=True)
    per_member_limit = fields.Integer(allow_none=True)
    limit_period = fields.String()
    requires_approval = fields.Boolean()
    approvers_needed = fields.Integer()
    allocation = fields.String()
    window = fields.Nested(WindowOut)
    eligibility = fields.Dict()
    form_fields = fields.List(fields.Dict())
    provider_ids = fields.List(fields.UUID())
    active = fields.Boolean()
    eligible = fields.Boolean(allow_none=True)
    ineligible_reason = fields.String(allow_none=True)


class CatalogueArgs(PageArgs):
    category = fields.String(load_default=None, validate=validate.OneOf(REWARD_CATEGORIES))


class StandingOut(Schema):
    member_id = fields.UUID()
    lifetime_minutes = fields.Integer()
    level = fields.Integer()
    next_level_at_minutes = fields.Integer(allow_none=True)
    home_community_id = fields.UUID(allow_none=True)


class AuditArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.String(load_default=None)
    since = fields.AwareDateTime(load_default=None)


class AuditOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.UUID()
    actor_roles = fields.List(fields.String())
    action = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class InboxArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class NotificationOut(Schema):
    id = fields.UUID()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    data = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxOut(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    unread = fields.Integer()
    next_cursor = fields.String(allow_none=True)


@dataclass(frozen=True)
class MarkRead:
    ids: list[uuid.UUID]


class MarkReadIn(Schema):
    ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=500))

    @post_load
    def to_command(self, data: dict[str, Any], **_: Any) -> MarkRead:
        return MarkRead(data["ids"])


class MarkedOut(Schema):
    marked = fields.Integer()
    unread = fields.Integer()


class RedemptionIn(Schema):
    reward_id = fields.UUID(required=True)
    form = fields.Dict(load_default=dict)

    @post_load
    def to_request(self, data: dict[str, Any], **_: Any) -> RedemptionRequest:
        return RedemptionRequest(data["reward_id"], data["form"])


class ReasonIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))

    @post_load
    def to_decision(self, data: dict[str, Any], **_: Any) -> Decision:
        return Decision(data["reason"])


class RedemptionArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(STATES))
    reward_id = fields.UUID(load_default=None)
    category = fields.String(load_default=None, validate=validate.OneOf(REWARD_CATEGORIES))
    community = fields.UUID(load_default=None)
    round_id = fields.UUID(load_default=None)
    member_id = fields.UUID(load_default=None)
    older_than = fields.AwareDateTime(load_default=None)

    @post_load
    def to_filter(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        page = {"limit": data.pop("limit"), "cursor": data.pop("cursor")}
        return {"page": page, "filter": RedemptionFilter(**data)}


class AppealOut(Schema):
    reason = fields.String()
    status = fields.String()
    decided_by = fields.UUID(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class RedemptionOut(Schema):
    id = fields.UUID()
    member_id = fields.UUID()
    reward_id = fields.UUID()
    round_id = fields.UUID(allow_none=True)
    status = fields.String()
    cost = fields.Integer()
    points_held = fields.Integer()
    approvals = fields.List(fields.String())
    approvers_needed = fields.Integer()
    voucher_code = fields.String(allow_none=True)
    voucher_status = fields.String(allow_none=True)
    reward = fields.Dict()
    form = fields.Dict()
    reason = fields.String(allow_none=True)
    rank = fields.Integer(allow_none=True)
    community_id = fields.UUID(allow_none=True)
    deadline = fields.DateTime()
    created_at = fields.DateTime()
    appeal = fields.Nested(AppealOut, allow_none=True)


class VoucherRewardOut(Schema):
    id = fields.UUID()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    category = fields.String()


class VoucherOut(Schema):
    status = fields.String()
    reward = fields.Nested(VoucherRewardOut)


class RoundIn(Schema):
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(required=True)
    places = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100_000))
    rule = fields.String(required=True)

    @post_load
    def to_round(self, data: dict[str, Any], **_: Any) -> NewRound:
        return NewRound(**data)


class RoundOut(Schema):
    id = fields.UUID()
    reward_id = fields.UUID()
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    places = fields.Integer()
    rule = fields.String()
    seed_hash = fields.String()
    status = fields.String()
    seed = fields.String(allow_none=True)
    ranking = fields.Dict(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class RoundSummaryOut(RoundOut):
    """A round in a reward's list: its ranking, which names every applicant, is read from
    ``GET /rounds/{id}``."""

    class Meta:
        exclude = ("ranking",)


class ExportArgs(Schema):
    # "from" is a Python keyword: the field is named start and read from ?from=
    start = fields.AwareDateTime(load_default=None, data_key="from")
    end = fields.AwareDateTime(load_default=None, data_key="to")
