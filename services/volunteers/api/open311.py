"""Open311 GeoReport v2: a city's case system pulls our safety reports and pushes its own.

Every route answers JSON or XML by its extension (``.json``, ``.xml``; ``api/georeport.py``).
Errors use GeoReport's own shape, a list of ``{code, description}`` (``<errors><error>``),
with the matching HTTP status. What the public sees of a report is decided in
``domain/public.py``: only published reports, coarsened, never who reported.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, request
from marshmallow import EXCLUDE, Schema, fields, post_load, validate
from werkzeug.exceptions import HTTPException

from common.app import session
from common.errors import DomainError
from common.problems import Problem, http_exception_to_problem
from common.transaction import transactional
from services.volunteers.adapters.models import Report
from services.volunteers.api import Instant
from services.volunteers.api.errors import problem_of
from services.volunteers.api.georeport import FORMAT_RULE, JSON_MIMETYPE, XML_MIMETYPE, answer
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
    url_prefix="/open311",
    description="Open311 GeoReport v2 (public reads; POST needs an api_key)",
)


# when this API last changed (the discovery document's changeset)
CHANGESET = "2026-11-28T00:00:00Z"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def _error(status: int, description: str) -> Response:
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return answer(fmt, "errors", [{"code": status, "description": description}], status)


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


class DefinitionOut(Schema):
    service_code = fields.String()
    # GeoReport's attribute objects (variable, code, datatype, required, order, values...):
    # no category has any, so the list is always empty
    attributes = fields.List(fields.Dict())


# the discovery document, whose XML nests endpoints and their formats
DiscoveryOut = Schema.from_dict(
    {
        "changeset": fields.String(),
        "contact": fields.String(),
        "key_service": fields.String(),
        "endpoints": fields.List(fields.Dict()),
    },
    name="DiscoveryOut",
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


def _service(category: Any) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        # no category asks for attributes: the definition says so with an empty list
        "metadata": False,
        "type": "realtime",
        "keywords": category.code.replace("_", ","),
        "group": "safety",
    }


@blp.get("/discovery." + FORMAT_RULE)
@blp.response(200, DiscoveryOut)
def discovery(fmt: str) -> Response:
    """Open311: the discovery document (where the GeoReport v2 endpoint is, in which formats)"""
    endpoint = {
        "specification": SPECIFICATION,
        "url": f"{config().public_base_url}/open311/v2",
        "changeset": CHANGESET,
        "type": "production",
        "formats": [XML_MIMETYPE, JSON_MIMETYPE],
    }
    document = {
        "changeset": CHANGESET,
        "contact": "The district's volunteers office (see docs/volunteers.md).",
        "key_service": "Reads need no key; the volunteers office issues api_keys for posting.",
        "endpoints": [endpoint],
    }
    return answer(fmt, "discovery", DiscoveryOut().dump(document))


@blp.get("/v2/services." + FORMAT_RULE)
@transactional
@blp.response(200, ServiceOut(many=True))
def list_services(fmt: str) -> Response:
    """Open311: the service types (our report categories), JSON or XML"""
    services = [_service(c) for c in reports.categories(session())]
    return answer(fmt, "services", ServiceOut(many=True).dump(services))


@blp.get("/v2/services/<string:service_code>." + FORMAT_RULE)
@transactional
@blp.response(200, DefinitionOut)
def service_definition(service_code: str, fmt: str) -> Response:
    """Open311: a service's definition (its attributes: none for our categories)"""
    category = open311.service_definition(session(), service_code)
    definition = {"service_code": category.code, "attributes": []}
    return answer(fmt, "service_definition", DefinitionOut().dump(definition))


@blp.get("/v2/requests." + FORMAT_RULE)
@blp.arguments(RequestsQuery, location="query")
@blp.response(200, RequestOut(many=True))
def list_requests(query: open311.RequestsQuery, fmt: str) -> Response:
    """Open311: published requests, newest hour first (90 days unless dated; at most 1000)"""
    views = _views(open311.list_requests(session(), query))
    return answer(fmt, "service_requests", RequestOut(many=True).dump(views))


@blp.get("/v2/requests/<string:request_id>." + FORMAT_RULE)
@blp.response(200, RequestOut(many=True))
def get_request(request_id: str, fmt: str) -> Response:
    """Open311: one published request (a list of one, as GeoReport v2 says)"""
    views = _views(open311.one_request(session(), request_id))
    return answer(fmt, "service_requests", RequestOut(many=True).dump(views))


@blp.post("/v2/requests." + FORMAT_RULE)
@transactional
@blp.arguments(RequestIn, location="form")
@blp.response(201, CreatedOut(many=True))
def create_request(command: open311.NewRequest, fmt: str) -> Response:
    """Open311: create a service request (form-encoded, with an api_key)"""
    report = open311.create_request(session(), command, config().open311_api_keys)
    created = [{"service_request_id": str(report.id), "service_notice": "", "account_id": None}]
    return answer(fmt, "service_requests", CreatedOut(many=True).dump(created), 201)


@blp.get("/v2/media/<string:photo_id>.jpg")
@blp.response(200, content_type="image/jpeg")
def media(photo_id: str) -> Response:
    """Open311: a published request's photo (re-encoded, without any metadata)"""
    response = send_photo(open311.media_photo(session(), photo_id))
    # a published report can be withdrawn (rejected after all): every read asks again
    response.headers["Cache-Control"] = "no-cache, private"
    return response
