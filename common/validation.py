"""Input every service refuses the same way, before it can reach PostgreSQL or Python's limits.

PostgreSQL text cannot hold U+0000 and psycopg refuses to send it; Python's json gives up
on deep nesting with RecursionError; Python cannot read back a year past 9999. Each of
these surfaced as a 500 in one app before; every app refuses them here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import request
from marshmallow import fields

from common.problems import Problem

NUL = "\x00"
NUL_MESSAGE = "Must not contain NUL characters (U+0000) or unpaired surrogates."
# NUL cannot be stored; a lone surrogate (valid as a JSON escape) has no UTF-8 at all
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class Instant(fields.AwareDateTime):
    """A time with an offset that lies in 1900-2999 UTC. PostgreSQL stores year 10000 (what
    9999-12-31T20:00-14:00 is in UTC), but Python cannot read it back: one such row made every
    list holding it a 500, and converting such a time to UTC raised (a 500 as well)."""

    EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
    LATEST = datetime(3000, 1, 1, tzinfo=UTC)
    default_error_messages = {"range": "Must be a time between 1900 and 2999 (UTC)."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment: datetime = super()._deserialize(value, attr, data, **kwargs)
        if not self.EARLIEST <= moment < self.LATEST:
            raise self.make_error("range")
        return moment


def _nul_fields(value: Any) -> list[str]:
    """The paths of the strings (or keys) in ``value`` that hold a NUL; iterative, so any
    depth the JSON parser accepted is walked without recursion."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                found.append(path or "_schema")
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{path}.{key}" if path else str(key)
                if _UNSTORABLE.search(str(key)):
                    found.append(name)
                else:
                    stack.append((name, child))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                stack.append((f"{path}.{index}" if path else str(index), child))
    return found


def _nothing_to_look_at(environ: dict[str, Any]) -> bool:
    """No body, and neither path nor query can decode to a NUL: a GET's common case, settled
    without parsing the query (which the view's own arguments parse later)."""
    if environ.get("CONTENT_LENGTH") not in (None, "", "0") or "HTTP_TRANSFER_ENCODING" in environ:
        return False
    query: str = environ.get("QUERY_STRING", "")
    return NUL not in environ.get("PATH_INFO", "") and NUL not in query and "%00" not in query


def refuse_nul_characters() -> None:
    """Before every request: PostgreSQL text cannot hold U+0000 (psycopg refuses to send it,
    which surfaced as a 500), so a NUL in the path, query, form or JSON body is refused first:
    a 404 in the path, else a 422 naming the fields. A JSON body too deeply nested for the
    parser is a 400."""
    if _nothing_to_look_at(request.environ):
        return
    if any(NUL in str(value) for value in (request.view_args or {}).values()):
        raise Problem(404, "not-found", "There is nothing at this address.")
    fields = _nul_fields({k: v for k, v in request.args.lists()})
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += _nul_fields({k: v for k, v in request.form.lists()})
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            # json.loads gives up on very deep nesting with RecursionError, not ValueError,
            # which get_json does not treat as malformed: it was a 500
            raise Problem(
                400, "malformed-request", "The request body is nested too deeply."
            ) from None
        fields += _nul_fields(body)
    if fields:
        raise Problem(
            422,
            "validation-error",
            "The request has invalid fields; see errors.",
            title="Validation failed",
            errors={name.removesuffix(".0"): [NUL_MESSAGE] for name in fields},
        )
