"""Handoff tickets: a conversation a person at the civil-affairs office should pick up."""
from __future__ import annotations

import datetime as dt
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.db import session_scope
from records.models import HandoffTicket
from records.refs import new_reference


# What a ticket is for, weightiest last: a merged ticket keeps the weightiest reason.
REASON_WEIGHT = {"user_request": 1, "fallback": 1, "report": 2, "urgent": 3}


def open_ticket_in(session: Session, sender_id: str, reason: str, summary: str = "", urgent: bool = False) -> str:
    """Open a ticket in ``session``, or return the sender's ticket that is already open.

    An urgent request upgrades an open ticket to urgent.
    """
    ticket = session.scalar(
        select(HandoffTicket)
        .where(HandoffTicket.sender_id == sender_id, HandoffTicket.status != "closed")
        .order_by(HandoffTicket.id.desc())
    )
    if ticket is not None:
        if urgent and not ticket.urgent:
            ticket.urgent = True
            ticket.reason = reason
        elif REASON_WEIGHT.get(reason, 0) > REASON_WEIGHT.get(ticket.reason, 0):
            ticket.reason = reason  # a report joining a plain request makes it a report's follow-up
        if summary and summary not in ticket.summary:
            ticket.summary = (ticket.summary + "；" + summary).strip("；")[:2000]
        return ticket.ref
    ref = new_reference("ticket")
    session.add(HandoffTicket(ref=ref, sender_id=sender_id, reason=reason, urgent=urgent, summary=summary))
    session.flush()
    return ref


def open_ticket(sender_id: str, reason: str, summary: str = "", urgent: bool = False) -> str:
    """Open (or reuse) the sender's ticket in its own transaction; returns its reference number."""
    with session_scope() as session:
        return open_ticket_in(session, sender_id, reason, summary, urgent)


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
