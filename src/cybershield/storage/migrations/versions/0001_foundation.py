"""foundation: ingest runs and the quarantine

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = ("foundation",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("read", sa.BigInteger, nullable=False),
        sa.Column("parsed", sa.BigInteger, nullable=False),
        sa.Column("quarantined", sa.BigInteger, nullable=False),
        sa.Column("summary_json", sa.Text, nullable=False),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, index=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(64), nullable=False, index=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("sample", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("quarantine")
    op.drop_table("ingest_run")
