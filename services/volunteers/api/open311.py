"""Open311 GeoReport v2: a city's case system pulls our safety reports and pushes its own.

JSON only (``.json`` paths). Errors use GeoReport's own shape, a list of
``{code, description}``, with the matching HTTP status. Public views never
say who reported.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, json
from marshmallow import EXCLUDE, Schema, fields, post_load, validate
from werkzeug.exceptions import HTTPException

from common.app import session
from common.errors import DomainError
from common.problems import Problem, http_exception_to_problem
from common.transaction import transactional
from services.volunteers.adapters.models import Report
from services.volunteers.api import Instant
from services.volunteers.api.errors import problem_of
from services.volunteers.api.reports import send_photo
from services.volunteers.api.routing import routes
from services.volunteers.config import config
from services.volunteers.domain.public import (
    coarse_address,
    coarse_position,
    coarse_time,
    status_notes,
)
from services.volunteers.domain.reports import open311_status
from services.volunteers.usecases import open311, reports
from services.volunteers.usecases.open311 import Listing

blp = routes(
    "open311",
    __name__,
    url_prefix="/open311/v2",
    description="Open311 GeoReport v2 (public reads; POST needs an api_key)",
)


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


@blp.errorhandler(DomainError)
def _domain(error: DomainError) -> Response:
    return _problem(problem_of(error))


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

    @post_load
    def _query(self, data: dict[str, Any], **_: Any) -> open311.RequestsQuery:
        return open311.RequestsQuery(**data)


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

    @post_load
    def _command(self, data: dict[str, Any], **_: Any) -> open311.NewRequest:
        # contact details are accepted, as GeoReport clients send them, and never kept
        return open311.NewRequest(
            api_key=data["api_key"],
            service_code=data["service_code"],
            lat=data["lat"],
            long=data["long"],
            address_string=data["address_string"],
            description=data["description"],
        )


class CreatedOut(Schema):
    service_request_id = fields.String()
    service_notice = fields.String()
    account_id = fields.String(allow_none=True)


def _request_view(report: Report, listing: Listing, base_url: str) -> dict[str, Any]:
    photo_id = listing.media.get(report.id)
    # a rider's report is coarsened; a city's request is the city's own, shown as given
    rider = report.source != "open311"
    lat, lng = coarse_position(report.lat, report.lng) if rider else (report.lat, report.lng)
    return {
        "service_request_id": str(report.id),
        "status": open311_status(report.status),
        "status_notes": status_notes(report.status, report.close_reason),
        "service_name": listing.names.get(report.category, report.category),
        "service_code": report.category,
        "description": report.description,
        "agency_responsible": listing.agencies.get(report.organization_id)
        if report.organization_id
        else None,
        "service_notice": "",
        "requested_datetime": _w3c(coarse_time(report.created_at)),
        "updated_datetime": _w3c(coarse_time(report.updated_at)),
        "expected_datetime": None,
        "address": coarse_address(report.address) if rider else report.address,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lng,
        "media_url": f"{base_url}/open311/v2/media/{photo_id}.jpg" if photo_id else None,
    }


def _views(listing: Listing) -> list[dict[str, Any]]:
    base = config().public_base_url
    return [_request_view(r, listing, base) for r in listing.reports]


@blp.get("/services.json")
@transactional
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
        for c in reports.categories(session())
    ]


@blp.get("/requests.json")
@blp.arguments(RequestsQuery, location="query")
@blp.response(200, RequestOut(many=True))
def list_requests(query: open311.RequestsQuery) -> list[dict[str, Any]]:
    """Open311: service requests, newest first (90 days unless dated; at most 1000)"""
    return _views(open311.list_requests(session(), query))


@blp.get("/requests/<string:request_id>.json")
@blp.response(200, RequestOut(many=True))
def get_request(request_id: str) -> list[dict[str, Any]]:
    """Open311: one service request (a list of one, as GeoReport v2 says)"""
    return _views(open311.one_request(session(), request_id))


@blp.post("/requests.json")
@transactional
@blp.arguments(RequestIn, location="form")
@blp.response(201, CreatedOut(many=True))
def create_request(command: open311.NewRequest) -> list[dict[str, Any]]:
    """Open311: create a service request (form-encoded, with an api_key)"""
    report = open311.create_request(session(), command, config().open311_api_keys)
    return [{"service_request_id": str(report.id), "service_notice": "", "account_id": None}]


@blp.get("/media/<string:photo_id>.jpg")
@blp.response(200, content_type="image/jpeg")
def media(photo_id: str) -> Response:
    """Open311: a request's photo (re-encoded, without any metadata)"""
    return send_photo(open311.media_photo(session(), photo_id))
