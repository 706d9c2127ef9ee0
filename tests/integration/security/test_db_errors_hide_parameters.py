"""A database error is logged without the values bound to its statement (names, positions, text)."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask_smorest import Blueprint

from common.app import build_app, session

SECRET_NAME = "张三丰-secret-name"
SECRET_POSITION = "31.2304,121.4737"

blp = Blueprint("probe_db_errors", __name__, url_prefix="/api/v1/probe-db")


@blp.post("/duplicate")
def duplicate() -> dict[str, str]:
    db = session()
    db.execute(
        sa.text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS probe (id int PRIMARY KEY, name text, at text)"
        )
    )
    # the second insert breaks the primary key (PostgreSQL's own DETAIL names the key's
    # value, so the key here is a plain number: what must not leak is the other values)
    for _ in range(2):
        db.execute(
            sa.text("INSERT INTO probe (id, name, at) VALUES (1, :name, :at)"),
            {"name": SECRET_NAME, "at": SECRET_POSITION},
        )
    return {}


@pytest.fixture
def probe_app():
    app = build_app("rewards", __name__, {"TESTING": True}, api_blueprints=[blp])
    yield app
    app.extensions["database"].engine.dispose()


def test_an_integrity_error_is_logged_without_its_bound_parameters(probe_app, caplog):
    caplog.set_level(logging.DEBUG)
    response = probe_app.test_client().post("/api/v1/probe-db/duplicate")
    assert response.status_code == 500
    logged = [r for r in caplog.records if r.exc_info and "IntegrityError" in repr(r.exc_info[1])]
    assert logged, "the IntegrityError was logged"
    text = caplog.text + "".join(
        logging.Formatter().formatException(r.exc_info) for r in logged if r.exc_info
    )
    assert "INSERT INTO probe" in text  # the statement is still there to debug with
    assert SECRET_NAME not in text
    assert SECRET_POSITION not in text
    assert SECRET_NAME not in response.get_data(as_text=True)
