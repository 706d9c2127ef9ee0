"""Appeals (once, decided by another administrator), the pending queue's filters, and bad
input answered with clear problems and nothing written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.helpers.databases import engine_for
from tests.helpers.standings import give_standing


def _ask(client, member, reward_id, **body):
    return client.post(
        "/api/v1/redemptions",
        json={"reward_id": reward_id, **body},
        headers={**member, "Idempotency-Key": str(uuid.uuid4())},
    )


def test_an_appeal_is_made_once_and_decided_by_another_administrator(
    client, people, new_reward, fund, balance
):
    reward = new_reward(stock=1, approvers_needed=1)
    member_id, member = people.member()
    fund(member_id, 100)
    rid = _ask(client, member, reward["id"]).json["id"]
    url = f"/api/v1/redemptions/{rid}"
    early = client.post(f"{url}/appeal", json={"reason": "please"}, headers=member)
    assert early.status_code == 409
    client.post(f"{url}/reject", json={"reason": "no birth record"}, headers=people.admin)
    assert balance(member_id)["available"] == 100
    _, stranger = people.member()
    not_theirs = client.post(f"{url}/appeal", json={"reason": "x"}, headers=stranger)
    assert not_theirs.status_code == 404
    assert client.post(f"{url}/appeal", json={"reason": " "}, headers=member).status_code == 422
    appealed = client.post(f"{url}/appeal", json={"reason": "record attached"}, headers=member)
    assert appealed.status_code == 200 and appealed.json["status"] == "appealed"
    assert appealed.json["appeal"]["status"] == "open"
    body = {"reason": "the record is fine"}
    same = client.post(f"{url}/appeal/approve", json=body, headers=people.admin)
    assert same.status_code == 403 and same.json["type"].endswith("same-administrator")
    by_member = client.post(f"{url}/appeal/approve", json=body, headers=member)
    assert by_member.status_code == 403
    granted = client.post(f"{url}/appeal/approve", json=body, headers=people.second_admin)
    assert granted.status_code == 200, granted.json
    assert granted.json["status"] == "pending" and granted.json["points_held"] == 100
    assert granted.json["appeal"]["status"] == "granted"
    assert balance(member_id)["held"] == 100
    approved = client.post(f"{url}/approve", json={}, headers=people.admin)
    assert approved.json["status"] == "approved"
    kinds = [
        n["kind"] for n in client.get("/api/v1/me/notifications", headers=member).json["items"]
    ]
    assert kinds[:3] == ["redemption.approved", "redemption.pending", "appeal.granted"]


def test_a_rejection_upheld_on_appeal_cannot_be_appealed_again(client, people, new_reward, fund):
    reward = new_reward(approvers_needed=1)
    member_id, member = people.member()
    fund(member_id, 100)
    url = f"/api/v1/redemptions/{_ask(client, member, reward['id']).json['id']}"
    client.post(f"{url}/reject", json={"reason": "too late"}, headers=people.admin)
    client.post(f"{url}/appeal", json={"reason": "it was on time"}, headers=member)
    upheld = client.post(
        f"{url}/appeal/reject", json={"reason": "it was not"}, headers=people.second_admin
    )
    assert upheld.json["status"] == "rejected" and upheld.json["appeal"]["status"] == "upheld"
    again = client.post(f"{url}/appeal", json={"reason": "still"}, headers=member)
    assert again.status_code == 409 and again.json["type"].endswith("already-appealed")
    audit = [e["action"] for e in client.get("/api/v1/audit", headers=people.admin).json["items"]]
    assert audit[-2:] == ["redemption.reject", "appeal.upheld"]


def test_the_pending_queue_filters_by_reward_category_community_and_age(
    client, people, new_reward, fund
):
    flat = new_reward(category="rental_housing", approvers_needed=1, name="Flat")
    goods = new_reward(category="goods", approvers_needed=1, name="Rice")
    community = uuid.uuid4()
    member_id, member = people.member()
    give_standing(member_id, community=community)
    fund(member_id, 1000)
    old = _ask(client, member, flat["id"]).json["id"]
    new = _ask(client, member, goods["id"]).json["id"]
    with engine_for("rewards").begin() as connection:
        connection.execute(
            sa.text("UPDATE redemptions SET created_at = now() - interval '3 days' WHERE id = :id"),
            {"id": old},
        )

    def ids(query: str) -> list[str]:
        answer = client.get(f"/api/v1/redemptions?{query}", headers=people.admin)
        assert answer.status_code == 200, answer.json
        return [r["id"] for r in answer.json["items"]]

    assert ids("status=pending") == [new, old]
    assert ids("category=rental_housing") == [old]
    assert ids(f"reward_id={goods['id']}") == [new]
    assert ids(f"community={community}") == [new, old]
    assert ids(f"community={uuid.uuid4()}") == []
    day_ago = (datetime.now(UTC) - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"older_than={day_ago}") == [old]
    assert ids("limit=1")[0] == new
    other_id, other = people.member()
    assert client.get("/api/v1/redemptions", headers=other).json["items"] == []
    assert (
        client.get(f"/api/v1/redemptions?member_id={member_id}", headers=other).json["items"] == []
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"reward_id": "not-a-uuid"}, 422),
        ({"form": {}}, 422),
        ({"reward_id": str(uuid.uuid4())}, 422),
        ({"reward_id": "R", "form": "a string"}, 422),
    ],
)
def test_bad_requests_are_clear_problems_and_write_nothing(client, people, body, status):
    _, member = people.member()
    answer = client.post(
        "/api/v1/redemptions", json=body, headers={**member, "Idempotency-Key": "k"}
    )
    assert answer.status_code == status, answer.json
    assert answer.mimetype == "application/problem+json"
    with engine_for("rewards").connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM redemptions")).scalar() == 0


def test_a_request_needs_an_idempotency_key_and_json(client, people, new_reward):
    reward = new_reward()
    _, member = people.member()
    missing = client.post("/api/v1/redemptions", json={"reward_id": reward["id"]}, headers=member)
    assert missing.status_code == 400 and missing.json["type"].endswith("idempotency-key-required")
    garbled = client.post(
        "/api/v1/redemptions",
        data=b"{not json",
        content_type="application/json",
        headers={**member, "Idempotency-Key": "k"},
    )
    assert garbled.status_code == 400


def test_requests_are_rate_limited_per_member(client, people, new_reward, rewards):
    riders_only = new_reward(eligibility={"roles_any": ["rider"]})
    _, member = people.member()
    allowed = rewards.extensions["rewards_config"].redeem_per_minute
    answers = [_ask(client, member, riders_only["id"]).status_code for _ in range(allowed + 1)]
    assert answers == [403] * allowed + [429]
    _, other = people.member()
    assert _ask(client, other, riders_only["id"]).status_code == 403
