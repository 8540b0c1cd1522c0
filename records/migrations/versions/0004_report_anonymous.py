"""A reporter's wish that their identity be kept from the family (不想让人知道是我报的).

Revision ID: 0004
Revises: 0003
Created: 2026-12-05
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("concern_reports") as batch:
        batch.add_column(sa.Column("anonymous", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("concern_reports") as batch:
        batch.drop_column("anonymous")
