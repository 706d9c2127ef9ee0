"""No ping per request: a pooled connection the server closed costs one retry, not an error."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import event

from tests.helpers.databases import engine_for


@contextmanager
def backends_used(app) -> Iterator[list[int]]:
    """The server process ids of the connections ``app`` checks out during the block."""
    pids: list[int] = []

    def checked_out(dbapi_connection, *args) -> None:
        pids.append(dbapi_connection.info.backend_pid)

    engine = app.extensions["database"].engine
    event.listen(engine, "checkout", checked_out)
    try:
        yield pids
    finally:
        event.remove(engine, "checkout", checked_out)


def terminate(pids: list[int]) -> None:
    with engine_for("points").connect() as connection:
        for pid in set(pids):
            # waits (up to 5 s) until the backend is gone
            assert connection.execute(
                sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}
            ).scalar()


def test_the_pool_does_not_ping(points_app):
    assert points_app.extensions["database"].engine.pool._pre_ping is False


def test_a_read_on_a_killed_connection_still_answers(points_app, auth_header):
    client = points_app.test_client()
    headers = auth_header(roles=["member"])
    with backends_used(points_app) as before:
        assert client.get("/api/v1/points/balance", headers=headers).status_code == 200
    terminate(before)
    with backends_used(points_app) as after:
        response = client.get("/api/v1/points/balance", headers=headers)
    assert response.status_code == 200, response.json
    assert len(after) == 2 and after[1] not in before  # the dead one, then a new one


def test_a_write_on_a_killed_connection_happens_once(points_app, auth_header):
    client = points_app.test_client()
    admin = auth_header(roles=["admin"])
    member = uuid.uuid4()
    with backends_used(points_app) as before:
        assert client.get("/api/v1/points/balance", headers=admin).status_code == 200
    terminate(before)
    response = client.post(
        "/api/v1/points/adjustments",
        json={"member_id": str(member), "amount": 7, "reason": "after a restart"},
        headers={**admin, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.json
    balance = client.get(f"/api/v1/points/balance?member_id={member}", headers=admin).json
    assert balance["available"] == 7
