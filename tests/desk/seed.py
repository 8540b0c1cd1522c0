"""Plain functions that put records in places for the desk's tests: children, registrations, visit logs with
their photos and locations, reports with the notifications filing would queue, tickets, people.

Each writes straight to the models (no routing, no audit), in its own transaction, and returns the new
record's reference number. Places default to the example directory's 北碚区 歇马街道 大磨滩村
(records/data/villages.yml); pass ``village=``/``township=``/``county=`` for another place.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Iterable, Sequence

from sqlalchemy import insert, select

from records.db import session_scope, utc_now
from records.models import (
    Child,
    ConcernReport,
    HandoffMessage,
    HandoffTicket,
    Notification,
    Person,
    Registration,
    VisitAttachment,
    VisitLog,
)
from records.refs import new_reference, unused_reference

COUNTY, TOWNSHIP, VILLAGE = "北碚区", "歇马街道", "大磨滩村"
TODAY = dt.date.today


def _key() -> str:
    return uuid.uuid4().hex


def _ago(minutes: float) -> dt.datetime:
    return utc_now() - dt.timedelta(minutes=minutes)


def person(role: str, sender_id: str | None = None, *, county: str | None = COUNTY, township: str | None = None,
           village: str | None = None) -> str:
    """A verified person (director, supervisor, staff, admin) at a place; returns their sender id."""
    sender_id = sender_id or f"tg:{uuid.uuid4().int % 10**9}"
    with session_scope() as session:
        session.add(Person(sender_id=sender_id, role=role, county=county, township=township, village=village))
    return sender_id


def child(name: str = "王小明", *, village: str = VILLAGE, township: str = TOWNSHIP, county: str = COUNTY,
          risk: str | None = "一般", next_due: dt.date | None = None, last_visit: dt.date | None = None,
          id_number: str | None = None) -> str:
    """A child's file; ``next_due`` defaults to a month from today. Returns the child's ref."""
    with session_scope() as session:
        ref = unused_reference(session, Child, "child")
        session.add(Child(ref=ref, name=name, id_number=id_number, county=county, township=township, village=village,
                          risk_level=risk, last_visit_date=last_visit,
                          next_visit_due=next_due if next_due is not None else TODAY() + dt.timedelta(days=30)))
    return ref


def _child_row(session, child_ref: str | None) -> Child | None:
    return session.scalar(select(Child).where(Child.ref == child_ref)) if child_ref else None


def registration(child_ref: str | None = None, *, child_name: str | None = None, child_age: int = 8,
                 village: str | None = None, township: str | None = None, county: str | None = None,
                 status: str = "new", sender_id: str = "tg:1001", carer_name: str = "李桂兰",
                 carer_relation: str = "奶奶", carer_phone: str = "13812345678", parent_phone: str = "13987654321",
                 work_city: str = "广州", expected_return: str = "春节", minutes_ago: float = 0) -> str:
    """A departure registration, for ``child_ref``'s child (its name and place) or a named child at a place."""
    with session_scope() as session:
        kid = _child_row(session, child_ref)
        ref = unused_reference(session, Registration, "registration")
        session.add(Registration(
            ref=ref, submission_key=_key(), sender_id=sender_id, child_id=kid.id if kid else None,
            child_name=child_name or (kid.name if kid else "王小明"), child_age=child_age,
            village=village or (kid.village if kid else VILLAGE), township=township or (kid.township if kid else TOWNSHIP),
            county=county or (kid.county if kid else COUNTY), carer_name=carer_name, carer_relation=carer_relation,
            carer_phone=carer_phone, work_city=work_city, parent_phone=parent_phone, expected_return=expected_return,
            consent_to_share=True, status=status, created_at=_ago(minutes_ago)))
    return ref


