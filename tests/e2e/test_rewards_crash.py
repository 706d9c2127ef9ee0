"""kill -9 of the rewards service between the points hold and its own commit leaves no
orphan hold once the reconciling job has run (real processes: a rewards process set to
SIGKILL itself right after the hold, the suite's points service and worker)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from redis import Redis

from common.jobs import json_queue
from devtools.suite import WEB, Suite
from tests.helpers.databases import engine_for
from tests.helpers.gateway_client import Gateway
from tests.helpers.rewards_world import RewardsWorld, wait_for


def _one(sql: str, **params):
    with engine_for("rewards").connect() as connection:
        return connection.execute(sa.text(sql), params).one()


def test_a_crash_between_hold_and_commit_leaves_no_orphan_hold(live, make_token, tmp_path):
    world = RewardsWorld(live, make_token)
    reward = world.reward(stock=1, approvers_needed=1)
    member_id, member = world.person()
    world.fund(member_id, 150)
    crashing = Suite(
        tmp_path,
        web={"rewards": WEB["rewards"]},
        env={"REWARDS_FAULT_CRASH_AFTER_HOLD": "1", "POINTS_URL": live.url("points")},
    )
    try:
        crashing.start("redis")
        crashing.start("rewards")
        doomed = Gateway(crashing.url("rewards"))
        try:
            answer = doomed.post(
                "/api/v1/redemptions",
                {"reward_id": reward["id"], "form": {}},
                token=member,
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            status = answer.status
        except Exception:  # the process died with the request: no answer at all
            status = None
        assert status in (None, 502, 500), status
    finally:
        crashing.stop_all()
    left = _one(
        "SELECT id, status, stock_reserved FROM redemptions WHERE member_id = :m", m=member_id
    )
    assert left.status == "placing" and left.stock_reserved
    balance = world.balance(member_id)
    assert (balance["available"], balance["held"]) == (50, 100)  # the orphan, for now

    with engine_for("rewards").begin() as connection:  # the grace period has passed
        connection.execute(
            sa.text("UPDATE redemptions SET updated_at = now() - interval '1 hour' WHERE id = :id"),
            {"id": left.id},
        )
    job = json_queue("rewards", Redis.from_url(live.redis_url)).enqueue(
        "services.rewards.jobs.reconcile", result_ttl=60
    )
    wait_for(lambda: job.get_status(refresh=True) in ("finished", "failed"))
    assert job.get_status() == "finished", job.latest_result()
    assert job.return_value() == {"intents": 1, "holding": 0}
    balance = world.balance(member_id)
    assert (balance["available"], balance["held"]) == (150, 0)
    after = _one("SELECT status, stock_reserved FROM redemptions WHERE id = :id", id=left.id)
    assert after.status == "cancelled" and not after.stock_reserved
    stock = world.call("GET", f"/api/v1/rewards/{reward['id']}", token=member).json
    assert stock["stock_remaining"] == 1
