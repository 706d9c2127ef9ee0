"""Sign up, sign in, sign out and the language switch."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from common.i18n import LOCALES
from gateway.web import LANGUAGE_COOKIE, api, gettext
from gateway.web.pages import page_blueprint, render, show_problem

blp = page_blueprint("account", __name__)

YEAR = 365 * 24 * 3600


def _local_target(target: str | None) -> str:
    """Only a path of this site: never an open redirect to another one."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("home.index")


def _sign_in(username: str, password: str) -> api.Answer:
    answer = api.call(
        "POST",
        "/auth/token",
        json_body={"username": username, "password": password},
        signed_in=False,
    )
    if answer.ok:
        session.clear()
        session.regenerate()  # type: ignore[attr-defined]
        api.remember_tokens(answer.body)
        me = api.call("GET", "/me")
        session["user"] = me.body if me.ok else {}
    return answer


@blp.route("/signin", methods=["GET", "POST"])
def signin() -> ResponseReturnValue:
    errors: dict[str, list[str]] = {}
    form: dict[str, Any] = {"username": request.form.get("username", "")}
    if request.method == "POST":
        answer = _sign_in(form["username"], request.form.get("password", ""))
        if answer.ok:
            return redirect(_local_target(request.args.get("next")))
        errors = show_problem(answer)
    return render("account/signin.html", form=form, errors=errors)


@blp.route("/signup", methods=["GET", "POST"])
def signup() -> ResponseReturnValue:
    errors: dict[str, list[str]] = {}
    form = {name: request.form.get(name, "") for name in ("username", "display_name")}
    if request.method == "POST":
        password = request.form.get("password", "")
        answer = api.call(
            "POST", "/auth/register", json_body={**form, "password": password}, signed_in=False
        )
        if answer.ok:
            _sign_in(form["username"], password)
            flash(gettext("Welcome! Your account is ready."), "success")
            return redirect(url_for("home.index"))
        errors = show_problem(answer)
    return render("account/signup.html", form=form, errors=errors)


@blp.post("/signout")
def signout() -> ResponseReturnValue:
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]
    flash(gettext("You have signed out."), "info")
    return redirect(url_for("account.signin"))


@blp.post("/language")
def language() -> ResponseReturnValue:
    chosen = request.form.get("lang", "")
    response = redirect(_local_target(request.form.get("next")))
    if chosen in LOCALES:
        g.locale = chosen
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=YEAR, samesite="Lax", httponly=True)
    return response
