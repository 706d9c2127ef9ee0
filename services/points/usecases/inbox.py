"""Reading a batch of event envelopes through the suite's typed contracts.

An envelope that is not one gets a stable id (the hash of its text), so a
redelivery of the same bytes is recognised and kept once. An envelope whose type
and version have no contract, or whose data does not fit it, is read all the same
(its id and type are known) and parked once claimed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from common.events import BadEnvelope, BadEventData, Event, EventContract, UnknownEvent
from common.tables import PlumbingTables
from services.points.adapters.models import ParkedEvent, plumbing
from suite.events import CONTRACTS

TYPE_LENGTH = 80  # processed_events.type, parked_events.type


@dataclass(frozen=True)
class Incoming:
    """An event of the batch: its envelope read, and its payload when it fits a contract
    (otherwise ``unreadable`` says why)."""

    event: Event
    envelope: Any
    payload: EventContract | None
    unreadable: str | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.event.id

    @property
    def type(self) -> str:
        return self.event.type[:TYPE_LENGTH]


@dataclass(frozen=True)
class Unreadable:
    """An envelope that is not one: a stable id stands for it."""

    id: uuid.UUID
    type: str
    reason: str
    envelope: Any


def read(envelope: Any) -> Incoming | Unreadable:
    try:
        event = Event.from_envelope(envelope)
    except BadEnvelope as exc:
        raw = json.dumps(envelope, sort_keys=True, default=str)
        stable = uuid.uuid5(uuid.NAMESPACE_URL, "civic-points:malformed:" + raw)
        kind = envelope.get("type", "?") if isinstance(envelope, dict) else "?"
        return Unreadable(stable, str(kind)[:TYPE_LENGTH], str(exc), envelope)
    try:
        return Incoming(event, envelope, CONTRACTS.parse(event))
    except UnknownEvent as exc:
        return Incoming(event, envelope, None, f"unknown event type: {exc}")
    except BadEventData as exc:
        return Incoming(event, envelope, None, f"bad event data: {exc}")


def read_batch(envelopes: list[Any]) -> tuple[dict[uuid.UUID, Incoming], list[Unreadable]]:
    """The batch's events by id (the first of two with one id) and its unreadable envelopes."""
    events: dict[uuid.UUID, Incoming] = {}
    unreadable: dict[uuid.UUID, Unreadable] = {}
    for envelope in envelopes:
        item = read(envelope)
        if isinstance(item, Incoming):
            events.setdefault(item.id, item)
        else:
            unreadable[item.id] = item
    return events, list(unreadable.values())


def park_row(event_id: uuid.UUID, type: str, reason: str, envelope: Any) -> dict[str, Any]:
    """A ``parked_events`` row: the envelope as it arrived, to inspect."""
    return {"event_id": event_id, "type": type, "reason": reason, "envelope": jsonable(envelope)}


def jsonable(value: Any) -> Any:
    result: Any = json.loads(json.dumps(value, default=str))
    return result


def park_failed(
    session: Session, envelope: Any, reason: str, tables: PlumbingTables = plumbing
) -> bool:
    """Keep an event that could not be paid, and mark it processed; False when it was
    processed already."""
    item = read(envelope)
    event_id, kind = item.id, item.type
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
        .values(park_row(event_id, kind, reason[:2000], envelope))
        .on_conflict_do_nothing()
    )
    return True
