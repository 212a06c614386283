"""response: incidents, their alerts and report submissions, the audit trail, Reserve providers and requests

Revision ID: 0004_response
Revises: 0001_foundation
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_response"
down_revision = "0001_foundation"
branch_labels = ("response",)
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(128)),
        sa.Column("entity_type", sa.String(16)),
        sa.Column("sector", sa.String(64)),
        sa.Column("aware_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("merged_into", sa.String(32)),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_table(
        "incident_alert",
        sa.Column("alert_id", sa.String(36), primary_key=True),
        sa.Column("incident_id", sa.String(32), sa.ForeignKey("incident.id"), nullable=False, index=True),
        sa.Column("added", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "incident_submission",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(32), sa.ForeignKey("incident.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_table(
        "audit_entry",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(32), index=True),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "reserve_provider",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("available", sa.Boolean, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_table(
        "reserve_request",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("incident_id", sa.String(32), sa.ForeignKey("incident.id"), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provider_id", sa.String(64)),
        sa.Column("document", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in ("reserve_request", "reserve_provider", "audit_head", "audit_entry", "incident_submission",
                  "incident_alert", "incident"):
        op.drop_table(table)
