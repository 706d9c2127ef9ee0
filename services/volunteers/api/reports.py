"""Riders' safety reports: categories, reports, photos and their way to resolution."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import Response
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from common.app import session
from common.auth import current_principal, require_auth, require_roles
from common.pagination import PageArgs, keyset_page, page_of
from common.problems import Problem
from services.volunteers import services
from services.volunteers.adapters.models import REPORT_STATUSES, Report, ReportPhoto
from services.volunteers.config import config
from services.volunteers.domain.reports import CLOSE_REASONS

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Safety reports")


class CategoryOut(Schema):
    code = fields.String()
    name = fields.String()


class CategoryList(Schema):
    items = fields.List(fields.Nested(CategoryOut))


class ReportIn(Schema):
    category = fields.String(required=True, validate=validate.Length(min=1, max=50))
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    address = fields.String(load_default="", validate=validate.Length(max=300))
    organization_id = fields.UUID(
        load_default=None,
        metadata={"description": "omit to use the area that holds the position"},
    )


class PhotoOut(Schema):
    id = fields.UUID()
    url = fields.String()
    content_type = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    size_bytes = fields.Integer()


class ReportOut(Schema):
    id = fields.UUID()
    category = fields.String()
    description = fields.String()
    lat = fields.Float()
    lng = fields.Float()
    address = fields.String()
    organization_id = fields.UUID(allow_none=True)
    status = fields.String(metadata={"enum": list(REPORT_STATUSES)})
    duplicate_of = fields.UUID(allow_none=True)
    reporter_id = fields.UUID(allow_none=True)
    source = fields.String()
    photos = fields.List(fields.Nested(PhotoOut))
    verified_at = fields.DateTime(allow_none=True)
    dispatched_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    close_reason = fields.String(allow_none=True, metadata={"enum": list(CLOSE_REASONS)})
    resolution_note = fields.String(allow_none=True)
    rejected_at = fields.DateTime(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)
    reopened_at = fields.DateTime(allow_none=True)
    reopen_reason = fields.String(allow_none=True)
    reopen_count = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


ReportPage = page_of(ReportOut)


class ReportQuery(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(REPORT_STATUSES))
    category = fields.String(load_default=None)
    mine = fields.Boolean(load_default=False)
    organization_id = fields.UUID(load_default=None)


class ReasonIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ReopenIn(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=1000))


class NoteIn(Schema):
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class ResolveIn(Schema):
    note = fields.String(load_default=None, validate=validate.Length(max=2000))
    close_reason = fields.String(load_default=None, validate=validate.OneOf(CLOSE_REASONS))


class PhotoIn(Schema):
    photo = Upload(required=True, metadata={"description": "a JPEG, PNG or WebP image"})


def photo_url(photo: ReportPhoto) -> str:
    return f"/api/v1/reports/{photo.report_id}/photos/{photo.id}"


def report_view(report: Report, photos: list[ReportPhoto]) -> dict[str, Any]:
    view = {name: getattr(report, name) for name in ReportOut().fields if name != "photos"}
    view["photos"] = [
        {
            "id": p.id,
            "url": photo_url(p),
            "content_type": p.content_type,
            "width": p.width,
            "height": p.height,
            "size_bytes": p.size_bytes,
        }
        for p in photos
    ]
    return view


def one_view(report: Report) -> dict[str, Any]:
    return report_view(report, services.photos_of(session(), [report.id])[report.id])


@blp.get("/reports/categories")
@require_auth
@blp.response(200, CategoryList)
def list_categories() -> dict[str, Any]:
    """The report categories"""
    return {"items": services.categories(session())}


@blp.post("/reports")
@require_auth
@blp.arguments(ReportIn)
@blp.response(201, ReportOut)
def create_report(data: dict[str, Any]) -> dict[str, Any]:
    """Report a safety hazard; a report near an open one of its kind is linked as duplicate_of"""
    report = services.create_report(session(), current_principal(), data, config())
    return report_view(report, [])


@blp.get("/reports")
@require_auth
@blp.arguments(ReportQuery, location="query")
@blp.response(200, ReportPage)
def list_reports(args: dict[str, Any]) -> dict[str, Any]:
    """List reports: your own (mine=true, or any member), or those in a coordinator's scope"""
    principal = current_principal()
    query = sa.select(Report).order_by(Report.created_at.desc(), Report.id.desc())
    if args["mine"] or not services.is_coordinator(principal):
        query = query.where(Report.reporter_id == principal.id)
    else:
        query = query.where(services.scope_filter(principal, Report.organization_id))
    if args["status"]:
        query = query.where(Report.status == args["status"])
    if args["category"]:
        query = query.where(Report.category == args["category"])
    if args["organization_id"]:
        query = query.where(Report.organization_id == args["organization_id"])
    db = session()
    result = keyset_page(db, query, args, Report.created_at, Report.id, descending=True)
    photos = services.photos_of(db, [r.id for r in result["items"]])
    result["items"] = [report_view(r, photos[r.id]) for r in result["items"]]
    return result


