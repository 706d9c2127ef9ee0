"""Lists: the optional filters of a query, and one page of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.pagination import keyset_page


@dataclass(frozen=True)
class PageQuery:
    """A list's page: at most ``limit`` items after ``cursor``."""

    limit: int = 20
    cursor: str | None = None


def filtered(select: sa.Select[Any], *wanted: tuple[Any, Any]) -> sa.Select[Any]:
    """``select`` narrowed to ``column == value`` for each pair whose value was given."""
    for column, value in wanted:
        if value:
            select = select.where(column == value)
    return select


def page(
    db: Session, query: sa.Select[Any], wanted: PageQuery, *keys: Any, descending: bool = False
) -> dict[str, Any]:
    """One page of ``query`` (ordered by ``keys``), as ``{"items", "next_cursor"}``."""
    args = {"limit": wanted.limit, "cursor": wanted.cursor}
    return keyset_page(db, query, args, *keys, descending=descending)
