"""Members' accounts: the balance, the history of transfers, admins' adjustments, expiry."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.reads import Rows, SessionRows
from services.points.adapters.models import Lot
from services.points.adapters.store import LedgerTx, lock_due
from services.points.config import PointsConfig
from services.points.domain import ledger
from services.points.domain.errors import invalid, key_reused
from services.points.domain.ledger import ADJUSTMENT, CREDIT, DEBIT, EXPIRY, InsufficientPoints
from services.points.usecases import clock


@dataclass(frozen=True)
class Expiring:
    points: int
    expires_at: datetime


@dataclass(frozen=True)
class Balance:
    member_id: uuid.UUID
    available: int
    held: int
    lifetime_earned: int
    expiring: list[Expiring] = field(default_factory=list)
    # clawed back after it was spent or held: the next awards pay it first
    owed: int = 0


class TransactionView(NamedTuple):
    """One transfer as its member sees it: what it did to available and held points.

    A named tuple, not a frozen dataclass: a page makes twenty, and a frozen dataclass's
    ``__init__`` (``object.__setattr__`` per field) cost 1.5 us each against 0.6."""

    id: uuid.UUID
    seq: int
    kind: str
    amount: int
    held_change: int
    available_after: int
    held_after: int
    created_at: datetime
    reference: str
    description: str


@dataclass(frozen=True)
class Adjustment:
    """An admin's correction: ``amount`` points in (positive) or out (negative)."""

    member_id: uuid.UUID
    amount: int
    reason: str


# pyformat parameters: the same text runs on a read connection (common/reads.py) or on a
# session's connection inside a transaction
_BALANCE = """
    SELECT a.available, a.held, a.lifetime_earned, a.owed,
           (SELECT coalesce(json_agg(json_build_array(l.remaining, l.expires_at)
                                     ORDER BY l.expires_at), '[]')
              FROM (SELECT remaining, expires_at FROM lots
                     WHERE member_id = %(member_id)s AND remaining > 0
                     ORDER BY expires_at LIMIT %(shown)s) AS l) AS expiring
      FROM (SELECT 1) AS one LEFT JOIN accounts AS a ON a.member_id = %(member_id)s
    """


def balance(session: Session, member_id: uuid.UUID, config: PointsConfig) -> Balance:
    """The balance as the session's transaction sees it (a write answering with it)."""
    return read_balance(SessionRows(session), member_id, config)


def read_balance(rows: Rows, member_id: uuid.UUID, config: PointsConfig) -> Balance:
    """The stored balance and the next lots to expire: one round trip of two index lookups,
    whatever the length of the history."""
    row = rows.one(_BALANCE, {"member_id": member_id, "shown": config.expiring_lots_shown})
    assert row is not None  # the LEFT JOIN from one row always answers one
    available, held, lifetime_earned, owed, expiring = row
    return Balance(
        member_id=member_id,
        available=available or 0,
        held=held or 0,
        lifetime_earned=lifetime_earned or 0,
        owed=owed or 0,
        expiring=[
            Expiring(points, datetime.fromisoformat(expires_at)) for points, expires_at in expiring
        ],
    )


# the columns a member sees: a page of whole ORM objects (hashes, keys and all) cost
# about twice as much to load (docs/performance.md)
_TRANSACTIONS = """
    SELECT id, seq, kind, amount, direction, available_after, held_after, created_at,
           reference, description
      FROM transfers
     WHERE member_id = %(member_id)s AND seq < %(before)s
     ORDER BY seq DESC
     LIMIT %(limit)s
    """
MAX_SEQ = 2**63 - 1  # transfers.seq is a BIGINT: "before the largest" is every transfer


def transactions(
    rows: Rows, member_id: uuid.UUID, limit: int, before_seq: int | None
) -> list[TransactionView]:
    """A member's transfers, newest first, keyed by the account's own sequence number.

    Transfers to one account are serialised by its row lock, so the sequence is
    the commit order: a page never shifts when new transfers arrive in front.
    """
    before = MAX_SEQ if before_seq is None else before_seq
    found = rows.all(_TRANSACTIONS, {"member_id": member_id, "before": before, "limit": limit})
    return [transaction_view(*row) for row in found]


