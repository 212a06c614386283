"""hub: the early warnings a hub received and applied

Revision ID: 0005_hub
Revises: 0001_foundation
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_hub"
down_revision = "0001_foundation"
branch_labels = ("hub",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_warning",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("sender", sa.String(128)),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("indicators", sa.Integer, nullable=False),
        sa.Column("retro_hunt_alerts", sa.Integer, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hub_warning")
