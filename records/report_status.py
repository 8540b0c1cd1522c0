"""Where a person's own reports stand: what the staff's ticket for each says, for "上次我报的处理得咋样了".

A reporter who hears nothing back stops reporting; the bot can tell them what the records know (the report
reached staff, someone took it, it was dealt with) without showing anyone else's data. Every look is audited.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from records.audit import record_access
from records.db import session_scope
from records.models import ConcernReport, HandoffTicket, Person, TicketStatus

STATES = {TicketStatus.OPEN.value: "已转给工作人员，正在等待处理",
          TicketStatus.CLAIMED.value: "工作人员已经接手，正在跟进",
          TicketStatus.CLOSED.value: "工作人员已经处理完毕"}


@dataclass(frozen=True)
class ReportStatus:
    """One of the person's reports, as they may be told of it."""

    ref: str
    filed_on: dt.date | None
    situation: int
    state: str


def reports_of(sender_id: str, limit: int = 3) -> list[ReportStatus]:
    """The person's latest reports, newest first, each with the state of the ticket that follows it up."""
    found: list[ReportStatus] = []
    with session_scope() as session:
        person = session.scalar(select(Person).where(Person.sender_id == sender_id))
        role = person.role if person else "parent"
        reports = session.scalars(select(ConcernReport).where(ConcernReport.sender_id == sender_id)
                                  .order_by(ConcernReport.created_at.desc()).limit(limit)).all()
        for report in reports:
            ticket = session.scalar(select(HandoffTicket).where(HandoffTicket.summary.contains(report.ref)))
            state = STATES.get(ticket.status if ticket else TicketStatus.OPEN.value, STATES[TicketStatus.OPEN.value])
            filed_on = report.created_at.date() if report.created_at else None
            found.append(ReportStatus(report.ref, filed_on, report.situation, state))
            record_access(session, actor=sender_id, actor_role=role, action="read", record_type="report",
                          record_ref=report.ref, purpose="本人查询自己报告的进度")
    return found
