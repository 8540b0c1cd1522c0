"""The WeCom relay's own state: the sync cursor per account, messages already handled, each user's allowance.

Revision ID: 0005
Revises: 0004
Created: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wecom_cursors",
        sa.Column("open_kfid", sa.String(64), primary_key=True),
        sa.Column("cursor", sa.String(256), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "wecom_seen",
        sa.Column("msgid", sa.String(128), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "wecom_sessions",
        sa.Column("sender_id", sa.String(160), primary_key=True),
        sa.Column("customer_at", sa.DateTime(timezone=True)),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("servicer", sa.String(64)),
    )


def downgrade() -> None:
    op.drop_table("wecom_sessions")
    op.drop_table("wecom_seen")
    op.drop_table("wecom_cursors")
