"""The catalogue: administrators manage rewards; members see whether they may ask, and why not,
from the standing the rewards service projected from events."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Response

from bench.profile_seeds import reward_catalogue
from common.app import session
from common.pagination import keyset_page
from services.rewards.adapters.models import Reward
from services.rewards.adapters.runtime import levels
from services.rewards.api.catalogue import RewardPage, reward_view
from services.rewards.usecases import catalogue
from services.rewards.usecases.actors import Actor
from tests.helpers.databases import engine_for
from tests.helpers.standings import give_standing


def test_an_administrator_creates_edits_closes_and_opens_a_reward(client, people, new_reward):
    reward = new_reward(stock=3, approvers_needed=2, per_member_limit=1, limit_period="year")
    assert reward["stock"] == reward["stock_remaining"] == 3
    assert reward["requires_approval"] is True and reward["active"] is True
    edited = client.patch(
        f"/api/v1/rewards/{reward['id']}", json={"stock": 5, "cost": 120}, headers=people.admin
    )
    assert edited.status_code == 200, edited.json
    assert (edited.json["stock"], edited.json["stock_remaining"], edited.json["cost"]) == (
        5,
        5,
        120,
    )
    closed = client.post(f"/api/v1/rewards/{reward['id']}/close", headers=people.admin)
    assert closed.json["active"] is False
    _, member = people.member()
    listed = client.get("/api/v1/rewards", headers=member).json["items"]
    assert listed == []
    assert client.get(f"/api/v1/rewards/{reward['id']}", headers=member).status_code == 404
    client.post(f"/api/v1/rewards/{reward['id']}/open", headers=people.admin)
    assert [r["id"] for r in client.get("/api/v1/rewards", headers=member).json["items"]] == [
        reward["id"]
    ]
    audit = client.get("/api/v1/audit", headers=people.admin).json["items"]
    assert [e["action"] for e in audit] == [
        "reward.create",
        "reward.update",
        "reward.close",
        "reward.open",
    ]
    assert audit[1]["before"]["cost"] == 100 and audit[1]["after"]["cost"] == 120


def test_members_cannot_manage_the_catalogue(client, people, new_reward):
    reward = new_reward()
    _, member = people.member()
    body = {"name": "x", "category": "goods", "cost": 1}
    assert client.post("/api/v1/rewards", json=body, headers=member).status_code == 403
    patch = client.patch(f"/api/v1/rewards/{reward['id']}", json={"cost": 1}, headers=member)
    assert patch.status_code == 403
    assert client.post(f"/api/v1/rewards/{reward['id']}/close", headers=member).status_code == 403


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"category": "yachts"}, "category"),
        ({"cost": 0}, "cost"),
        ({"stock": -1}, "stock"),
        ({"eligibility": {"min_lifetime_hours": -3}}, "eligibility.min_lifetime_hours"),
        ({"eligibility": {"roles_any": ["pilot"]}}, "eligibility.roles_any"),
        ({"form_fields": [{"name": "kid", "type": "colour"}]}, "form_fields.0.type"),
        ({"opens_at": "2027-01-02T00:00:00Z", "closes_at": "2027-01-01T00:00:00Z"}, "closes_at"),
    ],
)
def test_bad_terms_are_422_with_the_field(client, people, terms, field):
    body = {"name": "托育名额", "category": "childcare", "cost": 100, **terms}
    response = client.post("/api/v1/rewards", json=body, headers=people.admin)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert client.get("/api/v1/audit", headers=people.admin).json["items"] == []


def test_stock_cannot_be_cut_below_what_is_reserved(client, people, new_reward):
    reward = new_reward(stock=2)
    with engine_for("rewards").begin() as connection:
        connection.execute(
            sa.text("UPDATE rewards SET stock_remaining = 0 WHERE id = :id"), {"id": reward["id"]}
        )
    response = client.patch(
        f"/api/v1/rewards/{reward['id']}", json={"stock": 1}, headers=people.admin
    )
    assert response.status_code == 409
    assert response.json["type"].endswith("stock-below-reserved")


def test_eligibility_is_read_from_the_local_standing_with_a_reason(client, people, new_reward):
    community = uuid.uuid4()
    new_reward(name="Flat", category="rental_housing", eligibility={"min_lifetime_hours": 100})
    new_reward(name="Riders' check-up", category="health", eligibility={"roles_any": ["rider"]})
    new_reward(name="Local", category="goods", eligibility={"home_community_ids": [str(community)]})
    member_id, member = people.member()
    give_standing(member_id, 99 * 60, community)
    items = {
        r["name"]: r
        for r in client.get("/api/v1/rewards", headers={**member, "Accept-Language": "en"}).json[
            "items"
        ]
    }
    assert items["Local"]["eligible"] is True and items["Local"]["ineligible_reason"] is None
    assert items["Flat"]["eligible"] is False
    assert "100" in items["Flat"]["ineligible_reason"]
    assert items["Riders' check-up"]["eligible"] is False
    zh = client.get("/api/v1/rewards?category=health", headers=member).json["items"]
    assert zh[0]["ineligible_reason"] != items["Riders' check-up"]["ineligible_reason"]


def test_my_standing_shows_minutes_level_and_the_next_level(client, people):
    member_id, member = people.member()
    assert client.get("/api/v1/me/standing", headers=member).json["level"] == 0
    give_standing(member_id, 150 * 60)
    standing = client.get("/api/v1/me/standing", headers=member).json
    assert standing["lifetime_minutes"] == 9000
    assert standing["level"] == 1
    assert standing["next_level_at_minutes"] == 300 * 60


def _previous_list(app, caller: Actor, query: dict[str, Any]) -> Response:
    """The list as it was answered before it read plain rows (catalogue_list.py): ORM
    rewards through a session, a keyset page, ``with_eligibility``, ``reward_view`` and
    marshmallow's dump of the page."""
    with app.app_context():
        db = session()
        select = sa.select(Reward).order_by(Reward.cost, Reward.id)
        if not caller.is_reward_admin:
            select = select.where(Reward.active)
        if query.get("category"):
            select = select.where(Reward.category == query["category"])
        args = {"limit": query.get("limit", 20), "cursor": query.get("cursor")}
        result = keyset_page(db, select, args, Reward.cost, Reward.id)
        listed = catalogue.with_eligibility(db, caller, result["items"], levels())
        result["items"] = [reward_view(i.reward, i.eligible, i.ineligible_reason) for i in listed]
        answer = app.json.response(RewardPage().dump(result))
        db.rollback()
        return answer


