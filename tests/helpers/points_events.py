"""Event envelopes for the points service's tests, built through the suite's contracts.

``envelope(type, member, {...})`` fills the contract's other fields with plain
values, so a test names only what it is about. ``raw_envelope`` writes an
envelope by hand, for the tests of what the consumer does with one that does not
fit any contract.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime
from typing import Any

from common.events import Event
from suite.events import CONTRACTS

# what a test that does not care about a field gets in it
_PLAIN: dict[str, Any] = {
    "organization_id": None,
    "category": "fire_lane",
    "kind": "practical",
    "reason": "",
    "note": "",
    "display_name": "a member",
    "home_community_id": None,
}


def _plain(name: str) -> Any:
    if name in _PLAIN:
        return _PLAIN[name]
    if name.endswith("_id") or name.endswith("_by"):
        return str(uuid.uuid4())
    if name in ("day", "work_date"):
        return date.today().isoformat()
    return dataclasses.MISSING


def envelope(
    event_type: str,
    member_id: uuid.UUID,
    data: dict[str, Any] | None = None,
    *,
    occurred_at: datetime | None = None,
    event_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The envelope a producer writes for an event of ``event_type`` about ``member_id``.

    Fields the contract needs and ``data`` leaves out get plain values (minutes have
    none: an ``hours.approved`` test says how long the work was)."""
    contract = next(c for c in CONTRACTS.contracts() if event_type == c.TYPE)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(contract):  # type: ignore[arg-type]
        value = _plain(f.name)
        if value is not dataclasses.MISSING:
            fields[f.name] = value
    fields.update({"member_id": str(member_id), **(data or {})})
    payload = contract.from_data(fields)
    event = Event(
        event_id or uuid.uuid4(),
        contract.TYPE,
        occurred_at or datetime.now(UTC),
        str(member_id),
        payload.to_data(),
        contract.VERSION,
    )
    return event.envelope()


def raw_envelope(
    event_type: str, member_id: uuid.UUID, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An envelope written by hand: an unknown type, or data that fits no contract."""
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "occurred_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "subject": str(member_id),
        "data": {"member_id": str(member_id), **(data or {})},
    }


def with_data(event: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A copy of ``event`` whose data says otherwise (for data that no longer fits)."""
    return {**event, "data": {**event["data"], **fields}}
