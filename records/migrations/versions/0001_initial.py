"""The first tables: departure registrations, visit logs, mandatory reports, handoff tickets.

Revision ID: 0001
Revises:
Created: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_FILED = ("registrations", "visit_logs", "concern_reports")


def _filed_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ref", sa.String(24), nullable=False),
        sa.Column("submission_key", sa.String(64), nullable=False, unique=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "registrations",
        *_filed_columns(),
        sa.Column("child_name", sa.String(40), nullable=False),
        sa.Column("child_age", sa.Integer(), nullable=False),
        sa.Column("village", sa.String(80), nullable=False),
        sa.Column("carer_name", sa.String(40), nullable=False),
        sa.Column("carer_relation", sa.String(20), nullable=False),
        sa.Column("carer_phone", sa.String(20), nullable=False),
        sa.Column("work_city", sa.String(60), nullable=False),
        sa.Column("parent_phone", sa.String(20), nullable=False),
        sa.Column("expected_return", sa.String(20), nullable=False),
        sa.Column("consent_to_share", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "visit_logs",
        *_filed_columns(),
        sa.Column("child_name", sa.String(40), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("risk_level", sa.String(10), nullable=False),
        sa.Column("next_visit_date", sa.Date(), nullable=False),
    )
    op.create_table(
        "concern_reports",
        *_filed_columns(),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("situation", sa.Integer(), nullable=False),
        sa.Column("child", sa.String(80), nullable=False),
        sa.Column("place", sa.String(120), nullable=False),
        sa.Column("occurred", sa.String(60), nullable=False),
        sa.Column("police_called", sa.Boolean(), nullable=False),
        sa.Column("reporter_role", sa.String(20), nullable=False),
    )
    for table in _FILED:
        op.create_index(f"ix_{table}_ref", table, ["ref"], unique=True)
        op.create_index(f"ix_{table}_sender_id", table, ["sender_id"])
    op.create_table(
        "handoff_tickets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ref", sa.String(24), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_handoff_tickets_ref", "handoff_tickets", ["ref"], unique=True)
    op.create_index("ix_handoff_tickets_sender_id", "handoff_tickets", ["sender_id"])
    op.create_index("ix_handoff_tickets_status", "handoff_tickets", ["status"])


def downgrade() -> None:
    for table in ("handoff_tickets", *_FILED):
        op.drop_table(table)
