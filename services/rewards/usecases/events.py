"""What the rewards service does with other services' events: it keeps each member's
standing (approved minutes, home community) and tells members what became of their hours
and reports. Each event has its effect once (its id is claimed in processed_events);
one that cannot be read or applied is parked whole, never dropped."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from common import consuming
from common.events import BadEnvelope, BadEventData, Event, EventContract, UnknownEvent
from services.rewards.adapters.models import ParkedEvent, plumbing
from services.rewards.usecases import deletion, standing
from services.rewards.usecases.notifications import Notice, notify
from suite.events import (
    CONTRACTS,
    HoursApproved,
    HoursRejected,
    MemberDeleted,
    MemberUpdated,
    ReportFollowedOutcome,
    ReportRejected,
    ReportResolved,
    ReportVerified,
)

# the store itself is away or refuses every statement: the whole batch is retried, not parked


@dataclass
class BatchResult:
    received: int = 0
    applied: int = 0
    duplicates: int = 0
    parked: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "applied": self.applied,
            "duplicates": self.duplicates,
            "parked": self.parked,
        }


def handle_batch(session: Session, envelopes: list[Any]) -> BatchResult:
    """Apply a batch in the caller's transaction; each event in its own savepoint."""
    result = BatchResult(received=len(envelopes))
    for envelope in envelopes:
        try:
            event = Event.from_envelope(envelope)
        except BadEnvelope as exc:
            result.parked += _park(session, _stand_in_id(envelope), "?", str(exc), envelope)
            continue
        if not _claim(session, event):
            result.duplicates += 1
            continue
        try:
            with session.begin_nested():
                _apply(session, event, CONTRACTS.parse(event))
            result.applied += 1
        except consuming.STORE_FAILURES:
            raise
        except (UnknownEvent, BadEventData, ValueError) as exc:
            result.parked += _park(session, event.id, event.type, str(exc), envelope)
    return result


def park_failed(session: Session, envelope: Any, reason: str) -> int:
    """Park an event whose application failed on its own; 0 when it was processed already."""
    try:
        event = Event.from_envelope(envelope)
    except BadEnvelope:
        return _park(session, _stand_in_id(envelope), "?", reason, envelope)
    if not _claim(session, event):
        return 0
    return _park(session, event.id, event.type, reason, envelope)


def _claim(session: Session, event: Event) -> bool:
    table = plumbing.processed_events
    claimed = session.scalar(
        insert(table)
        .values(event_id=event.id, type=event.type[:80])
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    return claimed is not None


def _park(session: Session, event_id: uuid.UUID, kind: str, reason: str, envelope: Any) -> int:
    table = plumbing.processed_events
    session.execute(
        insert(table)
        .values(event_id=event_id, type=kind[:80], note=f"parked: {reason}"[:1000])
        .on_conflict_do_nothing()
    )
    parked = session.scalar(
        insert(ParkedEvent)
        .values(event_id=event_id, type=kind[:80], reason=reason[:2000], envelope=_json(envelope))
        .on_conflict_do_nothing()
        .returning(ParkedEvent.event_id)
    )
    return int(parked is not None)


def _stand_in_id(envelope: Any) -> uuid.UUID:
    """An envelope without a readable id is named by its content, so a copy parks once."""
    return uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(_json(envelope), sort_keys=True))


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _apply(session: Session, event: Event, contract: EventContract) -> None:
    match contract:
        case HoursApproved():
            standing.add_minutes(session, contract.member_id, contract.minutes)
            notify(session, contract.member_id, _hours_approved(contract))
        case HoursRejected():
            notify(session, contract.member_id, _hours_rejected(contract))
        case MemberUpdated():
            standing.set_home_community(session, contract.member_id, contract.home_community_id)
        case MemberDeleted():
            deletion.anonymise(session, contract.member_id)
        case ReportVerified() | ReportRejected() | ReportResolved():
            notify(session, contract.member_id, _report_notice(contract))
        case ReportFollowedOutcome():
            notify(session, contract.member_id, _followed_notice(contract))
        case _:
            raise UnknownEvent(f"the rewards service does not consume {event.type}")


def _hours_approved(event: HoursApproved) -> Notice:
    day = f"（{event.work_date.isoformat()}）" if event.work_date else ""
    day_en = f" ({event.work_date.isoformat()})" if event.work_date else ""
    return Notice(
        "hours.approved",
        "服务时长已通过",
        f"您的 {event.minutes} 分钟服务时长{day}已通过审核，已计入您的服务记录。",
        "Your service hours were approved",
        f"{event.minutes} minutes of service{day_en} were approved and count toward your record.",
        {"hours_id": str(event.hours_id), "minutes": event.minutes},
    )


def _hours_rejected(event: HoursRejected) -> Notice:
    return Notice(
        "hours.rejected",
        "服务时长未通过",
        f"您的 {event.minutes} 分钟服务时长未通过审核。原因：{event.reason}",
        "Your service hours were not approved",
        f"{event.minutes} minutes of service were not approved. Reason: {event.reason}",
        {"hours_id": str(event.hours_id), "reason": event.reason},
    )


def _report_notice(event: ReportVerified | ReportRejected | ReportResolved) -> Notice:
    data = {"report_id": str(event.report_id)}
    if isinstance(event, ReportVerified):
        return Notice(
            "report.verified",
            "您的隐患报告已核实",
            "社区工作者已核实您报告的安全隐患，感谢您的守护。",
            "Your report was confirmed",
            "A community worker confirmed the hazard you reported. Thank you.",
            data,
        )
    if isinstance(event, ReportRejected):
        return Notice(
            "report.rejected",
            "您的隐患报告未被采纳",
            f"您的报告未被采纳。原因：{event.reason}",
            "Your report was not accepted",
            f"Your report was not accepted. Reason: {event.reason}",
            {**data, "reason": event.reason},
        )
    return Notice(
        "report.resolved",
        "您报告的隐患已处理",
        f"您报告的安全隐患已处理完毕。说明：{event.note}",
        "The hazard you reported was dealt with",
        f"The hazard you reported was dealt with. Note: {event.note}",
        {**data, "note": event.note},
    )


# what a follower ("me too") hears: (title zh, body zh, title en, body en) by outcome
_FOLLOWED = {
    "verified": (
        "您关注的隐患已核实",
        "您也遇到的安全隐患已被社区工作者核实。",
        "A hazard you follow was confirmed",
        "A community worker confirmed the hazard you also met.",
    ),
    "rejected": (
        "您关注的隐患报告未被采纳",
        "您也遇到的隐患报告未被采纳。原因：{note}",
        "A report you follow was not accepted",
        "A report of the hazard you also met was not accepted. Reason: {note}",
    ),
    "resolved": (
        "您关注的隐患已处理",
        "您也遇到的安全隐患已处理完毕。说明：{note}",
        "A hazard you follow was dealt with",
        "The hazard you also met was dealt with. Note: {note}",
    ),
}


def _followed_notice(event: ReportFollowedOutcome) -> Notice:
    texts = _FOLLOWED.get(event.outcome)
    if texts is None:
        raise BadEventData(f"no such outcome of a followed report: {event.outcome!r}")
    title_zh, body_zh, title_en, body_en = texts
    return Notice(
        "report.followed_outcome",
        title_zh,
        body_zh.format(note=event.note),
        title_en,
        body_en.format(note=event.note),
        {"report_id": str(event.report_id), "outcome": event.outcome, "note": event.note},
    )
