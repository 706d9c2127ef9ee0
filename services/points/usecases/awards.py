"""The event consumer: pay a batch of events in one transaction, each at most once.

It reads as its phases:

1. **claim** the batch's event ids in ``processed_events`` (a redelivered or
   concurrently delivered event finds its id taken and is skipped);
2. **classify** each claimed event: an award under the rule in force when it
   occurred, a reversal, or one to park (unknown type, no rule, bad data);
3. **pay** the awards, trimmed by the daily caps, under the members' locks
   (taken in member id order);
4. **claw back** what each reversal names, as much as is still available;
5. **note** what happened: park what could not be paid, and say why an event
   paid less than its rule (or nothing) on its ``processed_events`` row.

The caller commits.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from common.tables import PlumbingTables
from services.points.adapters.models import DailyAward, ParkedEvent, plumbing
from services.points.adapters.store import LedgerTx
from services.points.config import PointsConfig
from services.points.domain.ledger import AWARD, CREDIT
from services.points.domain.rules import (
    BadEvent,
    Rule,
    award_day,
    base_points,
    cap_of,
    capped,
    describe,
    month_of,
)
from services.points.usecases import clawbacks, clock, debts
from services.points.usecases.clawbacks import Reversal
from services.points.usecases.inbox import Incoming, Unreadable, park_row, read_batch
from services.points.usecases.rules import RuleBook
from suite.events import AwardReversed

# the fields that name what an event is about, in the order an award's reference takes them
_REFERENCE_FIELDS = ("hours_id", "report_id", "checkin_id", "task_id")


@dataclass
class BatchResult:
    """What a batch did: counts for the job's summary, a note per event, scores for the boards."""

    received: int = 0
    duplicates: int = 0
    paid: int = 0
    points: int = 0
    reversed: int = 0
    parked: int = 0
    notes: dict[uuid.UUID, str] = field(default_factory=dict)
    # (organization_id or None, "YYYY-MM", member_id, points) for the leaderboards
    scores: list[tuple[uuid.UUID | None, str, uuid.UUID, int]] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "received": self.received,
            "duplicates": self.duplicates,
            "paid": self.paid,
            "points": self.points,
            "reversed": self.reversed,
            "parked": self.parked,
        }


@dataclass(frozen=True)
class Award:
    """A claimed event that earns, with the member it pays and the rule it is paid by."""

    incoming: Incoming
    member_id: uuid.UUID
    rule: Rule

    def field(self, name: str) -> Any:
        return getattr(self.incoming.payload, name, None)

    def day_key(self, zone: tzinfo) -> tuple[uuid.UUID, str, date]:
        """(member, event type, day) the award's daily cap counts on."""
        day = award_day(self.incoming.event.occurred_at, zone, self.field("work_date"))
        return (self.member_id, self.incoming.type, day)


def handle_events(
    session: Session, config: PointsConfig, envelopes: list[Any], tables: PlumbingTables = plumbing
) -> BatchResult:
    """Pay a batch of events in one transaction; each event id has an effect at most once."""
    batch = _Batch(session, config, tables, BatchResult(received=len(envelopes)))
    fresh = batch.claim(envelopes)
    awards, reversals = batch.classify(fresh)
    tx = batch.lock(awards, reversals)
    batch.pay(tx, awards)
    clawbacks.claw_back(session, tx, reversals, batch.result, config.district_timezone, batch.owed)
    tx.flush()
    batch.note()
    return batch.result