def visit_log(child_ref: str, *, visit_date: dt.date | None = None, risk: str = "一般",
              next_date: dt.date | None = None, findings: str = "孩子在家，奶奶照顾，情况良好。", kind: str = "入户",
              sender_id: str = "tg:2001", photos: Sequence[str] = (), locations: Iterable[tuple[float, float]] = (),
              update_child: bool = True) -> str:
    """A visit log for the child, with photos (file ids, e.g. ``file:abc.jpg`` under the media folder) and
    locations (latitude, longitude); by default it moves the child's last visit, risk and next due date."""
    visit_date = visit_date or TODAY()
    next_date = next_date or visit_date + dt.timedelta(days=30)
    with session_scope() as session:
        kid = _child_row(session, child_ref)
        assert kid is not None, f"no child {child_ref}"
        ref = unused_reference(session, VisitLog, "visit")
        session.add(VisitLog(ref=ref, submission_key=_key(), sender_id=sender_id, child_id=kid.id, child_name=kid.name,
                             village=kid.village, visit_date=visit_date, kind=kind, findings=findings,
                             risk_level=risk, next_visit_date=next_date))
        for file_id in photos:
            session.add(VisitAttachment(sender_id=sender_id, kind="photo", file_id=file_id, visit_ref=ref))
        for latitude, longitude in locations:
            session.add(VisitAttachment(sender_id=sender_id, kind="location", latitude=latitude, longitude=longitude,
                                        visit_ref=ref))
        if update_child:
            kid.last_visit_date, kid.risk_level, kid.next_visit_due = visit_date, risk, next_date
    return ref


def report(*, situation: int = 4, urgent: bool = False, police_called: bool = False, township: str | None = TOWNSHIP,
           county: str | None = COUNTY, sender_id: str = "tg:3001", description: str = "孩子身上经常青一块紫一块。",
           child: str = "王小明，8岁", place: str = "大磨滩村", occurred: str = "最近一周",
           reporter_role: str = "邻居或其他群众", anonymous: bool = False, notify: Sequence[str] = (),
           ticket_status: str | None = "open", minutes_ago: float = 0) -> str:
    """A mandatory report; ``notify``: the sender ids filing would have told (notifications ``report:<ref>:<id>``);
    ``ticket_status``: the follow-up ticket filing opens for the reporter (None: no ticket)."""
    with session_scope() as session:
        ref = unused_reference(session, ConcernReport, "report")
        session.add(ConcernReport(ref=ref, submission_key=_key(), sender_id=sender_id, description=description,
                                  situation=situation, child=child, place=place, occurred=occurred,
                                  police_called=police_called, reporter_role=reporter_role, township=township,
                                  county=county, urgent=urgent, anonymous=anonymous, created_at=_ago(minutes_ago)))
        for who in notify:
            session.add(Notification(recipient=who, kind="urgent" if urgent else "report",
                                     text=f"新的强制报告 {ref}", dedupe_key=f"report:{ref}:{who}"))
    if ticket_status:
        ticket(sender_id, "urgent" if urgent else "report", urgent, county, township, None, minutes_ago,
               status=ticket_status, summary=f"强制报告 {ref}")
    return ref


def ticket(sender_id: str = "tg:4001", reason: str = "user_request", urgent: bool = False,
           county: str | None = COUNTY, township: str | None = TOWNSHIP, village: str | None = VILLAGE,
           minutes_ago: float = 0, *, status: str = "open", summary: str = "", claimed_by: str | None = None,
           messages: Sequence[str] = ()) -> str:
    """A handoff ticket opened ``minutes_ago`` at a place, with the user's ``messages``."""
    with session_scope() as session:
        ref = unused_reference(session, HandoffTicket, "ticket")
        opened = _ago(minutes_ago)
        row = HandoffTicket(ref=ref, sender_id=sender_id, reason=reason, urgent=urgent, status=status,
                            summary=summary, created_at=opened, county=county, township=township, village=village,
                            claimed_by=claimed_by, claimed_at=opened if claimed_by else None,
                            closed_at=utc_now() if status == "closed" else None)
        session.add(row)
        session.flush()
        for text in messages:
            session.add(HandoffMessage(ticket_id=row.id, author="user", author_id=sender_id, text=text, at=opened))
    return ref


def many_children(count: int, *, village: str = VILLAGE, township: str = TOWNSHIP, county: str = COUNTY,
                  overdue_every: int = 5) -> None:
    """``count`` children at once (for timing a list), every ``overdue_every``-th overdue."""
    today = TODAY()
    rows = [{"ref": new_reference("child") + f"{i:06d}"[-6:], "name": f"张{i % 100:02d}", "county": county,
             "township": township, "village": village, "risk_level": ("高", "一般", "无")[i % 3],
             "next_visit_due": today - dt.timedelta(days=3) if i % overdue_every == 0 else today + dt.timedelta(days=i % 60)}
            for i in range(count)]
    with session_scope() as session:
        session.execute(insert(Child), rows)
