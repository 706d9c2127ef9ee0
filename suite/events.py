"""The suite's event contracts: one class per event type and version.

Producers build these and write ``contract.event(subject)`` to their outbox;
consumers read envelopes through ``CONTRACTS.parse``. A change that a consumer
could misread is a new VERSION beside the old one, never an edit of it.

``subject`` is always the member the event is about; ``organization_id`` is the
organisation the work counts for (leaderboards), None where there is none.
Where each type is delivered is the suite manifest's business (``suite.APPS``).
docs/events.md describes each of them for people.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from common.events import ContractRegistry, EventContract

CONTRACTS = ContractRegistry()


@CONTRACTS.register
@dataclass(frozen=True)
class HoursApproved(EventContract):
    """A coordinator approved a member's service hours."""

    TYPE = "hours.approved"
    hours_id: uuid.UUID
    member_id: uuid.UUID
    organization_id: uuid.UUID | None
    minutes: int
    approved_by: uuid.UUID
    # the day the work was done, in the district's time zone (absent from early events)
    work_date: date | None = None


@CONTRACTS.register
@dataclass(frozen=True)
class HoursRejected(EventContract):
    """A coordinator rejected a member's service hours, with a reason."""

    TYPE = "hours.rejected"
    hours_id: uuid.UUID
    member_id: uuid.UUID
    organization_id: uuid.UUID | None
    minutes: int
    reason: str
    rejected_by: uuid.UUID


@CONTRACTS.register
@dataclass(frozen=True)
class ReportVerified(EventContract):
    """A coordinator confirmed a rider's safety report."""

    TYPE = "report.verified"
    report_id: uuid.UUID
    member_id: uuid.UUID
    organization_id: uuid.UUID | None
    category: str


@CONTRACTS.register
@dataclass(frozen=True)
class ReportRejected(EventContract):
    """A coordinator rejected a safety report, with a reason."""

    TYPE = "report.rejected"
    report_id: uuid.UUID
    member_id: uuid.UUID
    reason: str


@CONTRACTS.register
@dataclass(frozen=True)
class ReportResolved(EventContract):
    """The hazard a report named was dealt with."""

    TYPE = "report.resolved"
    report_id: uuid.UUID
    member_id: uuid.UUID
    note: str


@CONTRACTS.register
@dataclass(frozen=True)
class ReportFollowedOutcome(EventContract):
    """What became of a report to a member who follows it ("me too"), not its reporter:
    ``outcome`` is verified, rejected or resolved; ``note`` the reason or note, if any.
    A type of its own, so that no consumer of the reporter's events pays a follower."""

    TYPE = "report.followed_outcome"
    report_id: uuid.UUID
    member_id: uuid.UUID
    outcome: str
    note: str


@CONTRACTS.register
@dataclass(frozen=True)
class CheckinRecorded(EventContract):
    """A member checked in at a station (one a day per station)."""

    TYPE = "checkin.recorded"
    checkin_id: uuid.UUID
    member_id: uuid.UUID
    station_id: uuid.UUID
    organization_id: uuid.UUID | None
    day: date


@CONTRACTS.register
@dataclass(frozen=True)
class TaskCompleted(EventContract):
    """The poster confirmed that a member finished a task."""

    TYPE = "task.completed"
    task_id: uuid.UUID
    member_id: uuid.UUID
    organization_id: uuid.UUID | None
    kind: str


@CONTRACTS.register
@dataclass(frozen=True)
class AwardReversed(EventContract):
    """Claw back whatever the event ``reverses_event_id`` paid (a report rejected later)."""

    TYPE = "award.reversed"
    reverses_event_id: uuid.UUID
    member_id: uuid.UUID
    reason: str


@CONTRACTS.register
@dataclass(frozen=True)
class MemberUpdated(EventContract):
    """A member's profile changed in a way other services keep a copy of."""

    TYPE = "member.updated"
    member_id: uuid.UUID
    home_community_id: uuid.UUID | None
    display_name: str


@CONTRACTS.register
@dataclass(frozen=True)
class MemberDeleted(EventContract):
    """An admin completed a member's request to be deleted: every service anonymises what
    it holds of the person; records that must stay whole (the ledger, reports, the audit
    log) keep the member's id, which names nobody once the gateway dropped the name."""

    TYPE = "member.deleted"
    member_id: uuid.UUID
    # what now stands for the person where a name was shown
    tombstone: str
