"""Messages waiting for a channel that can reach their recipient.

Filing a registration or a report queues a notification for the people it is
routed to, in the same transaction; a channel (the terminal chat, the
Telegram relay) delivers what is pending when it can reach the recipient.
Pushed texts carry reference numbers and masked names only: the details are
read in the chat, where each read is audited.
"""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.db import session_scope, utc_now
from records.models import Notification


def queue(session: Session, recipient: str, kind: str, text: str, dedupe_key: str) -> bool:
    """Queue one notification in ``session``; False when one with ``dedupe_key`` was already queued.

    A concurrent writer queuing the same key makes the enclosing transaction fail
    at commit (the key is unique); callers whose keys can race retry or skip.
    """
    exists = session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key))
    if exists:
        return False
    session.add(Notification(recipient=recipient, kind=kind, text=text, dedupe_key=dedupe_key[:160]))
    return True


def pending(recipient: str, limit: int = 20) -> Sequence[Notification]:
    """Notifications for ``recipient`` not yet delivered, oldest first."""
    with session_scope() as session:
        return session.scalars(
            select(Notification)
            .where(Notification.recipient == recipient, Notification.delivered_at.is_(None))
            .order_by(Notification.id)
            .limit(limit)
        ).all()


def pending_recipients() -> list[str]:
    """Everyone with something waiting (for a channel that pushes, such as the Telegram relay)."""
    with session_scope() as session:
        return list(session.scalars(
            select(Notification.recipient).where(Notification.delivered_at.is_(None)).distinct()
        ))


def mark_delivered(ids: Sequence[int]) -> None:
    """Record that these notifications reached their recipient."""
    if not ids:
        return
    now = utc_now()
    with session_scope() as session:
        for notification in session.scalars(select(Notification).where(Notification.id.in_(list(ids)))):
            notification.delivered_at = now


def post(recipient: str, kind: str, text: str) -> None:
    """Queue one message that is not a deduplicated alert (a staff reply, a reply held back by a channel's quota).

    In its own transaction: the caller is a relay with no session of its own.
    """
    import uuid

    with session_scope() as session:
        queue(session, recipient, kind, text, f"{kind}:{uuid.uuid4().hex}")
