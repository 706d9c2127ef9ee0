"""The plumbing tables every service database has: outbox, idempotency keys, processed events.

Each service calls :func:`plumbing_tables` with its own metadata, so the tables
live in that service's database and its Alembic migrations.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID


@dataclass(frozen=True)
class PlumbingTables:
    outbox: Table
    idempotency_keys: Table
    processed_events: Table


def plumbing_tables(metadata: MetaData) -> PlumbingTables:
    outbox = Table(
        "outbox",
        metadata,
        Column("position", BigInteger, Identity(), primary_key=True),
        Column("id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("type", String(80), nullable=False),
        Column("version", SmallInteger, nullable=False, server_default=text("1")),
        Column("subject", String(80), nullable=False),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("data", JSONB, nullable=False),
        Column("sent_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Index("ix_outbox_unsent", "position", postgresql_where=text("sent_at IS NULL")),
    )
    idempotency_keys = Table(
        "idempotency_keys",
        metadata,
        Column("scope", String(200), primary_key=True),
        Column("key", String(255), primary_key=True),
        Column("request_hash", LargeBinary(32), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response_body", LargeBinary, nullable=False),
        Column("content_type", String(100), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )
    processed_events = Table(
        "processed_events",
        metadata,
        Column("event_id", UUID(as_uuid=True), primary_key=True),
        Column("type", String(80), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("note", Text),
    )
    return PlumbingTables(outbox, idempotency_keys, processed_events)
