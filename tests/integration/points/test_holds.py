"""The internal holds API: reserve, capture, release, expire; idempotent; service-only."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.helpers.points_db import points_engine

HOLDS = "/internal/v1/points/holds"


def place(client, header, member, amount, key=None, **extra):
    return client.post(
        HOLDS,
        json={"member_id": str(member), "amount": amount, "reference": "redemption:1", **extra},
        headers={**header, "Idempotency-Key": str(uuid.uuid4()) if key is None else key},
    )


def test_a_hold_reserves_points_and_a_capture_spends_them(
    client, admin, service_header, balance_of, reconciled, grant
):
    member = uuid.uuid4()
    grant(member, 100)
    placed = place(client, service_header, member, 30, description="a health check")
    assert placed.status_code == 201
    hold = placed.json["hold"]
    assert hold["status"] == "active" and hold["amount"] == 30
    assert (placed.json["balance"]["available"], placed.json["balance"]["held"]) == (70, 30)
    captured = client.post(f"{HOLDS}/{hold['id']}/capture", headers=service_header)
    assert captured.status_code == 200
    assert captured.json["hold"]["status"] == "captured"
    assert (captured.json["balance"]["available"], captured.json["balance"]["held"]) == (70, 0)
    again = client.post(f"{HOLDS}/{hold['id']}/capture", headers=service_header)
    assert again.status_code == 200 and again.json == captured.json
    late_release = client.post(f"{HOLDS}/{hold['id']}/release", headers=service_header)
    assert late_release.status_code == 409
    assert late_release.json["type"].endswith("hold-not-active")
    assert balance_of(member)["available"] == 70
    assert reconciled()["ok"]


def test_a_release_gives_the_points_back(client, admin, service_header, balance_of, grant):
    member = uuid.uuid4()
    grant(member, 50)
    hold = place(client, service_header, member, 50).json["hold"]
    released = client.post(f"{HOLDS}/{hold['id']}/release", headers=service_header)
    assert released.status_code == 200 and released.json["hold"]["status"] == "released"
    assert client.post(f"{HOLDS}/{hold['id']}/release", headers=service_header).status_code == 200
    assert client.post(f"{HOLDS}/{hold['id']}/capture", headers=service_header).status_code == 409
    balance = balance_of(member)
    assert (balance["available"], balance["held"]) == (50, 0)
    assert balance["expiring"][0]["points"] == 50


def test_a_hold_beyond_the_available_points_is_a_409(client, admin, service_header, grant):
    member = uuid.uuid4()
    grant(member, 10)
    response = place(client, service_header, member, 11)
    assert response.status_code == 409
    assert response.json["type"].endswith("insufficient-points")
    assert response.json["available"] == 10


def test_the_same_key_replays_and_another_body_is_a_422(client, admin, service_header, grant):
    member = uuid.uuid4()
    grant(member, 100)
    first = place(client, service_header, member, 20, key="redemption-7", ttl_seconds=600)
    again = place(client, service_header, member, 20, key="redemption-7", ttl_seconds=600)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["hold"]["id"] == first.json["hold"]["id"]
    assert again.json["balance"]["held"] == 20
    other = place(client, service_header, member, 25, key="redemption-7", ttl_seconds=600)
    assert other.status_code == 422
    assert place(client, service_header, member, 5, key="").status_code == 400


def test_holds_need_a_service_credential(client, auth_header, admin):
    member = uuid.uuid4()
    assert place(client, {}, member, 1).status_code == 401
    assert place(client, admin, member, 1).status_code == 401
    assert place(client, {"Authorization": "Service wrong"}, member, 1).status_code == 401


def test_a_deadline_must_be_ahead(client, admin, service_header, grant):
    member = uuid.uuid4()
    grant(member, 10)
    past = place(client, service_header, member, 1, deadline="2020-01-01T00:00:00Z")
    assert past.status_code == 422 and "deadline" in past.json["errors"]


def test_overdue_holds_are_released_by_the_scheduled_job(
    client, admin, service_header, points_app, balance_of, reconciled, grant
):
    from services.points import jobs

    member = uuid.uuid4()
    grant(member, 60)
    overdue = place(client, service_header, member, 20).json["hold"]
    current = place(client, service_header, member, 15).json["hold"]
    with points_engine().begin() as c:  # holds are state, not journal
        c.execute(
            sa.text("UPDATE holds SET deadline = now() - interval '1 second' WHERE id = :id"),
            {"id": overdue["id"]},
        )
    with points_app.app_context():
        assert jobs.expire_holds.__wrapped__() == 1
        assert jobs.expire_holds.__wrapped__() == 0
    got = client.get(f"{HOLDS}/{overdue['id']}", headers=service_header).json["hold"]
    assert got["status"] == "expired"
    late = client.post(f"{HOLDS}/{overdue['id']}/capture", headers=service_header)
    assert late.status_code == 409
    assert (
        client.get(f"{HOLDS}/{current['id']}", headers=service_header).json["hold"]["status"]
        == "active"
    )
    balance = balance_of(member)
    assert (balance["available"], balance["held"]) == (45, 15)
    assert reconciled()["ok"]


def test_unknown_holds_are_404(client, service_header):
    assert client.post(f"{HOLDS}/{uuid.uuid4()}/capture", headers=service_header).status_code == 404
    assert client.get(f"{HOLDS}/{uuid.uuid4()}", headers=service_header).status_code == 404


def test_a_ttl_beyond_what_a_date_can_hold_is_a_422_not_a_500(client, admin, service_header, grant):
    member = uuid.uuid4()
    grant(member, 10)
    for ttl in (10**12, 10**30):
        response = place(client, service_header, member, 1, ttl_seconds=ttl)
        assert response.status_code == 422, (ttl, response.json)
        assert response.json["type"].endswith("validation-error")
    assert place(client, service_header, member, 1, ttl_seconds=60).status_code == 201


def test_a_retry_after_the_deadline_replays_the_hold_it_made(
    client, admin, service_header, monkeypatch, grant
):
    from datetime import UTC, datetime, timedelta

    from services.points.usecases import clock

    member = uuid.uuid4()
    grant(member, 50)
    deadline = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    first = place(client, service_header, member, 20, key="redemption:late", deadline=deadline)
    assert first.status_code == 201
    later = datetime.now(UTC) + timedelta(minutes=10)  # the retry comes after the deadline
    monkeypatch.setattr(clock, "now_utc", lambda: later)
    again = place(client, service_header, member, 20, key="redemption:late", deadline=deadline)
    assert again.status_code == 201, again.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["hold"]["id"] == first.json["hold"]["id"]
    other = place(client, service_header, member, 25, key="redemption:late", deadline=deadline)
    assert other.status_code == 422
    assert other.json["type"].endswith("idempotency-key-reused")


def test_a_hold_past_its_deadline_cannot_be_captured_even_before_the_job_runs(
    client, admin, service_header, balance_of, points_app, reconciled, grant
):
    from services.points import jobs

    member = uuid.uuid4()
    grant(member, 40)
    hold = place(client, service_header, member, 40, ttl_seconds=600).json["hold"]
    with points_engine().begin() as connection:
        connection.execute(
            sa.text("UPDATE holds SET deadline = now() - interval '1 second' WHERE id = :id"),
            {"id": hold["id"]},
        )
    late = client.post(f"{HOLDS}/{hold['id']}/capture", headers=service_header)
    assert late.status_code == 409
    assert late.json["type"].endswith("hold-not-active") and late.json["status"] == "expired"
    assert (balance_of(member)["available"], balance_of(member)["held"]) == (0, 40)
    with points_app.app_context():
        assert jobs.expire_holds.__wrapped__() == 1
    assert (balance_of(member)["available"], balance_of(member)["held"]) == (40, 0)
    assert reconciled()["ok"]
