"""An in-memory ledger: the rules of the database ledger, with nothing but Python.

The property tests drive it with random sequences of operations; the database
adapter applies the very same :class:`MemberState` postings under row locks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from services.points.domain import holds as hold_rules
from services.points.domain.debts import RECOVERY_PREFIX, recoverable, split_clawback
from services.points.domain.ledger import (
    ADJUSTMENT,
    AWARD,
    CAPTURE,
    CREDIT,
    DEBIT,
    EXPIRY,
    HOLD,
    RELEASE,
    REVERSAL,
    SYSTEM_ACCOUNTS,
    Entry,
    InsufficientPoints,
    MemberState,
)


@dataclass
class Hold:
    id: uuid.UUID
    member_id: uuid.UUID
    amount: int
    allocations: list[tuple[datetime, int]]
    status: str = hold_rules.ACTIVE
    endings: int = 0


@dataclass
class Book:
    members: dict[uuid.UUID, MemberState] = field(default_factory=dict)
    system: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SYSTEM_ACCOUNTS, 0))
    entries: list[Entry] = field(default_factory=list)
    holds: dict[uuid.UUID, Hold] = field(default_factory=dict)
    keys: dict[str, Entry] = field(default_factory=dict)
    awards: dict[str, tuple[uuid.UUID, int, datetime]] = field(default_factory=dict)
    # clawed back but spent or held: paid first from the next awards
    owed: dict[uuid.UUID, int] = field(default_factory=dict)
    reversed_awards: dict[uuid.UUID, int] = field(default_factory=dict)
    clawed: set[str] = field(default_factory=set)

    def account(self, member_id: uuid.UUID) -> MemberState:
        state = self.members.get(member_id)
        if state is None:
            state = self.members[member_id] = MemberState(member_id)
        return state

    def _post(
        self, key: str, state: MemberState, kind: str, amount: int, direction: int, now: datetime
    ) -> Entry:
        if key in self.keys:
            return self.keys[key]
        entry = state.post(
            id=uuid.uuid4(),
            kind=kind,
            amount=amount,
            direction=direction,
            created_at=now,
            reference=key,
            description=kind,
        )
        self.system[entry.system_account] += entry.effect.system
        self.entries.append(entry)
        self.keys[key] = entry
        return entry

    def award(
        self, key: str, member_id: uuid.UUID, amount: int, expires_at: datetime, now: datetime
    ) -> Entry | None:
        if amount <= 0 or key in self.keys:
            return self.keys.get(key)
        state = self.account(member_id)
        entry = self._post(key, state, AWARD, amount, CREDIT, now)
        state.credit_lot(expires_at, amount)
        self.awards[key] = (member_id, amount, expires_at)
        debt = self.owed.get(member_id, 0)
        taken = recoverable(debt, state.available)
        if taken:
            state.spend_lots(taken)
            self._post(f"{RECOVERY_PREFIX}{key}", state, REVERSAL, taken, DEBIT, now)
            self.owed[member_id] = debt - taken
        return entry

    def adjust(
        self, key: str, member_id: uuid.UUID, delta: int, expires_at: datetime, now: datetime
    ) -> Entry:
        state = self.account(member_id)
        if key in self.keys:
            return self.keys[key]
        if delta > 0:
            entry = self._post(key, state, ADJUSTMENT, delta, CREDIT, now)
            state.credit_lot(expires_at, delta)
            return entry
        if -delta > state.available:
            raise InsufficientPoints(state.available, -delta)
        state.spend_lots(-delta)
        return self._post(key, state, ADJUSTMENT, -delta, DEBIT, now)

    def reverse(self, award_key: str, now: datetime) -> Entry | None:
        """Claw an award back, as much of it as is still available."""
        found = self.awards.get(award_key)
        key = f"reversal:{award_key}"
        if found is None or key in self.keys or key in self.clawed:
            return self.keys.get(key)
        member_id, amount, expires_at = found
        state = self.account(member_id)
        take, short = split_clawback(amount, state.available)
        self.reversed_awards[member_id] = self.reversed_awards.get(member_id, 0) + amount
        self.owed[member_id] = self.owed.get(member_id, 0) + short
        if take == 0:
            self.clawed.add(key)  # clawed back once, all of it owed
            return None
        state.spend_lots(take, prefer=expires_at)
        return self._post(key, state, REVERSAL, take, DEBIT, now)

    def hold(self, hold_id: uuid.UUID, member_id: uuid.UUID, amount: int, now: datetime) -> Hold:
        existing = self.holds.get(hold_id)
        if existing is not None:
            return existing
        state = self.account(member_id)
        if amount > state.available:
            raise InsufficientPoints(state.available, amount)
        allocations = state.spend_lots(amount)
        self._post(f"hold:{hold_id}", state, HOLD, amount, DEBIT, now)
        hold = self.holds[hold_id] = Hold(hold_id, member_id, amount, allocations)
        return hold

    def end_hold(self, hold_id: uuid.UUID, how: str, now: datetime) -> Hold:
        hold = self.holds[hold_id]
        if not hold_rules.end(hold.status, how):
            return hold
        state = self.account(hold.member_id)
        if how == hold_rules.CAPTURED:
            self._post(f"hold-end:{hold_id}", state, CAPTURE, hold.amount, DEBIT, now)
        else:
            self._post(f"hold-end:{hold_id}", state, RELEASE, hold.amount, CREDIT, now)
            for expires_at, n in hold.allocations:
                state.credit_lot(expires_at, n, new=False)
        hold.status = how
        hold.endings += 1
        return hold

    def expire_lots(self, now: datetime) -> list[Entry]:
        done = []
        for state in self.members.values():
            assert state.lots is not None
            for expires_at in sorted(e for e in state.lots if e <= now):
                points = state.lots[expires_at]
                state.spend_lots(points, prefer=expires_at)
                key = f"expiry:{state.member_id}:{expires_at.isoformat()}:{state.seq}"
                done.append(self._post(key, state, EXPIRY, points, DEBIT, now))
        return done

    def member_entries(self, member_id: uuid.UUID) -> list[Entry]:
        return [e for e in self.entries if e.member_id == member_id]
