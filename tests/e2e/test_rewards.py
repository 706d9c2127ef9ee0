"""Rewards through the gateway with every process real: a member's request holds points at
the points service, administrators decide, vouchers are checked once."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers.rewards_world import RewardsWorld


@pytest.fixture
def world(live, make_token):
    return RewardsWorld(live, make_token)


def test_a_150_point_member_asks_for_a_100_point_childcare_place(world):
    reward = world.reward(stock=5, approvers_needed=1)
    member_id, member = world.person()
    world.fund(member_id, 150)
    key = str(uuid.uuid4())
    asked = world.ask(member, reward["id"], key)
    assert asked.status == 201, asked.body
    assert (asked.json["status"], asked.json["points_held"]) == ("pending", 100)
    balance = world.balance(member_id)
    assert (balance["available"], balance["held"]) == (50, 100)
    again = world.ask(member, reward["id"], key)
    assert again.status == 201 and again.json["id"] == asked.json["id"]
    rid = asked.json["id"]
    assert world.act(rid, "approve", member).status == 403
    _, stranger = world.person()
    assert world.call("GET", f"/api/v1/redemptions/{rid}", token=stranger).status == 404
    assert world.call("GET", "/api/v1/redemptions", token=stranger).json["items"] == []
    approved = world.act(rid, "approve", world.admin)
    assert approved.status == 200 and approved.json["status"] == "approved"
    code = approved.json["voucher_code"]
    assert world.balance(member_id)["held"] == 0 and world.balance(member_id)["available"] == 50
    assert world.act(rid, "approve", world.second_admin).status == 409
    svg = world.call("GET", f"/api/v1/redemptions/{rid}/voucher.svg", token=member)
    assert svg.status == 200 and svg.body.lstrip().startswith(b"<?xml")
    checked = world.call("GET", f"/api/v1/vouchers/{code}", token=world.admin)
    assert checked.json["status"] == "valid" and "member_id" not in checked.json
    assert world.call("POST", f"/api/v1/vouchers/{code}/redeem", token=world.admin).status == 200
    assert world.call("GET", f"/api/v1/vouchers/{code}", token=world.admin).json["status"] == "used"
    assert world.call("POST", f"/api/v1/vouchers/{code}/redeem", token=world.admin).status == 409


def test_rejection_and_cancellation_give_the_points_back(world):
    reward = world.reward(stock=5, approvers_needed=1)
    member_id, member = world.person()
    world.fund(member_id, 200)
    first = world.ask(member, reward["id"]).json["id"]
    second = world.ask(member, reward["id"]).json["id"]
    assert world.balance(member_id)["available"] == 0
    rejected = world.act(first, "reject", world.admin, {"reason": "places are for parents"})
    assert rejected.status == 200 and rejected.json["status"] == "rejected"
    cancelled = world.act(second, "cancel", member)
    assert cancelled.status == 200 and cancelled.json["status"] == "cancelled"
    balance = world.balance(member_id)
    assert (balance["available"], balance["held"]) == (200, 0)


def test_a_two_approver_reward_needs_two_different_administrators(world):
    reward = world.reward(stock=1, approvers_needed=2, category="rental_housing")
    member_id, member = world.person()
    world.fund(member_id, 100)
    rid = world.ask(member, reward["id"]).json["id"]
    assert world.act(rid, "approve", world.admin).json["status"] == "pending"
    assert world.act(rid, "approve", world.admin).status == 409
    assert world.act(rid, "approve", world.second_admin).json["status"] == "approved"
