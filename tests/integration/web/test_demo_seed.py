"""`make run`'s demo seed: on empty databases it builds the district through the API and
prints an account per role; it never touches databases that have data; DEMO=0 skips it."""

from __future__ import annotations

import sqlalchemy as sa

from devtools.seed import seed_if_empty
from tests.helpers.databases import engine_for


def count(app_name: str, table: str) -> int:
    with engine_for(app_name).connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_empty_databases_get_the_demo_district(monkeypatch):
    monkeypatch.delenv("DEMO", raising=False)
    said: list[str] = []
    district = seed_if_empty(said.append)
    assert district is not None
    with engine_for("volunteers").connect() as connection:
        query = "SELECT kind, count(*) FROM organizations GROUP BY kind"
        kinds = dict(connection.execute(sa.text(query)).all())
    assert kinds == {"street": 1, "community": 2, "grid": 3, "station": 3, "team": 1}
    assert count("gateway", "users") == 7
    assert count("rewards", "rewards") == 5
    assert count("volunteers", "tasks") == 4
    with engine_for("rewards").connect() as connection:
        categories = {row[0] for row in connection.execute(sa.text("SELECT category FROM rewards"))}
    assert {"childcare", "rental_housing", "goods"} <= categories
    with engine_for("volunteers").connect() as connection:
        names = {row[0] for row in connection.execute(sa.text("SELECT name FROM organizations"))}
    assert "骑手驿站（长乐路）" in names and "长乐街道骑手志愿服务队" in names
    printed = "\n".join(said)
    for username in ("rider", "volunteer", "party", "coordinator", "rewards", "admin"):
        assert f"  {username} " in printed
    assert district.accounts["rider"].password in printed


def test_a_database_with_data_is_never_seeded(monkeypatch, gateway_app):
    monkeypatch.delenv("DEMO", raising=False)
    body = {"username": "someone", "password": "a long passphrase", "display_name": "某人"}
    assert gateway_app.test_client().post("/api/v1/auth/register", json=body).status_code == 201
    said: list[str] = []
    assert seed_if_empty(said.append) is None
    assert count("gateway", "users") == 1
    assert count("volunteers", "organizations") == 0
    assert "no demo seed" in said[0]


def test_demo_0_starts_empty(monkeypatch):
    monkeypatch.setenv("DEMO", "0")
    said: list[str] = []
    assert seed_if_empty(said.append) is None
    assert count("gateway", "users") == 0
    assert said == ["DEMO=0: starting with empty databases"]