def transaction_view(
    id: uuid.UUID,
    seq: int,
    kind: str,
    amount: int,
    direction: int,
    available_after: int,
    held_after: int,
    created_at: datetime,
    reference: str,
    description: str,
) -> TransactionView:
    change = ledger.effect(kind, amount, direction)
    return TransactionView(
        id=id,
        seq=seq,
        kind=kind,
        amount=change.available,
        held_change=change.held,
        available_after=available_after,
        held_after=held_after,
        created_at=created_at,
        reference=reference,
        description=description,
    )


_TRANSFER_KEY_LENGTH = 300  # transfers.idempotency_key


def adjustment_key(actor: uuid.UUID, idempotency_key: str) -> str:
    """The journal key of an admin's adjustment. The API takes keys up to 255 characters,
    which with the prefix may not fit the journal's column: a key that long is kept as
    its SHA-256, under a prefix of its own (still one journal key per admin and key)."""
    key = f"adjustment:{actor}:{idempotency_key}"
    if len(key) <= _TRANSFER_KEY_LENGTH:
        return key
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
    return f"adjustment-sha256:{actor}:{digest}"  # no short key's journal key looks like this


def adjust(
    session: Session,
    config: PointsConfig,
    adjustment: Adjustment,
    *,
    actor: uuid.UUID,
    idempotency_key: str,
    fingerprint: bytes | None = None,
) -> Balance:
    """An admin's correction: a credit (a new lot) or a debit (FIFO from the lots).

    ``fingerprint`` (the request's hash) is kept on the transfer beside its key."""
    if adjustment.amount == 0:
        raise invalid("An adjustment moves points.", {"amount": ["not 0"]})
    member_id = adjustment.member_id
    tx = LedgerTx(session, [member_id], shards=config.system_shards, now=clock.now_utc())
    key = adjustment_key(actor, idempotency_key)
    existing = tx.existing(key)
    if existing is None:
        post_adjustment(
            tx,
            config,
            adjustment,
            key=key,
            reference=f"adjustment by {actor}",
            fingerprint=fingerprint,
        )
        tx.flush()
    elif (
        existing.request_hash is not None
        and fingerprint is not None
        and bytes(existing.request_hash) != fingerprint
    ):
        # the journal keeps the key for good (idempotency_keys only 30 days): the same key
        # with another request must not answer 201 while moving nothing
        raise key_reused()
    return balance(session, member_id, config)


def post_adjustment(
    tx: LedgerTx,
    config: PointsConfig,
    adjustment: Adjustment,
    *,
    key: str,
    reference: str,
    fingerprint: bytes | None = None,
) -> None:
    """Post an adjustment under the member's lock (the caller's ``tx``), once per ``key``."""
    member_id, amount = adjustment.member_id, adjustment.amount
    posting: dict[str, Any] = {
        "idempotency_key": key,
        "reference": reference,
        "description": f"Adjustment: {adjustment.reason}",
        "request_hash": fingerprint,
    }
    if amount > 0:
        expires_at = config.expiry.expires_at(tx.now)
        tx.post(member_id, ADJUSTMENT, amount, CREDIT, expires_at=expires_at, **posting)
        tx.state(member_id).credit_lot(expires_at, amount)
        return
    state = tx.with_lots(member_id)
    if -amount > state.available:
        raise InsufficientPoints(state.available, -amount)
    state.spend_lots(-amount)
    tx.post(member_id, ADJUSTMENT, -amount, DEBIT, **posting)


def expire_lots(session: Session, config: PointsConfig, limit: int = 500) -> int:
    """Expire what is left of lots past their date (one batch); how many lots."""
    now = clock.now_utc()
    lots = sa.select(Lot.member_id, Lot.expires_at).where(Lot.remaining > 0, Lot.expires_at <= now)
    found = lock_due(
        session, lots.order_by(Lot.expires_at).limit(limit), shards=config.system_shards, now=now
    )
    if found is None:
        return 0
    due, tx = found
    done = 0
    for member_id, expires_at in sorted((r.member_id, r.expires_at) for r in due):
        state = tx.with_lots(member_id)
        assert state.lots is not None
        points = state.lots.get(expires_at, 0)
        if points <= 0:
            continue
        state.spend_lots(points, prefer=expires_at)
        tx.post(
            member_id,
            EXPIRY,
            points,
            DEBIT,
            idempotency_key=f"expiry:{member_id}:{expires_at.isoformat()}:{state.seq + 1}",
            reference=f"lot expiring {expires_at.isoformat()}",
            description=f"{points} points expired",
            expires_at=expires_at,
        )
        done += 1
    tx.flush()
    return done
