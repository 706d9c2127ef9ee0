"""The rewards service's tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects.postgresql import JSONB, UUID

from common.db import new_metadata
from common.tables import plumbing_tables


class Base(so.DeclarativeBase):
    metadata = new_metadata()


plumbing = plumbing_tables(Base.metadata)

REWARD_CATEGORIES = ("childcare", "rental_housing", "health", "transport", "goods", "other")


class Reward(Base):
    __tablename__ = "rewards"
    __table_args__ = (
        sa.CheckConstraint("cost > 0", name="cost_positive"),
        sa.CheckConstraint(
            "stock_remaining IS NULL OR stock_remaining >= 0", name="stock_not_negative"
        ),
    )

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    category: so.Mapped[str] = so.mapped_column(sa.String(30), index=True)
    cost: so.Mapped[int] = so.mapped_column(sa.Integer)
    # NULL means unlimited
    stock_remaining: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    per_member_limit: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    requires_approval: so.Mapped[bool] = so.mapped_column(sa.Boolean, server_default=sa.false())
    eligibility: so.Mapped[dict[str, Any]] = so.mapped_column(JSONB, server_default=sa.text("'{}'"))
    form_fields: so.Mapped[list[Any]] = so.mapped_column(JSONB, server_default=sa.text("'[]'"))
    active: so.Mapped[bool] = so.mapped_column(sa.Boolean, server_default=sa.true())
    created_at: so.Mapped[datetime] = so.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
