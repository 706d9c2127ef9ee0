"""The volunteers migrations build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.volunteers.adapters.models import Base
from tests.helpers.databases import engine_for


def test_the_migrations_build_exactly_the_tables_the_models_describe():
    with engine_for("volunteers").connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
