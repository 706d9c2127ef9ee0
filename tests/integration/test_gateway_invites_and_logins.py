"""A registration drive on one Wi-Fi, and a login limiter that slows guesses (issue 11)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from gateway.usecases import logins
from tests.helpers.databases import engine_for
from tests.helpers.parallel import in_parallel

PASSWORD = "correct horse battery"
ORG = uuid.uuid4()


@pytest.fixture
def client(gateway_app):
    return gateway_app.test_client()


@pytest.fixture
def coordinator(auth_header):
    return auth_header(roles=["member", "coordinator"], orgs=[ORG])


def register(client, username, invite_code=None):
    body = {"username": username, "password": PASSWORD, "display_name": username}
    if invite_code is not None:
        body["invite_code"] = invite_code
    return client.post("/api/v1/auth/register", json=body)


def invite(client, header, uses=100, organization_id=ORG, hours=2):
    expires_at = (datetime.now(UTC) + timedelta(hours=hours)).isoformat()
    return client.post(
        "/api/v1/auth/invites",
        json={"organization_id": str(organization_id), "uses": uses, "expires_at": expires_at},
        headers=header,
    )


def test_without_a_code_the_per_address_limit_applies(client):
    statuses = [register(client, f"rider{n}").status_code for n in range(21)]
    assert statuses == [201] * 20 + [429]


def test_a_hundred_riders_register_from_one_address_with_an_invite(client, coordinator):
    created = invite(client, coordinator)
    assert created.status_code == 201, created.json
    code = created.json["code"]
    assert created.json["uses"] == 100 and created.json["used"] == 0
    statuses = [register(client, f"rider{n}", code).status_code for n in range(100)]
    assert statuses == [201] * 100
    # used up: the next one is refused, and does not fall back to a free pass
    used_up = register(client, "rider100", code)
    assert used_up.status_code == 422 and "invite_code" in used_up.json["errors"]
    qr = client.get(created.json["qr_svg_url"], headers=coordinator)
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert b"<svg" in qr.data


def test_who_may_make_an_invite(client, auth_header, coordinator):
    assert invite(client, auth_header()).status_code == 403  # a member
    # a coordinator only for an organisation of theirs; an admin for any
    assert invite(client, coordinator, organization_id=uuid.uuid4()).status_code == 403
    admin = auth_header(roles=["admin"])
    assert invite(client, admin, organization_id=uuid.uuid4()).status_code == 201
    assert invite(client, coordinator, hours=-1).status_code == 422
    assert invite(client, coordinator, uses=0).status_code == 422


def test_an_expired_or_unknown_code_is_refused(client, coordinator):
    assert register(client, "rider", "NOSUCHCODE").status_code == 422
    code = invite(client, coordinator, hours=1).json["code"]
    with engine_for("gateway").begin() as connection:
        connection.execute(
            sa.text("UPDATE invites SET expires_at = now() - interval '1 second' WHERE code = :c"),
            {"c": code},
        )
    assert register(client, "rider", code).status_code == 422


def test_concurrent_registrations_never_overdraw_an_invite(gateway_app, coordinator):
    code = invite(gateway_app.test_client(), coordinator, uses=3).json["code"]

    def one(i: int) -> int:
        return register(gateway_app.test_client(), f"racer{i}", code).status_code

    statuses = in_parallel(8, one)
    assert sorted(statuses) == [201] * 3 + [422] * 5


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(logins, "now", lambda: now[0])
    return now


def login(client, password="wrong guess"):
    return client.post("/api/v1/auth/token", json={"username": "owner", "password": password})


def test_wrong_guesses_are_slowed_progressively_not_locked_out(client, clock):
    assert register(client, "owner").status_code == 201
    assert [login(client).status_code for _ in range(5)] == [401] * 5
    waits = []
    for _ in range(4):
        refused = login(client)
        assert refused.status_code == 429
        assert refused.json["type"].endswith("/too-many-login-attempts")
        wait = int(refused.headers["Retry-After"])
        waits.append(wait)
        clock[0] += wait
        assert login(client).status_code == 401  # one more guess once the wait is over
    assert waits == [1, 2, 4, 8]
    # the owner, after the current wait, gets in, and the slate is clean again
    clock[0] += int(login(client).headers["Retry-After"])
    assert login(client, PASSWORD).status_code == 200
    assert login(client).status_code == 401


def test_concurrent_wrong_guesses_are_counted_exactly(gateway_app, clock, redis_client):
    client = gateway_app.test_client()
    assert register(client, "owner").status_code == 201

    def guess(_: int) -> int:
        return login(gateway_app.test_client()).status_code

    statuses = in_parallel(20, guess)
    # five free guesses, then one per growing wait: however they race, no more get through
    assert sorted(statuses) == [401] * 5 + [429] * 15
    assert logins.failures(redis_client, "owner") == 5
