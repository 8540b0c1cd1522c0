"""A person's own data: given back on request, deleted on request (《未成年人保护法》第72条).

Deleting removes what the person gave: their registrations, the files of
children known only from them, their tickets, notifications and verified
role, their photos and locations. Mandatory reports and the tickets that follow
them up (or an emergency) stay, since a report of harm to a child is kept by
law, with the reporter's conversation id removed and their words in the ticket
cleared; a director's visit logs stay in the village's files. The audit log
keeps every step under a keyed pseudonym instead of the person's id.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update

from records.audit import record_access
from records.db import session_scope
from records.keys import pseudonym
from records.models import (
    ROLE_NAMES, AuditEntry, Child, ConcernReport, HandoffMessage, HandoffTicket, Invite, Notification, Person,
    Registration, TicketReason, TicketStatus, VisitAttachment, VisitLog,
)
from records.privacy import mask_text

ERASED = "erased"
CLEARED = "（本人要求删除，内容已清除）"
KEPT_TICKET_REASONS = (TicketReason.REPORT, TicketReason.URGENT)


@dataclass
class Erasure:
    """What was deleted and what was kept, for the reply."""

    registrations: int = 0
    children: int = 0
    tickets: int = 0
    notifications: int = 0
    attachments: int = 0
    role: str | None = None
    reports_kept: int = 0
    visits_kept: int = 0
    messages_cleared: int = 0  # the person's words in a kept ticket, replaced by a note
    audit_pseudonymised: int = 0  # audit rows that named the person now name a keyed pseudonym


@dataclass
class Export:
    """Everything stored about a person, as plain values."""

    role: str = "家长"
    place: str = ""
    registrations: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing stored but, at most, the role."""
        return not (self.registrations or self.visits or self.reports or self.tickets)


def export_data(sender_id: str) -> Export:
    """What the records hold about ``sender_id``: their role and everything they filed."""
    export = Export()
    with session_scope() as session:
        person = session.scalar(select(Person).where(Person.sender_id == sender_id))
        role = person.role if person else "parent"
        if person:
            export.role = ROLE_NAMES[person.role]
            export.place = "".join(p for p in (person.county, person.township, person.village) if p)
        for r in session.scalars(select(Registration).where(Registration.sender_id == sender_id)):
            export.registrations.append({
                "编号": r.ref, "孩子": r.child_name, "年龄": r.child_age, "村": f"{r.township or ''}{r.village}",
                "照顾人": f"{r.carer_name}（{r.carer_relation}）", "照顾人电话": r.carer_phone,
                "务工城市": r.work_city, "您的电话": r.parent_phone, "预计回来": r.expected_return,
            })
            record_access(session, actor=sender_id, actor_role=role, action="export", record_type="registration",
                          record_ref=r.ref, purpose="本人导出自己的信息")
        for v in session.scalars(select(VisitLog).where(VisitLog.sender_id == sender_id)):
            export.visits.append({"编号": v.ref, "孩子": v.child_name, "探访日期": v.visit_date.isoformat(),
                                  "风险等级": v.risk_level})
            record_access(session, actor=sender_id, actor_role=role, action="export", record_type="visit",
                          record_ref=v.ref, purpose="本人导出自己填写的探访记录")
        for c in session.scalars(select(ConcernReport).where(ConcernReport.sender_id == sender_id)):
            export.reports.append({"编号": c.ref, "情形": f"第{c.situation}类", "地点": c.place,
                                   "提交时间": c.created_at.strftime("%Y-%m-%d") if c.created_at else ""})
            record_access(session, actor=sender_id, actor_role=role, action="export", record_type="report",
                          record_ref=c.ref, purpose="本人导出自己提交的报告")
        for t in session.scalars(select(HandoffTicket).where(HandoffTicket.sender_id == sender_id)):
            export.tickets.append({"编号": t.ref, "状态": "已关闭" if t.status == TicketStatus.CLOSED else "处理中"})
    return export


