"""A report queued on a phone without signal and sent later: the same key is the same
report, and the time the hazard was seen is kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.integration.volunteers.helpers import report


def test_a_resend_with_the_same_key_is_the_same_report(client, world):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    seen = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    body = {
        "category": "broken_street_light",
        "description": "lamp out",
        "lat": 31.2304,
        "lng": 121.4737,
        "observed_at": seen.isoformat(),
    }
    first = client.post("/api/v1/reports", json=body, headers={**world.rider.headers, **key})
    assert first.status_code == 201, first.json
    again = client.post("/api/v1/reports", json=body, headers={**world.rider.headers, **key})
    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json["id"] == first.json["id"]
    assert datetime.fromisoformat(first.json["observed_at"]) == seen
    mine = client.get("/api/v1/reports?mine=true", headers=world.rider.headers).json["items"]
    assert [r["id"] for r in mine] == [first.json["id"]]


def test_without_a_key_or_a_time_nothing_changes(client, world):
    answer = report(client, world.rider)
    assert answer.status_code == 201
    assert answer.json["observed_at"] is None


def test_a_hazard_cannot_be_seen_in_the_future(client, world):
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    answer = report(client, world.rider, observed_at=later)
    assert answer.status_code == 422
    assert "observed_at" in answer.json["errors"]
    naive = report(client, world.rider, observed_at="2026-01-01T10:00:00")
    assert naive.status_code == 422
