"""The points service's use cases, each inside the caller's unit of work (a session).

Views and jobs (services/points/jobs.py) call these and decide when to commit;
nothing here commits.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from common.db import get_or_404
from common.problems import Problem
from common.tables import PlumbingTables
from services.points.adapters.models import (
    Account,
    DailyAward,
    EarningRule,
    Hold,
    Lot,
    ParkedEvent,
    SystemAccount,
    Transfer,
    plumbing,
)
from services.points.adapters.store import LedgerTx
from services.points.config import PointsConfig
from services.points.domain import holds as hold_rules
from services.points.domain import ledger
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
    InsufficientPoints,
)
from services.points.domain.rules import (
    REVERSAL_EVENT,
    BadEvent,
    Rule,
    award_day,
    base_points,
    capped,
)

log = logging.getLogger(__name__)


def now_utc() -> datetime:
    return datetime.now(UTC)


def insufficient(exc: InsufficientPoints) -> Problem:
    return Problem(
        409,
        "insufficient-points",
        f"Not enough points: {exc.wanted} needed, {exc.available} available.",
        extra={"available": exc.available, "needed": exc.wanted},
    )


# --- reading ---------------------------------------------------------------------------


_BALANCE = sa.text(
    """
    SELECT a.available, a.held, a.lifetime_earned,
           (SELECT coalesce(json_agg(json_build_array(l.remaining, l.expires_at)
                                     ORDER BY l.expires_at), '[]')
              FROM (SELECT remaining, expires_at FROM lots
                     WHERE member_id = :member_id AND remaining > 0
                     ORDER BY expires_at LIMIT :shown) AS l) AS expiring
      FROM (SELECT 1) AS one LEFT JOIN accounts AS a ON a.member_id = :member_id
    """
)


def balance(session: Session, member_id: uuid.UUID, config: PointsConfig) -> dict[str, Any]:
    """The stored balance and the next lots to expire: one round trip of two index lookups,
    whatever the length of the history."""
    row = session.execute(
        _BALANCE, {"member_id": member_id, "shown": config.expiring_lots_shown}
    ).one()
    return {
        "member_id": member_id,
        "available": row.available or 0,
        "held": row.held or 0,
        "lifetime_earned": row.lifetime_earned or 0,
        "expiring": [
            {"points": points, "expires_at": datetime.fromisoformat(expires_at)}
            for points, expires_at in row.expiring
        ],
    }


def transactions(
    session: Session, member_id: uuid.UUID, limit: int, before_seq: int | None
) -> list[dict[str, Any]]:
    """A member's transfers, newest first, keyed by the account's own sequence number.

    Transfers to one account are serialised by its row lock, so the sequence is
    the commit order: a page never shifts when new transfers arrive in front.
    """
    query = sa.select(Transfer).where(Transfer.member_id == member_id)
    if before_seq is not None:
        query = query.where(Transfer.seq < before_seq)
    rows = session.scalars(query.order_by(Transfer.seq.desc()).limit(limit)).all()
    return [transaction_view(t) for t in rows]


def transaction_view(t: Transfer) -> dict[str, Any]:
    change = ledger.effect(t.kind, t.amount, t.direction)
    return {
        "id": t.id,
        "seq": t.seq,
        "kind": t.kind,
        "amount": change.available,
        "held_change": change.held,
        "available_after": t.available_after,
        "held_after": t.held_after,
        "created_at": t.created_at,
        "reference": t.reference,
        "description": t.description,
    }


# --- adjustments -----------------------------------------------------------------------

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
    *,
    member_id: uuid.UUID,
    amount: int,
    reason: str,
    actor: uuid.UUID,
    idempotency_key: str,
    fingerprint: bytes | None = None,
) -> dict[str, Any]:
    """An admin's correction: a credit (a new lot) or a debit (FIFO from the lots).

    ``fingerprint`` (the request's hash) is kept on the transfer beside its key."""
    if amount == 0:
        raise Problem(
            422, "validation-error", "An adjustment moves points.", errors={"amount": ["not 0"]}
        )
    now = now_utc()
    tx = LedgerTx(session, [member_id], shards=config.system_shards, now=now)
    key = adjustment_key(actor, idempotency_key)
    existing = tx.existing(key)
    if existing is not None:
        # the journal keeps the key for good (idempotency_keys only 30 days): the same key
        # with another request must not answer 201 while moving nothing
        stored = existing.request_hash
        if stored is not None and fingerprint is not None and bytes(stored) != fingerprint:
            raise Problem(
                422,
                "idempotency-key-reused",
                "This Idempotency-Key was used with a different request body.",
            )
    else:
        description = f"Adjustment: {reason}"
        if amount > 0:
            expires_at = config.expiry.expires_at(now)
            tx.post(
                member_id,
                ADJUSTMENT,
                amount,
                CREDIT,
                idempotency_key=key,
                reference=f"adjustment by {actor}",
                description=description,
                expires_at=expires_at,
                request_hash=fingerprint,
            )
            tx.state(member_id).credit_lot(expires_at, amount)
        else:
            state = tx.with_lots(member_id)
            if -amount > state.available:
                raise insufficient(InsufficientPoints(state.available, -amount))
            state.spend_lots(-amount)
            tx.post(
                member_id,
                ADJUSTMENT,
                -amount,
                DEBIT,
                idempotency_key=key,
                reference=f"adjustment by {actor}",
                description=description,
                request_hash=fingerprint,
            )
        tx.flush()
    return balance(session, member_id, config)


# --- holds -----------------------------------------------------------------------------


def hold_view(hold: Hold) -> dict[str, Any]:
    return {
        "id": hold.id,
        "member_id": hold.member_id,
        "amount": hold.amount,
        "status": hold.status,
        "deadline": hold.deadline,
        "reference": hold.reference,
        "description": hold.description,
        "created_at": hold.created_at,
        "ended_at": hold.ended_at,
    }


def place_hold(
    session: Session,
    config: PointsConfig,
    *,
    member_id: uuid.UUID,
    amount: int,
    deadline: datetime,
    reference: str,
    description: str,
    idempotency_key: str,
    fingerprint: bytes,
) -> tuple[Hold, bool]:
    """Reserve points; ``(hold, created)``. The same key with the same request finds the hold
    it made; with another request it is a 422."""
    existing = session.scalar(sa.select(Hold).where(Hold.idempotency_key == idempotency_key))
    if existing is not None:
        return _replayed(existing, fingerprint), False
    now = now_utc()
    tx = LedgerTx(session, [member_id], shards=config.system_shards, now=now)
    # after the lock: a concurrent request with this key has committed or never will
    existing = session.scalar(sa.select(Hold).where(Hold.idempotency_key == idempotency_key))
    if existing is not None:
        return _replayed(existing, fingerprint), False
    state = tx.with_lots(member_id)
    if amount > state.available:
        raise insufficient(InsufficientPoints(state.available, amount))
    allocations = state.spend_lots(amount)
    hold_id = uuid.uuid4()
    tx.post(
        member_id,
        HOLD,
        amount,
        DEBIT,
        idempotency_key=f"hold:{hold_id}",
        reference=reference,
        description=description or f"{amount} points held",
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
        reference=reference,
        description=description,
        allocations=[[e.isoformat(), n] for e, n in allocations],
        available_after=state.available,
        created_at=now,
    )
    tx.flush()
    session.add(hold)
    session.flush()
    return hold, True


def hold_by_key(session: Session, idempotency_key: str, fingerprint: bytes) -> Hold | None:
    """The hold an earlier request with this key made (None if none); a 422 when that
    request had another body."""
    existing = session.scalar(sa.select(Hold).where(Hold.idempotency_key == idempotency_key))
    return None if existing is None else _replayed(existing, fingerprint)


def _replayed(hold: Hold, fingerprint: bytes) -> Hold:
    if hold.request_hash != fingerprint:
        raise Problem(
            422,
            "idempotency-key-reused",
            "This Idempotency-Key was used with a different request body.",
        )
    return hold


def end_hold(session: Session, config: PointsConfig, hold_id: uuid.UUID, how: str) -> Hold:
    """Capture or release a hold (or expire it); a retry of the same ending changes nothing."""
    hold = get_or_404(session, Hold, hold_id, "hold")
    tx = LedgerTx(session, [hold.member_id], shards=config.system_shards, now=now_utc())
    session.refresh(hold, with_for_update=True)
    try:
        if not hold_rules.end(hold.status, how):
            return hold
    except hold_rules.HoldNotActive as exc:
        raise Problem(409, "hold-not-active", str(exc), extra={"status": hold.status}) from exc
    if how == hold_rules.CAPTURED and hold.deadline <= tx.now:
        # past its deadline a hold reserves nothing any more: whether the expiry job has run
        # yet must not decide if the points can still be spent; it will release them
        raise Problem(
            409,
            "hold-not-active",
            "The hold passed its deadline and is being released; place a new one.",
            extra={"status": hold_rules.EXPIRED},
        )
    _end(tx, hold, how)
    tx.flush()
    session.flush()
    return hold


def _end(tx: LedgerTx, hold: Hold, how: str) -> None:
    key = f"hold-end:{hold.id}"
    if how == hold_rules.CAPTURED:
        tx.post(
            hold.member_id,
            CAPTURE,
            hold.amount,
            DEBIT,
            idempotency_key=key,
            reference=hold.reference,
            description=f"{hold.amount} points spent: {hold.description or hold.reference}",
            hold_id=hold.id,
        )
    else:
        word = "expired" if how == hold_rules.EXPIRED else "released"
        tx.post(
            hold.member_id,
            RELEASE,
            hold.amount,
            CREDIT,
            idempotency_key=key,
            reference=hold.reference,
            description=f"{hold.amount} held points {word}: {hold.description or hold.reference}",
            hold_id=hold.id,
        )
        state = tx.state(hold.member_id)
        for expires_at, n in hold.allocations:
            state.credit_lot(datetime.fromisoformat(expires_at), int(n), new=False)
    hold.status = how
    hold.ended_at = tx.now


def expire_holds(session: Session, config: PointsConfig, limit: int = 500) -> int:
    """Release the active holds past their deadline (one batch); how many."""
    now = now_utc()
    due = session.execute(
        sa.select(Hold.id, Hold.member_id)
        .where(Hold.status == hold_rules.ACTIVE, Hold.deadline < now)
        .order_by(Hold.deadline)
        .limit(limit)
    ).all()
    if not due:
        return 0
    tx = LedgerTx(session, [r.member_id for r in due], shards=config.system_shards, now=now)
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


# --- expiry of lots --------------------------------------------------------------------


def expire_lots(session: Session, config: PointsConfig, limit: int = 500) -> int:
    """Expire what is left of lots past their date (one batch); how many lots."""
    now = now_utc()
    due = session.execute(
        sa.select(Lot.member_id, Lot.expires_at)
        .where(Lot.remaining > 0, Lot.expires_at <= now)
        .order_by(Lot.expires_at)
        .limit(limit)
    ).all()
    if not due:
        return 0
    tx = LedgerTx(session, [r.member_id for r in due], shards=config.system_shards, now=now)
    done = 0
    for row in sorted(due):
        state = tx.with_lots(row.member_id)
        assert state.lots is not None
        points = state.lots.get(row.expires_at, 0)
        if points <= 0:
            continue
        state.spend_lots(points, prefer=row.expires_at)
        tx.post(
            row.member_id,
            EXPIRY,
            points,
            DEBIT,
            idempotency_key=f"expiry:{row.member_id}:{row.expires_at.isoformat()}:{state.seq + 1}",
            reference=f"lot expiring {row.expires_at.isoformat()}",
            description=f"{points} points expired",
            expires_at=row.expires_at,
        )
        done += 1
    tx.flush()
    return done


# --- rules -----------------------------------------------------------------------------


def current_rules(session: Session) -> list[EarningRule]:
    """The rule in force for each event type (its newest version)."""
    return list(
        session.scalars(
            sa.select(EarningRule)
            .ext(distinct_on(EarningRule.event_type))
            .order_by(
                EarningRule.event_type, EarningRule.effective_from.desc(), EarningRule.id.desc()
            )
        )
    )


def set_rule(
    session: Session,
    event_type: str,
    *,
    points: int,
    per: str,
    daily_cap: int | None,
    actor: uuid.UUID,
) -> EarningRule:
    """A new version of an event type's rule, in force from now on (earlier events keep theirs)."""
    if event_type == REVERSAL_EVENT:
        raise Problem(409, "not-an-earning-event", "award.reversed claws back; it earns nothing.")
    try:
        Rule(event_type, points, per, daily_cap)
    except ValueError as exc:
        raise Problem(422, "validation-error", str(exc)) from exc
    rule = EarningRule(
        event_type=event_type,
        points=points,
        per=per,
        daily_cap=daily_cap,
        effective_from=now_utc(),
        created_by=actor,
    )
    session.add(rule)
    session.flush()
    return rule


class RuleBook:
    """Every version of the rules for some event types, to find the one in force at a time."""

    def __init__(self, session: Session, event_types: set[str]) -> None:
        self.versions: dict[str, list[EarningRule]] = defaultdict(list)
        if event_types:
            for rule in session.scalars(
                sa.select(EarningRule)
                .where(EarningRule.event_type.in_(event_types))
                .order_by(EarningRule.effective_from, EarningRule.id)
            ):
                self.versions[rule.event_type].append(rule)

    def known(self, event_type: str) -> bool:
        return event_type in self.versions

    def at(self, event_type: str, when: datetime) -> Rule | None:
        found = None
        for version in self.versions.get(event_type, ()):
            if version.effective_from <= when:
                found = version
        if found is None:
            return None
        return Rule(found.event_type, found.points, found.per, found.daily_cap)


# --- earning from events ---------------------------------------------------------------


@dataclass
class BatchResult:
    received: int = 0
    duplicates: int = 0
    paid: int = 0
    points: int = 0
    reversed: int = 0
    parked: int = 0
    notes: dict[uuid.UUID, str] = field(default_factory=dict)
    # (organization_id or None, "YYYY-MM", member_id, points) for the leaderboards
    scores: list[tuple[uuid.UUID | None, str, uuid.UUID, int]] = field(default_factory=list)


@dataclass
class _Event:
    id: uuid.UUID
    type: str
    occurred_at: datetime
    subject: str
    data: dict[str, Any]
    envelope: dict[str, Any]


def _parse(envelope: Any) -> _Event | tuple[uuid.UUID, str, str]:
    """An event, or (a stable id, its type, why it cannot be read)."""
    try:
        occurred = str(envelope["occurred_at"]).replace("Z", "+00:00")
        occurred_at = datetime.fromisoformat(occurred)
        if occurred_at.tzinfo is None:
            occurred_at = occurred_at.replace(tzinfo=UTC)
        return _Event(
            uuid.UUID(str(envelope["id"])),
            str(envelope["type"]),
            occurred_at,
            str(envelope.get("subject") or ""),
            dict(envelope.get("data") or {}),
            envelope,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raw = json.dumps(envelope, sort_keys=True, default=str)
        stable = uuid.uuid5(uuid.NAMESPACE_URL, "civic-points:malformed:" + raw)
        kind = envelope.get("type", "?") if isinstance(envelope, dict) else "?"
        return stable, str(kind)[:80], f"malformed envelope: {exc!r}"


def _member_of(event: _Event) -> uuid.UUID:
    return uuid.UUID(str(event.data.get("member_id") or event.subject))


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def handle_events(
    session: Session, config: PointsConfig, envelopes: list[Any], tables: PlumbingTables = plumbing
) -> BatchResult:
    """Pay a batch of events in one transaction; each event id has an effect at most once.

    The batch claims its events by inserting their ids into ``processed_events``
    (a redelivered or concurrently delivered event finds its id taken and is
    skipped), then locks the members' accounts in id order, applies the rules
    in force when each event occurred, and writes everything in a few bulk
    statements. The caller commits.
    """
    result = BatchResult(received=len(envelopes))
    now = now_utc()
    events: dict[uuid.UUID, _Event] = {}
    malformed: dict[uuid.UUID, tuple[str, str, Any]] = {}
    for envelope in envelopes:
        parsed = _parse(envelope)
        if isinstance(parsed, _Event):
            events.setdefault(parsed.id, parsed)
        else:
            malformed[parsed[0]] = (parsed[1], parsed[2], envelope)
    # What each reversal names, read before the claim: an original that has not arrived is
    # claimed too (a tombstone), in the same sorted insert as the batch's own events, so
    # that two batches never wait for each other's ids in opposite orders.
    targets: dict[uuid.UUID, uuid.UUID] = {}
    for event in events.values():
        if event.type == REVERSAL_EVENT:
            target = _uuid_or_none(event.data.get("reverses_event_id"))
            if target is not None and target not in events:
                targets[event.id] = target
    claim_rows: list[dict[str, Any]] = [
        {"event_id": e.id, "type": e.type[:80], "note": None} for e in events.values()
    ]
    claim_rows += [{"event_id": i, "type": t, "note": None} for i, (t, _, _) in malformed.items()]
    own = {row["event_id"] for row in claim_rows}
    claim_rows += [
        {"event_id": t, "type": "unknown", "note": "reversed before it arrived"}
        for t in sorted(set(targets.values()) - own)
    ]
    claim_rows.sort(key=lambda r: r["event_id"])
    inserted: set[uuid.UUID] = set()
    if claim_rows:
        inserted = set(
            session.scalars(
                pg_insert(tables.processed_events)
                .values(claim_rows)
                .on_conflict_do_nothing()
                .returning(tables.processed_events.c.event_id)
            )
        )
    claimed = inserted & own
    tombstoned = inserted - own
    result.duplicates = len(own) - len(claimed)
    fresh = sorted(
        (e for e in events.values() if e.id in claimed), key=lambda e: (e.occurred_at, e.id)
    )
    parked: list[dict[str, Any]] = [
        {"event_id": i, "type": t, "reason": why, "envelope": _jsonable(env)}
        for i, (t, why, env) in malformed.items()
        if i in claimed
    ]
    rules = RuleBook(session, {e.type for e in fresh if e.type != REVERSAL_EVENT})

    awards: list[tuple[_Event, uuid.UUID, Rule]] = []
    reversals: list[tuple[_Event, uuid.UUID]] = []
    for event in fresh:
        try:
            if event.type == REVERSAL_EVENT:
                reversals.append((event, uuid.UUID(str(event.data["reverses_event_id"]))))
                continue
            if not rules.known(event.type):
                parked.append(_park(event, "unknown event type: no earning rule has ever existed"))
                continue
            rule = rules.at(event.type, event.occurred_at)
            if rule is None:
                parked.append(_park(event, "no earning rule was in force when it occurred"))
                continue
            awards.append((event, _member_of(event), rule))
        except (KeyError, ValueError, TypeError) as exc:
            parked.append(_park(event, f"bad event data: {exc!r}"))

    originals = _originals(
        session, [t for _, t in reversals if t not in claimed and t not in tombstoned]
    )
    for _, target in reversals:
        if target in tombstoned:
            originals[target] = None
    members = {m for _, m, _ in awards} | {o["member_id"] for o in originals.values() if o}
    tx = LedgerTx(session, members, shards=config.system_shards, now=now)
    paid_today = _paid_today(session, awards)

    for event, member_id, rule in awards:
        try:
            wanted = base_points(rule, _minutes(event))
            expires_at = _expires_at(config, event)
        except BadEvent as exc:
            parked.append(_park(event, f"bad event data: {exc}"))
            continue
        day = award_day(event.occurred_at)
        key = (member_id, event.type, day)
        paid = capped(wanted, rule.daily_cap, paid_today[key])
        if paid < wanted:
            result.notes[event.id] = f"daily cap {rule.daily_cap}: paid {paid} of {wanted}"
        if paid <= 0:
            continue
        paid_today[key] += paid
        tx.count_daily(member_id, event.type, day, paid)
        organization_id = _uuid_or_none(event.data.get("organization_id"))
        tx.post(
            member_id,
            AWARD,
            paid,
            CREDIT,
            idempotency_key=f"event:{event.id}",
            reference=f"{event.type}:{_reference_of(event)}",
            description=_describe(event, paid),
            event_id=event.id,
            organization_id=organization_id,
            occurred_at=event.occurred_at,
            expires_at=expires_at,
        )
        tx.state(member_id).credit_lot(expires_at, paid)
        result.paid += 1
        result.points += paid
        result.scores.append((organization_id, _period(event.occurred_at), member_id, paid))

    # under the members' locks, so no other transaction can be clawing the same award back
    clawed: set[str] = set()
    if reversals:
        clawed = set(
            session.scalars(
                sa.select(Transfer.idempotency_key).where(
                    Transfer.idempotency_key.in_([f"reversal:{i}" for _, i in reversals])
                )
            )
        )
    for event, original_id in reversals:
        if original_id in claimed:  # the award travelled in this very batch
            posted = tx.keys.get(f"event:{original_id}")
            originals[original_id] = (
                {
                    "member_id": posted.entry.member_id,
                    "amount": posted.entry.amount,
                    "expires_at": posted.extra["expires_at"],
                    "organization_id": posted.extra["organization_id"],
                    "occurred_at": posted.extra["occurred_at"],
                }
                if posted is not None
                else {}
            )
        original = originals.get(original_id)
        if original is None:
            result.notes[event.id] = f"event {original_id} was not paid yet; it never will be"
            continue
        if not original:
            result.notes[event.id] = f"event {original_id} paid nothing; nothing to claw back"
            continue
        if f"reversal:{original_id}" in clawed:
            result.notes[event.id] = f"event {original_id} was clawed back already"
            continue
        clawed.add(f"reversal:{original_id}")
        member_id = original["member_id"]
        state = tx.with_lots(member_id)
        take = min(original["amount"], state.available)
        if take < original["amount"]:
            result.notes[event.id] = (
                f"clawed back {take} of {original['amount']}: the rest was spent or held"
            )
        if take <= 0:
            continue
        state.spend_lots(take, prefer=original["expires_at"])
        reason = str(event.data.get("reason") or "")
        tx.post(
            member_id,
            REVERSAL,
            take,
            DEBIT,
            idempotency_key=f"reversal:{original_id}",
            reference=f"award.reversed:{original_id}",
            description=f"{take} points taken back" + (f": {reason}" if reason else ""),
            event_id=event.id,
            organization_id=original["organization_id"],
            occurred_at=original["occurred_at"],
        )
        result.reversed += 1
        result.scores.append(
            (original["organization_id"], _period(original["occurred_at"]), member_id, -take)
        )

    tx.flush()
    if parked:
        session.execute(pg_insert(ParkedEvent).values(parked).on_conflict_do_nothing())
        result.parked = len(parked)
        for row in parked:
            result.notes[row["event_id"]] = "parked: " + row["reason"]
    if result.notes:
        pe = tables.processed_events
        session.execute(
            sa.update(pe)
            .where(pe.c.event_id == sa.bindparam("b_id"))
            .values(note=sa.bindparam("b_note")),
            [{"b_id": i, "b_note": n[:1000]} for i, n in result.notes.items()],
        )
    return result


def park_failed(
    session: Session, envelope: Any, reason: str, tables: PlumbingTables = plumbing
) -> bool:
    """Keep an event that could not be paid, and mark it processed; False when it was
    processed already."""
    parsed = _parse(envelope)
    if isinstance(parsed, _Event):
        event_id, kind = parsed.id, parsed.type[:80]
    else:
        event_id, kind = parsed[0], parsed[1]
    claimed = session.scalar(
        pg_insert(tables.processed_events)
        .values(event_id=event_id, type=kind, note=("parked: " + reason)[:1000])
        .on_conflict_do_nothing()
        .returning(tables.processed_events.c.event_id)
    )
    if claimed is None:
        return False
    session.execute(
        pg_insert(ParkedEvent)
        .values(event_id=event_id, type=kind, reason=reason[:2000], envelope=_jsonable(envelope))
        .on_conflict_do_nothing()
    )
    return True


def _originals(
    session: Session, original_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any] | None]:
    """What each named event paid: a dict, or ``{}`` when it paid nothing. They are all
    processed and committed (the claim waited for them), so the journal has the answer."""
    found: dict[uuid.UUID, dict[str, Any] | None] = dict.fromkeys(original_ids, {})
    if not original_ids:
        return found
    rows = session.execute(
        sa.select(
            Transfer.event_id,
            Transfer.member_id,
            Transfer.amount,
            Transfer.expires_at,
            Transfer.organization_id,
            Transfer.occurred_at,
        ).where(Transfer.idempotency_key.in_([f"event:{i}" for i in original_ids]))
    ).all()
    for row in rows:
        found[row.event_id] = row._asdict()
    return found


def _paid_today(
    session: Session, awards: list[tuple[_Event, uuid.UUID, Rule]]
) -> defaultdict[tuple[uuid.UUID, str, date], int]:
    totals: defaultdict[tuple[uuid.UUID, str, date], int] = defaultdict(int)
    keys = {
        (member_id, event.type, award_day(event.occurred_at))
        for event, member_id, rule in awards
        if rule.daily_cap is not None
    }
    if keys:
        rows = session.execute(
            sa.select(
                DailyAward.member_id, DailyAward.event_type, DailyAward.day, DailyAward.points
            ).where(
                sa.tuple_(DailyAward.member_id, DailyAward.event_type, DailyAward.day).in_(
                    list(keys)
                )
            )
        ).all()
        for row in rows:
            totals[(row.member_id, row.event_type, row.day)] = row.points
    return totals


def _minutes(event: _Event) -> int | None:
    value = event.data.get("minutes")
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:  # bad data: parked in the batch, not split off
        raise BadEvent(f"minutes {value!r} is not a number") from exc


def _expires_at(config: PointsConfig, event: _Event) -> datetime:
    try:
        return config.expiry.expires_at(event.occurred_at)
    except (ValueError, OverflowError) as exc:
        raise BadEvent(
            f"occurred_at {event.occurred_at.isoformat()} gives no expiry date: {exc}"
        ) from exc


def _reference_of(event: _Event) -> str:
    for name in ("hours_id", "report_id", "checkin_id", "task_id"):
        if event.data.get(name):
            return str(event.data[name])
    return str(event.id)


_WHAT = {
    "hours.approved": "approved service hours",
    "report.verified": "a verified safety report",
    "checkin.recorded": "a check-in",
    "task.completed": "a completed task",
}


def _describe(event: _Event, points: int) -> str:
    what = _WHAT.get(event.type, event.type)
    if event.type == "hours.approved" and event.data.get("minutes") is not None:
        what += f" ({int(event.data['minutes'])} minutes)"
    return f"{points} points for {what}"


def _period(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m")


def _park(event: _Event, reason: str) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "type": event.type[:80],
        "reason": reason,
        "envelope": _jsonable(event.envelope),
    }


def _jsonable(value: Any) -> Any:
    result: Any = json.loads(json.dumps(value, default=str))
    return result


# --- reconcile -------------------------------------------------------------------------


@dataclass
class ReconcileReport:
    accounts: int = 0
    transfers: int = 0
    system_total: int = 0
    member_total: int = 0
    problems: list[ledger.Discrepancy] = field(default_factory=list)

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


def reconcile(session: Session, batch: int = 5_000) -> ReconcileReport:
    """Check the whole ledger and say exactly what is off.

    All accounts sum to zero; every stored balance (members' and system shards')
    equals the replay of its transfers; every member's hash chain is unbroken;
    lots add up to what is available; active holds add up to what is held;
    every ended hold has exactly one ending transfer.
    """
    report = ReconcileReport()
    problems = report.problems
    report.member_total = int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Account.available + Account.held), 0))
        )
        or 0
    )
    report.system_total = int(
        session.scalar(sa.select(sa.func.coalesce(sa.func.sum(SystemAccount.balance), 0))) or 0
    )
    if report.member_total + report.system_total != 0:
        problems.append(
            ledger.Discrepancy(
                "ledger",
                "sum",
                f"accounts sum to {report.member_total + report.system_total}, not 0 "
                f"(members {report.member_total}, system {report.system_total})",
            )
        )
    # system shards against the replay of their transfers (-(member posted change))
    posted = sa.case(
        (Transfer.kind.in_([HOLD, RELEASE]), 0),
        (Transfer.kind == CAPTURE, -Transfer.amount),
        else_=Transfer.direction * Transfer.amount,
    )
    replayed = dict(
        session.execute(
            sa.select(Transfer.system_account, sa.func.sum(-posted)).group_by(
                Transfer.system_account
            )
        ).all()
    )
    stored = dict(session.execute(sa.select(SystemAccount.id, SystemAccount.balance)).all())
    for account_id in sorted(set(replayed) | set(stored)):
        want, have = int(replayed.get(account_id, 0)), int(stored.get(account_id, 0))
        if want != have:
            problems.append(
                ledger.Discrepancy(
                    f"system:{account_id}",
                    "balance",
                    f"stored balance {have}, replay of its transfers gives {want}",
                )
            )
    # member accounts: stream the journal in account order, replay and check each chain
    accounts = {
        row.member_id: row
        for row in session.execute(
            sa.select(
                Account.member_id, Account.available, Account.held, Account.seq, Account.last_hash
            )
        )
    }
    report.accounts = len(accounts) + len(stored)
    seen: set[uuid.UUID] = set()

    def finish(member_id: uuid.UUID, entries: Iterator[ledger.Entry]) -> None:
        seen.add(member_id)
        account = accounts.get(member_id)
        if account is None:
            problems.append(
                ledger.Discrepancy(
                    f"member:{member_id}", "account", "transfers exist but the account does not"
                )
            )
            for _ in entries:
                pass
            return
        problems.extend(
            ledger.verify_chain(
                member_id,
                entries,
                account.available,
                account.held,
                account.seq,
                bytes(account.last_hash),
            )
        )

    columns = (
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
    stream = session.execute(
        sa.select(*columns)
        .order_by(Transfer.member_id, Transfer.seq)
        .execution_options(yield_per=batch)
    )

    def entries_of(rows: Iterable[Any]) -> Iterator[ledger.Entry]:
        for row in rows:
            report.transfers += 1
            yield ledger.Entry(*row[:12], prev_hash=bytes(row[12]), hash=bytes(row[13]))

    try:
        for member_id, rows in groupby(stream, key=itemgetter(4)):
            finish(member_id, entries_of(rows))
    finally:
        stream.close()
    session.expunge_all()
    for member_id, account in accounts.items():
        if member_id not in seen and (account.available or account.held or account.seq):
            problems.append(
                ledger.Discrepancy(
                    f"member:{member_id}",
                    "balance",
                    f"stored available={account.available} held={account.held} but the "
                    "journal has no transfers",
                )
            )
    # lots against available, active holds against held
    lot_sums = dict(
        session.execute(
            sa.select(Lot.member_id, sa.func.sum(Lot.remaining)).group_by(Lot.member_id)
        ).all()
    )
    hold_sums = dict(
        session.execute(
            sa.select(Hold.member_id, sa.func.sum(Hold.amount))
            .where(Hold.status == hold_rules.ACTIVE)
            .group_by(Hold.member_id)
        ).all()
    )
    for member_id, account in accounts.items():
        lots = int(lot_sums.get(member_id, 0))
        if lots != account.available:
            problems.append(
                ledger.Discrepancy(
                    f"member:{member_id}",
                    "lots",
                    f"lots hold {lots} points, the account has {account.available} available",
                )
            )
        held = int(hold_sums.get(member_id, 0))
        if held != account.held:
            problems.append(
                ledger.Discrepancy(
                    f"member:{member_id}",
                    "holds",
                    f"active holds reserve {held} points, the account holds {account.held}",
                )
            )
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
            problems.append(
                ledger.Discrepancy(
                    f"hold:{row.id}",
                    "hold",
                    f"a {row.status} hold has {row[2]} ending transfers, expected {expected}",
                )
            )
    return report


# --- leaderboards ----------------------------------------------------------------------


def month_bounds(period: str) -> tuple[datetime, datetime]:
    start = datetime.strptime(period + "-01", "%Y-%m-%d").replace(tzinfo=UTC)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def leaderboard_scores(
    session: Session, organization_id: uuid.UUID | None, period: str
) -> list[tuple[uuid.UUID, int]]:
    """A month's points per member, from the journal (awards less clawbacks)."""
    start, end = month_bounds(period)
    signed = sa.case((Transfer.kind == AWARD, Transfer.amount), else_=-Transfer.amount)
    query = (
        sa.select(Transfer.member_id, sa.func.sum(signed).label("points"))
        .where(
            Transfer.kind.in_([AWARD, REVERSAL]),
            Transfer.occurred_at >= start,
            Transfer.occurred_at < end,
        )
        .group_by(Transfer.member_id)
        .having(sa.func.sum(signed) > 0)
    )
    if organization_id is not None:
        query = query.where(Transfer.organization_id == organization_id)
    return [(row.member_id, int(row.points)) for row in session.execute(query)]


__all__ = [
    "BatchResult",
    "ReconcileReport",
    "adjust",
    "balance",
    "end_hold",
    "expire_holds",
    "expire_lots",
    "handle_events",
    "place_hold",
    "reconcile",
    "transactions",
]
