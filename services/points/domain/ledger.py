"""The ledger's arithmetic: what each kind of transfer does to a member account.

Every transfer moves points between exactly one member account and one system
account (issuance, redemptions, expiry, adjustments). A member account has two
buckets, ``available`` and ``held``; a system account has one balance. The
effect of a transfer on the member follows from its kind and direction alone,
and the system account always moves by the opposite of the member's posted
change (available + held), so all accounts sum to zero by construction.

A hold moves points from available to held and leaves the posted balance
untouched: it is a pending transfer that ends as a capture (held points leave
for the redemptions account), a release (back to available) or an expiry
(a release the scheduler makes after the deadline).

Each member account's transfers form a hash chain: entry ``n`` carries the hash
of entry ``n - 1``, so rewriting history breaks every later link. Chains are
per account, so appending never takes a global lock.

No Flask, no SQLAlchemy: plain data and functions, shared by the database
adapter and by the property tests' in-memory ledger.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, NamedTuple

from common.errors import Conflict
from services.points.domain import lots as lot_rules

AWARD: Final = "award"
ADJUSTMENT: Final = "adjustment"
HOLD: Final = "hold"
CAPTURE: Final = "capture"
RELEASE: Final = "release"
EXPIRY: Final = "expiry"
REVERSAL: Final = "reversal"
KINDS: Final = (AWARD, ADJUSTMENT, HOLD, CAPTURE, RELEASE, EXPIRY, REVERSAL)

# The system accounts, and which one each kind of transfer meets.
ISSUANCE: Final = "issuance"
REDEMPTIONS: Final = "redemptions"
EXPIRED: Final = "expiry"
ADJUSTMENTS: Final = "adjustments"
SYSTEM_ACCOUNTS: Final = (ISSUANCE, REDEMPTIONS, EXPIRED, ADJUSTMENTS)
SYSTEM_ACCOUNT_OF: Final = {
    AWARD: ISSUANCE,
    REVERSAL: ISSUANCE,
    ADJUSTMENT: ADJUSTMENTS,
    HOLD: REDEMPTIONS,
    CAPTURE: REDEMPTIONS,
    RELEASE: REDEMPTIONS,
    EXPIRY: EXPIRED,
}

# +1: the member account is credited (points come in); -1: it is debited.
CREDIT: Final = 1
DEBIT: Final = -1
_FIXED_DIRECTION: Final = {
    AWARD: CREDIT,
    REVERSAL: DEBIT,
    HOLD: DEBIT,
    CAPTURE: DEBIT,
    RELEASE: CREDIT,
    EXPIRY: DEBIT,
}

GENESIS_HASH: Final = bytes(32)


class LedgerError(Exception):
    """A transfer the ledger refuses."""


class InsufficientPoints(LedgerError, Conflict):
    """More points are asked for than the account has available: a client's 409."""

    def __init__(self, available: int, wanted: int) -> None:
        Conflict.__init__(
            self,
            f"Not enough points: {wanted} needed, {available} available.",
            kind="insufficient-points",
            extra={"available": available, "needed": wanted},
        )
        self.available = available
        self.wanted = wanted


class Effect(NamedTuple):
    """What a transfer does to a member account's available and held points (a named tuple:
    every line of a page of transfers makes one)."""

    available: int
    held: int

    @property
    def posted(self) -> int:
        return self.available + self.held

    @property
    def system(self) -> int:
        """What the transfer does to its system account: the opposite of the member's posting."""
        return -self.posted


def effect(kind: str, amount: int, direction: int) -> Effect:
    """What a transfer of ``kind`` and ``amount`` does to the member account."""
    if kind not in SYSTEM_ACCOUNT_OF:
        raise LedgerError(f"unknown transfer kind {kind!r}")
    if amount <= 0:
        raise LedgerError("a transfer moves a positive number of points")
    fixed = _FIXED_DIRECTION.get(kind)
    if fixed is not None and fixed != direction:
        raise LedgerError(f"a {kind} cannot go in direction {direction}")
    if direction not in (CREDIT, DEBIT):
        raise LedgerError(f"direction must be {CREDIT} or {DEBIT}")
    if kind == HOLD:
        return Effect(-amount, amount)
    if kind == CAPTURE:
        return Effect(0, -amount)
    if kind == RELEASE:
        return Effect(amount, -amount)
    return Effect(direction * amount, 0)


