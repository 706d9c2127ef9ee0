"""Open311 GeoReport v2: a city's case system pulls our safety reports and pushes its own.

Requests pushed through Open311 have no reporter: they are placed and de-duplicated like
any report, and earn nobody anything.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Forbidden, Malformed, NotFound
from services.volunteers.adapters.models import Organization, Report, ReportCategory, ReportPhoto
from services.volunteers.domain.public import VOUCHED_STATUSES, hour_window, is_published
from services.volunteers.usecases.reports import (
    area_for,
    categories,
    category_named,
    find_duplicate,
)
from services.volunteers.usecases.rows import added, now_utc

MAX_REQUESTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
OPEN = ("submitted", "verified", "dispatched")
CLOSED = ("resolved", "rejected")
# the SQL twin of domain.public.is_published
PUBLISHED = sa.or_(
    Report.source == "open311",
    sa.and_(Report.status.in_(VOUCHED_STATUSES), Report.verified_at.is_not(None)),
)


@dataclass(frozen=True)
class RequestsQuery:
    service_request_id: str | None = None
    service_code: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    status: str | None = None
    jurisdiction_id: str | None = None


@dataclass(frozen=True)
class NewRequest:
    api_key: str
    service_code: str
    lat: float
    long: float
    address_string: str = ""
    description: str = ""


@dataclass(frozen=True)
class Listing:
    """Requests and what their public view names: categories, agencies, a photo each."""

    reports: list[Report]
    names: dict[str, str] = field(default_factory=dict)
    agencies: dict[uuid.UUID, str] = field(default_factory=dict)
    media: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)


def _listing(db: Session, reports: list[Report]) -> Listing:
    names = {
        code: name for code, name in db.execute(sa.select(ReportCategory.code, ReportCategory.name))
    }
    org_ids = {r.organization_id for r in reports if r.organization_id}
    agencies: dict[uuid.UUID, str] = {}
    if org_ids:
        agencies = dict(
            db.execute(
                sa.select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))
            ).all()
        )
    media: dict[uuid.UUID, uuid.UUID] = {}
    if reports:
        for report_id, photo_id in db.execute(
            sa.select(ReportPhoto.report_id, ReportPhoto.id)
            .where(ReportPhoto.report_id.in_([r.id for r in reports]))
            .order_by(ReportPhoto.created_at.desc())
        ):
            media[report_id] = photo_id
    return Listing(reports, names, agencies, media)


def _uuid_list(raw: str) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise Malformed(
            "service_request_id must be request ids, comma-separated.", kind="bad-request"
        ) from None


def _statuses(raw: str) -> list[str]:
    wanted = {s.strip() for s in raw.split(",")}
    if not wanted <= {"open", "closed"}:
        raise Malformed("status is open, closed or both.", kind="bad-request")
    return [*(OPEN if "open" in wanted else ()), *(CLOSED if "closed" in wanted else ())]


def list_requests(db: Session, query: RequestsQuery) -> Listing:
    """Requests newest first: those named, or those of a window (90 days unless dated).

    The window applies to the public, hour-coarse time, never to the exact one."""
    # by the hour, then by the random id: the order must not tell the exact times apart
    hour = sa.func.date_trunc("hour", Report.created_at, "UTC")
    select = sa.select(Report).where(PUBLISHED).order_by(hour.desc(), Report.id.desc())
    if query.service_request_id:
        select = select.where(Report.id.in_(_uuid_list(query.service_request_id)))
    else:
        end = query.end_date or datetime.now(UTC)
        start = query.start_date or end - DEFAULT_WINDOW
        low, high = hour_window(start, end)
        select = select.where(Report.created_at >= low, Report.created_at < high)
        if query.service_code:
            codes = [c.strip() for c in query.service_code.split(",") if c.strip()]
            select = select.where(Report.category.in_(codes))
        if query.status:
            select = select.where(Report.status.in_(_statuses(query.status)))
    return _listing(db, list(db.scalars(select.limit(MAX_REQUESTS))))


def _uuid_or_not_found(raw: str, what: str) -> uuid.UUID:
    """An id from the path; a malformed one is unknown (a GeoReport 404, not a routing miss,
    which would answer in the problem+json shape GeoReport clients cannot read)."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound.of(what) from None


def _published(report: Report | None) -> bool:
    return report is not None and is_published(report.source, report.status, report.verified_at)


def one_request(db: Session, request_id: str) -> Listing:
    """One public request; one the public may not see is as unknown as one that never was."""
    report = db.get(Report, _uuid_or_not_found(request_id, "service request"))
    if report is None or not _published(report):
        raise NotFound.of("service request")
    return _listing(db, [report])


def service_definition(db: Session, service_code: str) -> ReportCategory:
    """The category behind a service code; an unknown one is a 404 (it is in the path)."""
    category = next((c for c in categories(db) if c.code == service_code), None)
    if category is None:
        raise NotFound.of("service")
    return category


def create_request(db: Session, command: NewRequest, api_keys: tuple[str, ...]) -> Report:
    """A report from a city's system, known by a digest of its key (never the key itself)."""
    supplied = command.api_key.encode()
    if not any(hmac.compare_digest(supplied, key.encode()) for key in api_keys):
        raise Forbidden("The api_key is not valid.")
    client = "key:" + hashlib.sha256(supplied).hexdigest()[:12]
    now = now_utc()
    category_named(db, command.service_code)
    report = Report(
        id=uuid.uuid4(),
        reporter_id=None,
        source="open311",
        source_client=client,
        category=command.service_code,
        description=command.description,
        lat=command.lat,
        lng=command.long,
        address=command.address_string or "",
        organization_id=area_for(db, command.lat, command.long),
        status="submitted",
        duplicate_of=find_duplicate(db, command.service_code, command.lat, command.long, now),
        reopen_count=0,
    )
    return added(db, report)


def media_photo(db: Session, photo_id: str) -> ReportPhoto:
    """A photo of a public request; any other is unknown (404), whoever asks."""
    photo = db.get(ReportPhoto, _uuid_or_not_found(photo_id, "photo"))
    if photo is None or not _published(db.get(Report, photo.report_id)):
        raise NotFound.of("photo")
    return photo
