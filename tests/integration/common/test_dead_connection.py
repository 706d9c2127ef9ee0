"""No ping per request: a pooled connection the server closed costs one retry, not an error."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
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


# a GET that reads through the session (the hot reads have their own connections, below)
SESSION_READ = "/api/v1/points/parked-events"


def _one_pooled_connection(app) -> None:
    """An empty pool, so that the next request's connection is the one it checks out next
    (earlier tests using the same app leave several idle ones, handed out in turn)."""
    app.extensions["database"].engine.dispose()


def test_a_read_on_a_killed_connection_still_answers(points_app, auth_header):
    _one_pooled_connection(points_app)
    client = points_app.test_client()
    headers = auth_header(roles=["admin"])
    with backends_used(points_app) as before:
        assert client.get(SESSION_READ, headers=headers).status_code == 200
    assert before
    terminate(before)
    with backends_used(points_app) as after:
        response = client.get(SESSION_READ, headers=headers)
    assert response.status_code == 200, response.json
    assert len(after) == 2 and after[1] not in before  # the dead one, then a new one


def test_a_write_on_a_killed_connection_happens_once(points_app, auth_header):
    _one_pooled_connection(points_app)
    client = points_app.test_client()
    admin = auth_header(roles=["admin"])
    member = uuid.uuid4()
    with backends_used(points_app) as before:
        assert client.get(SESSION_READ, headers=admin).status_code == 200
    terminate(before)
    response = client.post(
        "/api/v1/points/adjustments",
        json={"member_id": str(member), "amount": 7, "reason": "after a restart"},
        headers={**admin, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.json
    balance = client.get(f"/api/v1/points/balance?member_id={member}", headers=admin).json
    assert balance["available"] == 7


def test_a_hot_read_on_a_killed_connection_still_answers(points_app, auth_header):
    """The balance reads on its thread's own connection (common/reads.py): killed, it is
    opened anew and the SELECT sent once more."""
    client = points_app.test_client()
    headers = auth_header(roles=["member"])
    reads = points_app.extensions["database"].reads
    assert client.get("/api/v1/points/balance", headers=headers).status_code == 200
    before = [c.info.backend_pid for c in reads.connections()]
    assert before
    terminate(before)
    response = client.get("/api/v1/points/balance", headers=headers)
    assert response.status_code == 200, response.json
    after = [c.info.backend_pid for c in reads.connections()]
    assert after and not set(after) & set(before)


def test_a_failing_hot_read_is_not_sent_twice(points_app):
    """A statement the server refuses is the caller's error, on a connection still good."""
    reads = points_app.extensions["database"].reads
    sent: list[str] = []
    reads.on_connect.append(lambda connection: sent.append("connect"))
    try:
        with pytest.raises(psycopg.errors.DivisionByZero):
            reads.one("SELECT 1 / 0")
        assert reads.one("SELECT 2") == (2,)
        assert len(sent) <= 1  # at most this thread's first connection: no reconnection
    finally:
        reads.on_connect.clear()
