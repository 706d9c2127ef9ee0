"""The event envelope and where each event type goes.

An event travels from the producing service's outbox to the queue of every
service that consumes it; the routing lives here, in one place, so a producer
never has to know its consumers.

The events of the suite (``subject`` is always the member the event is about):

- ``hours.approved``: ``{hours_id, member_id, organization_id, minutes, approved_by}``
- ``report.verified``: ``{report_id, member_id, organization_id, category}``
- ``checkin.recorded``: ``{checkin_id, member_id, station_id, organization_id, day}``
- ``task.completed``: ``{task_id, member_id, organization_id, kind}``
- ``award.reversed``: ``{reverses_event_id, member_id, reason}``: claw back
  whatever the event ``reverses_event_id`` paid (a verified report rejected later)

``organization_id`` is the organisation the work counts for (leaderboards).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# event type -> the queues (one per consuming service) it is delivered to
EVENT_ROUTES: dict[str, tuple[str, ...]] = {
    "hours.approved": ("points",),
    "report.verified": ("points",),
    "checkin.recorded": ("points",),
    "task.completed": ("points",),
    "award.reversed": ("points",),
}

# queue -> the job that takes a batch of envelopes off it
CONSUMERS: dict[str, str] = {
    "points": "services.points.jobs.handle_events",
}


@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    type: str
    occurred_at: datetime
    subject: str
    data: dict[str, Any]

    @classmethod
    def new(cls, type: str, subject: str | uuid.UUID, data: dict[str, Any]) -> Event:
        return cls(uuid.uuid4(), type, datetime.now(UTC), str(subject), data)

    def envelope(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "subject": self.subject,
            "data": self.data,
        }

    @classmethod
    def from_envelope(cls, envelope: dict[str, Any]) -> Event:
        occurred = envelope["occurred_at"].replace("Z", "+00:00")
        return cls(
            uuid.UUID(envelope["id"]),
            envelope["type"],
            datetime.fromisoformat(occurred),
            envelope["subject"],
            dict(envelope.get("data") or {}),
        )
