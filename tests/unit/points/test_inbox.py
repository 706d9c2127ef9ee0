"""Reading envelopes through the contracts: what is paid, parked, or kept under a stable id."""

from __future__ import annotations

import uuid

from services.points.usecases.inbox import Incoming, Unreadable, read, read_batch
from suite.events import AwardReversed, TaskCompleted
from tests.helpers.points_events import envelope, raw_envelope, with_data

MEMBER = uuid.UUID(int=1)


def test_an_envelope_that_fits_its_contract_carries_its_typed_payload():
    item = read(envelope("task.completed", MEMBER, {"kind": "mediation"}))
    assert isinstance(item, Incoming) and isinstance(item.payload, TaskCompleted)
    assert (item.payload.member_id, item.payload.kind) == (MEMBER, "mediation")
    reversal = read(envelope("award.reversed", MEMBER, {"reverses_event_id": str(MEMBER)}))
    assert isinstance(reversal, Incoming) and isinstance(reversal.payload, AwardReversed)


def test_an_unknown_type_or_version_is_read_but_has_no_payload():
    unknown = read(raw_envelope("parcel.delivered", MEMBER))
    later = read({**envelope("task.completed", MEMBER), "version": 99})
    for item in (unknown, later):
        assert isinstance(item, Incoming) and item.payload is None
        assert (item.unreadable or "").startswith("unknown event type")


def test_data_that_does_not_fit_names_the_field():
    hours = envelope("hours.approved", MEMBER, {"minutes": 30})
    item = read(with_data(hours, minutes="half an hour"))
    assert isinstance(item, Incoming) and item.payload is None
    assert (item.unreadable or "").startswith("bad event data")
    assert "minutes" in (item.unreadable or "")


def test_a_malformed_envelope_keeps_one_stable_id_across_deliveries():
    broken = {"type": "report.verified", "data": {}}
    first, again = read(broken), read(dict(broken))
    assert isinstance(first, Unreadable) and isinstance(again, Unreadable)
    assert first.id == again.id and first.type == "report.verified"
    assert first.reason.startswith("malformed envelope")
    assert isinstance(read(["not", "an", "envelope"]), Unreadable)


def test_a_batch_keeps_the_first_of_two_events_with_one_id():
    event = envelope("task.completed", MEMBER)
    events, unreadable = read_batch([event, event, {"type": "x"}, {"type": "x"}])
    assert list(events) == [uuid.UUID(event["id"])] and len(unreadable) == 1
