"""What every area's use cases do with rows: read the clock, lock, look up, add, announce."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import NotFound
from common.events import Event
from common.outbox import emit
from services.volunteers.adapters.models import plumbing

Row = TypeVar("Row")


def now_utc() -> datetime:
    return datetime.now(UTC)


def locked(db: Session, model: type[Row], key: Any) -> Row | None:
    """The row of ``model`` with primary key ``key``, locked FOR UPDATE and freshly read."""
    primary_key = sa.inspect(model).primary_key[0]
    found: Row | None = db.execute(
        sa.select(model)
        .where(primary_key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    return found


def found_or_error(db: Session, model: type[Row], key: Any, what: str) -> Row:
    """The ``model`` row with primary key ``key``; :class:`NotFound` naming ``what`` if none."""
    row = db.get(model, key)
    if row is None:
        raise NotFound.of(what)
    return row


def added(db: Session, row: Row) -> Row:
    """``row``, added and flushed, so that its defaults are written and its clashes known."""
    db.add(row)
    db.flush()
    return row


class AboutMember(Protocol):
    """An event contract (``suite.events``): each one names the member it is about."""

    @property
    def member_id(self) -> uuid.UUID: ...

    def event(self, subject: str | uuid.UUID) -> Event: ...


def announce(db: Session, contract: AboutMember) -> Event:
    """Write ``contract`` to the outbox, in the transaction of the change it reports; the
    envelope's subject is the member it is about."""
    return emit(db, plumbing.outbox, contract.event(contract.member_id))
