"""Reward administrators' catalogue: create and edit rewards with their application
forms, open and close them, open allocation rounds and close them to see the ranking."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from common.i18n import N_
from gateway.web import api, gettext
from gateway.web.pages import needs_role, page_blueprint, show_problem
from gateway.web.reward_form import (
    ALLOCATIONS,
    BLANK_ROWS,
    FIELD_TYPES,
    ROLES,
    local_moment,
    terms_from,
    values_from,
    values_of,
)
from gateway.web.rewards_pages import act, found, listing, render_rewards
from gateway.web.rewards_words import RULES

blp = page_blueprint("catalogue", __name__, url_prefix="/admin/rewards")
ADMINS = ("reward_admin", "admin")
OPENED, CLOSED = N_("Opened."), N_("Closed.")
ROUND_CLOSED = N_("Round closed: places given by the rule, the others released.")
NEW_REWARD = {"category": "childcare", "limit_period": "year", "approvers_needed": "1"}


@blp.get("")
@needs_role(*ADMINS)
def rewards() -> ResponseReturnValue:
    return listing("admin/rewards.html", "/rewards")


def _editor(reward: dict[str, Any] | None, values: dict[str, Any], errors: Any) -> str:
    values.setdefault("fields", [])
    return render_rewards(
        "admin/reward_form.html",
        reward=reward,
        values=values,
        errors=errors,
        roles=ROLES,
        field_types=FIELD_TYPES,
        allocations=ALLOCATIONS,
        blank_rows=BLANK_ROWS,
    )


@blp.route("/new", methods=["GET", "POST"])
@needs_role(*ADMINS)
def new() -> ResponseReturnValue:
    if request.method == "GET":
        return _editor(None, dict(NEW_REWARD), {})
    answer = api.call("POST", "/rewards", json_body=terms_from(request.form, {}))
    if answer.ok:
        flash(gettext("Reward created; it is open now."), "success")
        return redirect(url_for("catalogue.edit", reward_id=answer.body["id"]))
    return _editor(None, values_from(request.form), show_problem(answer))


@blp.route("/<uuid:reward_id>", methods=["GET", "POST"])
@needs_role(*ADMINS)
def edit(reward_id: uuid.UUID) -> ResponseReturnValue:
    reward = found(api.call("GET", f"/rewards/{reward_id}"))
    if request.method == "GET":
        return _editor(reward, values_of(reward), {})
    body = terms_from(request.form, reward.get("eligibility") or {})
    answer = api.call("PATCH", f"/rewards/{reward_id}", json_body=body)
    if answer.ok:
        flash(gettext("Saved. Requests already made keep their terms."), "success")
        return redirect(url_for("catalogue.edit", reward_id=reward_id))
    return _editor(reward, values_from(request.form), show_problem(answer))


@blp.post("/<uuid:reward_id>/<any(open, close):action>")
@needs_role(*ADMINS)
def open_or_close(reward_id: uuid.UUID, action: str) -> ResponseReturnValue:
    act(f"/rewards/{reward_id}/{action}", OPENED if action == "open" else CLOSED)
    return redirect(url_for("catalogue.edit", reward_id=reward_id))


@blp.route("/<uuid:reward_id>/rounds/new", methods=["GET", "POST"])
@needs_role(*ADMINS)
def new_round(reward_id: uuid.UUID) -> ResponseReturnValue:
    reward = found(api.call("GET", f"/rewards/{reward_id}"))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        places = request.form.get("places", "").strip()
        body = {
            "opens_at": local_moment(request.form.get("opens_at", "")),
            "closes_at": local_moment(request.form.get("closes_at", "")),
            "places": int(places) if places.isdigit() else places,
            "rule": request.form.get("rule", ""),
        }
        answer = api.call("POST", f"/rewards/{reward_id}/rounds", json_body=body)
        if answer.ok:
            flash(gettext("Round announced; its seed hash is published."), "success")
            return redirect(url_for("catalogue.round_page", round_id=answer.body["id"]))
        errors = show_problem(answer)
    return render_rewards(
        "admin/round_form.html", reward=reward, errors=errors, sent=request.form, rules=RULES
    )


@blp.get("/rounds/<uuid:round_id>")
@needs_role(*ADMINS)
def round_page(round_id: uuid.UUID) -> ResponseReturnValue:
    round_ = found(api.call("GET", f"/rounds/{round_id}"))
    reward = found(api.call("GET", f"/rewards/{round_['reward_id']}"))
    return render_rewards("admin/round.html", round=round_, reward=reward, mine=None)


@blp.post("/rounds/<uuid:round_id>/close")
@needs_role(*ADMINS)
def close_round(round_id: uuid.UUID) -> ResponseReturnValue:
    act(f"/rounds/{round_id}/close", ROUND_CLOSED)
    return redirect(url_for("catalogue.round_page", round_id=round_id))
