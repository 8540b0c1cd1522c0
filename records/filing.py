"""Filing what the forms collect: saved once, routed to the right people, audited, in one transaction.

- A departure registration goes to the village's child director (their queue
  and a notification); with no verified director yet, to the township
  supervisor and county staff, who assign it.
- A visit log is filed only by a verified director, only for a child of their
  village, and sets the child's next due visit.
- A report goes to the township supervisor and county staff; an urgent one is
  flagged and opens a handoff ticket at once.

Saving is idempotent: the caller passes a ``submission_key`` derived from the
conversation and the answers, and a second save with the same key returns the
first record instead of writing again (a resent message or a double tap files once).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from records.attachments import attach_waiting
from records.audit import record_access
from records.db import session_scope
from records.directory import Village, find_villages
from records.models import Child, ConcernReport, Registration, TicketReason, VisitLog
from records.outbox import queue
from records.people import Actor, NotAllowed, people_in
from records.privacy import mask_name
from records.refs import unused_reference
from records.schedule import first_visit_due
from records.tickets import open_ticket_in

Record = TypeVar("Record", Registration, VisitLog, ConcernReport)


@dataclass(frozen=True)
class Filed:
    """What became of a submission: its number, whether it was a resend, who was told."""

    ref: str
    duplicate: bool = False
    route: str = ""
    notified: int = 0
    ticket: str | None = None


def _existing(session: Session, model: type[Record], key: str) -> str | None:
    return session.scalar(select(model.ref).where(model.submission_key == key))


def _file(model: type[Record], key: str, write) -> Filed:
    """Run ``write(session)`` unless ``key`` was filed before; a concurrent duplicate loses cleanly.

    The unique ``submission_key`` is the real guard: when two copies race, the
    second one's whole transaction fails at commit and it answers with the first's number.
    """
    try:
        with session_scope() as session:
            existing = _existing(session, model, key)
            if existing:
                return Filed(existing, duplicate=True)
            return write(session)
    except IntegrityError:
        with session_scope() as session:
            existing = _existing(session, model, key)
        if existing is None:
            raise
        return Filed(existing, duplicate=True)


def _child_in_village(session: Session, village: Village, name: str, id_number: str | None) -> Child | None:
    query = select(Child).where(Child.village == village.name, Child.township == village.township)
    if id_number:
        same_id = session.scalar(query.where(Child.id_number == id_number))
        if same_id is not None:
            return same_id
    return session.scalar(
        query.where(Child.name == name, *([Child.id_number.is_(None) | (Child.id_number == id_number)] if id_number else []))
        .order_by(Child.id.desc())
    )


def _child_file(session: Session, village: Village, name: str, id_number: str | None, today: dt.date) -> tuple[Child, bool]:
    """The child's file in ``village``, made if there is none; and whether it was new."""
    child = _child_in_village(session, village, name, id_number)
    if child is not None:
        if id_number and not child.id_number:
            child.id_number = id_number
        return child, False
    child = Child(ref=unused_reference(session, Child, "child", today), name=name, id_number=id_number,
                  county=village.county, township=village.township, village=village.name,
                  next_visit_due=first_visit_due(today))
    session.add(child)
    session.flush()
    return child, True


def registration_recipients(session: Session, village: Village) -> tuple[list[str], str]:
    """Who hears of a registration in ``village`` and how to name them: the village's child director; with
    none verified yet, the township supervisor, else the county's staff, who assign one."""
    directors = people_in(session, "director", township=village.township, village=village.name)
    if directors:
        return directors, f"{village.label}的儿童主任"
    supervisors = people_in(session, "supervisor", township=village.township)
    if supervisors:
        return supervisors, f"{village.township}的儿童督导员"
    staff = people_in(session, "staff", county=village.county)
    return staff, f"{village.county}民政部门" if staff else "民政工作人员"


def registration_next_step(route: str) -> str:
    """What a notification about a registration asks its reader to do."""
    return "请对我说“有没有新的报备”查看详情。" if "儿童主任" in route else "请安排儿童主任跟进。"


def file_registration(
    actor: Actor,
    key: str,
    *,
    village: Village,
    child_name: str,
    child_age: int,
    child_id_number: str | None = None,
    today: dt.date | None = None,
    **fields: Any,
) -> Filed:
    """File a parent's departure registration and route it to the village's child director."""
    today = today or dt.date.today()

    def write(session: Session) -> Filed:
        child, new = _child_file(session, village, child_name, child_id_number, today)
        ref = unused_reference(session, Registration, "registration", today)
        session.add(Registration(
            ref=ref, submission_key=key, sender_id=actor.sender_id, child_id=child.id, child_name=child_name,
            child_age=child_age, village=village.name, township=village.township, county=village.county, **fields,
        ))
        record_access(session, actor=actor.sender_id, actor_role=actor.role, action="create",
                      record_type="registration", record_ref=ref, child_ref=child.ref, purpose="家长外出务工报备")
        if new:
            record_access(session, actor=actor.sender_id, actor_role=actor.role, action="create",
                          record_type="child", child_ref=child.ref, purpose="报备时建立儿童档案")
        recipients, route = registration_recipients(session, village)
        text = (f"{village.label}有一条新的外出务工报备（编号 {ref}）：孩子 {mask_name(child_name)}，"
                f"{child_age}岁。" + registration_next_step(route))
        if "儿童主任" not in route:
            text = f"{village.label}还没有已验证的儿童主任，" + text
        notified = sum(queue(session, who, "registration", text, f"registration:{ref}:{who}") for who in recipients)
        return Filed(ref, route=route, notified=notified)

    return _file(Registration, key, write)


