"""debts: what a clawback could not take (spent or held), recovered from the next earnings

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "accounts", sa.Column("owed", sa.BigInteger(), server_default=sa.text("0"), nullable=False)
    )
    op.create_check_constraint(op.f("ck_accounts_owed_not_negative"), "accounts", "owed >= 0")
    op.create_table(
        "debts",
        sa.Column("reversal_event_id", sa.UUID(), nullable=False),
        sa.Column("member_id", sa.UUID(), nullable=False),
        sa.Column("original_event_id", sa.UUID(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_debts_amount_positive")),
        sa.PrimaryKeyConstraint("reversal_event_id", name=op.f("pk_debts")),
    )
    op.create_index("ix_debts_member_id", "debts", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_debts_member_id", table_name="debts")
    op.drop_table("debts")
    op.drop_constraint(op.f("ck_accounts_owed_not_negative"), "accounts", type_="check")
    op.drop_column("accounts", "owed")
