"""Riders' pages: report a hazard in three taps, their reports and the state of each.

The report form works without script (a plain POST); with script the phone keeps the
report in IndexedDB first and sends it with ``Accept: application/json`` when it can
(static/queue.js), so a report made without signal is sent when the signal returns.
Either way the form's Idempotency-Key makes a resend the same report.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage

from gateway.web import api, gettext
from gateway.web.pages import (
    form_key,
    items_of,
    needs_role,
    new_key,
    page_blueprint,
    problem_message,
    render,
)

blp = page_blueprint("reports", __name__, url_prefix="/reports")

PLACE_KINDS = ("community", "grid", "station")


def _places() -> list[dict[str, Any]]:
    """Where a rider can say they are when the phone will not tell (the fallback)."""
    places: list[dict[str, Any]] = []
    for kind in PLACE_KINDS:
        found, _ = items_of(api.get("/organizations", kind=kind, limit=100))
        places.extend(p for p in found if p.get("lat") is not None)
    return places


def _number(name: str) -> float | None:
    try:
        return float(request.form.get(name, ""))
    except ValueError:
        return None


def _report_body(places: dict[str, dict[str, Any]]) -> dict[str, Any]:
    form = request.form
    category = form.get("category", "")
    body: dict[str, Any] = {
        "category": category,
        "description": form.get("description", "").strip() or _category_label(category),
        "address": form.get("address", "").strip(),
        "lat": _number("lat"),
        "lng": _number("lng"),
    }
    place = places.get(form.get("place", ""))
    if (body["lat"] is None or body["lng"] is None) and place:
        body.update(lat=place["lat"], lng=place["lng"], organization_id=place["id"])
        body["address"] = body["address"] or place["name"]
    if form.get("observed_at"):
        body["observed_at"] = form["observed_at"]
    return {k: v for k, v in body.items() if v is not None}


def _category_label(code: str) -> str:
    """The category's name in the page's language: a report without words says what it is."""
    categories, _ = items_of(api.call("GET", "/reports/categories"))
    names = {c["code"]: c["name"] for c in categories}
    return gettext(names[code]) if code in names else code


def _send_report() -> tuple[api.Answer, dict[str, Any] | None]:
    """File the report (the form's key makes a resend the same one), then its photo."""
    places = {p["id"]: p for p in _places()} if request.form.get("place") else {}
    key = form_key()
    answer = api.call(
        "POST", "/reports", json_body=_report_body(places), headers={"Idempotency-Key": key}
    )
    if not answer.ok:
        return answer, None
    report: dict[str, Any] = answer.body
    photo = request.files.get("photo")
    if photo and photo.filename and not report.get("photos"):
        upload = FileStorage(photo.stream, photo.filename, "photo", photo.mimetype)
        added = api.call("POST", f"/reports/{report['id']}/photos", files={"photo": upload})
        if not added.ok:
            flash(problem_message(added), "error")
    return answer, report


def _wants_json() -> bool:
    return "application/json" in request.headers.get("Accept", "")


@blp.route("/new", methods=["GET", "POST"])
@needs_role("rider")
def new() -> ResponseReturnValue:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        answer, report = _send_report()
        if report is not None:
            target = url_for("reports.detail", report_id=report["id"])
            if _wants_json():
                return jsonify(ok=True, id=report["id"], url=target)
            flash(gettext("Thank you! Your report was sent."), "success")
            return redirect(target)
        if _wants_json():
            return jsonify(
                ok=False,
                status=answer.status,
                detail=problem_message(answer),
                errors=answer.field_errors,
            ), answer.status
        errors = answer.field_errors
        flash(problem_message(answer), "error")
    categories, _ = items_of(api.call("GET", "/reports/categories"))
    return render(
        "reports/new.html",
        categories=categories,
        places=_places(),
        errors=errors,
        form=request.form,
        key=new_key(),
    )


@blp.get("/nearby")
@needs_role("rider")
def nearby() -> ResponseReturnValue:
    """The open reports of a category near the phone's position (JSON for report.js)."""
    args = request.args
    answer = api.get(
        "/reports/nearby", lat=args.get("lat"), lng=args.get("lng"), category=args.get("category")
    )
    if not answer.ok:
        return jsonify(items=[], detail=problem_message(answer)), answer.status
    items = [
        {**item, "follow_url": url_for("reports.follow", report_id=item["id"])}
        for item in answer.body["items"]
    ]
    return jsonify(items=items)


@blp.post("/<uuid:report_id>/follow")
@needs_role("rider")
def follow(report_id: uuid.UUID) -> ResponseReturnValue:
    """Me too: follow a nearby report instead of filing the same hazard again."""
    answer = api.call("POST", f"/reports/{report_id}/follow")
    if answer.ok:
        flash(
            gettext("Thank you! You follow this report and will hear what becomes of it."),
            "success",
        )
    else:
        flash(problem_message(answer), "error")
    return redirect(url_for("reports.mine"))


@blp.get("")
@needs_role("rider")
def mine() -> ResponseReturnValue:
    answer = api.get("/reports", mine="true", limit=20, cursor=request.args.get("cursor"))
    items, next_cursor = items_of(answer)
    return render("reports/mine.html", items=items, next_cursor=next_cursor)


@blp.get("/<uuid:report_id>")
@needs_role("rider", "coordinator", "admin")
def detail(report_id: uuid.UUID) -> ResponseReturnValue:
    answer = api.call("GET", f"/reports/{report_id}")
    if not answer.ok:
        return render("error.html", status=answer.status, description=problem_message(answer)), (
            answer.status
        )
    return render("reports/detail.html", report=answer.body)


@blp.get("/<uuid:report_id>/photos/<uuid:photo_id>")
@needs_role("rider", "coordinator", "admin")
def photo(report_id: uuid.UUID, photo_id: uuid.UUID) -> ResponseReturnValue:
    """A report's photo: the API wants a bearer token, which an <img> cannot send."""
    answer = api.call("GET", f"/reports/{report_id}/photos/{photo_id}")
    if not answer.ok:
        return Response(status=answer.status)
    response = Response(answer.raw, mimetype=answer.headers.get("Content-Type", "image/jpeg"))
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
