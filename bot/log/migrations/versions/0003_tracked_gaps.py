"""Content gaps marked "being written", and how re-indexing answers their questions.

Revision ID: 0003
Revises: 0002
Create Date: 2025-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tracked_gaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("doc_id", sa.String(length=200), nullable=True),
        sa.Column("marked_by", sa.String(length=254), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.Column("checked_version", sa.String(length=100), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tracked_gaps"),
    )


def downgrade() -> None:
    op.drop_table("tracked_gaps")
