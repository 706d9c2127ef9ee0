"""The gateway's tables: users, their refresh tokens, invites."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from common.db import new_metadata
from common.tables import plumbing_tables


class Base(so.DeclarativeBase):
    metadata = new_metadata()


plumbing = plumbing_tables(Base.metadata)


class User(Base):
    __tablename__ = "users"

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(40))
    username_key: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(200))
    roles: so.Mapped[list[str]] = so.mapped_column(ARRAY(sa.String(30)))
    organization_ids: so.Mapped[list[uuid.UUID]] = so.mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=sa.text("'{}'")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    # the invite the account registered with (who invited whom, for relation checks)
    invite_id: so.Mapped[uuid.UUID | None] = so.mapped_column(sa.ForeignKey("invites.id"))
    # anonymised at the member's request: the name is a tombstone, no password works
    deleted_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))


class Invite(Base):
    """A coordinator's code for a registration drive: ``uses`` registrations until
    ``expires_at``, past the per-address limit."""

    __tablename__ = "invites"
    __table_args__ = (sa.CheckConstraint("used >= 0 AND used <= uses", name="used_within_uses"),)

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    organization_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    created_by: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    uses: so.Mapped[int] = so.mapped_column(sa.Integer)
    used: so.Mapped[int] = so.mapped_column(sa.Integer, server_default=sa.text("0"))
    expires_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    created_at: so.Mapped[datetime] = so.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    user_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # every token descends from one login; reusing a spent one revokes the whole family
    family_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), index=True)
    token_hash: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary(32), unique=True)
    expires_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    used_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    created_at: so.Mapped[datetime] = so.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class DeletionRequest(Base):
    """A member asked to be deleted; an admin completes it (the account is anonymised and
    ``member.deleted`` tells the other services)."""

    __tablename__ = "deletion_requests"
    __table_args__ = (
        sa.CheckConstraint("status IN ('requested', 'completed')", name="status_valid"),
        sa.Index(
            "ix_deletion_requests_open",
            "user_id",
            unique=True,
            postgresql_where=sa.text("status = 'requested'"),
        ),
    )

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    user_id: so.Mapped[uuid.UUID] = so.mapped_column(sa.ForeignKey("users.id"))
    status: so.Mapped[str] = so.mapped_column(sa.String(10))
    requested_at: so.Mapped[datetime] = so.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    completed_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    completed_by: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    tombstone: so.Mapped[str | None] = so.mapped_column(sa.String(40))
