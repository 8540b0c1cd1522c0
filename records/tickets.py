"""Handoff tickets: a conversation a person at the civil-affairs office should pick up."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.db import as_utc, session_scope, utc_now
from records.models import HandoffTicket, TicketReason, TicketStatus
from records.refs import unused_reference


Reason = TicketReason
Status = TicketStatus

# What a ticket is for, weightiest last: a merged ticket keeps the weightiest reason.
REASON_WEIGHT = {Reason.USER_REQUEST: 1, Reason.FALLBACK: 1, Reason.COMPLAINT: 2, Reason.REPORT: 2, Reason.URGENT: 3}


# How a ticket's reason reads to staff (the CLI, the staff group).
REASON_NAMES = {Reason.USER_REQUEST: "用户要求转人工", Reason.URGENT: "紧急情况", Reason.FALLBACK: "多次未能理解",
                Reason.REPORT: "强制报告", Reason.COMPLAINT: "投诉（请乡镇或县民政处理）"}


class ClaimOutcome(Enum):
    """What became of a claim."""

    CLAIMED = "claimed"  # now (or already) the claimant's
    HELD_BY_ANOTHER = "held_by_another"
    CLOSED = "closed"  # no open ticket by that number


@dataclass(frozen=True)
class Claim:
    """The result of ``claim_ticket``: the outcome and, when someone else has it, who."""

    outcome: ClaimOutcome
    holder: str | None = None

    @property
    def taken(self) -> bool:
        """Whether the claimant has the ticket now."""
        return self.outcome is ClaimOutcome.CLAIMED


def _open_ticket_of(session: Session, sender_id: str) -> HandoffTicket | None:
    """The sender's open ticket (there is at most one: opening another reuses it)."""
    return session.scalar(
        select(HandoffTicket)
        .where(HandoffTicket.sender_id == sender_id, HandoffTicket.status != Status.CLOSED.value)
        .order_by(HandoffTicket.id.desc())
    )


def place_of(session: Session, sender_id: str) -> tuple[str | None, str | None, str | None]:
    """(county, township, village) of a user as far as the records know: their verified place, else their
    latest registration, else their latest report's township. Decides who sees their ticket in the staff desk."""
    from records.models import ConcernReport, Person, Registration

    person = session.scalar(select(Person).where(Person.sender_id == sender_id))
    if person is not None and (person.county or person.township or person.village):
        return person.county, person.township, person.village
    registration = session.scalar(select(Registration).where(Registration.sender_id == sender_id)
                                  .order_by(Registration.id.desc()))
    if registration is not None:
        return registration.county, registration.township, registration.village
    report = session.scalar(select(ConcernReport).where(ConcernReport.sender_id == sender_id)
                            .order_by(ConcernReport.id.desc()))
    if report is not None:
        return report.county, report.township, None
    return None, None, None


def open_ticket_in(session: Session, sender_id: str, reason: str, summary: str = "", urgent: bool = False) -> str:
    """Open a ticket in ``session``, or return the sender's ticket that is already open.

    An urgent request upgrades an open ticket to urgent.
    """
    ticket = _open_ticket_of(session, sender_id)
    if ticket is not None:
        if urgent and not ticket.urgent:
            ticket.urgent = True
            ticket.reason = reason
        elif REASON_WEIGHT.get(reason, 0) > REASON_WEIGHT.get(ticket.reason, 0):
            ticket.reason = reason  # a report joining a plain request makes it a report's follow-up
        if summary and summary not in ticket.summary:
            ticket.summary = (ticket.summary + "；" + summary).strip("；")[:2000]
        return ticket.ref
    ref = unused_reference(session, HandoffTicket, "ticket")
    county, township, village = place_of(session, sender_id)
    session.add(HandoffTicket(ref=ref, sender_id=sender_id, reason=reason, urgent=urgent, summary=summary,
                              county=county, township=township, village=village))
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
            .where(HandoffTicket.status != Status.CLOSED.value)
            .order_by(HandoffTicket.urgent.desc(), HandoffTicket.id)
        ).all()


def close_ticket(ref: str) -> bool:
    """Close a ticket by its reference number; False when there is no such open ticket."""
    with session_scope() as session:
        ticket = session.scalar(
            select(HandoffTicket).where(HandoffTicket.ref == ref, HandoffTicket.status != Status.CLOSED.value)
        )
        if ticket is None:
            return False
        ticket.status = Status.CLOSED.value
        ticket.closed_at = utc_now()
        return True


# ---- the staff side of a handoff (used by the Telegram relay) ------------------------------------

# Tickets whose user talks to a person, not the bot, while open. A report's ticket is a follow-up:
# staff see it and can write to the reporter, but the bot keeps answering.
PAUSING_REASONS = (Reason.USER_REQUEST, Reason.URGENT, Reason.FALLBACK, Reason.COMPLAINT)


