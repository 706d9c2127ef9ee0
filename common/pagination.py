"""Cursor pages: ``?limit=&cursor=`` in, ``{"items": [...], "next_cursor": ...}`` out.

A cursor is the sort key of the last item seen, so a page stays stable while
rows are added in front of it (offsets would shift under concurrent writes).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import Session

from common.errors import Invalid


class PageArgs(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None)


def page_of(item: type[Schema]) -> type[Schema]:
    """The schema of a page of ``item``s: ``{"items": [...], "next_cursor": ...}``."""
    name = item.__name__.removesuffix("Out").removesuffix("Schema") + "Page"
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item)), "next_cursor": fields.String(allow_none=True)},
        name=name,
    )


def encode_cursor(*values: Any) -> str:
    raw = json.dumps([str(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *converters: Callable[[str], Any]) -> list[Any] | None:
    """The values a cursor holds, each passed through its converter (``str``, ``uuid.UUID``...)."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(converters):
            raise ValueError("wrong shape")
        if any("\x00" in str(v) for v in values):  # PostgreSQL text cannot hold U+0000
            raise ValueError("NUL character in a cursor")
        return [convert(str(v)) for convert, v in zip(converters, values, strict=True)]
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise Invalid(
            "The cursor is not one this API gave out.",
            title="Validation error",
            errors={"cursor": ["Not a valid cursor."]},
        ) from exc


def keyset_page(
    session: Session, query: Select[Any], args: dict[str, Any], *keys: Any, descending: bool = False
) -> dict[str, Any]:
    """One page of ``query``, which is ordered by ``keys`` (model columns, the last one
    unique), starting after the cursor in ``args``; the cursor holds the last row's keys."""
    converters = [_parser_for(key.type.python_type) for key in keys]
    after = decode_cursor(args["cursor"], *converters)
    if after:
        position, bound = tuple_(*keys), tuple_(*after)
        query = query.where(position < bound if descending else position > bound)
    rows = list(session.scalars(query.limit(args["limit"] + 1)))
    return page(rows, args["limit"], lambda row: [_as_text(getattr(row, k.key)) for k in keys])


def _parser_for(python_type: type) -> Callable[[str], Any]:
    return datetime.fromisoformat if python_type is datetime else python_type


def _as_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def page(items: list[Any], limit: int, key: Any) -> dict[str, Any]:
    """``items`` was fetched with ``limit + 1`` rows; ``key(item)`` gives its cursor values."""
    has_more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor(*key(items[-1])) if has_more and items else None
    return {"items": items, "next_cursor": next_cursor}


__all__ = [
    "PageArgs",
    "ValidationError",
    "decode_cursor",
    "encode_cursor",
    "keyset_page",
    "page",
    "page_of",
]
