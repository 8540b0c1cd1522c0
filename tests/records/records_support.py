"""Small helpers the records tests share (fixtures are in conftest.py).

They write and read through ``records.db.session_scope``, i.e. the database
the ``db_url`` fixture configured.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from records.db import session_scope
from records.directory import Village, find_villages
from records.filing import Filed, file_registration, file_report
from records.keys import submission_key
from records.models import AuditEntry, Child, Notification, Person
from records.people import Actor, actor_for

TODAY = dt.date(2026, 12, 1)  # a Tuesday; that week's Sunday is 2026-12-06
COUNTY = "北碚区"


def village(name: str, township: str | None = None) -> Village:
    """The one directory village called ``name`` (in ``township`` when the name is ambiguous)."""
    found = find_villages(f"{township or ''}{name}")
    assert len(found) == 1, f"{township or ''}{name} is not one directory village: {found}"
    return found[0]


def make_person(sender_id: str, role: str, *, village_name: str | None = None, township: str | None = None,
                county: str | None = COUNTY) -> Actor:
    """Insert a verified ``Person`` directly (as a redeemed invite leaves it); returns them as an Actor.

    A director's township is looked up in the directory from ``village_name`` unless given.
    """
    if role == "director":
        place = village(village_name or "大磨滩村", township)
        county, township, village_name = place.county, place.township, place.name
    with session_scope() as session:
        session.add(Person(sender_id=sender_id, role=role, county=county, township=township, village=village_name))
    return actor_for(sender_id)


def parent(sender_id: str = "tg:parent-1") -> Actor:
    """An unverified person: a parent."""
    return Actor(sender_id)


def make_child(name: str, *, village_name: str = "大磨滩村", township: str | None = None,
               next_visit_due: dt.date | None = None, risk_level: str | None = None,
               last_visit: dt.date | None = None, ref: str | None = None, id_number: str | None = None) -> Child:
    """Insert a child's file directly."""
    place = village(village_name, township)
    with session_scope() as session:
        count = session.scalar(select(func.count()).select_from(Child))
        child = Child(ref=ref or f"ET20261201-T{count:03d}", name=name, id_number=id_number, county=place.county,
                      township=place.township, village=place.name, risk_level=risk_level,
                      last_visit_date=last_visit, next_visit_due=next_visit_due)
        session.add(child)
    return child


REGISTRATION = {
    "child_name": "王小明",
    "child_age": 8,
    "carer_name": "李秀英",
    "carer_relation": "奶奶",
    "carer_phone": "13912345678",
    "work_city": "深圳",
    "parent_phone": "13812345678",
    "expected_return": "2027-02",
    "consent_to_share": True,
}


def register(actor: Actor, *, village_name: str = "大磨滩村", township: str | None = None, key: str | None = None,
             child_id_number: str | None = None, today: dt.date = TODAY, **overrides: Any) -> Filed:
    """File a departure registration as the departure form does (answers → key → file)."""
    answers = {**REGISTRATION, **overrides}
    place = village(village_name, township)
    key = key or submission_key(actor.sender_id, "departure_form",
                                {**answers, "village": place.label, "child_id_number": child_id_number})
    return file_registration(actor, key, village=place, child_id_number=child_id_number, today=today, **answers)


REPORT = {
    "description": "邻居家的孩子身上经常有伤，晚上听到打骂声",
    "situation": 1,
    "child": "赵小红，大约9岁",
    "place": "小区门口",
    "occurred": "最近一个月",
    "police_called": False,
    "reporter_role": "邻居",
}


def report(actor: Actor, *, urgent: bool = False, key: str | None = None, **overrides: Any) -> Filed:
    """File a mandatory report as the report form does."""
    answers = {**REPORT, **overrides}
    key = key or submission_key(actor.sender_id, "report_form", {**answers, "urgent": urgent})
    return file_report(actor, key, urgent=urgent, situation_text="遭受或者疑似遭受家庭暴力", **answers)


def rows(model: type, *where: Any) -> list[Any]:
    """Every row of a records table (optionally filtered), oldest first."""
    with session_scope() as session:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))


def count(model: type, *where: Any) -> int:
    """How many rows a records table holds (optionally filtered)."""
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)))


def notifications_for(recipient: str) -> list[Notification]:
    return rows(Notification, Notification.recipient == recipient)


def audit_log(*where: Any) -> list[AuditEntry]:
    return rows(AuditEntry, *where)


def audit_text(entries: list[AuditEntry]) -> str:
    """Every value of the audit entries, joined: to look for personal data in."""
    return "\n".join(
        " ".join(str(getattr(e, column)) for column in
                 ("actor", "actor_role", "action", "record_type", "record_ref", "child_ref", "purpose"))
        for e in entries
    )
