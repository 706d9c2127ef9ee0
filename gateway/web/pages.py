"""What every page blueprint shares: sign-in guard, CSRF, error pages, API answers."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from gateway.web import gettext
from gateway.web.api import Answer, SignedOut
from gateway.web.security import check_csrf

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)


def page_blueprint(name: str, import_name: str, url_prefix: str | None = None) -> Blueprint:
    """A blueprint of pages: CSRF checked on every POST, errors shown as pages."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)
    blueprint.before_request(check_csrf)
    blueprint.register_error_handler(SignedOut, _to_sign_in)
    blueprint.register_error_handler(HTTPException, _error_page)
    blueprint.register_error_handler(Exception, _unexpected)
    return blueprint


def _to_sign_in(_: SignedOut) -> ResponseReturnValue:
    flash(gettext("Please sign in again."), "info")
    return redirect(url_for("account.signin", next=request.full_path.rstrip("?")))


def _error_page(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    return render_template("error.html", status=status, description=exc.description), status


def _unexpected(exc: Exception) -> ResponseReturnValue:
    log.exception("a page failed", exc_info=exc)
    return render_template("error.html", status=500, description=""), 500


def user() -> dict[str, Any]:
    value: dict[str, Any] = session.get("user") or {}
    return value


def has_role(*roles: str) -> bool:
    return bool(set(roles) & set(user().get("roles", [])))


def signed_in(view: F) -> F:
    """Send a visitor who is not signed in to the sign-in page, and back afterwards."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not session.get("access_token"):
            raise SignedOut()
        return view(*args, **kwargs)

    return cast(F, wrapper)


def needs_role(*roles: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not session.get("access_token"):
                raise SignedOut()
            if not has_role(*roles):
                return render(
                    "error.html",
                    status=403,
                    description=gettext("This page is for other roles."),
                ), 403
            return view(*args, **kwargs)

        return cast(F, signed_in(wrapper))

    return decorator


def render(template: str, **context: Any) -> str:
    return render_template(template, me=user(), has_role=has_role, **context)


def problem_message(answer: Answer) -> str:
    """The API's own sentence for what went wrong (already in the page's language)."""
    problem = answer.problem
    return str(problem.get("detail") or problem.get("title") or gettext("Something went wrong."))


def show_problem(answer: Answer) -> dict[str, list[str]]:
    """Flash the problem's detail; return its field errors for the form to show."""
    flash(problem_message(answer), "error")
    return answer.field_errors


def items_of(answer: Answer) -> tuple[list[dict[str, Any]], str | None]:
    if not answer.ok:
        show_problem(answer)
        return [], None
    return list(answer.body.get("items", [])), answer.body.get("next_cursor")


def form_key() -> str:
    """The Idempotency-Key a form carries, made when the form is shown, so that a
    second press of its button (or a resend from the phone's queue) is one action."""
    sent = request.form.get("idempotency_key", "")
    try:
        return str(uuid.UUID(sent))
    except ValueError:
        return str(uuid.uuid4())


def new_key() -> str:
    return str(uuid.uuid4())
