"""Holds for the other services: reserve points, then capture, release or let them expire.

Placing a hold is idempotent by the caller's key: the same key and body find the
hold they made, another body is a 422, and a key whose first request is still
running is a 409 (a transaction-scoped advisory lock on the key tells them apart).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, NotFound
from services.points.adapters.models import Hold
from services.points.adapters.store import LedgerTx, lock_due
from services.points.config import PointsConfig
from services.points.domain import holds as hold_rules
from services.points.domain.errors import key_reused
from services.points.domain.ledger import CAPTURE, CREDIT, DEBIT, HOLD, RELEASE, InsufficientPoints
from services.points.usecases import clock
from services.points.usecases.accounts import Balance, balance


@dataclass(frozen=True)
class HoldRequest:
    """What a service asks to hold: a deadline, or a time to live (else the default)."""

    member_id: uuid.UUID
    amount: int
    reference: str
    description: str = ""
    deadline: datetime | None = None
    ttl_seconds: int | None = None


@dataclass(frozen=True)
class HoldState:
    """A hold and its member's balance; ``created`` is False when a retry found it."""

    hold: Hold
    balance: Balance
    created: bool = False


def _lock_id(key: str) -> int:
    digest = hashlib.blake2b(f"points-hold\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def with_balance(
    session: Session, config: PointsConfig, hold: Hold, created: bool = False
) -> HoldState:
    return HoldState(hold, balance(session, hold.member_id, config), created)


def find(session: Session, config: PointsConfig, hold_id: uuid.UUID) -> HoldState:
    """A hold and its member's balance."""
    return with_balance(session, config, _hold(session, hold_id))


def _hold(session: Session, hold_id: uuid.UUID) -> Hold:
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound.of("hold")
    return hold


def place(
    session: Session,
    config: PointsConfig,
    request: HoldRequest,
    *,
    idempotency_key: str,
    fingerprint: bytes,
) -> HoldState:
    """Reserve points until a deadline, once per key (409 insufficient-points)."""
    locked = session.execute(
        sa.select(sa.func.pg_try_advisory_xact_lock(_lock_id(idempotency_key)))
    ).scalar_one()
    if not locked:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            kind="idempotency-key-in-flight",
            retry_after=1,
        )
    # a retry finds the hold its key made before anything is checked against the clock:
    # the same request answers the same, even after the deadline it named has passed
    existing = by_key(session, idempotency_key, fingerprint)
    if existing is not None:
        return with_balance(session, config, existing)
    now = clock.now_utc()
    deadline = hold_rules.deadline_of(
        now,
        request.deadline,
        request.ttl_seconds,
        default_seconds=config.hold_default_seconds,
        max_seconds=config.hold_max_seconds,
    )
    hold, created = _place(session, config, request, deadline, now, idempotency_key, fingerprint)
    return with_balance(session, config, hold, created)


def _place(
    session: Session,
    config: PointsConfig,
    request: HoldRequest,
    deadline: datetime,
    now: datetime,
    idempotency_key: str,
    fingerprint: bytes,
) -> tuple[Hold, bool]:
    member_id, amount = request.member_id, request.amount
    tx = LedgerTx(session, [member_id], shards=config.system_shards, now=now)
    # after the account's lock: a concurrent request with this key has committed or never will
    existing = by_key(session, idempotency_key, fingerprint)
    if existing is not None:
        return existing, False
    state = tx.with_lots(member_id)
    if amount > state.available:
        raise InsufficientPoints(state.available, amount)
    allocations = state.spend_lots(amount)
    hold_id = uuid.uuid4()
    tx.post(
        member_id,
        HOLD,
        amount,
        DEBIT,
        idempotency_key=f"hold:{hold_id}",
        reference=request.reference,
        description=request.description or f"{amount} points held",
        hold_id=hold_id,
        request_hash=fingerprint,
    )
    hold = Hold(
        id=hold_id,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
        member_id=member_id,
        amount=amount,
        status=hold_rules.ACTIVE,
        deadline=deadline,
        reference=request.reference,
        description=request.description,
        allocations=[[e.isoformat(), n] for e, n in allocations],
        available_after=state.available,
        created_at=now,
    )
    tx.flush()
    session.add(hold)
    session.flush()
    return hold, True


def by_key(session: Session, idempotency_key: str, fingerprint: bytes) -> Hold | None:
    """The hold an earlier request with this key made (None if none); a 422 when that
    request had another body."""
    existing = session.scalar(sa.select(Hold).where(Hold.idempotency_key == idempotency_key))
    if existing is not None and existing.request_hash != fingerprint:
        raise key_reused()
    return existing


def end(session: Session, config: PointsConfig, hold_id: uuid.UUID, how: str) -> HoldState:
    """Capture or release a hold; a retry of the same ending changes nothing."""
    hold = _hold(session, hold_id)
    tx = LedgerTx(session, [hold.member_id], shards=config.system_shards, now=clock.now_utc())
    session.refresh(hold, with_for_update=True)
    if hold_rules.end(hold.status, how):
        if how == hold_rules.CAPTURED:
            hold_rules.check_capture(hold.deadline, tx.now)
        _end(tx, hold, how)
        tx.flush()
        session.flush()
    return with_balance(session, config, hold)


def _end(tx: LedgerTx, hold: Hold, how: str) -> None:
    what = hold.description or hold.reference
    if how == hold_rules.CAPTURED:
        kind, direction, description = CAPTURE, DEBIT, f"{hold.amount} points spent: {what}"
    else:
        word = "expired" if how == hold_rules.EXPIRED else "released"
        kind, direction = RELEASE, CREDIT
        description = f"{hold.amount} held points {word}: {what}"
        state = tx.state(hold.member_id)
        for expires_at, n in hold.allocations:
            state.credit_lot(datetime.fromisoformat(expires_at), int(n), new=False)
    tx.post(
        hold.member_id,
        kind,
        hold.amount,
        direction,
        idempotency_key=f"hold-end:{hold.id}",
        reference=hold.reference,
        description=description,
        hold_id=hold.id,
    )
    hold.status = how
    hold.ended_at = tx.now


def expire(session: Session, config: PointsConfig, limit: int = 500) -> int:
    """Release the active holds past their deadline (one batch); how many."""
    now = clock.now_utc()
    overdue = sa.select(Hold.id, Hold.member_id).where(
        Hold.status == hold_rules.ACTIVE, Hold.deadline < now
    )
    found = lock_due(
        session, overdue.order_by(Hold.deadline).limit(limit), shards=config.system_shards, now=now
    )
    if found is None:
        return 0
    due, tx = found
    holds = session.scalars(
        sa.select(Hold)
        .where(Hold.id.in_([r.id for r in due]))
        .order_by(Hold.member_id, Hold.id)
        .with_for_update()
    ).all()
    ended = 0
    for hold in holds:
        if hold.status == hold_rules.ACTIVE and hold.deadline < now:
            _end(tx, hold, hold_rules.EXPIRED)
            ended += 1
    tx.flush()
    session.flush()
    return ended
