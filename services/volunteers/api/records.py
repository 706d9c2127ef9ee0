"""The service record: JSON, a printable page, a PDF, and its public verification."""

from __future__ import annotations

from typing import Any

import segno
from flask import Response, render_template_string, request
from marshmallow import Schema, fields, post_load, validate

from common.app import session
from common.auth import current_principal, require_auth
from common.i18n import LANGUAGE_TAGS
from common.transaction import transactional
from services.volunteers.api import Instant
from services.volunteers.api.record_words import reader_locale, words
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
<html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ w.title }} {{ r.record_number }}</title>
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
  <h1>{{ w.title }}</h1>
  <p><strong>{{ r.holder_name }}</strong></p>
  <p>{{ w.issued_by.format(issuer=r.issuing_organization.name
        if r.issuing_organization else w.the_district) }}</p>
  <p>{{ w.record_number.format(number=r.record_number) }}<br>
     <span class="muted">{{ w.issued.format(when=r.issued_at.strftime("%Y-%m-%d %H:%M UTC")) }}
     </span></p>
 </div>
 <figure>{{ qr | safe }}<figcaption class="muted">{{ w.scan }}</figcaption></figure>
</header>
<p><strong>{{ w.total.format(hours="%.2f"|format(r.total_hours), minutes=r.total_minutes,
   entries=r.entry_count) }}</strong></p>
<table>
 <thead><tr><th>{{ w.date }}</th><th>{{ w.organisation }}</th><th>{{ w.activity }}</th>
  <th class="n">{{ w.minutes }}</th><th>{{ w.approved_by }}</th></tr></thead>
 <tbody>
 {% for e in r.entries %}
  <tr><td>{{ e.date.isoformat() }}</td><td>{{ e.organization_name }}</td>
   <td>{{ e.activity_title or e.description }}</td><td class="n">{{ e.minutes }}</td>
   <td>{{ e.approved_by_name or e.approved_by }}</td></tr>
 {% endfor %}
 </tbody>
</table>
<p class="muted">{{ w.verify_at.format(url=r.verification_url) }}</p>
<p class="noprint"><button onclick="window.print()">{{ w.print }}</button></p>
</body></html>
"""

VERIFIED_PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ w.genuine.format(number=v.record_number) }}</title>
</head><body style="font-family: system-ui, sans-serif; margin: 2rem;">
<h1>{{ w.genuine.format(number=v.record_number) }}</h1>
<p>{{ w.issued_to.format(holder=v.holder_name) }}</p>
<p>{{ w.verified_totals.format(hours="%.2f"|format(v.total_hours), minutes=v.total_minutes,
   entries=v.entry_count, date=v.issued_at.strftime("%Y-%m-%d")) }}</p>
</body></html>
"""


def _page(template: str, **values: Any) -> Response:
    """``template`` in the reader's language, with ``values``."""
    locale = reader_locale()
    html = render_template_string(template, w=words(locale), lang=LANGUAGE_TAGS[locale], **values)
    return _in_language(Response(html, mimetype="text/html"), locale)


def _in_language(response: Response, locale: str) -> Response:
    """``response``, saying its language and that it depends on the one asked for."""
    response.headers["Content-Language"] = LANGUAGE_TAGS[locale]
    response.vary.add("Accept-Language")
    return response


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
    return _page(PAGE, r=record, qr=_qr_svg(record["verification_url"]))


@blp.get("/me/service-record/pdf")
@require_auth
@transactional
@blp.response(200, content_type="application/pdf")
def my_service_record_pdf() -> Response:
    """Your service record as a PDF, with a QR code to verify it"""
    from services.volunteers.adapters.pdf import render_record_pdf

    record = records.service_record(session(), current_principal(), config())
    font_file = config().pdf_font_file
    locale = reader_locale(can_print_chinese=font_file is not None)
    data = render_record_pdf(record, words(locale), font_file)
    response = _in_language(Response(data, mimetype="application/pdf"), locale)
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
        return _page(VERIFIED_PAGE, v=result)
    return result
