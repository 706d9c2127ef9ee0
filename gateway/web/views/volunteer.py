"""Volunteers' and party members' pages: hours, the service record, check-in, tasks."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from typing import Any

from flask import Response, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from common.settings import Settings
from gateway.web import api, gettext
from gateway.web.pages import (
    items_of,
    page_blueprint,
    problem_message,
    render,
    show_problem,
    signed_in,
    user,
)

blp = page_blueprint("volunteer", __name__)

SERVICE_KINDS = ("community", "grid", "team", "station")
TASK_KINDS = ("practical_matter", "dispute_mediation", "policy_outreach", "volunteer_service")


def organizations(kinds: tuple[str, ...] = SERVICE_KINDS) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for kind in kinds:
        items, _ = items_of(api.get("/organizations", kind=kind, limit=100))
        found.extend(items)
    return found


def _instant(day: str, clock: str) -> str | None:
    """A date and a time typed in the district's zone, as the API's RFC 3339 instant."""
    settings: Settings = current_app.config["SETTINGS"]
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        return None
    return moment.replace(tzinfo=settings.district_timezone).isoformat()


def _log_hours() -> dict[str, list[str]]:
    form = request.form
    body: dict[str, Any] = {
        "organization_id": form.get("organization_id") or None,
        "started_at": _instant(form.get("day", ""), form.get("start", "")),
        "ended_at": _instant(form.get("day", ""), form.get("end", "")),
        "description": form.get("description", ""),
    }
    answer = api.call("POST", "/hours", json_body={k: v for k, v in body.items() if v})
    if answer.ok:
        flash(gettext("Your hours were sent for approval."), "success")
        return {}
    errors = show_problem(answer)
    for name in ("started_at", "ended_at"):
        if name in errors:
            errors.setdefault("start" if name == "started_at" else "end", errors[name])
    return errors


@blp.route("/hours", methods=["GET", "POST"])
@signed_in
def hours() -> ResponseReturnValue:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        errors = _log_hours()
        if not errors:
            return redirect(url_for("volunteer.hours"))
    answer = api.get(
        "/hours", member_id=user().get("id"), limit=20, cursor=request.args.get("cursor")
    )
    items, next_cursor = items_of(answer)
    return render(
        "volunteer/hours.html",
        items=items,
        next_cursor=next_cursor,
        organizations=organizations(),
        errors=errors,
        form=request.form,
    )


def _mine(path: str, back: str) -> tuple[api.Answer, ResponseReturnValue | None]:
    """The member's own resource, or the problem said and a way back."""
    answer = api.call("GET", path)
    if answer.ok:
        return answer, None
    show_problem(answer)
    return answer, redirect(url_for(back))


@blp.get("/record")
@signed_in
def record() -> ResponseReturnValue:
    answer, away = _mine("/me/service-record", "home.index")
    return away or render("volunteer/record.html", record=answer.body)


@blp.get("/record.pdf")
@signed_in
def record_pdf() -> ResponseReturnValue:
    answer, away = _mine("/me/service-record/pdf", "volunteer.record")
    if away:
        return away
    response = Response(answer.raw, mimetype="application/pdf")
    response.headers["Content-Disposition"] = answer.headers.get("Content-Disposition", "inline")
    return response


def _check_in() -> bool:
    form = request.form
    station, code = form.get("station_id", ""), form.get("code", "").strip()
    if code.startswith("civic-checkin:"):
        # the whole scanned payload: civic-checkin:<station_id>:<code>
        _, station, code = (code.split(":", 2) + ["", ""])[:3]
    body: dict[str, Any] = {"station_id": station, "code": code}
    for name in ("lat", "lng"):
        with contextlib.suppress(ValueError):
            body[name] = float(form.get(name, ""))
    answer = api.call("POST", "/checkins", json_body=body)
    if answer.ok:
        flash(gettext("Checked in. Thank you for coming!"), "success")
        return True
    flash(problem_message(answer), "error")
    return False


@blp.route("/checkin", methods=["GET", "POST"])
@signed_in
def checkin() -> ResponseReturnValue:
    if request.method == "POST" and _check_in():
        return redirect(url_for("volunteer.checkin"))
    recent, _ = items_of(api.get("/checkins", limit=5))
    stations = organizations(("station", "community"))
    return render(
        "volunteer/checkin.html",
        stations=stations,
        recent=recent,
        form=request.form,
        station=request.args.get("station", ""),
    )


@blp.get("/tasks")
@signed_in
def tasks() -> ResponseReturnValue:
    kind = request.args.get("kind") if request.args.get("kind") in TASK_KINDS else None
    mine = request.args.get("mine") == "1"
    answer = api.get(
        "/tasks",
        kind=kind,
        status=None if mine else "open",
        mine="true" if mine else None,
        limit=20,
        cursor=request.args.get("cursor"),
    )
    items, next_cursor = items_of(answer)
    return render(
        "volunteer/tasks.html",
        items=items,
        next_cursor=next_cursor,
        kind=kind,
        mine=mine,
        kinds=TASK_KINDS,
    )


@blp.post("/tasks/<uuid:task_id>/<any(claim, release, finish):action>")
@signed_in
def task_action(task_id: uuid.UUID, action: str) -> ResponseReturnValue:
    body = {"note": request.form.get("note") or None} if action == "finish" else None
    answer = api.call("POST", f"/tasks/{task_id}/{action}", json_body=body)
    if answer.ok:
        flash(gettext("Done."), "success")
    else:
        flash(problem_message(answer), "error")
    return redirect(url_for("volunteer.tasks", mine="1"))
