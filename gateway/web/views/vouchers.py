"""Vouchers for reward administrators and providers: check a code, redeem it once."""

from __future__ import annotations

from urllib.parse import quote

from flask import flash, request
from flask.typing import ResponseReturnValue

from gateway.web import api, gettext
from gateway.web.pages import needs_role, page_blueprint, show_problem
from gateway.web.rewards_pages import render_rewards

blp = page_blueprint("vouchers", __name__, url_prefix="/vouchers")
CHECKERS = ("reward_admin", "admin", "provider")


@blp.route("", methods=["GET", "POST"])
@needs_role(*CHECKERS)
def check() -> ResponseReturnValue:
    """Type or scan a code: its state (valid, used, cancelled) and, if valid, redeem."""
    code = (request.values.get("code") or "").strip()
    errors: dict[str, list[str]] = {}
    voucher = None
    if request.method == "POST" and code:
        answer = api.call("POST", f"/vouchers/{quote(code, safe='')}/redeem")
        if answer.ok:
            flash(gettext("Redeemed: the request is fulfilled."), "success")
        else:
            errors = show_problem(answer)
    if code:
        answer = api.call("GET", f"/vouchers/{quote(code, safe='')}")
        if answer.ok:
            voucher = answer.body
        elif not errors:
            errors = show_problem(answer) or {"code": [str(answer.problem.get("title", ""))]}
    return render_rewards("admin/vouchers.html", code=code, voucher=voucher, errors=errors)
