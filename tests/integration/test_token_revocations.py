"""Access tokens stop at once when an administrator changes a member's roles or completes
their deletion (common/revocations.py), against the real Redis."""

from __future__ import annotations

import time
import uuid

import pytest
from redis import Redis

from common.revocations import RevokedTokens, revoke
from devtools.suite import free_port

PASSWORD = "correct horse battery"


@pytest.fixture
def client(gateway_app):
    return gateway_app.test_client()


def signed_in(client, username: str) -> tuple[str, dict[str, str]]:
    body = {"username": username, "password": PASSWORD, "display_name": username}
    created = client.post("/api/v1/auth/register", json=body)
    assert created.status_code == 201, created.json
    return created.json["id"], bearer_of(client, username)


def bearer_of(client, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.json
    return {"Authorization": f"Bearer {answer.json['access_token']}"}


def test_a_coordinator_whose_roles_are_taken_loses_them_at_once(client, auth_header):
    user_id, _ = signed_in(client, "grid.worker")
    admin = auth_header(roles=["admin"])
    grant = {"roles": ["member", "coordinator"], "organization_ids": [str(uuid.uuid4())]}
    roles = f"/api/v1/users/{user_id}/roles"
    assert client.put(roles, json=grant, headers=admin).status_code == 200
    coordinator = bearer_of(client, "grid.worker")
    assert "coordinator" in client.get("/api/v1/me", headers=coordinator).json["roles"]

    taken = {"roles": ["member"], "organization_ids": []}
    assert client.put(roles, json=taken, headers=admin).status_code == 200
    refused = client.get("/api/v1/me", headers=coordinator)
    assert refused.status_code == 401 and refused.json["type"].endswith("/invalid-token")
    # signing in again, in the same second, gives a token that works, with the new roles
    member = bearer_of(client, "grid.worker")
    assert client.get("/api/v1/me", headers=member).json["roles"] == ["member"]


def test_a_deleted_members_token_stops_at_the_gateway(client, auth_header):
    _, member = signed_in(client, "leaving.soon")
    asked = client.post("/api/v1/me/deletion-request", headers=member)
    assert asked.status_code == 202
    admin = auth_header(roles=["admin"])
    url = f"/api/v1/admin/deletion-requests/{asked.json['id']}/complete"
    assert client.post(url, headers=admin).status_code == 200
    # refused by the forwarder before any service is asked, and by the gateway's own views
    balance = client.get("/api/v1/points/balance", headers=member)
    assert balance.status_code == 401 and balance.json["type"].endswith("/invalid-token")
    assert client.get("/api/v1/me", headers=member).status_code == 401


def test_only_tokens_issued_before_the_revocation_stop(redis_client):
    redis = redis_client
    member, other = uuid.uuid4(), uuid.uuid4()
    before_ms = int(time.time() * 1000) - 1
    revoke(redis, member, keep_seconds=900)
    after_ms = int(time.time() * 1000) + 1
    revoked = RevokedTokens(lambda: redis, window=900, refresh=0)
    assert revoked.revoked(member, before_ms)
    assert not revoked.revoked(member, after_ms)
    assert not revoked.revoked(other, before_ms)


def test_when_redis_cannot_be_read_the_last_copy_stands(redis_client):
    redis = redis_client
    member = uuid.uuid4()
    revoke(redis, member, keep_seconds=900)
    now_ms = int(time.time() * 1000)
    source = [redis]
    revoked = RevokedTokens(lambda: source[0], window=900, refresh=0)
    assert revoked.revoked(member, now_ms - 1000)
    source[0] = Redis(port=free_port(), socket_connect_timeout=1)  # nothing listens there
    assert revoked.revoked(member, now_ms - 1000)  # no error, and still revoked
    never_read = RevokedTokens(lambda: source[0], window=900, refresh=0)
    assert not never_read.revoked(member, now_ms - 1000)  # nothing known: tokens work


def test_old_entries_are_forgotten(redis_client):
    redis = redis_client
    member = uuid.uuid4()
    revoke(redis, member, keep_seconds=900)
    revoke(redis, uuid.uuid4(), keep_seconds=0)  # prunes everything up to now
    assert redis.zscore("civic:tokens:revoked", str(member)) is None
