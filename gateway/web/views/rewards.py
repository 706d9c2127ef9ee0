"""Members' rewards pages: the catalogue with eligibility, a reward's application form,
requests followed to the voucher (cancel, appeal), and allocation rounds."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from common.i18n import N_
from gateway.web import api, gettext
from gateway.web.pages import (
    form_key,
    items_of,
    new_key,
    page_blueprint,
    show_problem,
    signed_in,
    user,
)
from gateway.web.rewards_pages import act, found, listing, render_rewards
from gateway.web.rewards_words import CANCELLABLE

blp = page_blueprint("rewards", __name__, url_prefix="/rewards")
CANCELLED = N_("Cancelled: your points are free again.")


def _body(answer: api.Answer) -> dict[str, Any]:
    return answer.body if answer.ok and isinstance(answer.body, dict) else {}


@blp.get("")
@signed_in
def catalogue() -> ResponseReturnValue:
    chosen = request.args.get("category", "")
    answer = api.get("/rewards", category=chosen, limit=20, cursor=request.args.get("cursor"))
    items, next_cursor = items_of(answer)
    standing = _body(api.call("GET", "/me/standing"))
    return render_rewards(
        "rewards/catalogue.html",
        items=items,
        next_cursor=next_cursor,
        standing=standing,
        chosen=chosen,
    )


def answers_of(fields: list[dict[str, Any]]) -> dict[str, Any]:
    """The form's answers as the API takes them; a blank optional answer is left out so
    the API's own rules decide what is missing."""
    answers: dict[str, Any] = {}
    for spec in fields:
        name = str(spec["name"])
        sent = request.form.get(f"form.{name}", "").strip()
        if spec.get("type") == "boolean":
            if sent in ("yes", "no"):
                answers[name] = sent == "yes"
        elif sent:
            answers[name] = sent
    return answers


def _reward_page(reward: dict[str, Any], **context: Any) -> str:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.setdefault("key", new_key())
    return render_rewards("rewards/reward.html", reward=reward, **context)


@blp.get("/<uuid:reward_id>")
@signed_in
def reward(reward_id: uuid.UUID) -> ResponseReturnValue:
    return _reward_page(found(api.call("GET", f"/rewards/{reward_id}")))


@blp.post("/<uuid:reward_id>")
@signed_in
def redeem(reward_id: uuid.UUID) -> ResponseReturnValue:
    """Ask for the reward (or apply to its round) with the form's answers."""
    shown = found(api.call("GET", f"/rewards/{reward_id}"))
    answers = answers_of(list(shown.get("form_fields") or []))
    answer = api.call(
        "POST",
        "/redemptions",
        json_body={"reward_id": str(reward_id), "form": answers},
        headers={"Idempotency-Key": form_key()},
    )
    if answer.ok:
        flash(gettext("Your request is in. Follow it here."), "success")
        return redirect(url_for("rewards.request_page", redemption_id=answer.body["id"]))
    errors = show_problem(answer)
    values = {f"form.{k}": request.form.get(f"form.{k}", "") for k in answers}
    # the refused body is not placed: a corrected form is a new request with a new key
    return _reward_page(shown, errors=errors, values=values), 200


@blp.get("/requests")
@signed_in
def requests() -> ResponseReturnValue:
    return listing(
        "rewards/requests.html",
        "/redemptions",
        member_id=user().get("id"),  # an administrator's own too
        status=request.args.get("status", ""),
    )


@blp.get("/requests/<uuid:redemption_id>")
@signed_in
def request_page(redemption_id: uuid.UUID) -> ResponseReturnValue:
    redemption = found(api.call("GET", f"/redemptions/{redemption_id}"))
    return render_rewards(
        "rewards/request.html",
        r=redemption,
        errors={},
        can_cancel=redemption["status"] in CANCELLABLE,
    )


@blp.post("/requests/<uuid:redemption_id>/cancel")
@signed_in
def cancel(redemption_id: uuid.UUID) -> ResponseReturnValue:
    act(f"/redemptions/{redemption_id}/cancel", CANCELLED)
    return redirect(url_for("rewards.request_page", redemption_id=redemption_id))


@blp.post("/requests/<uuid:redemption_id>/appeal")
@signed_in
def appeal(redemption_id: uuid.UUID) -> ResponseReturnValue:
    reason = request.form.get("reason", "").strip()
    answer = api.call("POST", f"/redemptions/{redemption_id}/appeal", json_body={"reason": reason})
    if answer.ok:
        flash(gettext("Your appeal is sent. Another administrator will decide."), "success")
        return redirect(url_for("rewards.request_page", redemption_id=redemption_id))
    errors = show_problem(answer)
    redemption = found(api.call("GET", f"/redemptions/{redemption_id}"))
    return render_rewards(
        "rewards/request.html", r=redemption, errors=errors, can_cancel=False, reason=reason
    )


@blp.get("/requests/<uuid:redemption_id>/voucher.svg")
@signed_in
def voucher_svg(redemption_id: uuid.UUID) -> ResponseReturnValue:
    """The voucher's QR code: an <img> cannot send the bearer token, so the page asks."""
    answer = api.call("GET", f"/redemptions/{redemption_id}/voucher.svg")
    if not answer.ok:
        abort(404)
    response = Response(answer.raw, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.get("/rounds/<uuid:round_id>")
@signed_in
def round_page(round_id: uuid.UUID) -> ResponseReturnValue:
    round_ = found(api.call("GET", f"/rounds/{round_id}"))
    mine, _ = items_of(
        api.get("/redemptions", round_id=str(round_id), member_id=user().get("id"), limit=1)
    )
    reward_ = _body(api.call("GET", f"/rewards/{round_['reward_id']}"))
    return render_rewards(
        "rewards/round.html", round=round_, mine=mine[0] if mine else None, reward=reward_
    )
