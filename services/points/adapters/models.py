"""The points service's tables.

``transfers`` is the journal: one row per movement of points, never updated or
deleted (a trigger refuses both, and the role the service runs as has neither
privilege). Balances are stored on ``accounts`` (members) and
``system_accounts`` (issuance, redemptions, expiry, adjustments, each split in
shards so that no single row is locked by every award).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects.postgresql import JSONB, UUID

from common.db import new_metadata
from common.tables import plumbing_tables
from services.points.domain.holds import STATUSES
from services.points.domain.ledger import GENESIS_HASH, KINDS
from services.points.domain.rules import PER


class Base(so.DeclarativeBase):
    metadata = new_metadata()


plumbing = plumbing_tables(Base.metadata)


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Account(Base):
    """A member's balance, stored so that reading it costs the same however long the history.

    ``seq`` and ``last_hash`` are the head of the account's journal chain.
    """

    __tablename__ = "accounts"
    __table_args__ = (
        sa.CheckConstraint("available >= 0", name="available_not_negative"),
        sa.CheckConstraint("held >= 0", name="held_not_negative"),
        sa.CheckConstraint("owed >= 0", name="owed_not_negative"),
    )

    member_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    available: so.Mapped[int] = so.mapped_column(sa.BigInteger, server_default=sa.text("0"))
    held: so.Mapped[int] = so.mapped_column(sa.BigInteger, server_default=sa.text("0"))
    lifetime_earned: so.Mapped[int] = so.mapped_column(sa.BigInteger, server_default=sa.text("0"))
    # clawed back but already spent or held: recovered from the next awards first
    owed: so.Mapped[int] = so.mapped_column(sa.BigInteger, server_default=sa.text("0"))
    seq: so.Mapped[int] = so.mapped_column(sa.BigInteger, server_default=sa.text("0"))
    last_hash: so.Mapped[bytes] = so.mapped_column(
        sa.LargeBinary(32), server_default=sa.text("'\\x" + GENESIS_HASH.hex() + "'::bytea")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class SystemAccount(Base):
    """One shard of a system account; the account's balance is the sum of its shards."""

    __tablename__ = "system_accounts"

    id: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(30))
    shard: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    balance: so.Mapped[int] = so.mapped_column(sa.BigInteger, server_default=sa.text("0"))


class Transfer(Base):
    """The journal: every movement of points between a member account and a system account."""

    __tablename__ = "transfers"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("direction IN (-1, 1)", name="direction_valid"),
        sa.CheckConstraint(f"kind IN ({_in(KINDS)})", name="kind_valid"),
        sa.CheckConstraint("available_after >= 0 AND held_after >= 0", name="after_not_negative"),
        sa.UniqueConstraint("member_id", "seq", name="uq_transfers_member_id_seq"),
        sa.Index(
            "ix_transfers_leaderboard",
            "occurred_at",
            postgresql_where=sa.text("kind IN ('award', 'reversal')"),
        ),
    )

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(300), unique=True)
    request_hash: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary(32))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    direction: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    member_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    system_account: so.Mapped[str] = so.mapped_column(sa.String(40))
    seq: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    available_after: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    held_after: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    prev_hash: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary(32))
    hash: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary(32))
    reference: so.Mapped[str] = so.mapped_column(sa.String(300))
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    event_id: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    hold_id: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    organization_id: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    occurred_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    expires_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))


class Lot(Base):
    """The points of one member that expire at one moment, and how many of them are left."""

    __tablename__ = "lots"
    __table_args__ = (
        sa.CheckConstraint("remaining >= 0", name="remaining_not_negative"),
        sa.Index("ix_lots_due", "expires_at", postgresql_where=sa.text("remaining > 0")),
    )

    member_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    expires_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), primary_key=True)
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    remaining: so.Mapped[int] = so.mapped_column(sa.BigInteger)


class Hold(Base):
    """Points reserved for a redemption; ends once, as captured, released or expired."""

    __tablename__ = "holds"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(f"status IN ({_in(STATUSES)})", name="status_valid"),
        sa.Index("ix_holds_due", "deadline", postgresql_where=sa.text("status = 'active'")),
        sa.Index("ix_holds_member_id", "member_id"),
    )

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(300), unique=True)
    request_hash: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary(32))
    member_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    status: so.Mapped[str] = so.mapped_column(sa.String(20))
    deadline: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    reference: so.Mapped[str] = so.mapped_column(sa.String(300))
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    allocations: so.Mapped[list[Any]] = so.mapped_column(JSONB)
    available_after: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    ended_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))


class EarningRule(Base):
    """A version of the rule for one event type; an event is paid by the version in force
    when it occurred."""

    __tablename__ = "earning_rules"
    __table_args__ = (
        sa.CheckConstraint("points >= 0", name="points_not_negative"),
        sa.CheckConstraint(f"per IN ({_in(PER)})", name="per_valid"),
        sa.CheckConstraint("daily_cap IS NULL OR daily_cap >= 0", name="cap_not_negative"),
        sa.Index("ix_earning_rules_type_from", "event_type", "effective_from"),
    )

    id: so.Mapped[int] = so.mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    event_type: so.Mapped[str] = so.mapped_column(sa.String(80))
    points: so.Mapped[int] = so.mapped_column(sa.Integer)
    per: so.Mapped[str] = so.mapped_column(sa.String(10))
    daily_cap: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    effective_from: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    created_by: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))


class DailyAward(Base):
    """What a member was paid for one event type on one (district) day, for the daily cap."""

    __tablename__ = "daily_awards"

    member_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    event_type: so.Mapped[str] = so.mapped_column(sa.String(80), primary_key=True)
    day: so.Mapped[date] = so.mapped_column(sa.Date, primary_key=True)
    points: so.Mapped[int] = so.mapped_column(sa.BigInteger)


class ParkedEvent(Base):
    """An event the consumer could not pay (unknown type, no rule, bad data), kept to inspect."""

    __tablename__ = "parked_events"

    event_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    type: so.Mapped[str] = so.mapped_column(sa.String(80))
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    envelope: so.Mapped[dict[str, Any]] = so.mapped_column(JSONB)
    received_at: so.Mapped[datetime] = so.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


ADJUSTMENT_STATUSES = ("pending", "approved", "rejected")


class AdjustmentRequest(Base):
    """An admin's adjustment that waits for a second admin (large, or to the admin's own
    account); it posts to the journal only when approved, under the key
    ``adjustment-request:<id>``, so it is paid at most once."""

    __tablename__ = "adjustment_requests"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_in(ADJUSTMENT_STATUSES)})", name="status_valid"),
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        sa.Index("ix_adjustment_requests_status", "status", "requested_at", "id"),
    )

    id: so.Mapped[uuid.UUID] = so.mapped_column(
        UUID(as_uuid=True), primary_key=True, default=uuid.uuid4
    )
    member_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="pending")
    requested_by: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    requested_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    decided_by: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    decided_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    rejection_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)


class Debt(Base):
    """What one clawback could not take; the account's ``owed`` is their sum less the
    recoveries (transfers keyed ``recovery:<event id>``)."""

    __tablename__ = "debts"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    reversal_event_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    member_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), index=True)
    original_event_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    amount: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    created_at: so.Mapped[datetime] = so.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