def earned_delta(kind: str, amount: int) -> int:
    """How a transfer changes the member's lifetime earnings (awards less clawbacks)."""
    if kind == AWARD:
        return amount
    if kind == REVERSAL:
        return -amount
    return 0


@dataclass
class Entry:
    """One transfer, as the journal stores it (the member account's side carries the chain)."""

    id: uuid.UUID
    kind: str
    amount: int
    direction: int
    member_id: uuid.UUID
    system_account: str
    seq: int
    available_after: int
    held_after: int
    created_at: datetime
    reference: str
    description: str
    prev_hash: bytes = GENESIS_HASH
    hash: bytes = b""

    @property
    def effect(self) -> Effect:
        return effect(self.kind, self.amount, self.direction)


def canonical(entry: Entry) -> bytes:
    parts = (
        str(entry.id),
        entry.kind,
        str(entry.amount),
        str(entry.direction),
        str(entry.member_id),
        entry.system_account,
        str(entry.seq),
        str(entry.available_after),
        str(entry.held_after),
        entry.created_at.astimezone(UTC).isoformat(),
        entry.reference,
        entry.description,
    )
    return "\x1f".join(parts).encode()


def entry_hash(prev_hash: bytes, entry: Entry) -> bytes:
    return hashlib.sha256(prev_hash + canonical(entry)).digest()


@dataclass
class MemberState:
    """A member account as a transaction sees it while it holds the account's lock.

    ``lots`` maps an expiry time to the points of that lot still available;
    ``None`` until the caller loaded them (credits do not need them, spending
    does). ``lot_deltas`` collects what changed, so a store can apply only that.
    """

    member_id: uuid.UUID
    available: int = 0
    held: int = 0
    lifetime_earned: int = 0
    seq: int = 0
    last_hash: bytes = GENESIS_HASH
    lots: dict[datetime, int] | None = field(default_factory=dict)
    lot_deltas: dict[datetime, list[int]] = field(default_factory=dict)

    def _lot_change(self, expires_at: datetime, amount_delta: int, remaining_delta: int) -> None:
        if self.lots is not None:
            left = self.lots.get(expires_at, 0) + remaining_delta
            if left:
                self.lots[expires_at] = left
            else:
                self.lots.pop(expires_at, None)
        delta = self.lot_deltas.setdefault(expires_at, [0, 0])
        delta[0] += amount_delta
        delta[1] += remaining_delta

    def credit_lot(self, expires_at: datetime, points: int, *, new: bool = True) -> None:
        self._lot_change(expires_at, points if new else 0, points)

    def spend_lots(self, points: int, prefer: datetime | None = None) -> list[tuple[datetime, int]]:
        if self.lots is None:
            raise LedgerError("the account's lots must be loaded before spending")
        taken = lot_rules.take(self.lots, points, prefer)
        for expires_at, n in taken:
            self._lot_change(expires_at, 0, -n)
        return taken

    def post(
        self,
        *,
        id: uuid.UUID,
        kind: str,
        amount: int,
        direction: int,
        created_at: datetime,
        reference: str,
        description: str,
        system_account: str | None = None,
    ) -> Entry:
        """Append a transfer to this account: balances, sequence and chain move together.

        ``system_account`` names the exact system account row (a shard) it meets;
        by default the kind's system account."""
        change = effect(kind, amount, direction)
        available = self.available + change.available
        held = self.held + change.held
        if available < 0:
            raise InsufficientPoints(self.available, amount)
        if held < 0:
            raise LedgerError(f"the account holds {self.held} points, not {amount}")
        entry = Entry(
            id=id,
            kind=kind,
            amount=amount,
            direction=direction,
            member_id=self.member_id,
            system_account=system_account or SYSTEM_ACCOUNT_OF[kind],
            seq=self.seq + 1,
            available_after=available,
            held_after=held,
            created_at=created_at,
            reference=reference,
            description=description,
            prev_hash=self.last_hash,
        )
        entry.hash = entry_hash(self.last_hash, entry)
        self.available = available
        self.held = held
        self.lifetime_earned += earned_delta(kind, amount)
        self.seq = entry.seq
        self.last_hash = entry.hash
        return entry


