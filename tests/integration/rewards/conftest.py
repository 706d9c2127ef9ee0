"""Fixtures for the rewards service against real PostgreSQL and Redis, with the points
service answering real HTTP on a local port (rewards holds points only over HTTP)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from services.rewards import create_app

Headers = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def points_server(points_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, points_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def rewards(points_server) -> Iterator[Any]:
    """The rewards app, placing its holds with the points service on ``points_server``."""
    app = create_app({"TESTING": True, "POINTS_URL": points_server})
    yield app
    app.extensions["database"].engine.dispose()
    app.extensions["redis"].close()


@pytest.fixture
def client(rewards):
    return rewards.test_client()


@pytest.fixture
def points_client(points_app):
    return points_app.test_client()


class People:
    """Signed-in callers: ``people.member()`` makes a member with a fresh id."""

    def __init__(self, make_token: Callable[..., str]) -> None:
        self.make_token = make_token
        self.admin_id = uuid.uuid4()
        self.admin = self.headers(["reward_admin"], self.admin_id)
        self.second_admin_id = uuid.uuid4()
        self.second_admin = self.headers(["reward_admin"], self.second_admin_id)
        self.root = self.headers(["admin"], uuid.uuid4())

    def headers(self, roles: list[str], user_id: uuid.UUID) -> dict[str, str]:
        token = self.make_token(roles=roles, user_id=user_id)
        return {"Authorization": f"Bearer {token}"}

    def member(self, *roles: str) -> tuple[uuid.UUID, dict[str, str]]:
        member_id = uuid.uuid4()
        return member_id, self.headers(["member", *roles], member_id)


@pytest.fixture
def people(make_token) -> People:
    return People(make_token)


CHILDCARE = {"name": "托育名额", "name_en": "Childcare place", "category": "childcare", "cost": 100}


@pytest.fixture
def new_reward(client, people) -> Callable[..., dict[str, Any]]:
    def create(**terms: Any) -> dict[str, Any]:
        response = client.post("/api/v1/rewards", json={**CHILDCARE, **terms}, headers=people.admin)
        assert response.status_code == 201, response.json
        return response.json

    return create


@pytest.fixture
def fund(points_client, auth_header) -> Callable[[uuid.UUID, int], None]:
    """Give a member points through the points service's own API (an adjustment)."""
    admin, second_admin = auth_header(roles=["admin"]), auth_header(roles=["admin"])

    def give(member_id: uuid.UUID, amount: int) -> None:
        response = points_client.post(
            "/api/v1/points/adjustments",
            json={"member_id": str(member_id), "amount": amount, "reason": "test funds"},
            headers={**admin, "Idempotency-Key": str(uuid.uuid4())},
        )
        if response.status_code == 202:  # a large one waits for a second admin
            pending = response.json["id"]
            response = points_client.post(
                f"/api/v1/points/adjustments/{pending}/approve", headers=second_admin
            )
            assert response.status_code == 200, response.json
            return
        assert response.status_code == 201, response.json

    return give


@pytest.fixture
def balance(points_client, auth_header) -> Callable[[uuid.UUID], dict[str, Any]]:
    admin = auth_header(roles=["admin"])

    def read(member_id: uuid.UUID) -> dict[str, Any]:
        response = points_client.get(f"/api/v1/points/balance?member_id={member_id}", headers=admin)
        assert response.status_code == 200, response.json
        return response.json

    return read
