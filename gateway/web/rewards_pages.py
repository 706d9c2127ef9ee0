"""What the rewards and administration pages share: their words in every template, the
API's refusal as an error page, a paged list, and a one-button action."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, request

from gateway.web import api, gettext
from gateway.web.pages import items_of, problem_message, render
from gateway.web.rewards_words import WORDS


def render_rewards(template: str, **context: Any) -> str:
    """``render`` with the rewards pages' words."""
    return render(template, **WORDS, **context)


def found(answer: api.Answer) -> dict[str, Any]:
    """The resource, or the API's refusal as an error page (404, 403)."""
    if not answer.ok:
        abort(answer.status if 400 <= answer.status < 500 else 502, problem_message(answer))
    return dict(answer.body)


def listing(template: str, path: str, **query: Any) -> str:
    """A page of ``path`` (``?cursor=`` from the page's own address)."""
    answer = api.get(path, limit=20, cursor=request.args.get("cursor"), **query)
    items, next_cursor = items_of(answer)
    return render_rewards(template, items=items, next_cursor=next_cursor, **query)


def act(path: str, done: str) -> bool:
    """POST ``path`` without a body; flash ``done`` (translated) or the API's words."""
    answer = api.call("POST", path)
    if answer.ok:
        flash(gettext(done), "success")
    else:
        flash(problem_message(answer), "error")
    return answer.ok