def file_visit(
    actor: Actor,
    key: str,
    *,
    child_name: str,
    visit_date: dt.date,
    kind: str,
    findings: str,
    risk_level: str,
    next_visit_date: dt.date,
    today: dt.date | None = None,
) -> Filed:
    """File a director's visit log for a child of their village and set the child's next due visit."""
    if actor.role != "director" or not actor.village or not actor.township:
        raise NotAllowed("探访记录只能由已验证的儿童主任填写。")
    today = today or dt.date.today()
    village = Village(actor.county or "", actor.township, actor.village)

    def write(session: Session) -> Filed:
        child, new = _child_file(session, village, child_name, None, today)
        ref = unused_reference(session, VisitLog, "visit", today)
        session.add(VisitLog(
            ref=ref, submission_key=key, sender_id=actor.sender_id, child_id=child.id, child_name=child_name,
            village=village.name, visit_date=visit_date, kind=kind, findings=findings, risk_level=risk_level,
            next_visit_date=next_visit_date,
        ))
        if child.last_visit_date is None or visit_date >= child.last_visit_date:
            child.last_visit_date, child.risk_level, child.next_visit_due = visit_date, risk_level, next_visit_date
        record_access(session, actor=actor.sender_id, actor_role=actor.role, action="create", record_type="visit",
                      record_ref=ref, child_ref=child.ref, purpose="儿童主任填写探访记录")
        attach_waiting(session, actor.sender_id, ref)
        record_access(session, actor=actor.sender_id, actor_role=actor.role,
                      action="create" if new else "update", record_type="child", child_ref=child.ref,
                      purpose="探访后更新风险等级和下次探访日期")
        return Filed(ref, route=village.label)

    return _file(VisitLog, key, write)


def report_place(actor: Actor, place_text: str) -> tuple[str | None, str | None]:
    """The township and county a report is about: the reporter's own, or the village its place names."""
    if actor.township:
        return actor.township, actor.county
    named = find_villages(place_text)
    if len(named) == 1:
        return named[0].township, named[0].county
    if actor.county:
        return None, actor.county
    return None, None


def file_report(actor: Actor, key: str, *, urgent: bool, situation_text: str, **fields: Any) -> Filed:
    """File a mandatory report; route it to the township supervisor and county staff.

    Every report opens a handoff ticket so a person follows it up; an urgent one
    is flagged so it is dealt with first, and its notifications say so.
    """
    township, county = report_place(actor, fields.get("place", ""))

    def write(session: Session) -> Filed:
        ref = unused_reference(session, ConcernReport, "report")
        session.add(ConcernReport(ref=ref, submission_key=key, sender_id=actor.sender_id, township=township,
                                  county=county, urgent=urgent, **fields))
        record_access(session, actor=actor.sender_id, actor_role=actor.role, action="create", record_type="report",
                      record_ref=ref, purpose="强制报告")
        ticket = open_ticket_in(session, actor.sender_id, TicketReason.URGENT if urgent else TicketReason.REPORT,
                                summary=f"强制报告 {ref}，{situation_text}" + ("（报告人希望匿名）" if fields.get("anonymous") else ""),
                                urgent=urgent)
        supervisors = people_in(session, "supervisor", township=township) if township else []
        staff = people_in(session, "staff", county=county)
        flag = "【紧急】" if urgent else ""
        where = township or county or "未能确定乡镇"
        text = (f"{flag}新的强制报告 {ref}（{where}）：{situation_text}。工单 {ticket}。"
                + ("请立即处理。" if urgent else "请及时跟进。")
                + ("报告人希望不公开身份，请勿向孩子家人透露报告人。" if fields.get("anonymous") else ""))
        recipients = list(dict.fromkeys(supervisors + staff))
        notified = sum(queue(session, who, "urgent" if urgent else "report", text, f"report:{ref}:{who}")
                       for who in recipients)
        parts = [f"{township}的儿童督导员"] if supervisors else []
        parts += [f"{county}民政部门" if county else "县民政部门"] if staff else []
        route = "和".join(parts) or "民政工作人员"  # nobody verified yet: the ticket queue staff read
        return Filed(ref, route=route, notified=notified, ticket=ticket)

    return _file(ConcernReport, key, write)
