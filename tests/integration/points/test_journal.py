"""The journal is append-only and hash-chained; reconcile says exactly what is off."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from tests.helpers.points_db import points_engine


def test_the_service_role_can_neither_update_nor_delete_the_journal(
    points_app, client, admin, grant
):
    grant(uuid.uuid4(), 10)
    engine = points_app.extensions["database"].engine
    for statement in ("UPDATE transfers SET amount = 1000", "DELETE FROM transfers"):
        with engine.connect() as c:
            assert c.execute(sa.text("SELECT current_user")).scalar() == "points_service"
            with pytest.raises(DBAPIError, match="permission denied"):
                c.execute(sa.text(statement))


def test_even_the_owner_cannot_rewrite_the_journal(client, admin, grant):
    grant(uuid.uuid4(), 10)
    for statement in ("UPDATE transfers SET amount = 1000", "DELETE FROM transfers"):
        with (
            points_engine().connect() as c,  # the superuser that ran the migrations
            pytest.raises(DBAPIError, match="append-only"),
        ):
            c.execute(sa.text(statement))


def _tamper(sql: str, **params) -> None:
    with points_engine().begin() as c:
        c.execute(sa.text("SET LOCAL session_replication_role = replica"))  # skips the trigger
        c.execute(sa.text(sql), params)


def test_reconcile_finds_a_rewritten_entry(client, admin, reconciled, grant):
    member = uuid.uuid4()
    grant(member, 10)
    grant(member, 20)
    assert reconciled()["ok"]
    _tamper(
        "UPDATE transfers SET description = 'forged' WHERE seq = 1 AND member_id = :m", m=member
    )
    report = reconciled()
    assert not report["ok"]
    assert {(p["account"], p["check"]) for p in report["problems"]} == {
        (f"member:{member}", "chain")
    }


def test_reconcile_finds_a_balance_that_is_off(client, admin, reconciled, grant):
    member = uuid.uuid4()
    grant(member, 10)
    with points_engine().begin() as c:
        c.execute(sa.text("UPDATE accounts SET available = 11 WHERE member_id = :m"), {"m": member})
    problems = reconciled()["problems"]
    checks = {p["check"] for p in problems}
    assert {"sum", "balance", "lots"} <= checks
    detail = next(p["detail"] for p in problems if p["check"] == "balance")
    assert "stored available=11" in detail and "available=10" in detail


def test_reconcile_finds_a_deleted_entry(client, admin, reconciled, grant):
    member = uuid.uuid4()
    for amount in (1, 2, 3):
        grant(member, amount)
    _tamper("DELETE FROM transfers WHERE seq = 2 AND member_id = :m", m=member)
    checks = {p["check"] for p in reconciled()["problems"]}
    assert {"sequence", "chain", "balance"} <= checks


def test_the_reconcile_endpoint_and_command(client, admin, auth_header, grant):
    grant(uuid.uuid4(), 10)
    report = client.get("/api/v1/points/reconcile", headers=admin)
    assert report.status_code == 200
    assert report.json["ok"] is True and report.json["transfers"] == 1
    assert client.get("/api/v1/points/reconcile", headers=auth_header()).status_code == 403
    command = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "services.points", "reconcile"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert command.returncode == 0, command.stderr
    assert "the ledger is consistent" in command.stdout
    with points_engine().begin() as c:
        c.execute(sa.text("UPDATE system_accounts SET balance = balance + 5"))
    command = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "services.points", "reconcile"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert command.returncode == 1
    assert "OFF system:adjustments:" in command.stdout
