"""shared incidents: a cross-border hub's copy of its members' incidents

Revision ID: 0009_shared_incidents
Revises: 0001_foundation
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_shared_incidents"
down_revision = "0001_foundation"
branch_labels = ("shared_incidents",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_incident",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("hub", sa.String(128), nullable=False),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("sector", sa.String(64)),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_index("ix_shared_incident_last_seen", "shared_incident", ["last_seen"])


def downgrade() -> None:
    op.drop_table("shared_incident")