@pytest.mark.parametrize(
    ("roles", "language", "minutes"),
    [
        (["member"], "zh-CN", 120 * 60),
        (["member"], "en", 120 * 60),
        (["member", "rider"], "en", 700 * 60),
        (["member"], "zh-CN", None),  # no standing yet
        (["member", "reward_admin"], "en", 30 * 60),  # closed rewards too
    ],
)
def test_the_list_answers_what_the_orm_path_answered(
    rewards, client, people, make_token, roles, language, minutes
):
    home, other = uuid.uuid4(), uuid.uuid4()
    for n, terms in enumerate(reward_catalogue(home, other)):
        made = client.post("/api/v1/rewards", json=terms, headers=people.admin)
        assert made.status_code == 201, made.json
        if n in (5, 17):
            client.post(f"/api/v1/rewards/{made.json['id']}/close", headers=people.admin)
    member_id = uuid.uuid4()
    if minutes is not None:
        give_standing(member_id, minutes, home)
    headers = {
        "Authorization": f"Bearer {make_token(roles=roles, user_id=member_id)}",
        "Accept-Language": language,
    }
    caller = Actor(member_id, frozenset(roles), language)
    for query in ({}, {"category": "childcare"}, {"limit": 7}):
        pages = 0
        while True:
            answer = client.get("/api/v1/rewards", query_string=query, headers=headers)
            previous = _previous_list(rewards, caller, query)
            assert answer.status_code == 200
            assert answer.json == previous.json  # field for field, in the same order
            assert answer.get_data() == previous.get_data()
            assert answer.content_type == previous.content_type
            pages += 1
            if answer.json["next_cursor"] is None:
                break
            query = {**query, "cursor": answer.json["next_cursor"]}
        assert pages > 1 or "category" in query


def test_an_app_writing_indented_json_lists_the_same_rewards(rewards, client, people, new_reward):
    new_reward(eligibility={"min_level": 1})
    _, member = people.member()
    compact = client.get("/api/v1/rewards", headers=member)
    writer = rewards.extensions.pop("reward_page_writer", None)
    rewards.json.compact = False
    try:
        indented = client.get("/api/v1/rewards", headers=member)
    finally:
        rewards.json.compact = None
        if writer is not None:
            rewards.extensions["reward_page_writer"] = writer
    assert indented.get_data() != compact.get_data()
    assert indented.get_data().startswith(b"{\n  ")
    assert indented.json == compact.json
