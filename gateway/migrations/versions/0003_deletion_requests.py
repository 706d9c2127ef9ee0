"""deletion requests; the gateway's outbox carries member.deleted (contract version column)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the outbox table came with the first migration; the relay now reads it
    op.add_column(
        "outbox",
        sa.Column("version", sa.SmallInteger(), server_default=sa.text("1"), nullable=False),
    )
    op.add_column("users", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "deletion_requests",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.UUID(), nullable=True),
        sa.Column("tombstone", sa.String(length=40), nullable=True),
        sa.CheckConstraint(
            "status IN ('requested', 'completed')", name=op.f("ck_deletion_requests_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_deletion_requests_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_requests")),
    )
    # one open request per member
    op.create_index(
        "ix_deletion_requests_open",
        "deletion_requests",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("status = 'requested'"),
    )


def downgrade() -> None:
    op.drop_index("ix_deletion_requests_open", table_name="deletion_requests")
    op.drop_table("deletion_requests")
    op.drop_column("users", "deleted_at")
    op.drop_column("outbox", "version")
