"""Deletion through the gateway with every process real: the member asks, an admin
completes, the relay carries member.deleted, and the volunteers service anonymises."""

from __future__ import annotations

import uuid

from tests.helpers.gateway_client import Gateway


def test_a_deleted_member_is_anonymised_across_services(live, make_token):
    gw = Gateway(live.url())
    account = gw.sign_up("leaving.rider")
    member_token = account["access_token"]
    body = {"display_name": "张小明", "rider": {"platform": "meituan", "rider_id": "MT-7654321"}}
    assert gw.put("/api/v1/me/profile", body, token=member_token).status == 200

    asked = gw.post("/api/v1/me/deletion-request", None, token=member_token)
    assert asked.status == 202, asked.body
    admin = make_token(roles=["admin"], user_id=uuid.uuid4(), username="admin")
    done = gw.post(
        f"/api/v1/admin/deletion-requests/{asked.json['id']}/complete", None, token=admin
    )
    assert done.status == 200, done.body
    tombstone = done.json["tombstone"]
    live.wait_idle()  # relayed from the gateway's outbox and consumed

    profile = gw.get(f"/api/v1/members/{account['id']}", token=admin)
    assert profile.status == 200, profile.body
    assert profile.json["display_name"] == tombstone
    assert profile.json["rider"] is None
    wrong = gw.post(
        "/api/v1/auth/token", {"username": "leaving.rider", "password": account["password"]}
    )
    assert wrong.status == 401
