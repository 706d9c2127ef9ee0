"""Coordinators' pages: hours to approve and reports to verify in their scope, and a
station's rotating code full screen as a QR code that refreshes itself."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue

from gateway.web import api, gettext, ngettext
from gateway.web.pages import items_of, needs_role, page_blueprint, problem_message, render

blp = page_blueprint("coordinator", __name__, url_prefix="/coordinator")
STAFF = ("coordinator", "admin")


def _names(member_ids: set[str]) -> dict[str, str]:
    """Display names of the members on a page (those outside the scope keep their id)."""
    names: dict[str, str] = {}
    for member_id in member_ids:
        answer = api.call("GET", f"/members/{member_id}")
        names[member_id] = answer.body.get("display_name") if answer.ok else member_id[:8]
    return names


@blp.get("/hours")
@needs_role(*STAFF)
def hours_queue() -> ResponseReturnValue:
    answer = api.get("/hours", status="pending", limit=20, cursor=request.args.get("cursor"))
    items, next_cursor = items_of(answer)
    names = _names({str(h["member_id"]) for h in items})
    return render("coordinator/hours.html", items=items, next_cursor=next_cursor, names=names)


@blp.post("/hours/decide")
@needs_role(*STAFF)
def decide_hours() -> ResponseReturnValue:
    """Approve the ticked entries (an activity's attendance at once), or reject one."""
    reject = request.form.get("reject")
    if reject:
        body = {"reason": request.form.get(f"reason-{reject}") or gettext("Not approved.")}
        answer = api.call("POST", f"/hours/{reject}/reject", json_body=body)
        flash(
            gettext("Rejected.") if answer.ok else problem_message(answer),
            "success" if answer.ok else "error",
        )
        return redirect(url_for("coordinator.hours_queue"))
    approved = 0
    for hours_id in request.form.getlist("ids"):
        answer = api.call("POST", f"/hours/{hours_id}/approve")
        if answer.ok:
            approved += 1
        else:
            flash(problem_message(answer), "error")
    flash(ngettext("%(num)d entry approved.", "%(num)d entries approved.", approved), "success")
    return redirect(url_for("coordinator.hours_queue"))


@blp.get("/reports")
@needs_role(*STAFF)
def reports_queue() -> ResponseReturnValue:
    status = request.args.get("status", "submitted")
    answer = api.get("/reports", status=status, limit=20, cursor=request.args.get("cursor"))
    items, next_cursor = items_of(answer)
    return render("coordinator/reports.html", items=items, next_cursor=next_cursor, status=status)


@blp.post("/reports/<uuid:report_id>/<any(verify, reject):action>")
@needs_role(*STAFF)
def decide_report(report_id: uuid.UUID, action: str) -> ResponseReturnValue:
    body: dict[str, Any] | None = None
    if action == "reject":
        body = {"reason": request.form.get("reason") or gettext("Not a hazard.")}
    answer = api.call("POST", f"/reports/{report_id}/{action}", json_body=body)
    if answer.ok:
        flash(
            gettext("Verified: the rider will be paid.")
            if action == "verify"
            else gettext("Rejected."),
            "success",
        )
    else:
        flash(problem_message(answer), "error")
    return redirect(url_for("coordinator.reports_queue"))


@blp.get("/stations")
@needs_role(*STAFF)
def stations() -> ResponseReturnValue:
    items, next_cursor = items_of(
        api.get("/organizations", kind="station", limit=50, cursor=request.args.get("cursor"))
    )
    return render("coordinator/stations.html", items=items, next_cursor=next_cursor)


@blp.get("/stations/<uuid:station_id>/display")
@needs_role(*STAFF)
def display(station_id: uuid.UUID) -> ResponseReturnValue:
    station = api.call("GET", f"/organizations/{station_id}")
    if not station.ok:
        return render(
            "error.html", status=station.status, description=problem_message(station)
        ), station.status
    return render("coordinator/display.html", station=station.body)


@blp.get("/stations/<uuid:station_id>/code")
@needs_role(*STAFF)
def code(station_id: uuid.UUID) -> ResponseReturnValue:
    answer = api.call("GET", f"/stations/{station_id}/code")
    if not answer.ok:
        return jsonify(detail=problem_message(answer)), answer.status
    body = answer.body
    return jsonify(code=body["code"], short_code=body["short_code"], expires_at=body["expires_at"])


@blp.get("/stations/<uuid:station_id>/code.svg")
@needs_role(*STAFF)
def code_svg(station_id: uuid.UUID) -> ResponseReturnValue:
    answer = api.call("GET", f"/stations/{station_id}/code.svg")
    response = Response(answer.raw, status=answer.status, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response
