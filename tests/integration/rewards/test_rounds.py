"""Allocation rounds: a seed committed before the window, places by the published rule,
a ranking anyone can recompute from what was published, the losers' holds released."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from services.rewards import jobs
from services.rewards.domain import rounds as lottery
from tests.helpers.databases import engine_for
from tests.helpers.standings import give_standing


def _open_round(client, people, reward_id, places, rule="service_hours"):
    now = datetime.now(UTC)
    body = {
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "places": places,
        "rule": rule,
    }
    answer = client.post(f"/api/v1/rewards/{reward_id}/rounds", json=body, headers=people.admin)
    assert answer.status_code == 201, answer.json
    return answer.json


def _end_window(round_id) -> None:
    with engine_for("rewards").begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE rounds SET opens_at = now() - interval '2 hours', "
                "closes_at = now() - interval '1 second' WHERE id = :id"
            ),
            {"id": round_id},
        )


def test_10_places_30_applicants_by_the_rule_recomputed_from_public_data(
    rewards, client, people, new_reward, fund, balance
):
    reward = new_reward(allocation="round", approvers_needed=1, name="Subsidised flat")
    announced = _open_round(client, people, reward["id"], places=10)
    assert announced["seed"] is None and announced["ranking"] is None
    committed = announced["seed_hash"]
    applicants = []
    for i in range(30):
        member_id, member = people.member()
        fund(member_id, 100)
        give_standing(member_id, 600 * (i % 12))  # ties on purpose: the lottery decides
        answer = client.post(
            "/api/v1/redemptions",
            json={"reward_id": reward["id"]},
            headers={**member, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert answer.status_code == 201 and answer.json["status"] == "applied", answer.json
        applicants.append((member_id, member, answer.json["id"]))
    twice = client.post(
        "/api/v1/redemptions",
        json={"reward_id": reward["id"]},
        headers={**applicants[0][1], "Idempotency-Key": str(uuid.uuid4())},
    )
    assert twice.status_code == 409
    early = client.post(f"/api/v1/rounds/{announced['id']}/close", headers=people.admin)
    assert early.status_code == 409
    _end_window(announced["id"])
    with rewards.app_context():
        assert jobs.close_rounds_now() == 1
    published = client.get(f"/api/v1/rounds/{announced['id']}", headers=applicants[0][1]).json
    assert published["status"] == "closed" and published["seed_hash"] == committed
    again = lottery.recompute(published["ranking"], committed_hash=committed)
    assert [r.application_id for r in again if r.won] == [
        uuid.UUID(e["application_id"]) for e in published["ranking"]["applications"] if e["won"]
    ]
    winners = {str(r.application_id) for r in again if r.won}
    assert len(winners) == 10
    held = {member_id: balance(member_id)["held"] for member_id, _, _ in applicants}
    assert sorted(held.values()) == [0] * 20 + [100] * 10
    for member_id, member, rid in applicants:
        mine = client.get(f"/api/v1/redemptions/{rid}", headers=member).json
        assert mine["status"] == ("won" if rid in winners else "lost")
        assert mine["rank"] is not None
        assert held[member_id] == (100 if rid in winners else 0)
        kinds = [
            n["kind"] for n in client.get("/api/v1/me/notifications", headers=member).json["items"]
        ]
        assert kinds[0] == ("round.won" if rid in winners else "round.lost")
    minutes = sorted((600 * (i % 12) for i in range(30)), reverse=True)
    assert min(e["metric"] for e in published["ranking"]["applications"] if e["won"]) == minutes[9]
    best, second = (f"/api/v1/redemptions/{r.application_id}/approve" for r in again[:2])
    early = client.post(second, headers=people.admin)
    assert early.status_code == 409 and early.json["type"].endswith("rank-order")
    assert client.post(best, headers=people.admin).json["status"] == "approved"
    assert client.post(second, headers=people.admin).json["status"] == "approved"


def test_a_round_needs_a_round_reward_a_known_rule_and_a_hold_within_30_days(
    client, people, new_reward
):
    first_come = new_reward()
    now = datetime.now(UTC)
    body = {
        "opens_at": now.isoformat(),
        "closes_at": (now + timedelta(days=1)).isoformat(),
        "places": 1,
        "rule": "service_hours",
    }
    url = f"/api/v1/rewards/{first_come['id']}/rounds"
    assert client.post(url, json=body, headers=people.admin).status_code == 409
    scarce = new_reward(allocation="round")
    url = f"/api/v1/rewards/{scarce['id']}/rounds"
    assert client.post(url, json={**body, "rule": "charm"}, headers=people.admin).status_code == 422
    far = {**body, "closes_at": (now + timedelta(days=29)).isoformat()}
    assert client.post(url, json=far, headers=people.admin).status_code == 422
    _, member = people.member()
    assert client.post(url, json=body, headers=member).status_code == 403


def test_a_rewards_rounds_are_listed_latest_first_without_their_rankings(
    rewards, client, people, new_reward
):
    reward = new_reward(allocation="round", approvers_needed=1, name="Childcare place")
    first = _open_round(client, people, reward["id"], places=2)
    _end_window(first["id"])
    with rewards.app_context():
        assert jobs.close_rounds_now() == 1
    second = _open_round(client, people, reward["id"], places=3)
    _, member = people.member()
    url = f"/api/v1/rewards/{reward['id']}/rounds"
    listed = client.get(url, headers=member).json
    assert [r["id"] for r in listed["items"]] == [second["id"], first["id"]]
    latest, earlier = listed["items"]
    assert (latest["status"], latest["seed"], latest["places"]) == ("open", None, 3)
    assert earlier["status"] == "closed" and earlier["seed"] is not None
    assert "ranking" not in earlier  # it names every applicant: GET /rounds/{id} has it
    paged = client.get(f"{url}?limit=1", headers=member).json
    rest = client.get(f"{url}?limit=1&cursor={paged['next_cursor']}", headers=member).json
    assert [r["id"] for r in paged["items"] + rest["items"]] == [second["id"], first["id"]]
    assert rest["next_cursor"] is None
    unknown = client.get(f"/api/v1/rewards/{uuid.uuid4()}/rounds", headers=member)
    assert unknown.status_code == 404
    assert client.get(url).status_code == 401
