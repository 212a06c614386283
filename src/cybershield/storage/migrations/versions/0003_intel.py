"""intel: the STIX object store, TAXII status resources and pull bookmarks

Revision ID: 0003_intel
Revises: 0001_foundation
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_intel"
down_revision = "0001_foundation"
branch_labels = ("intel",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_object",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("collection", sa.String(64), nullable=False),
        sa.Column("stix_id", sa.String(128), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("version", sa.String(27), nullable=False),
        sa.Column("spec_version", sa.String(8), nullable=False),
        sa.Column("date_added", sa.String(27), nullable=False),
        sa.Column("latest", sa.Boolean, nullable=False),
        sa.Column("first", sa.Boolean, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("tlp", sa.String(16)),
        sa.Column("origin", sa.String(128)),
        sa.Column("valid_until", sa.String(27)),
        sa.Column("source_ref", sa.String(128)),
        sa.Column("target_ref", sa.String(128)),
        sa.Column("refs", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.UniqueConstraint("collection", "stix_id", "version", name="ux_intel_object_version"),
    )
    op.create_index("ix_intel_object_page", "intel_object", ["collection", "latest", "date_added", "seq"])
    op.create_index("ix_intel_object_type_page", "intel_object", ["collection", "type", "latest", "date_added", "seq"])
    op.create_index("ix_intel_object_added", "intel_object", ["collection", "date_added", "seq"])
    op.create_index("ix_intel_object_id", "intel_object", ["stix_id", "latest"])
    op.create_index("ix_intel_object_kind", "intel_object", ["type", "latest"])
    op.create_index("ix_intel_object_source", "intel_object", ["source_ref"])
    op.create_index("ix_intel_object_target", "intel_object", ["target_ref"])
    op.create_table(
        "taxii_status",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("collection", sa.String(64), nullable=False),
        sa.Column("peer", sa.String(128), nullable=False),
        sa.Column("request_timestamp", sa.String(27), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_table(
        "taxii_bookmark",
        sa.Column("peer", sa.String(128), primary_key=True),
        sa.Column("collection", sa.String(128), primary_key=True),
        sa.Column("added_after", sa.String(40), nullable=False),
        sa.Column("updated", sa.String(27), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("taxii_bookmark")
    op.drop_table("taxii_status")
    op.drop_table("intel_object")