@blp.get("/reports/<uuid:report_id>")
@require_auth
@blp.response(200, ReportOut)
def get_report(report_id: uuid.UUID) -> dict[str, Any]:
    """One report (its reporter or a coordinator in scope)"""
    db = session()
    report = services.report_or_404(db, report_id)
    if not services.can_see_report(db, current_principal(), report):
        raise Problem(403, "out-of-scope", "This report is not yours or in your scope.")
    return one_view(report)


@blp.post("/reports/<uuid:report_id>/photos")
@require_auth
@blp.arguments(PhotoIn, location="files")
@blp.response(201, PhotoOut)
def add_photo(files: dict[str, Any], report_id: uuid.UUID) -> dict[str, Any]:
    """Add a photo to your report (multipart field `photo`; at most three; EXIF is removed)"""
    cfg = config()
    raw = files["photo"].stream.read(cfg.photo_max_bytes + 1)
    photo = services.add_photo(session(), current_principal(), report_id, raw, cfg)
    return {
        "id": photo.id,
        "url": photo_url(photo),
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
        "size_bytes": photo.size_bytes,
    }


@blp.get("/reports/<uuid:report_id>/photos/<uuid:photo_id>")
@require_auth
@blp.response(200, content_type="image/jpeg")
def get_photo(report_id: uuid.UUID, photo_id: uuid.UUID) -> Response:
    """A report's photo (its reporter or a coordinator in scope)"""
    db = session()
    report = services.report_or_404(db, report_id)
    if not services.can_see_report(db, current_principal(), report):
        raise Problem(403, "out-of-scope", "This report is not yours or in your scope.")
    photo = db.get(ReportPhoto, photo_id)
    if photo is None or photo.report_id != report_id:
        raise Problem(404, "not-found", "This report has no photo with this id.")
    return send_photo(photo)


def send_photo(photo: ReportPhoto) -> Response:
    path = services.photo_path(config(), photo.storage_key)
    if not path.is_file():
        raise Problem(404, "not-found", "The photo's file is missing.")
    # photos are small (re-encoded, at most 2048 px a side): read them whole
    response = Response(path.read_bytes(), mimetype=photo.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


class AssignIn(Schema):
    organization_id = fields.UUID(required=True)


@blp.post("/reports/<uuid:report_id>/assign")
@require_roles("coordinator")
@blp.arguments(AssignIn)
@blp.response(200, ReportOut)
def assign_report(data: dict[str, Any], report_id: uuid.UUID) -> dict[str, Any]:
    """Hand an open report to another organisation (coordinator of both, or admin)"""
    report = services.assign_report(
        session(), current_principal(), report_id, data["organization_id"]
    )
    return one_view(report)


@blp.post("/reports/<uuid:report_id>/verify")
@require_roles("coordinator")
@blp.response(200, ReportOut)
def verify_report(report_id: uuid.UUID) -> dict[str, Any]:
    """Verify a submitted report (coordinator); emits report.verified unless it is a duplicate"""
    return one_view(
        services.coordinator_action(session(), current_principal(), report_id, "verify")
    )


@blp.post("/reports/<uuid:report_id>/dispatch")
@require_roles("coordinator")
@blp.arguments(NoteIn)
@blp.response(200, ReportOut)
def dispatch_report(data: dict[str, Any], report_id: uuid.UUID) -> dict[str, Any]:
    """Dispatch a verified report to whoever fixes it (coordinator)"""
    report = services.coordinator_action(
        session(), current_principal(), report_id, "dispatch", note=data["note"]
    )
    return one_view(report)


@blp.post("/reports/<uuid:report_id>/resolve")
@require_roles("coordinator")
@blp.arguments(ResolveIn)
@blp.response(200, ReportOut)
def resolve_report(data: dict[str, Any], report_id: uuid.UUID) -> dict[str, Any]:
    """Close a report as resolved, saying why: fixed, not_fixable, duplicate or referred"""
    report = services.coordinator_action(
        session(),
        current_principal(),
        report_id,
        "resolve",
        note=data["note"],
        close_reason=data["close_reason"],
    )
    return one_view(report)


@blp.post("/reports/<uuid:report_id>/reject")
@require_roles("coordinator")
@blp.arguments(ReasonIn)
@blp.response(200, ReportOut)
def reject_report(data: dict[str, Any], report_id: uuid.UUID) -> dict[str, Any]:
    """Reject a report with a reason; a verified one's award is reversed (award.reversed)"""
    report = services.coordinator_action(
        session(), current_principal(), report_id, "reject", reason=data["reason"]
    )
    return one_view(report)


@blp.post("/reports/<uuid:report_id>/confirm")
@require_auth
@blp.response(200, ReportOut)
def confirm_report(report_id: uuid.UUID) -> dict[str, Any]:
    """Confirm that your resolved report is really fixed (within 7 days)"""
    report = services.rider_action(session(), current_principal(), report_id, "confirm", config())
    return one_view(report)


@blp.post("/reports/<uuid:report_id>/reopen")
@require_auth
@blp.arguments(ReopenIn)
@blp.response(200, ReportOut)
def reopen_report(data: dict[str, Any], report_id: uuid.UUID) -> dict[str, Any]:
    """Reopen your resolved report (within 7 days): it returns to the coordinators' queue"""
    report = services.rider_action(
        session(), current_principal(), report_id, "reopen", config(), reason=data["reason"]
    )
    return one_view(report)
