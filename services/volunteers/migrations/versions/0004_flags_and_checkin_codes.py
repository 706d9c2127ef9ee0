"""flags for admins' review; check-ins remember the station code they used

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flags",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.UUID(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.UUID(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flags")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_flags_dedupe_key")),
    )
    op.create_index(op.f("ix_flags_kind"), "flags", ["kind"])
    op.create_index(op.f("ix_flags_member_id"), "flags", ["member_id"])
    op.create_index("ix_flags_reviewed_created", "flags", ["reviewed_at", "created_at"])
    op.add_column("checkins", sa.Column("code_expires", sa.BigInteger(), nullable=True))
    op.create_unique_constraint(
        "uq_checkins_station_code_member", "checkins", ["station_id", "code_expires", "member_id"]
    )
    op.create_index("ix_checkins_station_code", "checkins", ["station_id", "code_expires"])
    op.create_index("ix_checkins_member_created", "checkins", ["member_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_checkins_member_created", table_name="checkins")
    op.drop_index("ix_checkins_station_code", table_name="checkins")
    op.drop_constraint("uq_checkins_station_code_member", "checkins", type_="unique")
    op.drop_column("checkins", "code_expires")
    op.drop_index("ix_flags_reviewed_created", table_name="flags")
    op.drop_index(op.f("ix_flags_member_id"), table_name="flags")
    op.drop_index(op.f("ix_flags_kind"), table_name="flags")
    op.drop_table("flags")
