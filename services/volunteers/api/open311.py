"""Open311 GeoReport v2: a city's case system pulls our safety reports and pushes its own.

JSON only (``.json`` paths). Errors use GeoReport's own shape, a list of
``{code, description}``, with the matching HTTP status. Public views never
say who reported.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, json
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate
from werkzeug.exceptions import HTTPException

from common.app import session
from common.problems import Problem, http_exception_to_problem
from services.volunteers import services
from services.volunteers.adapters.models import Organization, Report, ReportCategory, ReportPhoto
from services.volunteers.api import Instant
from services.volunteers.api.reports import send_photo
from services.volunteers.config import config
from services.volunteers.domain.reports import open311_status

blp = Blueprint(
    "open311",
    __name__,
    url_prefix="/open311/v2",
    description="Open311 GeoReport v2 (public reads; POST needs an api_key)",
)

MAX_REQUESTS = 1000
DEFAULT_WINDOW = timedelta(days=90)


def _error(status: int, description: str) -> Response:
    return Response(
        json.dumps([{"code": status, "description": description}]),
        status=status,
        mimetype="application/json",
    )


@blp.errorhandler(Problem)
def _problem(problem: Problem) -> Response:
    description = problem.detail
    if problem.errors:
        description += " " + "; ".join(f"{k}: {' '.join(v)}" for k, v in problem.errors.items())
    return _error(400 if problem.status == 422 else problem.status, description)


@blp.errorhandler(HTTPException)
def _http(exc: HTTPException) -> Response:
    return _problem(http_exception_to_problem(exc))


def _w3c(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class ServiceOut(Schema):
    service_code = fields.String()
    service_name = fields.String()
    description = fields.String()
    metadata = fields.Boolean()
    type = fields.String()
    keywords = fields.String()
    group = fields.String()


class RequestOut(Schema):
    service_request_id = fields.String()
    status = fields.String(metadata={"enum": ["open", "closed"]})
    status_notes = fields.String(allow_none=True)
    service_name = fields.String()
    service_code = fields.String()
    description = fields.String()
    agency_responsible = fields.String(allow_none=True)
    service_notice = fields.String()
    requested_datetime = fields.String()
    updated_datetime = fields.String()
    expected_datetime = fields.String(allow_none=True)
    address = fields.String()
    address_id = fields.String(allow_none=True)
    zipcode = fields.String(allow_none=True)
    lat = fields.Float()
    long = fields.Float()
    media_url = fields.String(allow_none=True)


class RequestsQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    service_request_id = fields.String(load_default=None)
    service_code = fields.String(load_default=None)
    start_date = Instant(load_default=None)
    end_date = Instant(load_default=None)
    status = fields.String(load_default=None)
    jurisdiction_id = fields.String(load_default=None)


class RequestIn(Schema):
    class Meta:
        unknown = EXCLUDE

    api_key = fields.String(required=True)
    service_code = fields.String(required=True, validate=validate.Length(min=1, max=50))
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    long = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    address_string = fields.String(load_default="", validate=validate.Length(max=300))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    jurisdiction_id = fields.String(load_default=None)
    email = fields.String(load_default=None)
    first_name = fields.String(load_default=None)
    last_name = fields.String(load_default=None)
    phone = fields.String(load_default=None)
    device_id = fields.String(load_default=None)
    account_id = fields.String(load_default=None)
    media_url = fields.String(load_default=None)


class CreatedOut(Schema):
    service_request_id = fields.String()
    service_notice = fields.String()
    account_id = fields.String(allow_none=True)


def _request_view(
    report: Report,
    names: dict[str, str],
    agencies: dict[uuid.UUID, str],
    media: dict[uuid.UUID, uuid.UUID],
    base_url: str,
) -> dict[str, Any]:
    if report.status == "rejected":
        notes = report.reject_reason
    elif report.status == "resolved":
        notes = f"{report.close_reason}: {report.resolution_note or ''}".rstrip(": ")
    elif report.duplicate_of is not None:
        notes = f"duplicate of {report.duplicate_of}"
    else:
        notes = report.status
    photo_id = media.get(report.id)
    return {
        "service_request_id": str(report.id),
        "status": open311_status(report.status),
        "status_notes": notes,
        "service_name": names.get(report.category, report.category),
        "service_code": report.category,
        "description": report.description,
        "agency_responsible": agencies.get(report.organization_id)
        if report.organization_id
        else None,
        "service_notice": "",
        "requested_datetime": _w3c(report.created_at),
        "updated_datetime": _w3c(report.updated_at),
        "expected_datetime": None,
        "address": report.address,
        "address_id": None,
        "zipcode": None,
        "lat": report.lat,
        "long": report.lng,
        "media_url": f"{base_url}/open311/v2/media/{photo_id}.jpg" if photo_id else None,
    }


def _views(reports: list[Report]) -> list[dict[str, Any]]:
    db = session()
    names = {
        code: name for code, name in db.execute(sa.select(ReportCategory.code, ReportCategory.name))
    }
    org_ids = {r.organization_id for r in reports if r.organization_id}
    agencies = (
        {
            org_id: name
            for org_id, name in db.execute(
                sa.select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))
            )
        }
        if org_ids
        else {}
    )
    media: dict[uuid.UUID, uuid.UUID] = {}
    if reports:
        for report_id, photo_id in db.execute(
            sa.select(ReportPhoto.report_id, ReportPhoto.id)
            .where(ReportPhoto.report_id.in_([r.id for r in reports]))
            .order_by(ReportPhoto.created_at.desc())
        ):
            media[report_id] = photo_id
    base = config().public_base_url
    return [_request_view(r, names, agencies, media, base) for r in reports]


def _uuid_list(raw: str) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise Problem(
            400, "bad-request", "service_request_id must be request ids, comma-separated."
        ) from None


@blp.get("/services.json")
@blp.response(200, ServiceOut(many=True))
def list_services() -> list[dict[str, Any]]:
    """Open311: the service types (our report categories)"""
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.description or c.name,
            "metadata": False,
            "type": "realtime",
            "keywords": c.code.replace("_", ","),
            "group": "safety",
        }
        for c in services.categories(session())
    ]


@blp.get("/requests.json")
@blp.arguments(RequestsQuery, location="query")
@blp.response(200, RequestOut(many=True))
def list_requests(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Open311: service requests, newest first (90 days unless dated; at most 1000)"""
    query = sa.select(Report).order_by(Report.created_at.desc(), Report.id.desc())
    if args["service_request_id"]:
        query = query.where(Report.id.in_(_uuid_list(args["service_request_id"])))
    else:
        end = args["end_date"] or datetime.now(UTC)
        start = args["start_date"] or end - DEFAULT_WINDOW
        query = query.where(Report.created_at >= start, Report.created_at <= end)
        if args["service_code"]:
            codes = [c.strip() for c in args["service_code"].split(",") if c.strip()]
            query = query.where(Report.category.in_(codes))
        if args["status"]:
            wanted = {s.strip() for s in args["status"].split(",")}
            if not wanted <= {"open", "closed"}:
                raise Problem(400, "bad-request", "status is open, closed or both.")
            statuses: list[str] = []
            if "open" in wanted:
                statuses += ["submitted", "verified", "dispatched"]
            if "closed" in wanted:
                statuses += ["resolved", "rejected"]
            query = query.where(Report.status.in_(statuses))
    return _views(list(session().scalars(query.limit(MAX_REQUESTS))))


