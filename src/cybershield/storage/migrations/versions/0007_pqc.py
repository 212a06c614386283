"""pqc: weekly snapshots of the post-quantum readiness inventory

Revision ID: 0007_pqc
Revises: 0001_foundation
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_pqc"
down_revision = "0001_foundation"
branch_labels = ("pqc",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pqc_snapshot",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("week", sa.Date, nullable=False, index=True),
        sa.Column("sector", sa.String(64), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("endpoints", sa.Integer, nullable=False),
        sa.Column("connections", sa.Integer, nullable=False),
        sa.Column("recorded", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("week", "sector", "status", name="ux_pqc_snapshot"),
    )


def downgrade() -> None:
    op.drop_table("pqc_snapshot")
