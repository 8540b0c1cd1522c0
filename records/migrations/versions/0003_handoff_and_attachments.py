"""The staff side of a handoff (topic, claim, alerts), its messages, and visit attachments.

Revision ID: 0003
Revises: 0002
Created: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_tickets") as batch:
        batch.add_column(sa.Column("topic_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(128), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("realerted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("handoff_tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("author_id", sa.String(128), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_handoff_messages_ticket_id", "handoff_messages", ["ticket_id"])
    op.create_table(
        "visit_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("file_id", sa.String(200), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("visit_ref", sa.String(24), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_visit_attachments_sender_id", "visit_attachments", ["sender_id"])
    op.create_index("ix_visit_attachments_visit_ref", "visit_attachments", ["visit_ref"])


def downgrade() -> None:
    op.drop_table("visit_attachments")
    op.drop_table("handoff_messages")
    with op.batch_alter_table("handoff_tickets") as batch:
        for column in ("realerted_at", "alerted_at", "claimed_at", "claimed_by", "topic_id"):
            batch.drop_column(column)