def _uuid_or_404(raw: str, what: str) -> uuid.UUID:
    """An id from the path; a malformed one is unknown (a GeoReport 404, not a routing miss,
    which would answer in the problem+json shape GeoReport clients cannot read)."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Problem(404, "not-found", f"There is no {what} with this id.") from None


@blp.get("/requests/<string:request_id>.json")
@blp.response(200, RequestOut(many=True))
def get_request(request_id: str) -> list[dict[str, Any]]:
    """Open311: one service request (a list of one, as GeoReport v2 says)"""
    report = session().get(Report, _uuid_or_404(request_id, "service request"))
    if report is None:
        raise Problem(404, "not-found", "There is no service request with this id.")
    return _views([report])


@blp.post("/requests.json")
@blp.arguments(RequestIn, location="form")
@blp.response(201, CreatedOut(many=True))
def create_request(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Open311: create a service request (form-encoded, with an api_key)"""
    cfg = config()
    supplied = data["api_key"].encode()
    if not any(hmac.compare_digest(supplied, key.encode()) for key in cfg.open311_api_keys):
        raise Problem(403, "forbidden", "The api_key is not valid.")
    client = "key:" + hashlib.sha256(supplied).hexdigest()[:12]
    report = services.create_open311_report(
        session(),
        client,
        {
            "category": data["service_code"],
            "description": data["description"],
            "lat": data["lat"],
            "lng": data["long"],
            "address": data["address_string"],
        },
        cfg,
    )
    return [{"service_request_id": str(report.id), "service_notice": "", "account_id": None}]


@blp.get("/media/<string:photo_id>.jpg")
@blp.response(200, content_type="image/jpeg")
def media(photo_id: str) -> Response:
    """Open311: a request's photo (re-encoded, without any metadata)"""
    photo = session().get(ReportPhoto, _uuid_or_404(photo_id, "photo"))
    if photo is None:
        raise Problem(404, "not-found", "There is no photo with this id.")
    return send_photo(photo)
