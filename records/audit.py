"""The audit log: every read or write of a child's record says who, what, when and why.

Entries are written in the same transaction as the access they describe, so
an access that happened is never missing from the log. They hold reference
numbers, never the personal data itself.
"""
from __future__ import annotations

import datetime as dt
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.db import session_scope
from records.models import AuditEntry

ACTIONS = ("create", "read", "update", "delete", "export", "redeem", "invite", "denied")


def record_access(
    session: Session,
    *,
    actor: str,
    actor_role: str,
    action: str,
    record_type: str,
    purpose: str,
    record_ref: str | None = None,
    child_ref: str | None = None,
) -> None:
    """Add one audit entry to ``session`` (committed with the access itself)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(
        AuditEntry(
            actor=actor[:128],
            actor_role=actor_role,
            action=action,
            record_type=record_type,
            record_ref=record_ref,
            child_ref=child_ref,
            purpose=purpose[:200],
        )
    )


def audit_entries(
    *,
    child_ref: str | None = None,
    actor: str | None = None,
    since: dt.datetime | None = None,
    limit: int = 200,
) -> Sequence[AuditEntry]:
    """The latest entries, newest first, optionally about one child, by one actor, or since a time."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if child_ref:
        query = query.where(AuditEntry.child_ref == child_ref)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if since:
        query = query.where(AuditEntry.at >= since)
    with session_scope() as session:
        return session.scalars(query).all()
