"""The service record: a member's approved hours, with totals signed so that a printed copy
can be checked, and the public check of those totals."""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from common.errors import Invalid, NotFound
from common.tokens import Principal
from services.volunteers.adapters.models import Activity, HoursEntry, Member, Organization
from services.volunteers.config import VolunteersConfig
from services.volunteers.domain.masking import mask_name
from services.volunteers.domain.signing import (
    RecordTotals,
    format_instant,
    record_signature_valid,
    sign_record,
)
from services.volunteers.usecases.members import ensure_member
from services.volunteers.usecases.rows import locked


def _record_number() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")
    return f"SR-{raw[:4]}-{raw[4:8]}-{raw[8:12]}"


def record_number_for(db: Session, member: Member) -> str:
    if member.record_number is None:
        found = locked(db, Member, member.id)
        assert found is not None
        member = found
        if member.record_number is None:
            member.record_number = _record_number()
    assert member.record_number is not None
    return member.record_number


def _approved_entries(
    db: Session, member: Member, issued_at: datetime, zone: ZoneInfo
) -> list[dict[str, Any]]:
    """The member's hours approved by ``issued_at``, in the order they were served."""
    approver = aliased(Member)
    rows = db.execute(
        sa.select(
            HoursEntry,
            Organization.name.label("organization_name"),
            Activity.title.label("activity_title"),
            approver.display_name.label("approver_name"),
        )
        .join(Organization, Organization.id == HoursEntry.organization_id)
        .outerjoin(Activity, Activity.id == HoursEntry.activity_id)
        .outerjoin(approver, approver.id == HoursEntry.decided_by)
        .where(
            HoursEntry.member_id == member.id,
            HoursEntry.status == "approved",
            HoursEntry.decided_at <= issued_at,
        )
        .order_by(HoursEntry.started_at, HoursEntry.id)
    ).all()
    return [
        {
            "hours_id": row.HoursEntry.id,
            "organization_id": row.HoursEntry.organization_id,
            "organization_name": row.organization_name,
            "activity_id": row.HoursEntry.activity_id,
            "activity_title": row.activity_title,
            "date": row.HoursEntry.started_at.astimezone(zone).date(),
            "started_at": row.HoursEntry.started_at,
            "ended_at": row.HoursEntry.ended_at,
            "minutes": row.HoursEntry.minutes,
            "description": row.HoursEntry.description,
            "source": row.HoursEntry.source,
            "approved_by": row.HoursEntry.decided_by,
            "approved_by_name": row.approver_name or "",
            "approved_at": row.HoursEntry.decided_at,
        }
        for row in rows
    ]


def service_record(db: Session, principal: Principal, cfg: VolunteersConfig) -> dict[str, Any]:
    """The member's approved hours, totals signed so that the printed record can be checked."""
    member = ensure_member(db, principal)
    number = record_number_for(db, member)
    # the database's clock, as approvals are stamped with it; in UTC, whatever the session's
    # time zone, as the printed record labels it
    issued_at: datetime = (
        db.execute(sa.select(sa.func.clock_timestamp())).scalar_one().astimezone(UTC)
    )
    entries = _approved_entries(db, member, issued_at, cfg.district_timezone)
    total_minutes = sum(e["minutes"] for e in entries)
    totals = RecordTotals(
        number, total_minutes, len(entries), issued_at, member.id, member.display_name
    )
    signature = sign_record(cfg.record_key, totals)
    return {
        "member_id": member.id,
        "holder_name": member.display_name,
        "record_number": number,
        "issuing_organization": _issuing_organization(db, member, entries),
        "issued_at": issued_at,
        "total_minutes": total_minutes,
        "total_hours": round(total_minutes / 60, 2),
        "entry_count": len(entries),
        "entries": entries,
        "signature": signature,
        "verification_url": verification_url(cfg, totals, signature),
    }


def _issuing_organization(
    db: Session, member: Member, entries: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The member's home community; else the organisation they served most for."""
    organization_id = member.home_community_id
    if organization_id is None and entries:
        minutes: dict[uuid.UUID, int] = {}
        for entry in entries:
            minutes[entry["organization_id"]] = (
                minutes.get(entry["organization_id"], 0) + entry["minutes"]
            )
        organization_id = max(minutes, key=lambda k: (minutes[k], str(k)))
    if organization_id is None:
        return None
    organization = db.get(Organization, organization_id)
    if organization is None:
        return None
    return {"id": organization.id, "name": organization.name}


def verification_url(cfg: VolunteersConfig, totals: RecordTotals, signature: str) -> str:
    query = urlencode(
        {
            "minutes": totals.minutes,
            "entries": totals.entries,
            "issued_at": format_instant(totals.issued_at),
            "name": totals.holder_name,
            "sig": signature,
        }
    )
    return (
        f"{cfg.public_base_url}/api/v1/service-records/{totals.record_number}/verification?{query}"
    )


@dataclass(frozen=True)
class RecordCheck:
    """The totals printed on a record, as its verification link carries them."""

    minutes: int
    entries: int
    issued_at: datetime
    sig: str
    # the holder's name as printed
    name: str


def verify_record(
    db: Session, record_number: str, check: RecordCheck, cfg: VolunteersConfig
) -> dict[str, Any]:
    """Confirms a printed record's totals and holder; a changed number, total, time, name or
    signature fails, and so does the signature of another member's record. The name is
    shown masked."""
    member = db.execute(
        sa.select(Member).where(Member.record_number == record_number)
    ).scalar_one_or_none()
    if member is None:
        raise NotFound("No service record has this number.")
    totals = RecordTotals(
        record_number, check.minutes, check.entries, check.issued_at, member.id, check.name
    )
    if not record_signature_valid(cfg.record_key, totals, check.sig):
        raise Invalid(
            "These totals were not issued for this record and this name: the record has been "
            "altered.",
            kind="record-not-verified",
        )
    return {
        "holder_name": mask_name(check.name),
        "record_number": record_number,
        "valid": True,
        "total_minutes": check.minutes,
        "total_hours": round(check.minutes / 60, 2),
        "entry_count": check.entries,
        "issued_at": totals.issued_at,
    }
