"""Redemptions as a saga on points holds, against the real points service over HTTP."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.helpers.databases import engine_for


def _ask(client, member, reward_id, key=None, form=None):
    return client.post(
        "/api/v1/redemptions",
        json={"reward_id": reward_id, "form": form or {}},
        headers={**member, "Idempotency-Key": key or str(uuid.uuid4())},
    )


def _stock(reward_id) -> int:
    with engine_for("rewards").connect() as connection:
        return connection.execute(
            sa.text("SELECT stock_remaining FROM rewards WHERE id = :id"), {"id": reward_id}
        ).scalar_one()


def test_the_150_point_member_flow(client, people, new_reward, fund, balance):
    reward = new_reward(stock=5, approvers_needed=1)
    member_id, member = people.member()
    fund(member_id, 150)
    key = str(uuid.uuid4())
    asked = _ask(client, member, reward["id"], key)
    assert asked.status_code == 201, asked.json
    assert (asked.json["status"], asked.json["points_held"]) == ("pending", 100)
    assert (balance(member_id)["available"], balance(member_id)["held"]) == (50, 100)
    assert _stock(reward["id"]) == 4
    again = _ask(client, member, reward["id"], key)
    assert again.status_code == 201 and again.json["id"] == asked.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = _ask(client, member, reward["id"], key, form={"x": 1})
    assert other.status_code == 422
    rid = asked.json["id"]
    assert client.post(f"/api/v1/redemptions/{rid}/approve", headers=member).status_code == 403
    stranger_id, stranger = people.member()
    assert client.get(f"/api/v1/redemptions/{rid}", headers=stranger).status_code == 404
    assert client.get("/api/v1/redemptions", headers=stranger).json["items"] == []
    approved = client.post(f"/api/v1/redemptions/{rid}/approve", headers=people.admin)
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved" and approved.json["voucher_code"]
    assert (balance(member_id)["available"], balance(member_id)["held"]) == (50, 0)
    second = client.post(f"/api/v1/redemptions/{rid}/approve", headers=people.second_admin)
    assert second.status_code == 409
    svg = client.get(f"/api/v1/redemptions/{rid}/voucher.svg", headers=member)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    kinds = [
        n["kind"] for n in client.get("/api/v1/me/notifications", headers=member).json["items"]
    ]
    assert kinds == ["redemption.approved", "redemption.pending"]


def test_reject_and_cancel_give_the_points_and_stock_back(
    client, people, new_reward, fund, balance
):
    reward = new_reward(stock=2, approvers_needed=1)
    member_id, member = people.member()
    fund(member_id, 200)
    first = _ask(client, member, reward["id"]).json["id"]
    second = _ask(client, member, reward["id"]).json["id"]
    assert balance(member_id)["available"] == 0 and _stock(reward["id"]) == 0
    rejected = client.post(
        f"/api/v1/redemptions/{first}/reject",
        json={"reason": "no place left"},
        headers=people.admin,
    )
    assert rejected.json["status"] == "rejected" and rejected.json["reason"] == "no place left"
    admin_cancel = client.post(f"/api/v1/redemptions/{second}/cancel", headers=people.admin)
    assert admin_cancel.status_code == 403
    cancelled = client.post(f"/api/v1/redemptions/{second}/cancel", headers=member)
    assert cancelled.json["status"] == "cancelled"
    assert balance(member_id)["available"] == 200 and balance(member_id)["held"] == 0
    assert _stock(reward["id"]) == 2
    again = client.post(f"/api/v1/redemptions/{second}/cancel", headers=member)
    assert again.status_code == 409


def test_two_approvers_must_be_two_different_administrators(client, people, new_reward, fund):
    reward = new_reward(approvers_needed=2)
    member_id, member = people.member()
    fund(member_id, 100)
    rid = _ask(client, member, reward["id"]).json["id"]
    first = client.post(f"/api/v1/redemptions/{rid}/approve", headers=people.admin)
    assert first.json["status"] == "pending" and len(first.json["approvals"]) == 1
    twice = client.post(f"/api/v1/redemptions/{rid}/approve", headers=people.admin)
    assert twice.status_code == 409 and twice.json["type"].endswith("already-approved")
    done = client.post(f"/api/v1/redemptions/{rid}/approve", headers=people.second_admin)
    assert done.json["status"] == "approved"
    audit = client.get("/api/v1/audit", headers=people.admin).json["items"]
    assert [e["action"] for e in audit][-2:] == ["redemption.approve", "redemption.approve"]


def test_the_409s_403_and_422_of_a_request(client, people, new_reward, fund, balance):
    scarce = new_reward(stock=2, per_member_limit=1)
    rich_id, rich = people.member()
    poor_id, poor = people.member()
    fund(rich_id, 1000)
    fund(poor_id, 10)
    broke = _ask(client, poor, scarce["id"])
    assert broke.status_code == 409 and broke.json["type"].endswith("insufficient-points")
    assert _stock(scarce["id"]) == 2
    assert _ask(client, rich, scarce["id"]).json["status"] == "approved"
    limit = _ask(client, rich, scarce["id"])
    assert limit.status_code == 409 and limit.json["type"].endswith("limit-reached")
    last_id, last = people.member()
    fund(last_id, 100)
    assert _ask(client, last, scarce["id"]).status_code == 201
    other_id, other = people.member()
    fund(other_id, 100)
    out = _ask(client, other, scarce["id"])
    assert out.status_code == 409 and out.json["type"].endswith("out-of-stock")
    riders = new_reward(eligibility={"roles_any": ["rider"]})
    refused = _ask(client, other, riders["id"])
    assert refused.status_code == 403 and refused.json["type"].endswith("not-eligible")
    form = new_reward(
        form_fields=[{"name": "child_age", "label": "Age", "type": "number", "required": True}]
    )
    bad = _ask(client, other, form["id"], form={"child_age": "three"})
    assert bad.status_code == 422 and "form.child_age" in bad.json["errors"]
    assert balance(other_id)["available"] == 100


def test_points_down_is_503_and_nothing_is_reserved(people, new_reward, fund, balance):
    from services.rewards import create_app

    reward = new_reward(stock=1)
    member_id, member = people.member()
    fund(member_id, 100)
    cut_off = create_app({"TESTING": True, "POINTS_URL": "http://127.0.0.1:9"})
    try:
        answer = _ask(cut_off.test_client(), member, reward["id"])
    finally:
        cut_off.extensions["database"].engine.dispose()
    assert answer.status_code == 503, answer.json
    assert _stock(reward["id"]) == 1
    assert balance(member_id)["held"] == 0
    with engine_for("rewards").connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM redemptions")).scalar() == 0
