"""Idempotent POSTs, after Stripe: the same key and body replay the first answer.

The key is stored in the same transaction as the change it guards, so a crash
leaves neither. A transaction-scoped advisory lock on the key tells a retry
that arrives while the first request is still running (409) apart from one
that arrives after it (replay), without a second table or a lease to expire.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, current_app, make_response, request
from sqlalchemy import Table, delete, func, insert, select, text
from sqlalchemy.orm import Session

from common.auth import current_principal
from common.errors import Invalid
from common.problems import Problem
from common.transaction import unit_of_work

F = TypeVar("F", bound=Callable[..., Any])

MAX_KEY_LENGTH = 255


def _lock_id(scope: str, key: str) -> int:
    digest = hashlib.blake2b(f"{scope}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def request_fingerprint() -> bytes:
    return hashlib.sha256(request.get_data(cache=True)).digest()


def _key_of_request() -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise Problem(
            400,
            "idempotency-key-required",
            "Send an Idempotency-Key header (a fresh UUID per intended action), "
            "so that a retried request cannot act twice.",
        )
    if len(key) > MAX_KEY_LENGTH:
        raise Problem(400, "idempotency-key-invalid", "The Idempotency-Key is too long.")
    return key


def _lock(session: Session, scope: str, key: str) -> None:
    """Hold the key for this transaction; 409 while another request holds it."""
    acquired = session.execute(
        select(func.pg_try_advisory_xact_lock(_lock_id(scope, key)))
    ).scalar_one()
    if not acquired:
        raise Problem(
            409,
            "idempotency-key-in-flight",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            headers={"Retry-After": "1"},
        )


class KeyReused(Invalid):
    """The Idempotency-Key came back with another body (a 422; for stores of their own too)."""

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was used with a different request body.",
            kind="idempotency-key-reused",
        )


def _replay(stored: Any, fingerprint: bytes) -> Response:
    if stored.request_hash != fingerprint:
        raise KeyReused()
    replay = Response(
        stored.response_body, status=stored.status_code, content_type=stored.content_type
    )
    replay.headers["Idempotent-Replayed"] = "true"
    return replay


def _store(
    session: Session, table: Table, scope: str, key: str, fingerprint: bytes, response: Response
) -> None:
    session.execute(
        insert(table).values(
            scope=scope,
            key=key,
            request_hash=fingerprint,
            status_code=response.status_code,
            response_body=response.get_data(),
            content_type=response.content_type or "application/json",
        )
    )


def idempotent(
    table_getter: Callable[[], Table], session_getter: Callable[[], Session]
) -> Callable[[F], F]:
    """Make a POST view idempotent; the view must not commit (this does, once, at the end)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = _key_of_request()
            table = table_getter()
            session = session_getter()
            scope = f"{current_principal().id}:{request.method}:{request.path}"[:200]
            fingerprint = request_fingerprint()
            _lock(session, scope, key)
            stored = session.execute(
                select(table).where(table.c.scope == scope, table.c.key == key)
            ).first()
            if stored is not None:
                session.rollback()
                return _replay(stored, fingerprint)
            try:
                response = make_response(view(*args, **kwargs))
                if response.status_code < 400:  # an answered error keeps nothing
                    _store(session, table, scope, key, fingerprint, response)
                    session.commit()
            except BaseException:
                session.rollback()
                raise
            return response

        return cast(F, wrapper)

    return decorator


def purge_expired_keys(session: Session, table: Table, days: int | None = None) -> int:
    """Job: forget keys older than the retention (30 days by default, as Stripe keeps 24 h).

    A job is its own transaction boundary, so this commits."""
    keep = days if days is not None else int(current_app.config.get("IDEMPOTENCY_DAYS", 30))
    with unit_of_work(session):
        result = session.execute(
            delete(table).where(
                table.c.created_at < func.now() - text(f"interval '{int(keep)} days'")
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)
