"""exchange: the nonces of accepted envelopes (replay protection)

Revision ID: 0006_exchange
Revises: 0001_foundation
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_exchange"
down_revision = "0001_foundation"
branch_labels = ("exchange",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_nonce",
        sa.Column("sender", sa.String(128), primary_key=True),
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("expires", sa.String(27), nullable=False),
    )
    op.create_index("ix_exchange_nonce_expires", "exchange_nonce", ["expires"])


def downgrade() -> None:
    op.drop_table("exchange_nonce")
