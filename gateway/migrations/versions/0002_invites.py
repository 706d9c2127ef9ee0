"""invites: a coordinator's code that lets a registration drive past the per-address limit

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invites",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("used", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("used >= 0 AND used <= uses", name=op.f("ck_invites_used_within_uses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code", name=op.f("uq_invites_code")),
    )
    op.add_column("users", sa.Column("invite_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_users_invite_id_invites"), "users", "invites", ["invite_id"], ["id"]
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_users_invite_id_invites"), "users", type_="foreignkey")
    op.drop_column("users", "invite_id")
    op.drop_table("invites")
