"""Reward administrators' pages: the pending queue with filters, decisions with a reason,
appeals, the audit log and the CSV export (streamed through to the browser)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from common.i18n import N_
from common.settings import Settings
from gateway.web import api, gettext
from gateway.web.pages import items_of, needs_role, page_blueprint, problem_message, show_problem
from gateway.web.rewards_pages import found, listing, render_rewards
from gateway.web.streaming import stream_api

blp = page_blueprint("admin", __name__, url_prefix="/admin")
ADMINS = ("reward_admin", "admin")
# what waits for an administrator, and what is done with
QUEUE_STATES = ("pending", "won", "appealed", "approved", "applied", "rejected", "fulfilled")
AGES = {"1": N_("Older than a day"), "3": N_("Older than 3 days"), "7": N_("Older than a week")}
DONE = {
    "approve": N_("Approved."),
    "reject": N_("Rejected."),
    "fulfil": N_("Marked as used."),
    "revoke": N_("Voucher withdrawn."),
    "appeal/approve": N_("Appeal granted: the request is placed again."),
    "appeal/reject": N_("Appeal refused: the rejection stands."),
}
WITH_REASON = ("reject", "revoke", "appeal/approve", "appeal/reject")


def _queue_query() -> dict[str, Any]:
    args = request.args
    query: dict[str, Any] = {
        key: args.get(key, "") for key in ("reward_id", "category", "community", "round_id")
    }
    query["status"] = args.get("status", "pending")
    days = args.get("age", "")
    if days in AGES:
        query["older_than"] = (datetime.now(UTC) - timedelta(days=int(days))).isoformat()
    return query


def _choices() -> dict[str, Any]:
    """What the filters offer: every reward (closed ones too) and every community."""
    rewards, _ = items_of(api.get("/rewards", limit=100))
    communities, _ = items_of(api.get("/organizations", kind="community", limit=100))
    return {"rewards": rewards, "communities": communities}


@blp.get("/queue")
@needs_role(*ADMINS)
def queue() -> ResponseReturnValue:
    answer = api.get("/redemptions", **_queue_query(), limit=20, cursor=request.args.get("cursor"))
    items, next_cursor = items_of(answer)
    return render_rewards(
        "admin/queue.html",
        items=items,
        next_cursor=next_cursor,
        args=request.args,
        states=QUEUE_STATES,
        ages=AGES,
        **_choices(),
    )


def _request_page(redemption_id: uuid.UUID, errors: dict[str, Any], action: str = "") -> str:
    redemption = found(api.call("GET", f"/redemptions/{redemption_id}"))
    return render_rewards(
        "admin/request.html", r=redemption, errors=errors, failed=action, sent=request.form
    )


@blp.get("/requests/<uuid:redemption_id>")
@needs_role(*ADMINS)
def request_page(redemption_id: uuid.UUID) -> ResponseReturnValue:
    return _request_page(redemption_id, {})


@blp.post("/requests/<uuid:redemption_id>/<any(approve, reject, fulfil, revoke):action>")
@needs_role(*ADMINS)
def decide(redemption_id: uuid.UUID, action: str) -> ResponseReturnValue:
    return _decide(redemption_id, action)


@blp.post("/requests/<uuid:redemption_id>/appeal/<any(approve, reject):decision>")
@needs_role(*ADMINS)
def decide_appeal(redemption_id: uuid.UUID, decision: str) -> ResponseReturnValue:
    return _decide(redemption_id, f"appeal/{decision}")


def _decide(redemption_id: uuid.UUID, action: str) -> ResponseReturnValue:
    """One decision; a refused one comes back to the request with the API's words."""
    body = {"reason": request.form.get("reason", "").strip()} if action in WITH_REASON else None
    answer = api.call("POST", f"/redemptions/{redemption_id}/{action}", json_body=body)
    if answer.ok:
        flash(gettext(DONE[action]), "success")
        return redirect(url_for("admin.request_page", redemption_id=redemption_id))
    errors = show_problem(answer)
    return _request_page(redemption_id, errors, action)


@blp.get("/appeals")
@needs_role(*ADMINS)
def appeals() -> ResponseReturnValue:
    return listing("admin/appeals.html", "/redemptions", status="appealed")


@blp.get("/audit")
@needs_role(*ADMINS)
def audit() -> ResponseReturnValue:
    return listing("admin/audit.html", "/audit")


def _day(text: str, field: str, errors: dict[str, list[str]], after: int = 0) -> str:
    """A local day's first moment (``after`` days later) as the API takes it."""
    if not text:
        return ""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[field] = [gettext("Not a date.")]
        return ""
    settings: Settings = current_app.config["SETTINGS"]
    moment = datetime.combine(day + timedelta(days=after), time(), settings.district_timezone)
    return moment.isoformat()


def _period() -> tuple[str, str, dict[str, list[str]]]:
    """The export's period: from the first day's start to the end of the last one."""
    errors: dict[str, list[str]] = {}
    start = _day(request.args.get("from", ""), "from", errors)
    end = _day(request.args.get("to", ""), "to", errors, after=1)
    return start, end, errors


@blp.get("/export")
@needs_role(*ADMINS)
def export() -> ResponseReturnValue:
    return render_rewards("admin/export.html", args=request.args, errors={})


@blp.get("/export.csv")
@needs_role(*ADMINS)
def export_csv() -> ResponseReturnValue:
    """The CSV, streamed from the rewards API to the browser row by row."""
    start, end, errors = _period()
    if errors:
        return render_rewards("admin/export.html", args=request.args, errors=errors), 422
    streamed = stream_api("/redemptions/export.csv", {"from": start, "to": end})
    if streamed.status != 200:
        flash(problem_message(streamed.answer()), "error")
        return redirect(f"{url_for('admin.export')}?{urlencode(request.args)}")
    name = f"redemptions-{request.args.get('from', '')}-{request.args.get('to', '')}.csv"
    return streamed.response(name)
