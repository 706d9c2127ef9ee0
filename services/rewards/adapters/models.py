"""The rewards service's tables.

A redemption copies what it was promised (cost, the reward's terms) when it is
requested, so a later edit of the reward never alters it. Stock is a counter on
the reward row, changed only by conditional updates that a CHECK keeps at zero
or above. ``audit_log`` is append-only: a trigger refuses UPDATE and DELETE.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from common.db import new_metadata
from common.tables import plumbing_tables
from services.rewards.domain.redemptions import STATES

REWARD_CATEGORIES = ("childcare", "rental_housing", "health", "transport", "goods", "other")
ALLOCATIONS = ("first_come", "round")
LIMIT_PERIODS = ("day", "month", "year", "lifetime")
REDEMPTION_STATUSES = STATES


class Base(so.DeclarativeBase):
    metadata = new_metadata()


plumbing = plumbing_tables(Base.metadata)


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _now() -> Any:
    return sa.DateTime(timezone=True)


class Reward(Base):
    __tablename__ = "rewards"
    __table_args__ = (
        sa.CheckConstraint("cost > 0", name="cost_positive"),
        sa.CheckConstraint(
            "stock_remaining IS NULL OR stock_remaining >= 0", name="stock_not_negative"
        ),
        sa.CheckConstraint(f"category IN ({_in(REWARD_CATEGORIES)})", name="category_known"),
        sa.CheckConstraint(f"allocation IN ({_in(ALLOCATIONS)})", name="allocation_known"),
        sa.CheckConstraint(f"limit_period IN ({_in(LIMIT_PERIODS)})", name="limit_period_known"),
        sa.CheckConstraint("approvers_needed BETWEEN 0 AND 5", name="approvers_in_range"),
        sa.CheckConstraint(
            "per_member_limit IS NULL OR per_member_limit > 0", name="limit_positive"
        ),
    )

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    category: so.Mapped[str] = so.mapped_column(sa.String(30), index=True)
    cost: so.Mapped[int] = so.mapped_column(sa.Integer)
    # NULL means unlimited; stock_total is what the administrator set, remaining what is left
    stock_total: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    stock_remaining: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    per_member_limit: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    limit_period: so.Mapped[str] = so.mapped_column(sa.String(10), server_default="lifetime")
    opens_at: so.Mapped[datetime | None] = so.mapped_column(_now())
    closes_at: so.Mapped[datetime | None] = so.mapped_column(_now())
    approvers_needed: so.Mapped[int] = so.mapped_column(sa.SmallInteger, server_default="0")
    allocation: so.Mapped[str] = so.mapped_column(sa.String(12), server_default="first_come")
    eligibility: so.Mapped[dict[str, Any]] = so.mapped_column(JSONB, server_default=sa.text("'{}'"))
    form_fields: so.Mapped[list[Any]] = so.mapped_column(JSONB, server_default=sa.text("'[]'"))
    # the provider accounts (user ids) that may check and redeem this reward's vouchers
    provider_ids: so.Mapped[list[uuid.UUID]] = so.mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=sa.text("'{}'")
    )
    active: so.Mapped[bool] = so.mapped_column(sa.Boolean, server_default=sa.true())
    created_by: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    created_at: so.Mapped[datetime] = so.mapped_column(_now(), server_default=sa.func.now())
    updated_at: so.Mapped[datetime] = so.mapped_column(_now(), server_default=sa.func.now())


class Round(Base):
    """An allocation round: the seed's hash is published when it is created, the seed at close."""

    __tablename__ = "rounds"
    __table_args__ = (
        sa.CheckConstraint("places > 0", name="places_positive"),
        sa.CheckConstraint("closes_at > opens_at", name="window_ordered"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="status_known"),
    )

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    reward_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("rewards.id", ondelete="RESTRICT"), index=True
    )
    opens_at: so.Mapped[datetime] = so.mapped_column(_now())
    closes_at: so.Mapped[datetime] = so.mapped_column(_now(), index=True)
    places: so.Mapped[int] = so.mapped_column(sa.Integer)
    rule: so.Mapped[str] = so.mapped_column(sa.String(40))
    seed: so.Mapped[str] = so.mapped_column(sa.String(128))
    seed_hash: so.Mapped[str] = so.mapped_column(sa.String(128))
    status: so.Mapped[str] = so.mapped_column(sa.String(10), server_default="open")
    ranking: so.Mapped[dict[str, Any] | None] = so.mapped_column(JSONB)
    created_by: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    created_at: so.Mapped[datetime] = so.mapped_column(_now(), server_default=sa.func.now())
    closed_at: so.Mapped[datetime | None] = so.mapped_column(_now())


