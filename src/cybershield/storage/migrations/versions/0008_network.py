"""network: a cross-border hub's sightings and early warnings

Revision ID: 0008_network
Revises: 0001_foundation
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_network"
down_revision = "0001_foundation"
branch_labels = ("network",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_sighting",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("observable", sa.String(2200), nullable=False),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("hub", sa.String(128), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("techniques", sa.JSON, nullable=False),
        sa.Column("indicator_id", sa.String(128)),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_network_sighting_observable", "network_sighting", ["observable"])
    op.create_index("ix_network_sighting_last_seen", "network_sighting", ["last_seen"])
    op.create_table(
        "network_warning",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("observable", sa.String(2200), nullable=False, unique=True),
        sa.Column("countries", sa.JSON, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated", sa.Boolean, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_index("ix_network_warning_modified", "network_warning", ["modified"])
    op.create_table(
        "network_outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("envelope_id", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(128), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("objects", sa.Integer, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_network_outbox_recipient", "network_outbox", ["recipient"])
    op.create_index("ix_network_outbox_next_attempt", "network_outbox", ["next_attempt"])
    op.create_index("ix_network_outbox_delivered", "network_outbox", ["delivered"])


def downgrade() -> None:
    op.drop_table("network_outbox")
    op.drop_table("network_warning")
    op.drop_table("network_sighting")
