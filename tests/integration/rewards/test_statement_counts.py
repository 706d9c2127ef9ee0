"""Round trips to PostgreSQL of the rewards service's hot paths, counted on the wire.

The list is one read in autocommit: the rewards, and beside them the caller's standing that
decides which they may ask for. A redemption request is a saga around the points
service's hold: each of its steps is its own transaction.
"""

from __future__ import annotations

import uuid

from tests.helpers.round_trips import assert_round_trips, round_trips


def test_the_rewards_list(client, rewards, people, new_reward):
    new_reward(stock=5)
    _, member = people.member()
    with round_trips(rewards) as trips:
        response = client.get("/api/v1/rewards", headers=member)
    assert response.status_code == 200 and len(response.json["items"]) == 1
    assert_round_trips(trips, 1, reads_only=True)


def test_a_redemption_request(client, rewards, people, new_reward, fund):
    reward = new_reward(stock=5, approvers_needed=1)
    member_id, member = people.member()
    fund(member_id, 150)
    with round_trips(rewards) as trips:
        response = client.post(
            "/api/v1/redemptions",
            json={"reward_id": reward["id"], "form": {}},
            headers={**member, "Idempotency-Key": str(uuid.uuid4())},
        )
    assert response.status_code == 201, response.json
    assert_round_trips(trips, 25)
