"""A director's work list: new registrations from their village, visits due this week, visits overdue.

Reading it is reading children's records, so every child listed gets an audit
entry. ``queue_visit_reminders`` puts one reminder a day in the outbox for
each director with visits due or overdue.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from records.audit import record_access
from records.db import session_scope
from records.models import Child, Person, Registration
from records.outbox import queue
from records.people import Actor, NotAllowed
from records.schedule import end_of_week


@dataclass(frozen=True)
class DueChild:
    """A child whose visit is due: enough to plan the visit."""

    ref: str
    name: str
    due: dt.date
    risk_level: str | None
    last_visit: dt.date | None


@dataclass(frozen=True)
class NewRegistration:
    """A parent's registration the director has not seen yet."""

    ref: str
    child_name: str
    child_age: int
    carer: str
    carer_phone: str
    work_city: str
    expected_return: str


SCOPES = ("all", "overdue", "registrations")


@dataclass
class Worklist:
    """What a director has to do, as of ``today``; ``*_total`` count what the lists leave out."""

    village: str
    today: dt.date
    scope: str = "all"
    overdue: list[DueChild] = field(default_factory=list)
    due_this_week: list[DueChild] = field(default_factory=list)
    new_registrations: list[NewRegistration] = field(default_factory=list)
    overdue_total: int = 0
    due_this_week_total: int = 0
    new_registrations_total: int = 0


def _due(child: Child) -> DueChild:
    return DueChild(child.ref, child.name, child.next_visit_due, child.risk_level, child.last_visit_date)


def director_worklist(actor: Actor, today: dt.date, *, scope: str = "all", limit: int = 15) -> Worklist:
    """The work list of a verified director, at most ``limit`` entries per list.

    ``scope`` is what was asked: everything, only overdue visits, or only new
    registrations. Exactly the records returned are read, so exactly those are
    audited; new registrations are marked seen once listed.
    """
    if actor.role != "director" or not actor.village:
        raise NotAllowed("只有已验证的儿童主任能查看本村的走访名单。")
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    worklist = Worklist(village=actor.village, today=today, scope=scope)
    in_village = (Child.village == actor.village, Child.township == actor.township, Child.next_visit_due.is_not(None))
    with session_scope() as session:
        lists = []
        if scope in ("all", "overdue"):
            lists.append((worklist.overdue, "overdue_total", Child.next_visit_due < today))
        if scope == "all":
            lists.append((worklist.due_this_week, "due_this_week_total",
                          (Child.next_visit_due >= today) & (Child.next_visit_due <= end_of_week(today))))
        for target, total_name, condition in lists:
            setattr(worklist, total_name, session.scalar(
                select(func.count()).select_from(Child).where(*in_village, condition)) or 0)
            for child in session.scalars(
                select(Child).where(*in_village, condition).order_by(Child.next_visit_due, Child.id).limit(limit)
            ):
                target.append(_due(child))
                record_access(session, actor=actor.sender_id, actor_role=actor.role, action="read",
                              record_type="child", child_ref=child.ref, purpose="查看走访名单")
        if scope in ("all", "registrations"):
            new = (Registration.village == actor.village, Registration.township == actor.township,
                   Registration.status == "new")
            worklist.new_registrations_total = session.scalar(
                select(func.count()).select_from(Registration).where(*new)) or 0
            rows = session.execute(
                select(Registration, Child.ref)
                .join(Child, Registration.child_id == Child.id, isouter=True)
                .where(*new).order_by(Registration.id).limit(limit)
            ).all()
            for registration, child_ref in rows:
                worklist.new_registrations.append(NewRegistration(
                    registration.ref, registration.child_name, registration.child_age,
                    f"{registration.carer_name}（{registration.carer_relation}）", registration.carer_phone,
                    registration.work_city, registration.expected_return,
                ))
                registration.status = "seen"
                record_access(session, actor=actor.sender_id, actor_role=actor.role, action="read",
                              record_type="registration", record_ref=registration.ref, child_ref=child_ref,
                              purpose="儿童主任查看新报备")
    return worklist


def queue_visit_reminders(today: dt.date) -> int:
    """Queue today's reminder for every director with visits due this week or overdue; how many were queued.

    Run it daily (``python -m records reminders``; the Telegram relay runs it
    on a timer). Running it twice a day queues nothing more.
    """
    week_end = end_of_week(today)
    with session_scope() as session:
        directors = session.execute(
            select(Person.sender_id, Person.township, Person.village).where(Person.role == "director")
        ).all()
    queued = 0
    for sender_id, township, village in directors:
        try:
            with session_scope() as session:
                due = session.scalars(
                    select(Child.next_visit_due).where(
                        Child.village == village, Child.township == township,
                        Child.next_visit_due.is_not(None), Child.next_visit_due <= week_end)
                ).all()
                if not due:
                    continue
                overdue = sum(1 for day in due if day < today)
                text = f"走访提醒：本周有{len(due)}个孩子该走访了"
                text += f"（其中{overdue}个已经逾期）。" if overdue else "。"
                text += "对我说“我这周要走访谁”查看名单。"
                queued += queue(session, sender_id, "reminder", text, f"reminder:{sender_id}:{today.isoformat()}")
        except IntegrityError:  # another run queued it at the same moment
            continue
    return queued


_queued_on: dt.date | None = None


def queue_visit_reminders_once_today(today: dt.date) -> int:
    """``queue_visit_reminders`` unless this process already ran it today.

    For callers that run on every turn or on a timer (the chat, the relay):
    the database would refuse a second reminder anyway, this saves asking.
    """
    global _queued_on
    if _queued_on == today:
        return 0
    queued = queue_visit_reminders(today)
    _queued_on = today
    return queued
