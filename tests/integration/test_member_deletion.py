"""A member asks to be deleted, an admin completes it: anonymised in every service (issue 11)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from common.app import session
from common.transaction import unit_of_work
from services.rewards.usecases import events as rewards_events
from services.volunteers.usecases import inbox as volunteers_inbox
from tests.helpers.databases import engine_for
from tests.helpers.points_events import envelope

PASSWORD = "correct horse battery"


@pytest.fixture
def client(gateway_app):
    return gateway_app.test_client()


def _signed_up(client, username="leaving.rider"):
    body = {"username": username, "password": PASSWORD, "display_name": "张小明"}
    created = client.post("/api/v1/auth/register", json=body)
    assert created.status_code == 201
    tokens = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert tokens.status_code == 200
    return created.json["id"], tokens.json


def _outbox(app_name: str) -> list:
    with engine_for(app_name).connect() as c:
        return c.execute(sa.text("SELECT type, subject, data FROM outbox ORDER BY position")).all()


def test_the_gateway_anonymises_the_account_and_tells_the_others(client, auth_header):
    user_id, tokens = _signed_up(client)
    me = {"Authorization": f"Bearer {tokens['access_token']}"}
    asked = client.post("/api/v1/me/deletion-request", headers=me)
    assert asked.status_code == 202 and asked.json["status"] == "requested"
    again = client.post("/api/v1/me/deletion-request", headers=me)
    assert again.json["id"] == asked.json["id"]
    assert client.get("/api/v1/admin/deletion-requests", headers=me).status_code == 403

    admin = auth_header(roles=["admin"])
    listed = client.get("/api/v1/admin/deletion-requests?status=requested", headers=admin)
    assert [r["id"] for r in listed.json["items"]] == [asked.json["id"]]
    url = f"/api/v1/admin/deletion-requests/{asked.json['id']}/complete"
    done = client.post(url, headers=admin)
    assert done.status_code == 200 and done.json["status"] == "completed"
    tombstone = done.json["tombstone"]
    assert tombstone.startswith("deleted-")

    # the name is gone, no password, refresh token or access token works
    with engine_for("gateway").connect() as c:
        names = c.execute(
            sa.text("SELECT username, display_name FROM users WHERE id = :id"), {"id": user_id}
        ).one()
    assert tuple(names) == (tombstone, tombstone)
    assert client.get("/api/v1/me", headers=me).status_code == 401
    login = {"username": "leaving.rider", "password": PASSWORD}
    assert client.post("/api/v1/auth/token", json=login).status_code == 401
    refresh = {"refresh_token": tokens["refresh_token"]}
    assert client.post("/api/v1/auth/refresh", json=refresh).status_code == 401
    # the name may be taken again by someone else
    assert _signed_up(client, "leaving.rider")[0] != user_id

    # completing twice changes nothing and emits once
    assert client.post(url, headers=admin).json["tombstone"] == tombstone
    emitted = [row for row in _outbox("gateway") if row.type == "member.deleted"]
    assert [(row.subject, row.data["tombstone"]) for row in emitted] == [(user_id, tombstone)]


def test_volunteers_clear_the_profile_and_keep_the_id(volunteers_app, auth_header):
    member = uuid.uuid4()
    client = volunteers_app.test_client()
    header = auth_header(user_id=member, roles=["rider"])
    body = {"display_name": "张小明", "rider": {"platform": "meituan", "rider_id": "MT-1234567"}}
    assert client.put("/api/v1/me/profile", json=body, headers=header).status_code == 200
    deleted = envelope("member.deleted", member, {"tombstone": "deleted-abc"})
    with volunteers_app.app_context(), unit_of_work(session()) as db:
        assert volunteers_inbox.handle_batch(db, [deleted, deleted]).applied == 1
    profile = client.get("/api/v1/me/profile", headers=header).json
    assert profile["display_name"] == "deleted-abc"
    assert profile["rider"] is None and profile["party"] is None
    assert profile["id"] == str(member)


def test_rewards_clear_form_answers_and_notifications(rewards_app):
    member = uuid.uuid4()
    approved = envelope("hours.approved", member, {"minutes": 60})
    deleted = envelope("member.deleted", member, {"tombstone": "deleted-abc"})
    with rewards_app.app_context():
        with unit_of_work(session()) as db:
            rewards_events.handle_batch(db, [approved])
        with engine_for("rewards").connect() as c:
            count = "SELECT count(*) FROM notifications WHERE member_id = :m"
            assert c.execute(sa.text(count), {"m": member}).scalar() == 1
        with unit_of_work(session()) as db:
            assert rewards_events.handle_batch(db, [deleted]).applied == 1
        with engine_for("rewards").connect() as c:
            assert c.execute(sa.text(count), {"m": member}).scalar() == 0
            # the standing (approved minutes) keeps its integrity under the id
            minutes = "SELECT lifetime_minutes FROM standings WHERE member_id = :m"
            assert c.execute(sa.text(minutes), {"m": member}).scalar() == 60