class _Batch:
    """One batch on its way through the phases: what it claimed, parked and paid."""

    def __init__(
        self, session: Session, config: PointsConfig, tables: PlumbingTables, result: BatchResult
    ) -> None:
        self.session = session
        self.config = config
        self.tables = tables
        self.result = result
        self.parked: list[dict[str, Any]] = []
        self.claimed: set[uuid.UUID] = set()
        self.tombstoned: set[uuid.UUID] = set()
        # what the locked members owe from clawbacks that fell short
        self.owed: dict[uuid.UUID, int] = {}

    def claim(self, envelopes: list[Any]) -> list[Incoming]:
        """Insert the batch's ids into ``processed_events``; the events that were not there.

        What each reversal names is claimed too when it has not arrived (a tombstone: it
        will never pay), in the same sorted insert as the batch's own ids, so that two
        batches never wait for each other's ids in opposite orders."""
        events, unreadable = read_batch(envelopes)
        rows: list[dict[str, Any]] = [
            {"event_id": e.id, "type": e.type, "note": None} for e in events.values()
        ]
        rows += [{"event_id": u.id, "type": u.type, "note": None} for u in unreadable]
        own = {row["event_id"] for row in rows}
        targets = {
            e.payload.reverses_event_id
            for e in events.values()
            if isinstance(e.payload, AwardReversed)
        }
        rows += [
            {"event_id": t, "type": "unknown", "note": "reversed before it arrived"}
            for t in sorted(targets - own)
        ]
        rows.sort(key=lambda r: r["event_id"])
        inserted = self._insert_claims(rows)
        self.claimed = inserted & own
        self.tombstoned = inserted - own
        self.result.duplicates = len(own) - len(self.claimed)
        self._park_unreadable(unreadable)
        return sorted(
            (e for e in events.values() if e.id in self.claimed),
            key=lambda e: (e.event.occurred_at, e.id),
        )

    def _insert_claims(self, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
        if not rows:
            return set()
        processed = self.tables.processed_events
        return set(
            self.session.scalars(
                pg_insert(processed)
                .values(rows)
                .on_conflict_do_nothing()
                .returning(processed.c.event_id)
            )
        )

    def _park_unreadable(self, unreadable: list[Unreadable]) -> None:
        for u in unreadable:
            if u.id in self.claimed:
                self.parked.append(park_row(u.id, u.type, u.reason, u.envelope))

    def _park(self, incoming: Incoming, reason: str) -> None:
        self.parked.append(park_row(incoming.id, incoming.type, reason, incoming.envelope))

    def classify(self, fresh: list[Incoming]) -> tuple[list[Award], list[Reversal]]:
        """Each claimed event as an award by the rule of its time, a reversal, or parked."""
        rules = RuleBook(self.session, {e.type for e in fresh if e.payload is not None})
        awards: list[Award] = []
        reversals: list[Reversal] = []
        for incoming in fresh:
            payload = incoming.payload
            if payload is None:
                self._park(incoming, incoming.unreadable or "unreadable")
            elif isinstance(payload, AwardReversed):
                reversals.append(Reversal(incoming.id, payload))
            elif not rules.known(incoming.type):
                self._park(incoming, "unknown event type: no earning rule has ever existed")
            else:
                rule = rules.at(incoming.type, incoming.event.occurred_at)
                member_id = getattr(payload, "member_id", None)
                if rule is None:
                    self._park(incoming, "no earning rule was in force when it occurred")
                elif not isinstance(member_id, uuid.UUID):
                    self._park(incoming, "bad event data: it names no member_id")
                else:
                    awards.append(Award(incoming, member_id, rule))
        return awards, reversals

    def lock(self, awards: list[Award], reversals: list[Reversal]) -> LedgerTx:
        """Lock every account the batch touches, in member id order."""
        clawbacks.find_originals(self.session, reversals, self.claimed, self.tombstoned)
        members = {a.member_id for a in awards}
        members |= {r.original.member_id for r in reversals if r.original is not None}
        shards = self.config.system_shards
        tx = LedgerTx(self.session, members, shards=shards, now=clock.now_utc())
        self.owed = debts.owed_by(self.session, members)
        return tx

    def pay(self, tx: LedgerTx, awards: list[Award]) -> None:
        """Post each award, trimmed by what its member was paid that day for its type."""
        paid_today = self._paid_today(awards)
        for award in awards:
            incoming = award.incoming
            try:
                wanted = base_points(award.rule, award.field("minutes"))
                expires_at = self._expires_at(incoming.event.occurred_at)
            except BadEvent as exc:
                self._park(incoming, f"bad event data: {exc}")
                continue
            key = award.day_key(self.config.district_timezone)
            cap = cap_of(award.rule, self.config.default_daily_cap)
            paid = capped(wanted, cap, paid_today[key])
            if paid < wanted:
                self.result.notes[incoming.id] = f"daily cap {cap}: paid {paid} of {wanted}"
            if paid > 0:
                paid_today[key] += paid
                tx.count_daily(*key, paid)
                self._post(tx, award, paid, expires_at)

    def _post(self, tx: LedgerTx, award: Award, paid: int, expires_at: datetime) -> None:
        incoming = award.incoming
        organization_id = award.field("organization_id")
        reference = next(
            (str(v) for v in map(award.field, _REFERENCE_FIELDS) if v), str(incoming.id)
        )
        tx.post(
            award.member_id,
            AWARD,
            paid,
            CREDIT,
            idempotency_key=f"event:{incoming.id}",
            reference=f"{incoming.type}:{reference}",
            description=describe(incoming.type, paid, award.field("minutes")),
            event_id=incoming.id,
            organization_id=organization_id,
            occurred_at=incoming.event.occurred_at,
            expires_at=expires_at,
        )
        tx.state(award.member_id).credit_lot(expires_at, paid)
        occurred_at = incoming.event.occurred_at
        # a debt from a clawback that fell short is paid first from what was just earned
        recovered = debts.recover(
            self.session,
            tx,
            self.owed,
            award.member_id,
            event_id=incoming.id,
            organization_id=organization_id,
            occurred_at=occurred_at,
        )
        if recovered:
            self.result.notes.setdefault(incoming.id, f"{recovered} recovered of a debt")
        self.result.paid += 1
        self.result.points += paid
        month = month_of(occurred_at, self.config.district_timezone)
        self.result.scores.append((organization_id, month, award.member_id, paid - recovered))

    def _expires_at(self, occurred_at: datetime) -> datetime:
        try:
            return self.config.expiry.expires_at(occurred_at)
        except (ValueError, OverflowError) as exc:
            raise BadEvent(
                f"occurred_at {occurred_at.isoformat()} gives no expiry date: {exc}"
            ) from exc

    def _paid_today(self, awards: list[Award]) -> defaultdict[tuple[uuid.UUID, str, date], int]:
        totals: defaultdict[tuple[uuid.UUID, str, date], int] = defaultdict(int)
        keys = {a.day_key(self.config.district_timezone) for a in awards}
        if keys:
            daily = sa.tuple_(DailyAward.member_id, DailyAward.event_type, DailyAward.day)
            rows = self.session.execute(
                sa.select(
                    DailyAward.member_id, DailyAward.event_type, DailyAward.day, DailyAward.points
                ).where(daily.in_(list(keys)))
            ).all()
            for row in rows:
                totals[(row.member_id, row.event_type, row.day)] = row.points
        return totals

    def note(self) -> None:
        """Park what could not be paid, and write each event's note on its claim."""
        result = self.result
        if self.parked:
            self.session.execute(
                pg_insert(ParkedEvent).values(self.parked).on_conflict_do_nothing()
            )
            result.parked = len(self.parked)
            for row in self.parked:
                result.notes[row["event_id"]] = "parked: " + row["reason"]
        if result.notes:
            processed = self.tables.processed_events
            self.session.execute(
                sa.update(processed)
                .where(processed.c.event_id == sa.bindparam("b_id"))
                .values(note=sa.bindparam("b_note")),
                [{"b_id": i, "b_note": n[:1000]} for i, n in result.notes.items()],
            )


def parked_events(
    session: Session, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> list[ParkedEvent]:
    """Events kept without being paid, newest first, after a (received_at, event_id) key."""
    query = sa.select(ParkedEvent).order_by(
        ParkedEvent.received_at.desc(), ParkedEvent.event_id.desc()
    )
    if after is not None:
        query = query.where(
            sa.tuple_(ParkedEvent.received_at, ParkedEvent.event_id) < sa.tuple_(*after)
        )
    return list(session.scalars(query.limit(limit)))
