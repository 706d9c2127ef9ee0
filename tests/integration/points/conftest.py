"""Fixtures for the points service's tests against real PostgreSQL and Redis.

Helpers that are not fixtures live in ``tests/helpers`` (``points_events``,
``points_db``), so that no test module imports another.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from common.app import session
from services.points import jobs
from services.points.usecases import reconcile
from tests.helpers import points_db


@pytest.fixture(scope="session", autouse=True)
def _points_engine_disposed() -> Iterator[None]:
    yield
    points_db.dispose()


@pytest.fixture
def client(points_app):
    return points_app.test_client()


@pytest.fixture
def service_header() -> dict[str, str]:
    return {"Authorization": f"Service {os.environ['INTERNAL_API_TOKEN']}"}


@pytest.fixture
def admin(auth_header):
    return auth_header(roles=["admin"])


@pytest.fixture
def grant(client, admin) -> Callable[[uuid.UUID, int], None]:
    """Give a member points by an admin's adjustment."""

    def give(member: uuid.UUID, amount: int) -> None:
        response = client.post(
            "/api/v1/points/adjustments",
            json={"member_id": str(member), "amount": amount, "reason": "grant"},
            headers={**admin, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code == 201, response.json

    return give


@pytest.fixture
def run_batch(points_app):
    def run(envelopes: list[dict[str, Any]]) -> dict[str, int]:
        with points_app.app_context():
            return jobs.process_batch(envelopes)

    return run


@pytest.fixture
def set_rule(client, admin):
    def put(event_type: str, points: int, per: str = "event", daily_cap: int | None = None):
        response = client.put(
            f"/api/v1/points/rules/{event_type}",
            json={"points": points, "per": per, "daily_cap": daily_cap},
            headers=admin,
        )
        assert response.status_code == 200, response.json
        return response.json

    return put


@pytest.fixture
def reconciled(points_app):
    """Reconcile the whole ledger; the report as a dict."""

    def check() -> dict[str, Any]:
        with points_app.app_context():
            report = reconcile.reconcile(session())
            session().rollback()
            return report.as_dict()

    return check


@pytest.fixture
def balance_of(client, admin):
    def get(member_id: uuid.UUID) -> dict[str, Any]:
        response = client.get(f"/api/v1/points/balance?member_id={member_id}", headers=admin)
        assert response.status_code == 200
        return response.json

    return get
