"""Debts on accounts: recorded by a clawback that fell short, recovered from the next awards.

Both run under the member's row lock (the batch's ``LedgerTx``), which makes the
holder the only writer of the account's ``owed``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.points.adapters.models import Account, Debt, Transfer
from services.points.adapters.store import LedgerTx
from services.points.domain.debts import RECOVERY_PREFIX, recoverable, recovery_description
from services.points.domain.ledger import DEBIT, REVERSAL


def owed_by(session: Session, members: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    """What each of ``members`` owes (locked already; only those who owe anything)."""
    if not members:
        return {}
    rows = session.execute(
        sa.select(Account.member_id, Account.owed).where(
            Account.member_id.in_(members), Account.owed > 0
        )
    )
    return {row.member_id: int(row.owed) for row in rows}


def _change_owed(session: Session, member_id: uuid.UUID, delta: int) -> None:
    session.execute(
        sa.update(Account).where(Account.member_id == member_id).values(owed=Account.owed + delta)
    )


def record(
    session: Session,
    owed: dict[uuid.UUID, int],
    member_id: uuid.UUID,
    amount: int,
    *,
    reversal_event_id: uuid.UUID,
    original_event_id: uuid.UUID,
) -> None:
    """A clawback's shortfall, owed from now on."""
    session.add(
        Debt(
            reversal_event_id=reversal_event_id,
            member_id=member_id,
            original_event_id=original_event_id,
            amount=amount,
        )
    )
    _change_owed(session, member_id, amount)
    owed[member_id] = owed.get(member_id, 0) + amount


def recover(
    session: Session,
    tx: LedgerTx,
    owed: dict[uuid.UUID, int],
    member_id: uuid.UUID,
    *,
    event_id: uuid.UUID,
    organization_id: uuid.UUID | None,
    occurred_at: datetime,
) -> int:
    """Pay a member's debt first from what an award just credited; how much."""
    debt = owed.get(member_id, 0)
    if debt <= 0:
        return 0
    state = tx.with_lots(member_id)
    taken = recoverable(debt, state.available)
    if taken <= 0:
        return 0
    state.spend_lots(taken)
    extra: dict[str, Any] = {"organization_id": organization_id, "occurred_at": occurred_at}
    tx.post(
        member_id,
        REVERSAL,
        taken,
        DEBIT,
        idempotency_key=f"{RECOVERY_PREFIX}{event_id}",
        reference="debt recovery",
        description=recovery_description(taken, debt),
        event_id=event_id,
        **extra,
    )
    owed[member_id] = debt - taken
    _change_owed(session, member_id, -taken)
    return taken


def recovered_sums(session: Session) -> dict[uuid.UUID, int]:
    """Per member: what recoveries took back (for reconcile)."""
    rows = session.execute(
        sa.select(Transfer.member_id, sa.func.sum(Transfer.amount))
        .where(Transfer.idempotency_key.startswith(RECOVERY_PREFIX))
        .group_by(Transfer.member_id)
    )
    return {row[0]: int(row[1]) for row in rows}


def debt_sums(session: Session) -> dict[uuid.UUID, int]:
    rows = session.execute(
        sa.select(Debt.member_id, sa.func.sum(Debt.amount)).group_by(Debt.member_id)
    )
    return {row[0]: int(row[1]) for row in rows}


def clawed_originals(session: Session, original_ids: list[uuid.UUID]) -> set[str]:
    """The ``reversal:<id>`` keys of those originals a clawback left a debt for."""
    rows = session.scalars(
        sa.select(Debt.original_event_id).where(Debt.original_event_id.in_(original_ids))
    )
    return {f"reversal:{original_id}" for original_id in rows}
