"""Races on real PostgreSQL, and the job that reconciles redemptions with their holds."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from services.rewards import jobs
from tests.helpers.databases import engine_for


def _race(n: int, attempt) -> list:
    barrier = threading.Barrier(n)
    answers: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = attempt(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def _ask(rewards, member, reward_id):
    return rewards.test_client().post(
        "/api/v1/redemptions",
        json={"reward_id": reward_id},
        headers={**member, "Idempotency-Key": str(uuid.uuid4())},
    )


def _scalar(sql: str, **params):
    with engine_for("rewards").connect() as connection:
        return connection.execute(sa.text(sql), params).scalar_one()


def test_24_members_racing_for_3_places_get_exactly_3(
    rewards, people, new_reward, fund, balance, points_client, auth_header
):
    reward = new_reward(stock=3, approvers_needed=1)
    members = [people.member() for _ in range(24)]
    for member_id, _ in members:
        fund(member_id, 100)
    answers = _race(24, lambda i: _ask(rewards, members[i][1], reward["id"]))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 3 + [409] * 21, [a.json for a in answers if a.status_code >= 500]
    assert all(a.json["type"].endswith("out-of-stock") for a in answers if a.status_code == 409)
    assert _scalar("SELECT stock_remaining FROM rewards WHERE id = :id", id=reward["id"]) == 0
    held = sorted(balance(member_id)["held"] for member_id, _ in members)
    assert held == [0] * 21 + [100] * 3
    assert _scalar("SELECT count(*) FROM redemptions WHERE status = 'pending'") == 3
    assert _ledger_ok(points_client, auth_header)


def _ledger_ok(points_client, auth_header) -> bool:
    report = points_client.get("/api/v1/points/reconcile", headers=auth_header(roles=["admin"]))
    return report.json["ok"] is True


def test_one_member_firing_10_requests_with_250_points_gets_exactly_2(
    rewards, people, new_reward, fund, balance, points_client, auth_header
):
    reward = new_reward(stock=10)
    member_id, member = people.member()
    fund(member_id, 250)
    answers = _race(10, lambda _: _ask(rewards, member, reward["id"]))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 2 + [409] * 8, [a.json for a in answers]
    assert all(
        a.json["type"].endswith("insufficient-points") for a in answers if a.status_code == 409
    )
    assert balance(member_id)["available"] == 50
    assert _scalar("SELECT stock_remaining FROM rewards WHERE id = :id", id=reward["id"]) == 8
    assert _scalar("SELECT count(*) FROM redemptions WHERE status = 'approved'") == 2
    assert _ledger_ok(points_client, auth_header)


def _age(sql: str, **params) -> None:
    with engine_for("rewards").begin() as connection:
        connection.execute(sa.text(sql), params)


def test_an_intent_left_by_a_crash_after_its_hold_is_released(
    rewards, people, new_reward, fund, balance
):
    """The state a kill -9 between the hold and the commit leaves: a placing row whose
    hold exists at points. The job replays the key, releases the hold, returns the stock."""
    reward = new_reward(stock=1, approvers_needed=1)
    member_id, member = people.member()
    fund(member_id, 100)
    rid = _ask(rewards, member, reward["id"]).json["id"]
    _age(
        "UPDATE redemptions SET status = 'placing', hold_id = NULL, "
        "updated_at = now() - interval '1 hour' WHERE id = :id",
        id=rid,
    )
    assert balance(member_id)["held"] == 100
    with rewards.app_context():
        assert jobs.reconcile_now()["intents"] == 1
        assert jobs.reconcile_now() == {"intents": 0, "holding": 0}
    assert (balance(member_id)["available"], balance(member_id)["held"]) == (100, 0)
    assert _scalar("SELECT status FROM redemptions WHERE id = :id", id=rid) == "cancelled"
    assert _scalar("SELECT stock_remaining FROM rewards WHERE id = :id", id=reward["id"]) == 1


def test_pending_requests_past_their_deadline_or_whose_hold_ended_expire(
    rewards, people, new_reward, fund, balance, points_client
):
    reward = new_reward(stock=2, approvers_needed=1)
    member_id, member = people.member()
    fund(member_id, 200)
    late = _ask(rewards, member, reward["id"]).json["id"]
    ended = _ask(rewards, member, reward["id"]).json["id"]
    _age(
        "UPDATE redemptions SET deadline = :past WHERE id = :id",
        id=late,
        past=datetime.now(UTC) - timedelta(minutes=1),
    )
    hold_id = _scalar("SELECT hold_id FROM redemptions WHERE id = :id", id=ended)
    released = points_client.post(
        f"/internal/v1/points/holds/{hold_id}/release",
        headers={"Authorization": f"Service {os.environ['INTERNAL_API_TOKEN']}"},
    )
    assert released.status_code == 200
    with rewards.app_context():
        assert jobs.reconcile_now()["holding"] == 2
    statuses = {late: "expired", ended: "expired"}
    for rid, status in statuses.items():
        assert _scalar("SELECT status FROM redemptions WHERE id = :id", id=rid) == status
    assert (balance(member_id)["available"], balance(member_id)["held"]) == (200, 0)
    assert _scalar("SELECT stock_remaining FROM rewards WHERE id = :id", id=reward["id"]) == 2


def test_a_capture_that_did_not_finish_is_finished_by_the_job(
    rewards, people, new_reward, fund, balance
):
    reward = new_reward(approvers_needed=1)
    member_id, member = people.member()
    fund(member_id, 100)
    rid = _ask(rewards, member, reward["id"]).json["id"]
    _age(
        "INSERT INTO approvals (redemption_id, approver_id) VALUES (:id, :admin)",
        id=rid,
        admin=people.admin_id,
    )
    with rewards.app_context():
        assert jobs.reconcile_now()["holding"] == 1
    assert _scalar("SELECT status FROM redemptions WHERE id = :id", id=rid) == "approved"
    assert _scalar("SELECT count(*) FROM vouchers WHERE redemption_id = :id", id=rid) == 1
    assert (balance(member_id)["available"], balance(member_id)["held"]) == (0, 0)
