"""Saving and reading records. The action server and the CLI call these, nothing else.

Saving is idempotent: the caller passes a ``submission_key`` derived from the
conversation and the answers, and a second save with the same key returns the
reference number of the first instead of writing again (a resent message or a
double tap files once).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Sequence, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from records.db import session_scope
from records.models import ConcernReport, HandoffTicket, Registration, VisitLog
from records.refs import new_reference

Filed = TypeVar("Filed", Registration, VisitLog, ConcernReport)

_KINDS: dict[type, str] = {
    Registration: "registration",
    VisitLog: "visit",
    ConcernReport: "report",
}


def submission_key(sender_id: str, form: str, answers: dict[str, Any]) -> str:
    """A stable key for one submission: same sender, form and answers → same key."""
    payload = json.dumps([sender_id, form, answers], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _save(model: type[Filed], sender_id: str, key: str, fields: dict[str, Any]) -> str:
    """Insert a record unless one with ``key`` exists; return its reference number."""
    with session_scope() as session:
        existing = session.scalar(select(model.ref).where(model.submission_key == key))
        if existing:
            return existing
        ref = new_reference(_KINDS[model])
        session.add(model(ref=ref, submission_key=key, sender_id=sender_id, **fields))
        try:
            session.flush()
        except IntegrityError:  # a concurrent duplicate won the race
            session.rollback()
            return session.scalar(select(model.ref).where(model.submission_key == key))
        return ref


def save_registration(sender_id: str, key: str, **fields: Any) -> str:
    """File a departure registration; returns its reference number."""
    return _save(Registration, sender_id, key, fields)


def save_visit(sender_id: str, key: str, **fields: Any) -> str:
    """File a visit log; returns its reference number."""
    return _save(VisitLog, sender_id, key, fields)


def save_report(sender_id: str, key: str, **fields: Any) -> str:
    """File a mandatory report; returns its reference number."""
    return _save(ConcernReport, sender_id, key, fields)


def open_ticket(sender_id: str, reason: str, summary: str = "", urgent: bool = False) -> str:
    """Open a handoff ticket, or return the sender's ticket that is already open.

    An urgent request upgrades an open ticket to urgent.
    """
    with session_scope() as session:
        ticket = session.scalar(
            select(HandoffTicket)
            .where(HandoffTicket.sender_id == sender_id, HandoffTicket.status != "closed")
            .order_by(HandoffTicket.id.desc())
        )
        if ticket is not None:
            if urgent and not ticket.urgent:
                ticket.urgent = True
                ticket.reason = reason
            return ticket.ref
        ref = new_reference("ticket")
        session.add(
            HandoffTicket(ref=ref, sender_id=sender_id, reason=reason, urgent=urgent, summary=summary)
        )
        return ref


def open_tickets() -> Sequence[HandoffTicket]:
    """Tickets not yet closed, urgent ones first, oldest first."""
    with session_scope() as session:
        return session.scalars(
            select(HandoffTicket)
            .where(HandoffTicket.status != "closed")
            .order_by(HandoffTicket.urgent.desc(), HandoffTicket.id)
        ).all()


def close_ticket(ref: str) -> bool:
    """Close a ticket by its reference number; False when there is no such open ticket."""
    with session_scope() as session:
        ticket = session.scalar(
            select(HandoffTicket).where(HandoffTicket.ref == ref, HandoffTicket.status != "closed")
        )
        if ticket is None:
            return False
        ticket.status = "closed"
        ticket.closed_at = dt.datetime.now(dt.timezone.utc)
        return True
