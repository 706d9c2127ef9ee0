"""adjustment_requests: adjustments that wait for a second admin (issue 11)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adjustment_requests",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("member_id", sa.UUID(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.UUID(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.UUID(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_adjustment_requests_amount_not_zero")),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_adjustment_requests_status_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustment_requests")),
    )
    op.create_index(
        "ix_adjustment_requests_status",
        "adjustment_requests",
        ["status", "requested_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_adjustment_requests_status", table_name="adjustment_requests")
    op.drop_table("adjustment_requests")
