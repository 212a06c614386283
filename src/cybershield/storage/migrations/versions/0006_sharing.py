"""sharing: the intel clock, which hands out ``date_added`` in commit order

Revision ID: 0006_sharing
Revises: 0003_intel
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_sharing"
down_revision = "0003_intel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    clock = op.create_table(
        "intel_clock",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_added", sa.String(27), nullable=False),
    )
    newest = op.get_bind().scalar(sa.text("SELECT max(date_added) FROM intel_object"))
    op.bulk_insert(clock, [{"id": 1, "last_added": newest or ""}])


def downgrade() -> None:
    op.drop_table("intel_clock")
