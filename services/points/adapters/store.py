"""The ledger in PostgreSQL: lock the member accounts, post in memory, write in a few statements.

Lock order, the same for every writer, so parallel writes cannot deadlock:

1. ``processed_events`` rows (event consumers only), in event id order;
2. member ``accounts`` rows, in member id order (``SELECT ... ORDER BY ... FOR UPDATE``);
3. ``holds`` rows of those members;
4. ``system_accounts`` shards, in shard id order, last and only at flush.

While a transaction holds a member's account row it is the only writer of that
account's balance, lots, daily totals and journal chain, so those are read and
computed in Python and written back in bulk. The database still has the last
word: ``available >= 0`` is a CHECK on the row, and journal keys are UNIQUE.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from services.points.adapters.models import Account, Lot, Transfer
from services.points.domain.ledger import SYSTEM_ACCOUNT_OF, Entry, MemberState

_UPDATE_ACCOUNTS = sa.text(
    """
    UPDATE accounts AS a
       SET available = v.available, held = v.held, lifetime_earned = v.lifetime_earned,
           seq = v.seq, last_hash = v.last_hash
      FROM unnest(CAST(:ids AS uuid[]), CAST(:available AS bigint[]), CAST(:held AS bigint[]),
                  CAST(:earned AS bigint[]), CAST(:seq AS bigint[]), CAST(:hash AS bytea[]))
           AS v(member_id, available, held, lifetime_earned, seq, last_hash)
     WHERE a.member_id = v.member_id
    """
)

_UPSERT_LOTS = sa.text(
    """
    INSERT INTO lots (member_id, expires_at, amount, remaining)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:expires AS timestamptz[]),
                         CAST(:amount AS bigint[]), CAST(:remaining AS bigint[]))
    ON CONFLICT (member_id, expires_at) DO UPDATE
       SET amount = lots.amount + EXCLUDED.amount,
           remaining = lots.remaining + EXCLUDED.remaining
    """
)

# spending only ever takes from lots that exist (and a CHECK is tested on the row an upsert
# proposes, before it finds the conflict), so takings are plain updates
_TAKE_FROM_LOTS = sa.text(
    """
    UPDATE lots SET amount = lots.amount + d.amount, remaining = lots.remaining + d.remaining
      FROM unnest(CAST(:ids AS uuid[]), CAST(:expires AS timestamptz[]),
                  CAST(:amount AS bigint[]), CAST(:remaining AS bigint[]))
           AS d(member_id, expires_at, amount, remaining)
     WHERE lots.member_id = d.member_id AND lots.expires_at = d.expires_at
    """
)

_UPSERT_SYSTEM = sa.text(
    """
    INSERT INTO system_accounts (id, name, shard, balance)
    SELECT * FROM unnest(CAST(:ids AS varchar[]), CAST(:names AS varchar[]),
                         CAST(:shards AS smallint[]), CAST(:deltas AS bigint[]))
    ORDER BY 1
    ON CONFLICT (id) DO UPDATE SET balance = system_accounts.balance + EXCLUDED.balance
    """
)

_UPSERT_DAILY = sa.text(
    """
    INSERT INTO daily_awards (member_id, event_type, day, points)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS varchar[]),
                         CAST(:days AS date[]), CAST(:points AS bigint[]))
    ON CONFLICT (member_id, event_type, day) DO UPDATE
       SET points = daily_awards.points + EXCLUDED.points
    """
)


def lock_due(
    session: Session, due_query: sa.Select[*tuple[Any, ...]], *, shards: int, now: datetime
) -> tuple[list[Any], LedgerTx] | None:
    """A batch of rows that are due (each names a ``member_id``) and their members' accounts
    locked, for the periodic jobs; None when nothing is due."""
    due = list(session.execute(due_query).all())
    if not due:
        return None
    return due, LedgerTx(session, [row.member_id for row in due], shards=shards, now=now)


def shard_id(name: str, shard: int) -> str:
    return f"{name}:{shard:02d}"


@dataclass
class Posted:
    """A journal entry waiting to be written, with the columns the domain does not know."""

    entry: Entry
    idempotency_key: str
    extra: dict[str, Any] = field(default_factory=dict)


class LedgerTx:
    """The member accounts of one database transaction, locked, and the transfers to write."""

    def __init__(
        self, session: Session, member_ids: Iterable[uuid.UUID], *, shards: int, now: datetime
    ) -> None:
        self.session = session
        self.now = now
        self.shard = random.randrange(shards)
        self.posted: list[Posted] = []
        self.keys: dict[str, Posted] = {}
        self.system: dict[str, int] = defaultdict(int)
        self.daily: dict[tuple[uuid.UUID, str, Any], int] = defaultdict(int)
        self.accounts: dict[uuid.UUID, MemberState] = {}
        self.lock(member_ids)

    def lock(self, member_ids: Iterable[uuid.UUID]) -> None:
        ids = sorted(set(member_ids) - set(self.accounts))
        if not ids:
            return
        if self.accounts and ids[0] < max(self.accounts):
            raise RuntimeError("accounts must be locked in member id order")
        self.session.execute(
            pg_insert(Account).values([{"member_id": i} for i in ids]).on_conflict_do_nothing()
        )
        rows = self.session.execute(
            sa.select(
                Account.member_id,
                Account.available,
                Account.held,
                Account.lifetime_earned,
                Account.seq,
                Account.last_hash,
            )
            .where(Account.member_id.in_(ids))
            .order_by(Account.member_id)
            .with_for_update()
        ).all()
        for row in rows:
            self.accounts[row.member_id] = MemberState(
                member_id=row.member_id,
                available=row.available,
                held=row.held,
                lifetime_earned=row.lifetime_earned,
                seq=row.seq,
                last_hash=bytes(row.last_hash),
                lots=None,
            )

    def state(self, member_id: uuid.UUID) -> MemberState:
        return self.accounts[member_id]

    def with_lots(self, member_id: uuid.UUID) -> MemberState:
        """The account with its lots loaded (spending needs them; credits do not)."""
        state = self.accounts[member_id]
        if state.lots is None:
            rows = self.session.execute(
                sa.select(Lot.expires_at, Lot.remaining).where(
                    Lot.member_id == member_id, Lot.remaining > 0
                )
            ).all()
            lots = {row.expires_at: row.remaining for row in rows}
            for expires_at, (_, remaining) in state.lot_deltas.items():
                lots[expires_at] = lots.get(expires_at, 0) + remaining
            state.lots = {e: n for e, n in lots.items() if n}
        return state

    def existing(self, idempotency_key: str) -> Transfer | None:
        return self.session.scalar(
            sa.select(Transfer).where(Transfer.idempotency_key == idempotency_key)
        )

    def post(
        self,
        member_id: uuid.UUID,
        kind: str,
        amount: int,
        direction: int,
        *,
        idempotency_key: str,
        reference: str,
        description: str,
        **extra: Any,
    ) -> Posted:
        state = self.accounts[member_id]
        entry = state.post(
            id=uuid.uuid4(),
            kind=kind,
            amount=amount,
            direction=direction,
            created_at=self.now,
            reference=reference[:300],
            description=description,
            system_account=shard_id(SYSTEM_ACCOUNT_OF[kind], self.shard),
        )
        self.system[entry.system_account] += entry.effect.system
        posted = Posted(entry, idempotency_key, extra)
        self.posted.append(posted)
        self.keys[idempotency_key] = posted
        return posted

    def count_daily(self, member_id: uuid.UUID, event_type: str, day: Any, points: int) -> None:
        self.daily[(member_id, event_type, day)] += points

    def flush(self) -> None:
        """Write the journal entries, balances, lots, daily totals and system shards."""
        touched = sorted({p.entry.member_id for p in self.posted})
        self._write_transfers()
        self._write_accounts(touched)
        self._write_lots(touched)
        self._write_daily()
        self._write_system()
        for state in self.accounts.values():
            state.lot_deltas.clear()
        self.posted = []
        self.system.clear()
        self.daily.clear()

    def _write_transfers(self) -> None:
        if not self.posted:
            return
        self.session.execute(
            sa.insert(Transfer),
            [
                {
                    "id": p.entry.id,
                    "idempotency_key": p.idempotency_key,
                    "kind": p.entry.kind,
                    "amount": p.entry.amount,
                    "direction": p.entry.direction,
                    "member_id": p.entry.member_id,
                    "system_account": p.entry.system_account,
                    "seq": p.entry.seq,
                    "available_after": p.entry.available_after,
                    "held_after": p.entry.held_after,
                    "prev_hash": p.entry.prev_hash,
                    "hash": p.entry.hash,
                    "reference": p.entry.reference,
                    "description": p.entry.description,
                    "created_at": p.entry.created_at,
                    "request_hash": p.extra.get("request_hash"),
                    "event_id": p.extra.get("event_id"),
                    "hold_id": p.extra.get("hold_id"),
                    "organization_id": p.extra.get("organization_id"),
                    "occurred_at": p.extra.get("occurred_at"),
                    "expires_at": p.extra.get("expires_at"),
                }
                for p in self.posted
            ],
        )

    def _write_accounts(self, touched: list[uuid.UUID]) -> None:
        if not touched:
            return
        states = [self.accounts[m] for m in touched]
        self.session.execute(
            _UPDATE_ACCOUNTS,
            {
                "ids": touched,
                "available": [s.available for s in states],
                "held": [s.held for s in states],
                "earned": [s.lifetime_earned for s in states],
                "seq": [s.seq for s in states],
                "hash": [s.last_hash for s in states],
            },
        )

    def _write_lots(self, touched: list[uuid.UUID]) -> None:
        lots = [
            (m, e, d[0], d[1])
            for m in touched
            for e, d in sorted(self.accounts[m].lot_deltas.items())
            if d[0] or d[1]
        ]
        for statement, rows in (
            (_UPSERT_LOTS, [x for x in lots if x[3] >= 0]),
            (_TAKE_FROM_LOTS, [x for x in lots if x[3] < 0]),
        ):
            if rows:
                self.session.execute(
                    statement,
                    {
                        "ids": [x[0] for x in rows],
                        "expires": [x[1] for x in rows],
                        "amount": [x[2] for x in rows],
                        "remaining": [x[3] for x in rows],
                    },
                )

    def _write_daily(self) -> None:
        if not self.daily:
            return
        keys = sorted(self.daily, key=lambda k: (k[0], k[1], k[2]))
        self.session.execute(
            _UPSERT_DAILY,
            {
                "ids": [k[0] for k in keys],
                "types": [k[1] for k in keys],
                "days": [k[2] for k in keys],
                "points": [self.daily[k] for k in keys],
            },
        )

    def _write_system(self) -> None:
        system = sorted((k, v) for k, v in self.system.items() if v)
        if not system:
            return
        self.session.execute(
            _UPSERT_SYSTEM,
            {
                "ids": [k for k, _ in system],
                "names": [k.split(":")[0] for k, _ in system],
                "shards": [int(k.split(":")[1]) for k, _ in system],
                "deltas": [v for _, v in system],
            },
        )
