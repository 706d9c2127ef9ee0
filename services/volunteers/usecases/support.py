"""What every area's use cases share: the clock, row locks, lookups and pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import NotFound
from common.pagination import keyset_page

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


@dataclass(frozen=True)
class PageQuery:
    """A list's page: at most ``limit`` items after ``cursor``."""

    limit: int = 20
    cursor: str | None = None


def page(
    db: Session, query: sa.Select[Any], wanted: PageQuery, *keys: Any, descending: bool = False
) -> dict[str, Any]:
    """One page of ``query`` (ordered by ``keys``), as ``{"items", "next_cursor"}``."""
    args = {"limit": wanted.limit, "cursor": wanted.cursor}
    return keyset_page(db, query, args, *keys, descending=descending)
