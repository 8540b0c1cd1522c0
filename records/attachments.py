"""Photos and locations a director sends while filling a visit log (滕州: 手机定位和照片, one file per child).

They wait under the director's conversation until the visit log is filed,
then carry its reference number.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from records.db import session_scope
from records.models import VisitAttachment


def add_attachment(sender_id: str, kind: str, *, file_id: str | None = None,
                   latitude: float | None = None, longitude: float | None = None) -> int:
    """Keep a photo (its Telegram file id) or a location for the visit being filled; how many are waiting."""
    if kind not in ("photo", "location"):
        raise ValueError(f"unknown attachment kind {kind!r}")
    with session_scope() as session:
        session.add(VisitAttachment(sender_id=sender_id, kind=kind, file_id=file_id, latitude=latitude,
                                    longitude=longitude))
        session.flush()
        return len(session.scalars(select(VisitAttachment.id).where(
            VisitAttachment.sender_id == sender_id, VisitAttachment.visit_ref.is_(None))).all())


def attach_waiting(session: Session, sender_id: str, visit_ref: str) -> int:
    """Give the sender's waiting attachments to the visit just filed (in its transaction); how many."""
    return session.execute(
        update(VisitAttachment)
        .where(VisitAttachment.sender_id == sender_id, VisitAttachment.visit_ref.is_(None))
        .values(visit_ref=visit_ref)
        .execution_options(synchronize_session=False)
    ).rowcount


def attachments_of(visit_ref: str) -> list[VisitAttachment]:
    """The photos and locations of a filed visit log."""
    with session_scope() as session:
        return list(session.scalars(select(VisitAttachment).where(VisitAttachment.visit_ref == visit_ref)))
