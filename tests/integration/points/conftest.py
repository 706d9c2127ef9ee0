"""Helpers for the points service's tests against real PostgreSQL and Redis."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from services.points import jobs, services


def envelope(
    type: str,
    member_id: uuid.UUID,
    data: dict[str, Any] | None = None,
    *,
    occurred_at: datetime | None = None,
    event_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    when = occurred_at or datetime.now(UTC)
    return {
        "id": str(event_id or uuid.uuid4()),
        "type": type,
        "occurred_at": when.isoformat().replace("+00:00", "Z"),
        "subject": str(member_id),
        "data": {"member_id": str(member_id), **(data or {})},
    }


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
            from common.app import session

            report = services.reconcile(session())
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
