"""Reconcile: check the whole ledger and say exactly what is off.

The checks, each a phase: all accounts sum to zero; every system shard's stored
balance equals the replay of its transfers; every member's stored balance equals
the replay of its journal, whose hash chain is unbroken; lots add up to what is
available and active holds to what is held; every ended hold has exactly one
ending transfer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.points.adapters.models import Account, Hold, Lot, SystemAccount, Transfer
from services.points.domain import holds as hold_rules
from services.points.domain import ledger
from services.points.domain.ledger import CAPTURE, HOLD, RELEASE, Discrepancy
from services.points.usecases import debts


@dataclass
class ReconcileReport:
    """What reconcile checked, and every discrepancy it found."""

    accounts: int = 0
    transfers: int = 0
    system_total: int = 0
    member_total: int = 0
    problems: list[Discrepancy] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "accounts": self.accounts,
            "transfers": self.transfers,
            "member_total": self.member_total,
            "system_total": self.system_total,
            "problems": [
                {"account": p.account, "check": p.check, "detail": p.detail} for p in self.problems
            ],
        }


def read_only_snapshot(session: Session) -> None:
    """Make the session's next transaction one consistent, read-only view of the ledger
    (call it first; the caller rolls the transaction back when done)."""
    session.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))


def reconcile(session: Session, batch: int = 5_000) -> ReconcileReport:
    """Check the whole ledger; the report lists every discrepancy found."""
    report = ReconcileReport()
    _check_sum(session, report)
    system_ids = _check_system_shards(session, report)
    accounts = _member_accounts(session)
    report.accounts = len(accounts) + len(system_ids)
    _check_journals(session, report, accounts, batch)
    _check_lots_and_holds(session, report, accounts)
    _check_hold_endings(session, report)
    _check_debts(session, report, accounts)
    return report


def _check_sum(session: Session, report: ReconcileReport) -> None:
    report.member_total = int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Account.available + Account.held), 0))
        )
        or 0
    )
    report.system_total = int(
        session.scalar(sa.select(sa.func.coalesce(sa.func.sum(SystemAccount.balance), 0))) or 0
    )
    total = report.member_total + report.system_total
    if total != 0:
        report.problems.append(
            Discrepancy(
                "ledger",
                "sum",
                f"accounts sum to {total}, not 0 "
                f"(members {report.member_total}, system {report.system_total})",
            )
        )


def _check_system_shards(session: Session, report: ReconcileReport) -> set[str]:
    """Each shard against the replay of its transfers (the opposite of the members' postings);
    the ids of the stored shards."""
    posted = sa.case(
        (Transfer.kind.in_([HOLD, RELEASE]), 0),
        (Transfer.kind == CAPTURE, -Transfer.amount),
        else_=Transfer.direction * Transfer.amount,
    )
    replayed: dict[str, int] = {
        row[0]: int(row[1])
        for row in session.execute(
            sa.select(Transfer.system_account, sa.func.sum(-posted)).group_by(
                Transfer.system_account
            )
        )
    }
    stored: dict[str, int] = {
        row.id: int(row.balance)
        for row in session.execute(sa.select(SystemAccount.id, SystemAccount.balance))
    }
    for account_id in sorted(set(replayed) | set(stored)):
        want, have = replayed.get(account_id, 0), stored.get(account_id, 0)
        if want != have:
            report.problems.append(
                Discrepancy(
                    f"system:{account_id}",
                    "balance",
                    f"stored balance {have}, replay of its transfers gives {want}",
                )
            )
    return set(stored)


def _member_accounts(session: Session) -> dict[uuid.UUID, Any]:
    return {
        row.member_id: row
        for row in session.execute(
            sa.select(
                Account.member_id,
                Account.available,
                Account.held,
                Account.owed,
                Account.seq,
                Account.last_hash,
            )
        )
    }


_JOURNAL_COLUMNS = (
    Transfer.id,
    Transfer.kind,
    Transfer.amount,
    Transfer.direction,
    Transfer.member_id,
    Transfer.system_account,
    Transfer.seq,
    Transfer.available_after,
    Transfer.held_after,
    Transfer.created_at,
    Transfer.reference,
    Transfer.description,
    Transfer.prev_hash,
    Transfer.hash,
)


def _check_journals(
    session: Session, report: ReconcileReport, accounts: dict[uuid.UUID, Any], batch: int
) -> None:
    """Stream the journal in account order, replay each account and check its chain."""
    seen: set[uuid.UUID] = set()

    def entries_of(rows: Iterable[Any]) -> Iterator[ledger.Entry]:
        for row in rows:
            report.transfers += 1
            yield _entry(row)

    stream = session.execute(
        sa.select(*_JOURNAL_COLUMNS)
        .order_by(Transfer.member_id, Transfer.seq)
        .execution_options(yield_per=batch)
    )
    try:
        for member_id, rows in groupby(stream, key=itemgetter(4)):
            seen.add(member_id)
            account = accounts.get(member_id)
            report.problems.extend(_check_chain(member_id, account, entries_of(rows)))
    finally:
        stream.close()
    session.expunge_all()
    for member_id, account in accounts.items():
        if member_id not in seen and (account.available or account.held or account.seq):
            report.problems.append(
                Discrepancy(
                    f"member:{member_id}",
                    "balance",
                    f"stored available={account.available} held={account.held} but the "
                    "journal has no transfers",
                )
            )


def _entry(row: Any) -> ledger.Entry:
    return ledger.Entry(
        id=row.id,
        kind=row.kind,
        amount=row.amount,
        direction=row.direction,
        member_id=row.member_id,
        system_account=row.system_account,
        seq=row.seq,
        available_after=row.available_after,
        held_after=row.held_after,
        created_at=row.created_at,
        reference=row.reference,
        description=row.description,
        prev_hash=bytes(row.prev_hash),
        hash=bytes(row.hash),
    )


def _check_chain(
    member_id: uuid.UUID, account: Any, entries: Iterator[ledger.Entry]
) -> list[Discrepancy]:
    if account is None:
        for _ in entries:  # counted all the same
            pass
        return [
            Discrepancy(
                f"member:{member_id}", "account", "transfers exist but the account does not"
            )
        ]
    return ledger.verify_chain(
        member_id,
        entries,
        account.available,
        account.held,
        account.seq,
        bytes(account.last_hash),
    )


def _check_lots_and_holds(
    session: Session, report: ReconcileReport, accounts: dict[uuid.UUID, Any]
) -> None:
    """Lots against what is available, active holds against what is held."""
    lot_sums = _sums(
        session, sa.select(Lot.member_id, sa.func.sum(Lot.remaining)).group_by(Lot.member_id)
    )
    hold_sums = _sums(
        session,
        sa.select(Hold.member_id, sa.func.sum(Hold.amount))
        .where(Hold.status == hold_rules.ACTIVE)
        .group_by(Hold.member_id),
    )
    for member_id, account in accounts.items():
        lots, held = lot_sums.get(member_id, 0), hold_sums.get(member_id, 0)
        off: list[tuple[str, str]] = []
        if lots != account.available:
            off.append(
                ("lots", f"lots hold {lots} points, the account has {account.available} available")
            )
        if held != account.held:
            off.append(
                ("holds", f"active holds reserve {held} points, the account holds {account.held}")
            )
        report.problems.extend(Discrepancy(f"member:{member_id}", c, d) for c, d in off)


def _sums(session: Session, query: sa.Select[uuid.UUID, int]) -> dict[uuid.UUID, int]:
    return {row[0]: int(row[1]) for row in session.execute(query)}


def _check_hold_endings(session: Session, report: ReconcileReport) -> None:
    endings = (
        sa.select(Transfer.hold_id, sa.func.count().label("n"))
        .where(Transfer.kind.in_([CAPTURE, RELEASE]))
        .group_by(Transfer.hold_id)
        .subquery()
    )
    for row in session.execute(
        sa.select(Hold.id, Hold.status, sa.func.coalesce(endings.c.n, 0)).outerjoin(
            endings, endings.c.hold_id == Hold.id
        )
    ):
        expected = 0 if row.status == hold_rules.ACTIVE else 1
        if row[2] != expected:
            report.problems.append(
                Discrepancy(
                    f"hold:{row.id}",
                    "hold",
                    f"a {row.status} hold has {row[2]} ending transfers, expected {expected}",
                )
            )


def _check_debts(session: Session, report: ReconcileReport, accounts: dict[uuid.UUID, Any]) -> None:
    """What each account owes is what clawbacks could not take less what recoveries took."""
    owed_from, recovered = debts.debt_sums(session), debts.recovered_sums(session)
    for member_id, account in accounts.items():
        expected = owed_from.get(member_id, 0) - recovered.get(member_id, 0)
        if account.owed != expected:
            report.problems.append(
                Discrepancy(
                    f"member:{member_id}",
                    "debts",
                    f"the account owes {account.owed}, its debts less recoveries say {expected}",
                )
            )
