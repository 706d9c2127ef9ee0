"""The gateway's identity endpoints, in process, against real PostgreSQL and Redis."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from common.problems import PROBLEM_MEDIA_TYPE

PASSWORD = "correct horse battery"


@pytest.fixture
def client(gateway_app):
    return gateway_app.test_client()


def register(client, username="alice", password=PASSWORD, display_name="Alice"):
    return client.post(
        "/api/v1/auth/register",
        json={"username": username, "password": password, "display_name": display_name},
    )


def login(client, username="alice", password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_register_login_me(client):
    created = register(client)
    assert created.status_code == 201
    assert created.json["roles"] == ["member"]
    assert "password" not in created.json and "password_hash" not in created.json

    tokens = login(client)
    assert tokens.status_code == 200
    assert tokens.json["token_type"] == "Bearer"
    assert tokens.json["expires_in"] > 0

    me = client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {tokens.json['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json["id"] == created.json["id"]
    assert me.json["username"] == "alice"
    assert me.json["display_name"] == "Alice"


def test_username_taken_regardless_of_case(client):
    assert register(client).status_code == 201
    again = register(client, username="ALICE")
    assert again.status_code == 409
    assert again.content_type == PROBLEM_MEDIA_TYPE
    assert again.json["type"].endswith("/username-taken")


def test_one_name_registered_at_once_by_eight_makes_one_account(gateway_app):
    barrier = threading.Barrier(8)

    def attempt(n: int) -> int:
        client = gateway_app.test_client()
        barrier.wait()
        return register(client, username="Bob" if n % 2 else "bob").status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(attempt, range(8)))
    # the unique index decides at the use case's flush; the losers' rows roll back
    assert statuses == [201] + [409] * 7
    assert login(gateway_app.test_client(), "bob").status_code == 200


def test_wrong_password_and_unknown_user_are_401(client):
    register(client)
    assert login(client, password="wrong password").status_code == 401
    assert login(client, username="nobody").status_code == 401


def test_validation_errors_name_their_fields(client):
    response = client.post(
        "/api/v1/auth/register", json={"username": "x", "password": "short", "display_name": ""}
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"username", "password", "display_name"}


def test_malformed_json_is_400(client):
    response = client.post(
        "/api/v1/auth/register", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.content_type == PROBLEM_MEDIA_TYPE


def test_refresh_token_works_once_and_reuse_revokes_the_family(client):
    register(client)
    first = login(client).json
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json["refresh_token"] != first["refresh_token"]

    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    # the reuse looks like theft: the newer token of the same login is revoked too
    stolen = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": second.json["refresh_token"]}
    )
    assert stolen.status_code == 401


def test_admin_sets_roles_member_cannot(client, auth_header):
    user = register(client).json
    body = {"roles": ["coordinator"], "organization_ids": [str(uuid.uuid4())]}
    forbidden = client.put(f"/api/v1/users/{user['id']}/roles", json=body, headers=auth_header())
    assert forbidden.status_code == 403

    admin = auth_header(roles=["admin"])
    updated = client.put(f"/api/v1/users/{user['id']}/roles", json=body, headers=admin)
    assert updated.status_code == 200
    assert updated.json["roles"] == ["member", "coordinator"]
    assert updated.json["organization_ids"] == body["organization_ids"]

    token = login(client).json["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["roles"] == ["member", "coordinator"]

    unknown = client.put(
        f"/api/v1/users/{user['id']}/roles", json={"roles": ["king"]}, headers=admin
    )
    assert unknown.status_code == 422
    missing = client.put(f"/api/v1/users/{uuid.uuid4()}/roles", json=body, headers=admin)
    assert missing.status_code == 404
    malformed = client.put("/api/v1/users/not-a-uuid/roles", json=body, headers=admin)
    assert malformed.status_code == 404


def test_create_user_command(gateway_app):
    runner = gateway_app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "root", "--password", "s3cret-enough", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    assert "admin" in result.output
    client = gateway_app.test_client()
    token = login(client, "root", "s3cret-enough").json["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["roles"] == ["member", "admin"]
