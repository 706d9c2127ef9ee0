"""Reversals: claw back what an earlier event paid, as much of it as is still available.

A reversal names the event whose award it takes back. That event was paid in an
earlier batch (the journal says what it paid), travels in this very batch, paid
nothing, or has not arrived: then the claim left a tombstone in its place, and it
never will be paid.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.points.adapters.models import Transfer
from services.points.adapters.store import LedgerTx
from services.points.domain.debts import split_clawback
from services.points.domain.ledger import DEBIT, REVERSAL
from services.points.domain.rules import month_of
from services.points.usecases import debts
from suite.events import AwardReversed

if TYPE_CHECKING:  # awards imports this module
    from services.points.usecases.awards import BatchResult

# where a reversal's original was paid, if anywhere
EARLIER: Final = "earlier"  # in an earlier batch (or never: the journal says)
IN_BATCH: Final = "in batch"  # in this very batch
NEVER: Final = "never"  # not arrived when it was reversed: tombstoned, it never pays


@dataclass(frozen=True)
class Paid:
    """What an award paid, and where it counted."""

    member_id: uuid.UUID
    amount: int
    expires_at: datetime
    organization_id: uuid.UUID | None
    occurred_at: datetime


@dataclass
class Reversal:
    """A claimed reversal and, once looked up, what its original paid (None: nothing)."""

    event_id: uuid.UUID
    payload: AwardReversed
    original: Paid | None = None
    paid: str = EARLIER

    @property
    def original_id(self) -> uuid.UUID:
        return self.payload.reverses_event_id


def find_originals(
    session: Session,
    reversals: list[Reversal],
    claimed: set[uuid.UUID],
    tombstoned: set[uuid.UUID],
) -> None:
    """Where and what each reversal's original paid. One paid in an earlier batch is
    processed and committed (the claim waited for it), so the journal has the answer;
    one in this batch is looked up once it is paid."""
    for reversal in reversals:
        if reversal.original_id in claimed:
            reversal.paid = IN_BATCH
        elif reversal.original_id in tombstoned:
            reversal.paid = NEVER
    earlier = [r.original_id for r in reversals if r.paid == EARLIER]
    if not earlier:
        return
    rows = session.execute(
        sa.select(
            Transfer.event_id,
            Transfer.member_id,
            Transfer.amount,
            Transfer.expires_at,
            Transfer.organization_id,
            Transfer.occurred_at,
        ).where(Transfer.idempotency_key.in_([f"event:{i}" for i in earlier]))
    ).all()
    found = {
        row.event_id: Paid(
            row.member_id, row.amount, row.expires_at, row.organization_id, row.occurred_at
        )
        for row in rows
        if row.expires_at is not None and row.occurred_at is not None  # awards carry both
    }
    for reversal in reversals:
        if reversal.paid == EARLIER:
            reversal.original = found.get(reversal.original_id)


def _paid_in_batch(tx: LedgerTx, original_id: uuid.UUID) -> Paid | None:
    posted = tx.keys.get(f"event:{original_id}")
    if posted is None:
        return None
    return Paid(
        posted.entry.member_id,
        posted.entry.amount,
        posted.extra["expires_at"],
        posted.extra["organization_id"],
        posted.extra["occurred_at"],
    )


def claw_back(
    session: Session,
    tx: LedgerTx,
    reversals: list[Reversal],
    result: BatchResult,
    zone: tzinfo,
    owed: dict[uuid.UUID, int],
) -> None:
    """Take back what each reversal's original paid, once per original, under the members'
    locks (so no other transaction can be clawing the same award back)."""
    if not reversals:
        return
    keys = [f"reversal:{r.original_id}" for r in reversals]
    clawed = set(
        session.scalars(
            sa.select(Transfer.idempotency_key).where(Transfer.idempotency_key.in_(keys))
        )
    )
    # a clawback that took nothing (all spent or held) left only its debt
    clawed |= debts.clawed_originals(session, [r.original_id for r in reversals])
    for reversal in reversals:
        if reversal.paid == IN_BATCH:
            reversal.original = _paid_in_batch(tx, reversal.original_id)
        why = _why_not(reversal, clawed)
        if why is not None:
            result.notes[reversal.event_id] = why
            continue
        clawed.add(f"reversal:{reversal.original_id}")
        _take_back(session, tx, reversal, result, zone, owed)


def _why_not(reversal: Reversal, clawed: set[str]) -> str | None:
    original_id = reversal.original_id
    if reversal.paid == NEVER:
        return f"event {original_id} was not paid yet; it never will be"
    if reversal.original is None:
        return f"event {original_id} paid nothing; nothing to claw back"
    if f"reversal:{original_id}" in clawed:
        return f"event {original_id} was clawed back already"
    return None


def _take_back(
    session: Session,
    tx: LedgerTx,
    reversal: Reversal,
    result: BatchResult,
    zone: tzinfo,
    owed: dict[uuid.UUID, int],
) -> None:
    original = reversal.original
    assert original is not None
    state = tx.with_lots(original.member_id)
    take, short = split_clawback(original.amount, state.available)
    if short:
        # spent or held already: not forgiven, owed from the member's next earnings
        debts.record(
            session,
            owed,
            original.member_id,
            short,
            reversal_event_id=reversal.event_id,
            original_event_id=reversal.original_id,
        )
        result.notes[reversal.event_id] = (
            f"clawed back {take} of {original.amount}: {short} owed (spent or held)"
        )
    if take <= 0:
        return
    state.spend_lots(take, prefer=original.expires_at)
    reason = reversal.payload.reason
    tx.post(
        original.member_id,
        REVERSAL,
        take,
        DEBIT,
        idempotency_key=f"reversal:{reversal.original_id}",
        reference=f"award.reversed:{reversal.original_id}",
        description=f"{take} points taken back" + (f": {reason}" if reason else ""),
        event_id=reversal.event_id,
        organization_id=original.organization_id,
        occurred_at=original.occurred_at,
    )
    result.reversed += 1
    result.scores.append(
        (
            original.organization_id,
            month_of(original.occurred_at, zone),
            original.member_id,
            -take,
        )
    )
