"""Photos and locations a director sends while filling a visit log (滕州: 手机定位和照片, one file per child).

They wait under the director's conversation until the visit log is filed,
then carry its reference number.
"""
from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from records.db import session_scope
from records.models import Person, VisitAttachment
from records.people import NotAllowed


NOT_A_DIRECTOR = "照片和位置只有已验证的儿童主任在填写探访记录时才会保存。"


def add_attachment(sender_id: str, kind: str, *, file_id: str | None = None,
                   latitude: float | None = None, longitude: float | None = None) -> int:
    """Keep a photo or voice note (its file id) or a location for the visit being filled; how many are waiting.

    Only a verified child director's are kept (``NotAllowed`` otherwise): a photo of a child's home is not
    taken from someone who has not shown who they are.
    """
    if kind not in ("photo", "location", "voice"):
        raise ValueError(f"unknown attachment kind {kind!r}")
    with session_scope() as session:
        if session.scalar(select(Person.role).where(Person.sender_id == sender_id)) != "director":
            raise NotAllowed(NOT_A_DIRECTOR)
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


def discard_waiting(sender_id: str) -> int:
    """Delete the photos and locations of a visit log that was cancelled (they must not join the next one)."""
    with session_scope() as session:
        return session.execute(
            delete(VisitAttachment).where(VisitAttachment.sender_id == sender_id, VisitAttachment.visit_ref.is_(None))
        ).rowcount


def attachments_of(visit_ref: str) -> list[VisitAttachment]:
    """The photos and locations of a filed visit log."""
    with session_scope() as session:
        return list(session.scalars(select(VisitAttachment).where(VisitAttachment.visit_ref == visit_ref)))
