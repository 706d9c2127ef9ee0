"""Riders' safety reports: categories, reports, photos and their way to resolution."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Response, request
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, post_load, validate

from common.app import session
from common.auth import current_principal, require_auth, require_roles
from common.idempotency import idempotent
from common.pagination import PageArgs, page_of
from common.transaction import transactional
from services.volunteers.adapters.models import REPORT_STATUSES, Report, ReportPhoto, plumbing
from services.volunteers.api.routing import routes
from services.volunteers.config import config
from services.volunteers.domain.reports import CLOSE_REASONS
from services.volunteers.usecases import followers, photos, report_states, reports

F = TypeVar("F", bound=Callable[..., Any])

blp = routes("reports", __name__, url_prefix="/api/v1", description="Safety reports")


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
    observed_at = fields.AwareDateTime(
        load_default=None,
        metadata={"description": "when the hazard was seen (a report sent later); omit: now"},
    )

    @post_load
    def _command(self, data: dict[str, Any], **_: Any) -> reports.NewReport:
        return reports.NewReport(**data)


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
    observed_at = fields.DateTime(allow_none=True)
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
    followers = fields.Integer(metadata={"description": 'how many follow it ("me too")'})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


ReportPage = page_of(ReportOut)


class ReportQuery(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(REPORT_STATUSES))
    category = fields.String(load_default=None)
    mine = fields.Boolean(load_default=False)
    organization_id = fields.UUID(load_default=None)

    @post_load
    def _query(self, data: dict[str, Any], **_: Any) -> reports.ReportQuery:
        return reports.ReportQuery(**data)


class ReasonIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))

    @post_load
    def _rejection(self, data: dict[str, Any], **_: Any) -> report_states.Rejection:
        return report_states.Rejection(**data)


class ReopenIn(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=1000))

    @post_load
    def _reopening(self, data: dict[str, Any], **_: Any) -> report_states.Reopening:
        return report_states.Reopening(**data)


class NoteIn(Schema):
    note = fields.String(load_default=None, validate=validate.Length(max=2000))

    @post_load
    def _dispatch(self, data: dict[str, Any], **_: Any) -> report_states.Dispatch:
        return report_states.Dispatch(**data)


class ResolveIn(Schema):
    note = fields.String(load_default=None, validate=validate.Length(max=2000))
    close_reason = fields.String(load_default=None, validate=validate.OneOf(CLOSE_REASONS))

    @post_load
    def _resolution(self, data: dict[str, Any], **_: Any) -> report_states.Resolution:
        return report_states.Resolution(**data)


class PhotoIn(Schema):
    photo = Upload(required=True, metadata={"description": "a JPEG, PNG or WebP image"})


def photo_url(photo: ReportPhoto) -> str:
    return f"/api/v1/reports/{photo.report_id}/photos/{photo.id}"


def photo_view(photo: ReportPhoto) -> dict[str, Any]:
    return {
        "id": photo.id,
        "url": photo_url(photo),
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
        "size_bytes": photo.size_bytes,
    }


def report_view(
    report: Report, photos_of_report: list[ReportPhoto], follower_count: int = 0
) -> dict[str, Any]:
    view = {
        name: getattr(report, name)
        for name in ReportOut().fields
        if name not in ("photos", "followers")
    }
    view["photos"] = [photo_view(p) for p in photos_of_report]
    view["followers"] = follower_count
    return view


def one_view(report: Report) -> dict[str, Any]:
    db = session()
    return report_view(
        report,
        photos.photos_of(db, [report.id])[report.id],
        followers.counts(db, [report.id])[report.id],
    )


def send_photo(photo: ReportPhoto) -> Response:
    path = photos.photo_file(config().upload_dir, photo)
    # photos are small (re-encoded, at most 2048 px a side): read them whole
    response = Response(path.read_bytes(), mimetype=photo.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.get("/reports/categories")
@require_auth
@transactional
@blp.response(200, CategoryList)
def list_categories() -> dict[str, Any]:
    """The report categories"""
    return {"items": reports.categories(session())}


def _idempotent_when_keyed(view: F) -> F:
    """With an Idempotency-Key a resent report (a phone's queue) is answered, not filed
    twice; without one the call is as it always was."""
    keyed = idempotent(lambda: plumbing.idempotency_keys, session)(view)
    plain = transactional(view)

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.headers.get("Idempotency-Key", "").strip():
            return keyed(*args, **kwargs)
        return plain(*args, **kwargs)

    return cast(F, wrapper)


@blp.post("/reports")
@require_auth
@_idempotent_when_keyed
@blp.arguments(ReportIn)
@blp.response(201, ReportOut)
def create_report(command: reports.NewReport) -> dict[str, Any]:
    """Report a safety hazard; a report near an open one of its kind is linked as duplicate_of

    An Idempotency-Key is optional: with one, a resend answers the first report again."""
    return report_view(reports.create_report(session(), current_principal(), command, config()), [])


@blp.get("/reports")
@require_auth
@blp.arguments(ReportQuery, location="query")
@blp.response(200, ReportPage)
def list_reports(query: reports.ReportQuery) -> dict[str, Any]:
    """List reports: your own (mine=true, or any member), or those in a coordinator's scope"""
    db = session()
    result = reports.list_reports(db, current_principal(), query)
    ids = [r.id for r in result["items"]]
    found, counted = photos.photos_of(db, ids), followers.counts(db, ids)
    result["items"] = [report_view(r, found[r.id], counted[r.id]) for r in result["items"]]
    return result


@blp.get("/reports/<uuid:report_id>")
@require_auth
@blp.response(200, ReportOut)
def get_report(report_id: uuid.UUID) -> dict[str, Any]:
    """One report (its reporter or a coordinator in scope)"""
    return one_view(reports.visible_report(session(), current_principal(), report_id))


@blp.post("/reports/<uuid:report_id>/photos")
@require_auth
@transactional
@blp.arguments(PhotoIn, location="files")
@blp.response(201, PhotoOut)
def add_photo(files: dict[str, Any], report_id: uuid.UUID) -> dict[str, Any]:
    """Add a photo to your report (multipart field `photo`; at most three; EXIF is removed)"""
    cfg = config()
    raw = files["photo"].stream.read(cfg.photo_max_bytes + 1)
    return photo_view(photos.add_photo(session(), current_principal(), report_id, raw, cfg))


@blp.get("/reports/<uuid:report_id>/photos/<uuid:photo_id>")
@require_auth
@blp.response(200, content_type="image/jpeg")
def get_photo(report_id: uuid.UUID, photo_id: uuid.UUID) -> Response:
    """A report's photo (its reporter or a coordinator in scope)"""
    return send_photo(photos.visible_photo(session(), current_principal(), report_id, photo_id))


class AssignIn(Schema):
    organization_id = fields.UUID(required=True)

    @post_load
    def _assignment(self, data: dict[str, Any], **_: Any) -> report_states.Assignment:
        return report_states.Assignment(**data)


@blp.post("/reports/<uuid:report_id>/assign")
@require_roles("coordinator")
@transactional
@blp.arguments(AssignIn)
@blp.response(200, ReportOut)
def assign_report(assignment: report_states.Assignment, report_id: uuid.UUID) -> dict[str, Any]:
    """Hand an open report to another organisation (coordinator of both, or admin)"""
    return one_view(
        report_states.assign_report(session(), current_principal(), report_id, assignment)
    )


@blp.post("/reports/<uuid:report_id>/verify")
@require_roles("coordinator")
@transactional
@blp.response(200, ReportOut)
def verify_report(report_id: uuid.UUID) -> dict[str, Any]:
    """Verify a submitted report (coordinator); emits report.verified unless it is a duplicate"""
    return one_view(report_states.verify_report(session(), current_principal(), report_id))


@blp.post("/reports/<uuid:report_id>/dispatch")
@require_roles("coordinator")
@transactional
@blp.arguments(NoteIn)
@blp.response(200, ReportOut)
def dispatch_report(dispatch: report_states.Dispatch, report_id: uuid.UUID) -> dict[str, Any]:
    """Dispatch a verified report to whoever fixes it (coordinator)"""
    return one_view(
        report_states.dispatch_report(session(), current_principal(), report_id, dispatch)
    )


@blp.post("/reports/<uuid:report_id>/resolve")
@require_roles("coordinator")
@transactional
@blp.arguments(ResolveIn)
@blp.response(200, ReportOut)
def resolve_report(resolution: report_states.Resolution, report_id: uuid.UUID) -> dict[str, Any]:
    """Close a report as resolved, saying why: fixed, not_fixable, duplicate or referred"""
    return one_view(
        report_states.resolve_report(session(), current_principal(), report_id, resolution)
    )


@blp.post("/reports/<uuid:report_id>/reject")
@require_roles("coordinator")
@transactional
@blp.arguments(ReasonIn)
@blp.response(200, ReportOut)
def reject_report(rejection: report_states.Rejection, report_id: uuid.UUID) -> dict[str, Any]:
    """Reject a report with a reason; a verified one's award is reversed (award.reversed)"""
    return one_view(
        report_states.reject_report(session(), current_principal(), report_id, rejection)
    )


@blp.post("/reports/<uuid:report_id>/confirm")
@require_auth
@transactional
@blp.response(200, ReportOut)
def confirm_report(report_id: uuid.UUID) -> dict[str, Any]:
    """Confirm that your resolved report is really fixed (within 7 days)"""
    window = config().reopen_days
    return one_view(
        report_states.rider_action(session(), current_principal(), report_id, "confirm", window)
    )


@blp.post("/reports/<uuid:report_id>/reopen")
@require_auth
@transactional
@blp.arguments(ReopenIn)
@blp.response(200, ReportOut)
def reopen_report(reopening: report_states.Reopening, report_id: uuid.UUID) -> dict[str, Any]:
    """Reopen your resolved report (within 7 days): it returns to the coordinators' queue"""
    window = config().reopen_days
    report = report_states.rider_action(
        session(), current_principal(), report_id, "reopen", window, reopening
    )
    return one_view(report)