def open_ticket_for(sender_id: str) -> HandoffTicket | None:
    """The sender's open ticket, if any."""
    with session_scope() as session:
        return _open_ticket_of(session, sender_id)


def tickets_without_topic() -> Sequence[HandoffTicket]:
    """Open tickets the staff group has not been shown yet, oldest first."""
    with session_scope() as session:
        return session.scalars(
            select(HandoffTicket)
            .where(HandoffTicket.status != Status.CLOSED.value, HandoffTicket.topic_id.is_(None))
            .order_by(HandoffTicket.id)
        ).all()


def set_topic(ref: str, topic_id: int) -> None:
    """Record the staff group topic (or thread) that carries this ticket."""
    with session_scope() as session:
        ticket = session.scalar(select(HandoffTicket).where(HandoffTicket.ref == ref))
        if ticket is not None:
            ticket.topic_id, ticket.alerted_at = topic_id, utc_now()


def ticket_by_topic(topic_id: int) -> HandoffTicket | None:
    """The open ticket a staff group topic carries."""
    with session_scope() as session:
        return session.scalar(
            select(HandoffTicket).where(HandoffTicket.topic_id == topic_id, HandoffTicket.status != Status.CLOSED.value)
        )


def claim_ticket(ref: str, staff_id: str) -> Claim:
    """Let ``staff_id`` take the ticket: claimed (also when it was theirs already), held by another, or closed."""
    with session_scope() as session:
        ticket = session.scalar(select(HandoffTicket).where(HandoffTicket.ref == ref,
                                                            HandoffTicket.status != Status.CLOSED.value))
        if ticket is None:
            return Claim(ClaimOutcome.CLOSED)
        if ticket.claimed_by and ticket.claimed_by != staff_id:
            return Claim(ClaimOutcome.HELD_BY_ANOTHER, ticket.claimed_by)
        ticket.claimed_by, ticket.claimed_at, ticket.status = staff_id, utc_now(), Status.CLAIMED.value
        return Claim(ClaimOutcome.CLAIMED, staff_id)


def add_handoff_message(ticket_id: int, author: str, text: str, author_id: str | None = None) -> None:
    """Keep one message of a handoff with its ticket."""
    from records.models import HandoffMessage

    with session_scope() as session:
        session.add(HandoffMessage(ticket_id=ticket_id, author=author, author_id=author_id, text=text[:4000]))


def handoff_messages(ref: str) -> list[tuple[str, str]]:
    """(author, text) of every message of a ticket, in order."""
    from records.models import HandoffMessage

    with session_scope() as session:
        return [(m.author, m.text) for m in session.scalars(
            select(HandoffMessage).join(HandoffTicket, HandoffMessage.ticket_id == HandoffTicket.id)
            .where(HandoffTicket.ref == ref).order_by(HandoffMessage.id)
        )]


def unclaimed_since(minutes: float) -> Sequence[HandoffTicket]:
    """Open tickets shown to staff more than ``minutes`` ago that nobody claimed or re-alerted yet."""
    cutoff = utc_now() - dt.timedelta(minutes=minutes)
    with session_scope() as session:
        tickets = session.scalars(
            select(HandoffTicket).where(
                HandoffTicket.status == Status.OPEN.value, HandoffTicket.topic_id.is_not(None),
                HandoffTicket.claimed_by.is_(None), HandoffTicket.realerted_at.is_(None),
            )
        ).all()
    return [t for t in tickets if t.alerted_at is not None and as_utc(t.alerted_at) <= cutoff]


def mark_realerted(ref: str) -> None:
    """Record that the group was alerted again and the user given the hotlines."""
    with session_scope() as session:
        ticket = session.scalar(select(HandoffTicket).where(HandoffTicket.ref == ref))
        if ticket is not None:
            ticket.realerted_at = utc_now()


# ---- the browser staff desk (desk/handoffs.py) and its mirror in the staff group ----------------

# What the user is told when staff end a handoff (from the staff group or the desk), and how a staff reply reads.
CLOSED_FOR_USER = "工作人员已结束这次对话。护童助手继续为您服务，有需要随时说。"
STAFF_REPLY = "工作人员：{text}"
# Outbox recipients ``staffgroup:<ticket ref>``: a line the desk wants shown in the ticket's staff group
# topic (a claim, reply or close made in the browser). The Telegram relay's sweep posts them; no user outlet
# takes them, as no user channel is called "staffgroup".
STAFF_GROUP = "staffgroup"


def staff_group_recipient(ref: str) -> str:
    """The outbox recipient of lines for ticket ``ref``'s staff group topic."""
    return f"{STAFF_GROUP}:{ref}"


def ticket_by_ref(ref: str) -> HandoffTicket | None:
    """A ticket by its reference number, open or closed."""
    with session_scope() as session:
        return session.scalar(select(HandoffTicket).where(HandoffTicket.ref == ref))
