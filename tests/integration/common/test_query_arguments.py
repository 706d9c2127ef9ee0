"""Query arguments: what an empty query string loads is kept per schema, and handed out as a
copy, so a view that changes its arguments changes nothing for the next request."""

from __future__ import annotations

import dataclasses

import marshmallow as ma
import pytest
from flask import jsonify
from flask_smorest import Blueprint

from common.app import build_app


class Plain(ma.Schema):
    category = ma.fields.String(load_default=None)
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(1, 100))


@dataclasses.dataclass
class Window:
    days: int


class Typed(ma.Schema):
    days = ma.fields.Integer(load_default=7)

    @ma.post_load
    def make(self, data, **kwargs):
        return Window(**data)


class Required(ma.Schema):
    code = ma.fields.String(required=True)


@pytest.fixture
def client():
    blp = Blueprint("probe", __name__, url_prefix="/api/v1/probe")

    @blp.get("/plain")
    @blp.arguments(Plain, location="query")
    def plain(args):
        seen = dict(args)
        args.pop("category")  # as the rewards list does
        args["limit"] = -1
        return jsonify(seen)

    @blp.get("/typed")
    @blp.arguments(Typed, location="query")
    def typed(window):
        days = window.days
        window.days = 0
        return jsonify(days=days)

    @blp.get("/required")
    @blp.arguments(Required, location="query")
    def required(args):
        return jsonify(args)

    app = build_app("rewards", __name__, {"TESTING": True}, api_blueprints=[blp])
    yield app.test_client()
    app.extensions["database"].engine.dispose()


def test_an_empty_query_gives_the_defaults_every_time(client):
    for _ in range(3):
        assert client.get("/api/v1/probe/plain").json == {"category": None, "limit": 20}
    assert client.get("/api/v1/probe/plain?limit=5").json == {"category": None, "limit": 5}
    assert client.get("/api/v1/probe/plain?limit=0").status_code == 422
    assert client.get("/api/v1/probe/plain").json == {"category": None, "limit": 20}


def test_a_schema_loading_an_object_loads_a_new_one_each_time(client):
    for _ in range(3):
        assert client.get("/api/v1/probe/typed").json == {"days": 7}


def test_a_required_argument_is_still_required_on_every_request(client):
    for _ in range(2):
        response = client.get("/api/v1/probe/required")
        assert response.status_code == 422
        assert "code" in str(response.json["errors"])
    assert client.get("/api/v1/probe/required?code=x").json == {"code": "x"}
