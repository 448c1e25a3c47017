"""Call-back requests (contact sealed) and the outbox of notifications about them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("preferred_time", sa.String(length=64), nullable=False),
        sa.Column("preferred_label", sa.String(length=120), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_by", sa.String(length=254), nullable=True),
        sa.Column("status_at", sa.DateTime(), nullable=True),
        sa.Column("assignee", sa.String(length=254), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_callback_requests"),
        sa.UniqueConstraint("request_id", name="uq_callback_requests_request_id"),
    )
    op.create_index(
        "ix_callback_requests_conversation_id", "callback_requests", ["conversation_id"]
    )
    op.create_index("ix_callback_requests_created_at", "callback_requests", ["created_at"])
    op.create_index("ix_callback_requests_status", "callback_requests", ["status"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_next_at", "notifications", ["next_at"])
    op.create_index("ix_notifications_sent_at", "notifications", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_sent_at", table_name="notifications")
    op.drop_index("ix_notifications_next_at", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_callback_requests_status", table_name="callback_requests")
    op.drop_index("ix_callback_requests_created_at", table_name="callback_requests")
    op.drop_index("ix_callback_requests_conversation_id", table_name="callback_requests")
    op.drop_table("callback_requests")