def erase_data(sender_id: str) -> Erasure:
    """Delete what ``sender_id`` gave, in one transaction; see the module docstring for what stays.

    Nothing left names the person: the rows the law keeps (reports, the tickets that follow them up, visit
    logs, the audit log) carry a keyed pseudonym or nothing, their own words in a kept ticket are cleared,
    and a kept record's submission key is replaced, so it cannot confirm a guess of who sent it.
    """
    erasure = Erasure()
    alias = pseudonym(sender_id)
    with session_scope() as session:
        person = session.scalar(select(Person).where(Person.sender_id == sender_id))
        role = person.role if person else "parent"
        registrations = session.scalars(select(Registration).where(Registration.sender_id == sender_id)).all()
        child_ids = {r.child_id for r in registrations if r.child_id}
        for r in registrations:
            record_access(session, actor=alias, actor_role=role, action="delete", record_type="registration",
                          record_ref=r.ref, purpose="本人要求删除")
            session.delete(r)
        erasure.registrations = len(registrations)
        session.flush()
        for child in session.scalars(select(Child).where(Child.id.in_(child_ids))).all():
            others = session.scalar(select(func.count()).select_from(Registration)
                                    .where(Registration.child_id == child.id))
            visits = session.scalar(select(func.count()).select_from(VisitLog).where(VisitLog.child_id == child.id))
            if not others and not visits:
                record_access(session, actor=alias, actor_role=role, action="delete", record_type="child",
                              child_ref=child.ref, purpose="本人要求删除（档案只来自本人的报备）")
                session.delete(child)
                erasure.children += 1
        # A report's or an emergency's follow-up stays in the staff queue (a child may be at risk);
        # only the person's own requests for a person are deleted.
        for ticket in session.scalars(select(HandoffTicket).where(HandoffTicket.sender_id == sender_id)).all():
            messages = session.scalars(select(HandoffMessage).where(HandoffMessage.ticket_id == ticket.id)).all()
            if ticket.reason in KEPT_TICKET_REASONS:
                ticket.sender_id, ticket.summary = alias, mask_text(ticket.summary or "")
                for message in messages:
                    if message.author == "user" or message.author_id == sender_id:
                        message.text, message.author_id = CLEARED, alias
                        erasure.messages_cleared += 1
                    else:
                        message.text = mask_text(message.text)
            else:
                for message in messages:
                    session.delete(message)
                session.delete(ticket)
                erasure.tickets += 1
        erasure.attachments = session.execute(
            delete(VisitAttachment).where(VisitAttachment.sender_id == sender_id)).rowcount
        erasure.notifications = session.execute(
            delete(Notification).where(Notification.recipient == sender_id)).rowcount
        for report in session.scalars(select(ConcernReport).where(ConcernReport.sender_id == sender_id)):
            report.sender_id, report.submission_key = ERASED, _unlinkable()
            erasure.reports_kept += 1
            record_access(session, actor=alias, actor_role=role, action="update", record_type="report",
                          record_ref=report.ref, purpose="本人要求删除：报告依法保留，去掉报告人的会话标识")
        for visit in session.scalars(select(VisitLog).where(VisitLog.sender_id == sender_id)):
            visit.sender_id, visit.submission_key = ERASED, _unlinkable()
            erasure.visits_kept += 1
        for invite in session.scalars(select(Invite).where(Invite.used_by == sender_id)):
            invite.used_by = ERASED
        if person is not None:
            erasure.role = ROLE_NAMES[person.role]
            session.delete(person)
        erasure.audit_pseudonymised = session.execute(
            update(AuditEntry).where(AuditEntry.actor == sender_id).values(actor=alias)).rowcount
        record_access(session, actor=alias, actor_role=role, action="delete", record_type="person",
                      purpose="本人要求删除个人信息")
    return erasure


def _unlinkable() -> str:
    """A submission key that matches no answers: a kept record can no longer be tied to who sent it."""
    return "erased:" + secrets.token_hex(28)