class Redemption(Base):
    """A member's request for a reward, with a snapshot of the terms it was made on."""

    __tablename__ = "redemptions"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_in(REDEMPTION_STATUSES)})", name="status_known"),
        sa.CheckConstraint("cost > 0", name="cost_positive"),
        sa.UniqueConstraint("member_id", "idempotency_key", name="one_per_key"),
        sa.Index("ix_redemptions_reward_status", "reward_id", "status"),
        sa.Index("ix_redemptions_member_created", "member_id", "created_at"),
        sa.Index("ix_redemptions_status_created", "status", "created_at"),
    )

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    member_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    reward_id: so.Mapped[uuid.UUID] = so.mapped_column(sa.ForeignKey("rewards.id"))
    round_id: so.Mapped[uuid.UUID | None] = so.mapped_column(sa.ForeignKey("rounds.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(12))
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(255))
    request_hash: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary(32))
    # the snapshot: what was promised at request time
    cost: so.Mapped[int] = so.mapped_column(sa.Integer)
    terms: so.Mapped[dict[str, Any]] = so.mapped_column(JSONB)
    form: so.Mapped[dict[str, Any]] = so.mapped_column(JSONB, server_default=sa.text("'{}'"))
    community_id: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    lifetime_minutes: so.Mapped[int] = so.mapped_column(sa.Integer, server_default="0")
    # the points hold: its key is derived from the id, its deadline fixed when requested
    hold_id: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    # a granted appeal places a new hold: each attempt has its own idempotency key
    hold_attempt: so.Mapped[int] = so.mapped_column(sa.SmallInteger, server_default="0")
    lifetime_points: so.Mapped[int] = so.mapped_column(sa.Integer, server_default="0")
    checked_at: so.Mapped[datetime | None] = so.mapped_column(_now())
    hold_deadline: so.Mapped[datetime] = so.mapped_column(_now())
    deadline: so.Mapped[datetime] = so.mapped_column(_now())
    stock_reserved: so.Mapped[bool] = so.mapped_column(sa.Boolean, server_default=sa.false())
    rank: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    decided_by: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(_now(), server_default=sa.func.now())
    updated_at: so.Mapped[datetime] = so.mapped_column(_now(), server_default=sa.func.now())


class Approval(Base):
    __tablename__ = "approvals"
    __table_args__ = (sa.UniqueConstraint("redemption_id", "approver_id", name="one_per_approver"),)

    id: so.Mapped[int] = so.mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    redemption_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("redemptions.id"), index=True
    )
    approver_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    created_at: so.Mapped[datetime] = so.mapped_column(_now(), server_default=sa.func.now())


class Voucher(Base):
    __tablename__ = "vouchers"
    __table_args__ = (
        sa.CheckConstraint("status IN ('valid', 'used', 'cancelled')", name="status_known"),
    )

    code: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    redemption_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("redemptions.id"), unique=True
    )
    reward_id: so.Mapped[uuid.UUID] = so.mapped_column(sa.ForeignKey("rewards.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), server_default="valid")
    created_at: so.Mapped[datetime] = so.mapped_column(_now(), server_default=sa.func.now())
    used_at: so.Mapped[datetime | None] = so.mapped_column(_now())
    used_by: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))


class Appeal(Base):
    __tablename__ = "appeals"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'granted', 'upheld')", name="status_known"),
    )

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    # unique: a redemption is appealed at most once
    redemption_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("redemptions.id"), unique=True
    )
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), server_default="open")
    decided_by: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    decision_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(_now(), server_default=sa.func.now())
    decided_at: so.Mapped[datetime | None] = so.mapped_column(_now())


class Standing(Base):
    """A member's standing as events told it: approved minutes and home community."""

    __tablename__ = "standings"
    __table_args__ = (sa.CheckConstraint("lifetime_minutes >= 0", name="minutes_not_negative"),)

    member_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    lifetime_minutes: so.Mapped[int] = so.mapped_column(sa.Integer, server_default="0")
    home_community_id: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    updated_at: so.Mapped[datetime] = so.mapped_column(_now(), server_default=sa.func.now())


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_member", "member_id", "created_at", "id"),)

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    member_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    data: so.Mapped[dict[str, Any]] = so.mapped_column(JSONB, server_default=sa.text("'{}'"))
    created_at: so.Mapped[datetime] = so.mapped_column(_now(), server_default=sa.func.now())
    read_at: so.Mapped[datetime | None] = so.mapped_column(_now())


class AuditEntry(Base):
    """One administrator action; rows are never changed (a trigger refuses it)."""

    __tablename__ = "audit_log"

    id: so.Mapped[int] = so.mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(_now(), server_default=sa.func.now(), index=True)
    actor_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    actor_roles: so.Mapped[list[str]] = so.mapped_column(ARRAY(sa.String(30)))
    action: so.Mapped[str] = so.mapped_column(sa.String(60))
    target_type: so.Mapped[str] = so.mapped_column(sa.String(30))
    target_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    before: so.Mapped[dict[str, Any] | None] = so.mapped_column(JSONB)
    after: so.Mapped[dict[str, Any] | None] = so.mapped_column(JSONB)


class ParkedEvent(Base):
    """An event this service could not read or apply, kept whole for a person to look at."""

    __tablename__ = "parked_events"

    event_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    type: so.Mapped[str] = so.mapped_column(sa.String(80))
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    envelope: so.Mapped[Any] = so.mapped_column(JSONB)
    parked_at: so.Mapped[datetime] = so.mapped_column(_now(), server_default=sa.func.now())
