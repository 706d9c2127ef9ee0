"""common/hot_reads.py on an app of its own: which views may be hot, and a view that raises
on the fast path answered by Flask."""

from __future__ import annotations

import marshmallow as ma
import pytest
from flask import Response, jsonify
from flask_smorest import Blueprint

from common.app import build_app
from common.auth import require_auth, require_roles, require_service
from common.errors import Forbidden
from common.hot_reads import hot_read
from tests.helpers.hot_reads import answered_both_ways, flask_requests


class _Query(ma.Schema):
    limit = ma.fields.Integer(load_default=3)


def _app(blueprint: Blueprint, on_ready=None):
    return build_app(
        "rewards", __name__, {"TESTING": True}, api_blueprints=[blueprint], on_ready=on_ready
    )


@pytest.fixture
def probe_app():
    blp = Blueprint("probe", __name__, url_prefix="/api/v1/probe")
    calls: list[int] = []

    @blp.get("/counted")
    @require_auth
    @blp.arguments(_Query, location="query")
    @hot_read(_Query)
    def counted(args: dict[str, int]) -> Response:
        calls.append(args["limit"])
        return jsonify(limit=args["limit"], calls=len(calls))

    @blp.get("/refusing")
    @require_auth
    @blp.arguments(_Query, location="query")
    @hot_read(_Query)
    def refusing(args: dict[str, int]) -> Response:
        raise Forbidden("Not for you.")

    app = _app(blp)
    app.extensions["probe_calls"] = calls
    yield app
    app.extensions["database"].engine.dispose()


def test_a_hot_view_gets_its_querys_defaults(probe_app, auth_header):
    fast, slow = answered_both_ways(probe_app, "/api/v1/probe/counted", auth_header())
    assert fast.json == {"limit": 3, "calls": 1}
    assert slow.json == {"limit": 3, "calls": 2}
    assert probe_app.extensions["probe_calls"] == [3, 3]


def test_a_view_that_raises_on_the_fast_path_is_answered_by_flask(probe_app, auth_header):
    with flask_requests(probe_app) as built:
        answer = probe_app.test_client().get("/api/v1/probe/refusing", headers=auth_header())
    assert built == ["/api/v1/probe/refusing"]
    assert answer.status_code == 403
    assert answer.content_type == "application/problem+json"


@pytest.mark.parametrize(
    "guard", [require_roles("admin"), require_service], ids=["roles", "service token"]
)
def test_a_view_that_lets_in_fewer_callers_than_a_token_cannot_be_hot(guard):
    blp = Blueprint("narrow", __name__, url_prefix="/api/v1/narrow")

    @blp.get("/")
    @guard
    @blp.arguments(_Query, location="query")
    @hot_read(_Query)
    def narrow(args: dict[str, int]) -> Response:
        return jsonify(args)

    with pytest.raises(TypeError, match="roles or the service token"):
        _app(blp)


def test_the_mark_goes_under_every_other_decorator():
    blp = Blueprint("outer", __name__, url_prefix="/api/v1/outer")

    @blp.get("/")
    @hot_read(_Query)
    @require_auth
    @blp.arguments(_Query, location="query")
    def outer(args: dict[str, int]) -> Response:
        return jsonify(args)

    with pytest.raises(TypeError, match="under every other decorator"):
        _app(blp)


def test_a_path_with_parts_cannot_be_hot():
    blp = Blueprint("parts", __name__, url_prefix="/api/v1/parts")

    @blp.get("/<int:n>")
    @require_auth
    @hot_read(_Query)
    def parts(n: int) -> Response:
        return jsonify(n=n)

    with pytest.raises(TypeError, match="without parts"):
        _app(blp)


def test_a_query_that_needs_an_argument_cannot_be_hot():
    class Needs(ma.Schema):
        q = ma.fields.String(required=True)

    blp = Blueprint("needs", __name__, url_prefix="/api/v1/needs")

    @blp.get("/")
    @require_auth
    @blp.arguments(Needs, location="query")
    @hot_read(Needs)
    def needs(args: dict[str, str]) -> Response:
        return jsonify(args)

    with pytest.raises(ma.ValidationError):
        _app(blp)


def test_a_request_hook_added_later_turns_the_fast_path_off(auth_header, caplog):
    blp = Blueprint("hooked", __name__, url_prefix="/api/v1/hooked")

    @blp.get("/")
    @require_auth
    @blp.arguments(_Query, location="query")
    @hot_read(_Query)
    def hooked(args: dict[str, int]) -> Response:
        return jsonify(args)

    def stamp(response: Response) -> Response:
        response.headers["X-Stamped"] = "yes"
        return response

    app = _app(blp, on_ready=lambda app: app.after_request(stamp))
    try:
        with flask_requests(app) as built:
            answer = app.test_client().get("/api/v1/hooked/", headers=auth_header())
        assert built == ["/api/v1/hooked/"]
        assert answer.headers["X-Stamped"] == "yes"
        assert app.hot_reads.enabled is False
        assert "request hooks" in caplog.text
    finally:
        app.extensions["database"].engine.dispose()