@dataclass(frozen=True)
class Discrepancy:
    """One thing reconcile found off, said exactly."""

    account: str
    check: str
    detail: str


def verify_chain(
    member_id: uuid.UUID,
    entries: Iterable[Entry],
    stored_available: int,
    stored_held: int,
    stored_seq: int | None = None,
    stored_hash: bytes | None = None,
    most: int = 20,
) -> list[Discrepancy]:
    """Replay a member account's journal (any iterable, consumed once) and compare it with
    what is stored. At most ``most`` findings are listed for an entry-by-entry check (one
    altered entry puts every later replay off), then how many more there were."""
    account = f"member:{member_id}"
    findings = _Findings(most)
    replay = _Replay()
    for entry in entries:
        for check, detail in replay.step(entry):
            findings.append(Discrepancy(account, check, detail))
    final = replay.against(stored_available, stored_held, stored_seq, stored_hash)
    return findings.listed(account) + [Discrepancy(account, c, d) for c, d in final]


@dataclass
class _Replay:
    """A member account rebuilt entry by entry from its journal."""

    available: int = 0
    held: int = 0
    prev: bytes = GENESIS_HASH
    expected_seq: int = 1

    def step(self, entry: Entry) -> list[tuple[str, str]]:
        """Apply the next entry; what is off about it, as (check, detail)."""
        off: list[tuple[str, str]] = []
        if entry.seq != self.expected_seq:
            off.append(
                ("sequence", f"entry {entry.id} has seq {entry.seq}, expected {self.expected_seq}")
            )
            self.expected_seq = entry.seq
        named = f"entry {entry.seq} ({entry.id})"
        if entry.prev_hash != self.prev:
            off.append(("chain", f"{named} does not carry the hash of the entry before it"))
        if entry_hash(entry.prev_hash, entry) != entry.hash:
            off.append(("chain", f"{named} does not match its hash: it was altered"))
        change = effect(entry.kind, entry.amount, entry.direction)
        self.available += change.available
        self.held += change.held
        now = f"available={self.available} held={self.held}"
        if (self.available, self.held) != (entry.available_after, entry.held_after):
            says = f"available={entry.available_after} held={entry.held_after}"
            off.append(
                ("replay", f"after entry {entry.seq} the replay gives {now}, the entry says {says}")
            )
        if self.available < 0 or self.held < 0:
            off.append(("negative", f"entry {entry.seq} leaves {now}"))
        self.prev = entry.hash
        self.expected_seq += 1
        return off

    def against(
        self,
        stored_available: int,
        stored_held: int,
        stored_seq: int | None,
        stored_hash: bytes | None,
    ) -> list[tuple[str, str]]:
        """What the stored account says that the replay does not."""
        off: list[tuple[str, str]] = []
        if (self.available, self.held) != (stored_available, stored_held):
            off.append(
                (
                    "balance",
                    f"stored available={stored_available} held={stored_held}, replay of the "
                    f"journal gives available={self.available} held={self.held}",
                )
            )
        entries = self.expected_seq - 1
        if stored_seq is not None and stored_seq != entries:
            off.append(
                ("sequence", f"the account says {stored_seq} entries, the journal has {entries}")
            )
        if stored_hash is not None and stored_hash != self.prev:
            off.append(("chain", "the account's last hash is not the journal's last"))
        return off


class _Findings:
    """Findings, the first ``most`` of them listed and the rest counted."""

    def __init__(self, most: int) -> None:
        self.items: list[Discrepancy] = []
        self.most = most
        self.unlisted = 0

    def append(self, item: Discrepancy) -> None:
        if len(self.items) < self.most:
            self.items.append(item)
        else:
            self.unlisted += 1

    def listed(self, account: str) -> list[Discrepancy]:
        found = list(self.items)
        if self.unlisted:
            found.append(
                Discrepancy(account, "more", f"{self.unlisted} further findings not listed")
            )
        return found
