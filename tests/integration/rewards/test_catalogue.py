"""The catalogue: administrators manage rewards; members see whether they may ask, and why not,
from the standing the rewards service projected from events."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.helpers.databases import engine_for


def _standing(member_id: uuid.UUID, minutes: int, community: uuid.UUID | None = None) -> None:
    with engine_for("rewards").begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO standings (member_id, lifetime_minutes, home_community_id) "
                "VALUES (:m, :n, :c)"
            ),
            {"m": member_id, "n": minutes, "c": community},
        )


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
    _standing(member_id, 99 * 60, community)
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
    _standing(member_id, 150 * 60)
    standing = client.get("/api/v1/me/standing", headers=member).json
    assert standing["lifetime_minutes"] == 9000
    assert standing["level"] == 1
    assert standing["next_level_at_minutes"] == 300 * 60
