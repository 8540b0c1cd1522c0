"""People and invites, children's files, routing columns, the audit log and the outbox.

Revision ID: 0002
Revises: 0001
Created: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _place_columns() -> list[sa.Column]:
    return [
        sa.Column("county", sa.String(40), nullable=True),
        sa.Column("township", sa.String(40), nullable=True),
        sa.Column("village", sa.String(40), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False, unique=True),
        sa.Column("role", sa.String(12), nullable=False),
        *_place_columns(),
        sa.Column("verified_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(12), nullable=False),
        *_place_columns(),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.String(128), nullable=True),
    )
    op.create_table(
        "children",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ref", sa.String(24), nullable=False, unique=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=True),
        sa.Column("county", sa.String(40), nullable=False),
        sa.Column("township", sa.String(40), nullable=False),
        sa.Column("village", sa.String(40), nullable=False),
        sa.Column("risk_level", sa.String(10), nullable=True),
        sa.Column("last_visit_date", sa.Date(), nullable=True),
        sa.Column("next_visit_due", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_children_village", "children", ["village"])
    op.create_index("ix_children_next_visit_due", "children", ["next_visit_due"])
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("child_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("township", sa.String(40), nullable=True))
        batch.add_column(sa.Column("county", sa.String(40), nullable=True))
        batch.add_column(sa.Column("status", sa.String(10), nullable=False, server_default="new"))
        batch.create_foreign_key("fk_registrations_child_id", "children", ["child_id"], ["id"])
    with op.batch_alter_table("visit_logs") as batch:
        batch.add_column(sa.Column("child_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("village", sa.String(40), nullable=True))
        batch.create_foreign_key("fk_visit_logs_child_id", "children", ["child_id"], ["id"])
    with op.batch_alter_table("concern_reports") as batch:
        batch.add_column(sa.Column("township", sa.String(40), nullable=True))
        batch.add_column(sa.Column("county", sa.String(40), nullable=True))
        batch.add_column(sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("actor_role", sa.String(12), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("record_type", sa.String(20), nullable=False),
        sa.Column("record_ref", sa.String(24), nullable=True),
        sa.Column("child_ref", sa.String(24), nullable=True),
        sa.Column("purpose", sa.String(200), nullable=False),
    )
    op.create_index("ix_audit_log_actor", "audit_log", ["actor"])
    op.create_index("ix_audit_log_record_ref", "audit_log", ["record_ref"])
    op.create_index("ix_audit_log_child_ref", "audit_log", ["child_ref"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recipient", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),
    )
    op.create_index("ix_notifications_recipient", "notifications", ["recipient"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("audit_log")
    with op.batch_alter_table("concern_reports") as batch:
        for column in ("urgent", "county", "township"):
            batch.drop_column(column)
    with op.batch_alter_table("visit_logs") as batch:
        batch.drop_constraint("fk_visit_logs_child_id", type_="foreignkey")
        batch.drop_column("village")
        batch.drop_column("child_id")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_constraint("fk_registrations_child_id", type_="foreignkey")
        for column in ("status", "county", "township", "child_id"):
            batch.drop_column(column)
    op.drop_table("children")
    op.drop_table("invites")
    op.drop_table("people")
