"""Coordinators' bulk approval of an activity's attendance: every pending entry of one
activity ticked, approved one by one through the API with each result shown (a progress
bar with script; a page of results without)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from gateway.web import api, gettext
from gateway.web.pages import items_of, needs_role, page_blueprint, problem_message, render
from gateway.web.views.coordinator import _names as display_names

blp = page_blueprint("bulk", __name__, url_prefix="/coordinator/attendance")
STAFF = ("coordinator", "admin")
NO_ACTIVITY = "none"
# pending entries read to group them by activity (the hours API has no activity filter)
MAX_PAGES = 10


def _pending() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = None
    for _ in range(MAX_PAGES):
        items, cursor = items_of(api.get("/hours", status="pending", limit=100, cursor=cursor))
        entries.extend(items)
        if not cursor:
            break
    return entries


def _activity_key(entry: dict[str, Any]) -> str:
    return str(entry.get("activity_id") or NO_ACTIVITY)


def _title(activity_key: str) -> str:
    if activity_key == NO_ACTIVITY:
        return gettext("Hours without an activity")
    answer = api.call("GET", f"/activities/{activity_key}")
    return str(answer.body.get("title")) if answer.ok else activity_key[:8]


@blp.get("")
@needs_role(*STAFF)
def activities() -> ResponseReturnValue:
    counts: dict[str, int] = {}
    for entry in _pending():
        counts[_activity_key(entry)] = counts.get(_activity_key(entry), 0) + 1
    groups = [{"key": key, "title": _title(key), "count": n} for key, n in counts.items()]
    return render("coordinator/attendance.html", groups=groups)


def _entries_of(activity: str) -> list[dict[str, Any]]:
    return [entry for entry in _pending() if _activity_key(entry) == activity]


@blp.get("/<activity>")
@needs_role(*STAFF)
def attendance(activity: str) -> ResponseReturnValue:
    return _attendance_page(activity, None)


def _approve(hours_id: str) -> dict[str, Any]:
    answer = api.call("POST", f"/hours/{hours_id}/approve")
    detail = gettext("Approved.") if answer.ok else problem_message(answer)
    return {"id": hours_id, "ok": answer.ok, "detail": detail}


@blp.post("/<activity>")
@needs_role(*STAFF)
def approve_all(activity: str) -> ResponseReturnValue:
    """Without script: approve the ticked entries one after the other, show each result."""
    results = [_approve(hours_id) for hours_id in request.form.getlist("ids")]
    return _attendance_page(activity, results)


def _attendance_page(activity: str, results: list[dict[str, Any]] | None) -> str:
    entries = _entries_of(activity)
    return render(
        "coordinator/attendance_list.html",
        activity=activity,
        title=_title(activity),
        entries=entries,
        names=display_names({str(entry["member_id"]) for entry in entries}),
        results=results,
    )


@blp.post("/approve/<uuid:hours_id>")
@needs_role(*STAFF)
def approve_one(hours_id: uuid.UUID) -> ResponseReturnValue:
    """One approval for the page's script (CSRF in the X-CSRF-Token header)."""
    result = _approve(str(hours_id))
    return jsonify(result), 200 if result["ok"] else 409
