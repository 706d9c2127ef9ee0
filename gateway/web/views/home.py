"""The home page: balance, points expiring soon, level and hours, activity, inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from common.settings import Settings
from gateway.web import api
from gateway.web.pages import items_of, page_blueprint, render, signed_in

blp = page_blueprint("home", __name__)


def _year_minutes(record: dict[str, Any]) -> int:
    settings: Settings = current_app.config["SETTINGS"]
    year = str(datetime.now(settings.district_timezone).year)
    return sum(
        int(entry.get("minutes", 0))
        for entry in record.get("entries", [])
        if str(entry.get("date", "")).startswith(year)
    )


def _body(answer: api.Answer) -> dict[str, Any]:
    return answer.body if answer.ok and isinstance(answer.body, dict) else {}


@blp.get("/")
def index() -> ResponseReturnValue:
    if not session.get("access_token"):
        return render("home/welcome.html")
    return _dashboard()


@signed_in
def _dashboard() -> ResponseReturnValue:
    balance = _body(api.call("GET", "/points/balance"))
    standing = _body(api.call("GET", "/me/standing"))
    record = _body(api.call("GET", "/me/service-record"))
    activity, _ = items_of(api.get("/points/transactions", limit=5))
    inbox = _body(api.get("/me/notifications", limit=5))
    return render(
        "home/index.html",
        balance=balance,
        standing=standing,
        year_minutes=_year_minutes(record),
        activity=activity,
        inbox=inbox,
    )


@blp.get("/notifications")
@signed_in
def notifications() -> ResponseReturnValue:
    answer = api.get("/me/notifications", limit=20, cursor=request.args.get("cursor"))
    items, next_cursor = items_of(answer)
    return render("home/notifications.html", items=items, next_cursor=next_cursor)


@blp.post("/notifications/read")
@signed_in
def mark_read() -> ResponseReturnValue:
    ids = request.form.getlist("ids")
    if ids:
        api.call("POST", "/me/notifications/read", json_body={"ids": ids})
    return redirect(url_for("home.notifications"))


@blp.get("/more")
@signed_in
def more() -> ResponseReturnValue:
    return render("home/more.html")
