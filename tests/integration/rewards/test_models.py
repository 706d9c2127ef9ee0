"""The rewards tables keep their promises on their own: stock never below zero, one
approval per administrator, one appeal per redemption, an audit log that cannot change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.rewards.adapters.models import Base
from tests.helpers.databases import engine_for


def _reward(connection: sa.Connection, stock: int | None = 1) -> uuid.UUID:
    reward_id = uuid.uuid4()
    connection.execute(
        sa.text(
            "INSERT INTO rewards (id, name, category, cost, stock_total, stock_remaining) "
            "VALUES (:id, 'Crèche place', 'childcare', 100, :stock, :stock)"
        ),
        {"id": reward_id, "stock": stock},
    )
    return reward_id


def _redemption(connection: sa.Connection, reward_id: uuid.UUID) -> uuid.UUID:
    redemption_id = uuid.uuid4()
    later = datetime.now(UTC) + timedelta(days=1)
    connection.execute(
        sa.text(
            "INSERT INTO redemptions (id, member_id, reward_id, status, idempotency_key, "
            "request_hash, cost, terms, hold_deadline, deadline) VALUES (:id, :member, "
            ":reward, 'pending', 'k', '\\x00'::bytea, 100, '{}', :later, :later)"
        ),
        {"id": redemption_id, "member": uuid.uuid4(), "reward": reward_id, "later": later},
    )
    return redemption_id


def test_stock_cannot_go_below_zero():
    with engine_for("rewards").begin() as connection:
        reward_id = _reward(connection, stock=0)
    with pytest.raises(IntegrityError), engine_for("rewards").begin() as connection:
        connection.execute(
            sa.text("UPDATE rewards SET stock_remaining = stock_remaining - 1 WHERE id = :id"),
            {"id": reward_id},
        )


def test_one_approval_per_administrator_and_one_appeal_per_redemption():
    with engine_for("rewards").begin() as connection:
        redemption_id = _redemption(connection, _reward(connection))
    approver = uuid.uuid4()
    insert_approval = sa.text("INSERT INTO approvals (redemption_id, approver_id) VALUES (:r, :a)")
    with engine_for("rewards").begin() as connection:
        connection.execute(insert_approval, {"r": redemption_id, "a": approver})
    with pytest.raises(IntegrityError), engine_for("rewards").begin() as connection:
        connection.execute(insert_approval, {"r": redemption_id, "a": approver})
    insert_appeal = sa.text(
        "INSERT INTO appeals (id, redemption_id, reason) VALUES (gen_random_uuid(), :r, 'x')"
    )
    with engine_for("rewards").begin() as connection:
        connection.execute(insert_appeal, {"r": redemption_id})
    with pytest.raises(IntegrityError), engine_for("rewards").begin() as connection:
        connection.execute(insert_appeal, {"r": redemption_id})


@pytest.mark.parametrize(
    "change", ["UPDATE audit_log SET action = 'rewritten'", "DELETE FROM audit_log"]
)
def test_the_audit_log_is_append_only(change):
    with engine_for("rewards").begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO audit_log (actor_id, actor_roles, action, target_type, target_id) "
                "VALUES (gen_random_uuid(), '{reward_admin}', 'reward.create', 'reward', 'x')"
            )
        )
    with pytest.raises(DBAPIError, match="append-only"), engine_for("rewards").begin() as c:
        c.execute(sa.text(change))
    with engine_for("rewards").connect() as connection:
        assert connection.execute(sa.text("SELECT action FROM audit_log")).scalars().all() == [
            "reward.create"
        ]


def test_the_migrations_build_exactly_the_tables_the_models_describe():
    with engine_for("rewards").connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
