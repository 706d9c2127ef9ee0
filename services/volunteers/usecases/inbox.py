"""The volunteers service's event consumer: today only ``member.deleted``, which
anonymises the member's profile (no volunteers migration: existing columns are set to
the tombstone or NULL). Hours, reports, check-ins and tasks keep the member's id, which
names nobody once the gateway dropped the name.

Each event has its effect once (its id is claimed in ``processed_events``); one that
cannot be read is noted on its claim and skipped, never retried forever.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from common.events import BadEnvelope, BadEventData, Event, UnknownEvent
from services.volunteers.adapters.models import Member, plumbing
from suite.events import CONTRACTS, MemberDeleted

log = logging.getLogger(__name__)


@dataclass
class InboxResult:
    received: int = 0
    applied: int = 0
    duplicates: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def handle_batch(session: Session, envelopes: list[Any]) -> InboxResult:
    """Apply a batch in the caller's transaction."""
    result = InboxResult(received=len(envelopes))
    for envelope in envelopes:
        try:
            event = Event.from_envelope(envelope)
        except BadEnvelope as exc:
            stand_in = uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(envelope, default=str))
            _claim(session, stand_in, "?", f"skipped: {exc}")
            result.skipped += 1
            continue
        if not _claim(session, event.id, event.type, None):
            result.duplicates += 1
            continue
        try:
            contract = CONTRACTS.parse(event)
        except (UnknownEvent, BadEventData) as exc:
            _note(session, event.id, f"skipped: {exc}")
            result.skipped += 1
            continue
        if isinstance(contract, MemberDeleted):
            anonymise(session, contract)
            result.applied += 1
        else:
            _note(session, event.id, f"skipped: volunteers does not consume {event.type}")
            result.skipped += 1
    return result


def anonymise(session: Session, deleted: MemberDeleted) -> None:
    """The profile keeps its id and loses what names or identifies the person."""
    session.execute(
        sa.update(Member)
        .where(Member.id == deleted.member_id)
        .values(
            display_name=deleted.tombstone,
            rider_platform=None,
            rider_number=None,
            party_branch=None,
            party_community_id=None,
            party_registered_at=None,
        )
    )


def _claim(session: Session, event_id: uuid.UUID, kind: str, note: str | None) -> bool:
    table = plumbing.processed_events
    claimed = session.scalar(
        insert(table)
        .values(event_id=event_id, type=kind[:80], note=note)
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    return claimed is not None


def _note(session: Session, event_id: uuid.UUID, note: str) -> None:
    table = plumbing.processed_events
    session.execute(sa.update(table).where(table.c.event_id == event_id).values(note=note[:1000]))
