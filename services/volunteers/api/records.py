"""The service record: JSON, a printable page, a PDF, and its public verification."""

from __future__ import annotations

from typing import Any

import segno
from flask import Response, render_template_string, request
from marshmallow import Schema, fields, post_load, validate

from common.app import session
from common.auth import current_principal, require_auth
from common.transaction import transactional
from services.volunteers.api import Instant
from services.volunteers.api.routing import routes
from services.volunteers.config import config
from services.volunteers.usecases import records

blp = routes(
    "records", __name__, url_prefix="/api/v1", description="Service records and their verification"
)


class OrganizationRef(Schema):
    id = fields.UUID()
    name = fields.String()


class RecordEntryOut(Schema):
    hours_id = fields.UUID()
    organization_id = fields.UUID()
    organization_name = fields.String()
    activity_id = fields.UUID(allow_none=True)
    activity_title = fields.String(allow_none=True)
    date = fields.Date()
    started_at = fields.DateTime()
    ended_at = fields.DateTime()
    minutes = fields.Integer()
    description = fields.String()
    source = fields.String()
    approved_by = fields.UUID()
    approved_by_name = fields.String()
    approved_at = fields.DateTime()


class ServiceRecordOut(Schema):
    member_id = fields.UUID()
    holder_name = fields.String()
    record_number = fields.String()
    issuing_organization = fields.Nested(OrganizationRef, allow_none=True)
    issued_at = fields.DateTime()
    total_minutes = fields.Integer()
    total_hours = fields.Float()
    entry_count = fields.Integer()
    entries = fields.List(fields.Nested(RecordEntryOut))
    signature = fields.String()
    verification_url = fields.String()


class VerificationQuery(Schema):
    minutes = fields.Integer(required=True, validate=validate.Range(min=0))
    entries = fields.Integer(required=True, validate=validate.Range(min=0))
    issued_at = Instant(required=True)
    sig = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name = fields.String(
        required=True,
        validate=validate.Length(max=200),
        metadata={"description": "the holder's name as printed on the record"},
    )

    @post_load
    def _check(self, data: dict[str, Any], **_: Any) -> records.RecordCheck:
        return records.RecordCheck(**data)


class VerificationOut(Schema):
    record_number = fields.String()
    holder_name = fields.String(metadata={"description": "masked, e.g. 张*明 or M** C***"})
    valid = fields.Boolean()
    total_minutes = fields.Integer()
    total_hours = fields.Float()
    entry_count = fields.Integer()
    issued_at = fields.DateTime()


def _qr_svg(url: str) -> str:
    return str(segno.make(url, error="m").svg_inline(scale=3, border=2))


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Service record {{ r.record_number }}</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 48rem; color: #111; }
 header { display: flex; justify-content: space-between; align-items: flex-start; }
 table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
 th, td { border-bottom: 1px solid #ccc; padding: .35rem .5rem; text-align: left; }
 td.n { text-align: right; } .muted { color: #555; font-size: .9rem; }
 @media print { .noprint { display: none; } body { margin: 0; } }
</style></head>
<body>
<header>
 <div>
  <h1>Volunteer service record</h1>
  <p><strong>{{ r.holder_name }}</strong></p>
  <p>Issued by {{ r.issuing_organization.name if r.issuing_organization else "the district" }}</p>
  <p>Record number <strong>{{ r.record_number }}</strong><br>
     <span class="muted">Issued {{ r.issued_at.strftime("%Y-%m-%d %H:%M UTC") }}</span></p>
 </div>
 <figure>{{ qr | safe }}<figcaption class="muted">Scan to verify</figcaption></figure>
</header>
<p>Total: <strong>{{ "%.2f"|format(r.total_hours) }} hours</strong>
   ({{ r.total_minutes }} minutes in {{ r.entry_count }} approved entries)</p>
<table>
 <thead><tr><th>Date</th><th>Organisation</th><th>Activity</th><th class="n">Minutes</th>
  <th>Approved by</th></tr></thead>
 <tbody>
 {% for e in r.entries %}
  <tr><td>{{ e.date.isoformat() }}</td><td>{{ e.organization_name }}</td>
   <td>{{ e.activity_title or e.description }}</td><td class="n">{{ e.minutes }}</td>
   <td>{{ e.approved_by_name or e.approved_by }}</td></tr>
 {% endfor %}
 </tbody>
</table>
<p class="muted">Verify at {{ r.verification_url }}</p>
<p class="noprint"><button onclick="window.print()">Print</button></p>
</body></html>
"""

VERIFIED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Service record {{ v.record_number }}</title>
</head><body style="font-family: system-ui, sans-serif; margin: 2rem;">
<h1>Service record {{ v.record_number }} is genuine</h1>
<p>Issued to {{ v.holder_name }}.</p>
<p>{{ "%.2f"|format(v.total_hours) }} hours ({{ v.total_minutes }} minutes) in
{{ v.entry_count }} approved entries, as issued on {{ v.issued_at.strftime("%Y-%m-%d") }}.</p>
</body></html>
"""


# the first look at one's record gives it its number, so these reads may write


@blp.get("/me/service-record")
@require_auth
@transactional
@blp.response(200, ServiceRecordOut)
def my_service_record() -> dict[str, Any]:
    """Your service record: approved hours, totals, and a verification link"""
    return records.service_record(session(), current_principal(), config())


@blp.get("/me/service-record/print")
@require_auth
@transactional
@blp.response(200, content_type="text/html")
def my_service_record_page() -> Response:
    """Your service record as a printable page, with a QR code to verify it"""
    record = records.service_record(session(), current_principal(), config())
    html = render_template_string(PAGE, r=record, qr=_qr_svg(record["verification_url"]))
    return Response(html, mimetype="text/html")


@blp.get("/me/service-record/pdf")
@require_auth
@transactional
@blp.response(200, content_type="application/pdf")
def my_service_record_pdf() -> Response:
    """Your service record as a PDF, with a QR code to verify it"""
    from services.volunteers.adapters.pdf import render_record_pdf

    record = records.service_record(session(), current_principal(), config())
    data = render_record_pdf(record, config().pdf_font_file)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="service-record-{record["record_number"]}.pdf"'
    )
    return response


@blp.get("/service-records/<string:record_number>/verification")
@blp.arguments(VerificationQuery, location="query")
@blp.response(200, VerificationOut)
def verify_record(check: records.RecordCheck, record_number: str) -> Any:
    """Public: confirm a printed record's totals and holder (masked); an altered one fails"""
    result = records.verify_record(session(), record_number, check, config())
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return Response(render_template_string(VERIFIED_PAGE, v=result), mimetype="text/html")
    return result
