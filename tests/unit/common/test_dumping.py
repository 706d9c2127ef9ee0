"""The compiled dumpers of the hot answers give what marshmallow gives, value for value."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from marshmallow import Schema, fields

from common.dumping import _compiled, dumper
from services.points.api.schemas import BalanceSchema, TransactionPage
from services.points.usecases.accounts import Balance, Expiring
from services.points.usecases.accounts import TransactionView as Transfer
from services.rewards.api.catalogue import RewardPage
from services.rewards.api.schemas import RewardOut

WHEN = datetime(2026, 11, 28, 9, 30, 1, 123456, tzinfo=timezone(timedelta(hours=8)))


def _transfer(n: int) -> Transfer:
    return Transfer(uuid.uuid4(), n, "credit", n, 0, 10 * n, 0, WHEN, f"ref-{n}", "café ✓")


def _reward() -> dict[str, object]:
    fields_ = {name: None for name in RewardOut().dump_fields}
    fields_.update(
        id=uuid.uuid4(),
        name="托育名额",
        cost=100,
        eligibility={"min_level": 1, "communities": ["a"]},
        form_fields=[{"name": "child", "type": "text"}],
        eligible=True,
        created_at=datetime.now(UTC),
    )
    return fields_


CASES = [
    (BalanceSchema, Balance(uuid.uuid4(), 5, 2, 9, [Expiring(3, WHEN), Expiring(2, WHEN)])),
    (BalanceSchema, Balance(uuid.uuid4(), 0, 0, 0, [])),
    (TransactionPage, {"items": [_transfer(n) for n in range(3)], "next_cursor": "WyIzIl0"}),
    (TransactionPage, {"items": [], "next_cursor": None}),
    (
        RewardPage,
        {"items": [_reward(), {"id": uuid.uuid4(), "name": "partial"}], "next_cursor": None},
    ),
]


@pytest.mark.parametrize(("schema", "value"), CASES)
def test_the_hot_schemas_are_compiled_and_dump_the_same(schema, value):
    assert _compiled(schema) is not None
    assert dumper(schema)(value) == schema().dump(value)


def test_a_schema_with_more_than_plain_fields_is_left_to_marshmallow():
    class Renamed(Schema):
        name = fields.String(data_key="title")
        total = fields.Method("count")

        def count(self, obj):
            return 2

    assert _compiled(Renamed) is None
    assert dumper(Renamed)({"name": "x"}) == {"title": "x", "total": 2}


def test_a_field_named_like_a_keyword_is_left_to_marshmallow():
    Window = Schema.from_dict({"from": fields.String(), "to": fields.String()})
    assert _compiled(Window) is None
    assert dumper(Window)({"from": "a", "to": "b"}) == {"from": "a", "to": "b"}


def test_missing_attributes_and_keys_are_left_out_and_none_stays_none():
    Pair = Schema.from_dict({"a": fields.Integer(), "b": fields.String()})

    class OnlyA:
        a = None

    for value in (OnlyA(), {"a": None}):
        assert dumper(Pair)(value) == Pair().dump(value) == {"a": None}


@pytest.mark.parametrize(("schema", "value"), CASES)
def test_an_answer_is_the_bytes_flask_would_have_written(schema, value):
    from flask import Flask

    from common.dumping import answer

    for debug in (False, True):  # compact, then indented (Flask's own path)
        app = Flask(__name__)
        app.debug = debug
        with app.app_context():
            ours = answer(schema, value)
            flasks = app.json.response(dumper(schema)(value))
        assert ours.get_data() == flasks.get_data()
        assert ours.headers == flasks.headers and ours.status == flasks.status
