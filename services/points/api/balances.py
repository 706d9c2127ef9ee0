"""Balances, history, leaderboards and the ledger check."""

# flask-smorest ships no type hints: its decorators are untyped, the views are not

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint

from common.app import reads, redis_client, session
from common.auth import current_principal, require_auth, require_roles
from common.db import needs_transaction
from common.dumping import answer
from common.errors import Forbidden
from common.hot_reads import hot_read
from common.pagination import PageArgs, decode_cursor, page
from services.points.api.schemas import (
    BalanceSchema,
    LeaderboardQuery,
    LeaderboardSchema,
    MemberQuery,
    ParkedPage,
    ReconcileSchema,
    TransactionPage,
    TransactionQuery,
)
from services.points.config import PointsConfig
from services.points.usecases import accounts, awards, leaderboards
from services.points.usecases import reconcile as ledger_check
from services.points.usecases.leaderboards import Leaderboard

blp = Blueprint("balances", __name__, url_prefix="/api/v1/points", description="Points")


def config() -> PointsConfig:
    value: PointsConfig = current_app.extensions["points_config"]
    return value


def _whose(member_id: uuid.UUID | None) -> uuid.UUID:
    principal = current_principal()
    wanted = member_id or principal.id
    if wanted != principal.id and not principal.is_admin:
        raise Forbidden("Only admins may read another member's points.")
    return wanted


# Cursor values are checked here, so that a cursor the API never gave out is a 422
# (decode_cursor turns a ValueError into one), not a database error.
def _seq(value: str) -> int:
    seq = int(value)
    if not 0 <= seq <= accounts.MAX_SEQ:
        raise ValueError("sequence number out of range")
    return seq


def _aware(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise ValueError("a cursor's time carries its offset")
    return when


@blp.get("/balance")
@require_auth
@blp.arguments(MemberQuery, location="query")
@blp.response(200, BalanceSchema)
@hot_read(MemberQuery)
def balance(args: dict[str, Any]) -> Response:
    """The caller's points (admins may ask for any member's)"""
    found = accounts.read_balance(reads(), _whose(args["member_id"]), config())
    return answer(BalanceSchema, found)


@blp.get("/transactions")
@require_auth
@blp.arguments(TransactionQuery, location="query")
@blp.response(200, TransactionPage)
@hot_read(TransactionQuery)
def transactions(args: dict[str, Any]) -> Response:
    """The caller's transfers, newest first (admins may ask for any member's)"""
    member_id = _whose(args["member_id"])
    after = decode_cursor(args["cursor"], _seq)
    rows = accounts.transactions(reads(), member_id, args["limit"] + 1, after[0] if after else None)
    return answer(TransactionPage, page(rows, args["limit"], lambda t: (t.seq,)))


@blp.get("/leaderboard")
@require_auth
@blp.arguments(LeaderboardQuery, location="query")
@blp.response(200, LeaderboardSchema)
def leaderboard(args: dict[str, Any]) -> Leaderboard:
    """The month's top earners of an organisation, or of the whole district"""
    return leaderboards.top(
        session(),
        redis_client(),
        args["organization_id"],
        args["period"],
        args["limit"],
        config().district_timezone,
    )


@blp.get("/reconcile")
@require_roles("admin")
@needs_transaction  # one REPEATABLE READ snapshot of the whole ledger
@blp.response(200, ReconcileSchema)
def reconcile() -> dict[str, Any]:
    """Check the whole ledger: sums, replays, hash chains, lots and holds (admin)"""
    db = session()
    ledger_check.read_only_snapshot(db)
    report = ledger_check.reconcile(db)
    db.rollback()
    return report.as_dict()


@blp.get("/parked-events")
@require_roles("admin")
@blp.arguments(PageArgs, location="query")
@blp.response(200, ParkedPage)
def parked_events(args: dict[str, Any]) -> dict[str, Any]:
    """Events the consumer kept without paying them (unknown type, no rule, bad data)"""
    after = decode_cursor(args["cursor"], _aware, uuid.UUID)
    rows = awards.parked_events(
        session(), args["limit"] + 1, (after[0], after[1]) if after else None
    )
    return page(rows, args["limit"], lambda e: (e.received_at.isoformat(), e.event_id))
