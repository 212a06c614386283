"""readiness: the members' anonymised post-quantum readiness summaries a cross-border hub holds

Revision ID: 0009_readiness
Revises: 0001_foundation
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_readiness"
down_revision = "0001_foundation"
branch_labels = ("readiness",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pqc_readiness_shared",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("period", sa.Date, nullable=False, index=True),
        sa.Column("hub", sa.String(128), nullable=False),
        sa.Column("generated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.UniqueConstraint("country", "period", name="ux_pqc_readiness_shared"),
    )


def downgrade() -> None:
    op.drop_table("pqc_readiness_shared")
