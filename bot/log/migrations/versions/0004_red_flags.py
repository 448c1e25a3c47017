"""Red flags in the query log: the tier and concept of an urgent reply, and "missed red
flag", which staff set on a message the bot should have flagged.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as table:
        table.add_column(sa.Column("urgent_tier", sa.String(length=1), nullable=True))
        table.add_column(sa.Column("urgent_concept", sa.String(length=64), nullable=True))
        table.add_column(
            sa.Column("missed_red_flag", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        table.create_index("ix_questions_urgent_tier", ["urgent_tier"])
        table.create_index("ix_questions_urgent_concept", ["urgent_concept"])


def downgrade() -> None:
    with op.batch_alter_table("questions") as table:
        table.drop_index("ix_questions_urgent_concept")
        table.drop_index("ix_questions_urgent_tier")
        table.drop_column("missed_red_flag")
        table.drop_column("urgent_concept")
        table.drop_column("urgent_tier")
