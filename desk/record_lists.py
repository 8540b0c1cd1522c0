"""The records the desk lists and exports, each query kept to the signed-in user's scope.

The pages (desk/pages/records.py) and the exports (desk/exports.py) read the same lists through these
functions, so a row a user may not see on a page cannot reach them in a file either. Every condition starts
from ``Scope(user).where(Model)``; the helpers here only add the user's filters, paging and the facts a
list shows beside each row (who was told of a report, its follow-up ticket, a visit's photos).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from desk.scopes import Scope
from records.db import as_utc
from records.situations import SITUATION_NAMES
from records.models import (
    ROLE_NAMES,
    Child,
    ConcernReport,
    HandoffTicket,
    Notification,
    Person,
    Registration,
    VisitAttachment,
    VisitLog,
)

PER_PAGE = 50
CHINA = dt.timezone(dt.timedelta(hours=8))  # the desk's users are in China: times are shown in 北京时间
RISKS = ("高", "一般", "无")
RISK_NAMES = {"高": "高风险", "一般": "一般风险", "无": "无风险", None: "未评估", "": "未评估"}
REGISTRATION_STATUSES = {"new": "新报备", "seen": "已查看"}
TICKET_STATUSES = {"open": "待处理", "claimed": "处理中", "closed": "已关闭"}


def local_time(moment: dt.datetime | None) -> str:
    """A stored UTC timestamp as 北京时间 ``2025-03-01 14:05``."""
    if moment is None:
        return ""
    return as_utc(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def situation_name(number: int | None) -> str:
    """'第4类：多处损伤…' for a report's situation number."""
    if number is None:
        return "未选择"
    label = SITUATION_NAMES.get(int(number))
    return f"第{number}类：{label}" if label else f"第{number}类"


# ---- paging ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paged:
    """One page of a list and where it sits in the whole."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))


def page_number(value: str | None) -> int:
    """A page number from the query string; anything odd is the first page."""
    return int(value) if value and value.isdigit() and 0 < int(value) < 1_000_000 else 1


def paged(session: Session, query: Select, page: int, per_page: int = PER_PAGE) -> Paged:
    """Page ``page`` of ``query`` (which selects one entity or a tuple of columns) and the total count."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = min(page, max(1, -(-total // per_page)))
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    items = [row[0] if len(row) == 1 else row for row in rows]
    return Paged(items, total, page, per_page)


# ---- the lists ---------------------------------------------------------------------------------------


def visit_in_scope(scope: Scope) -> ColumnElement[bool]:
    """Visit logs in scope: by village name (``Scope.where``) and, when the log names its child, the child in
    scope too (two townships may have a village of the same name; the child's file knows which is meant)."""
    return and_(scope.where(VisitLog),
                or_(VisitLog.child_id.is_(None), VisitLog.child_id.in_(select(Child.id).where(scope.where(Child)))))


def parse_place(value: str | None) -> tuple[str | None, str | None]:
    """A village filter ``歇马街道/大磨滩村`` (or a bare village name) as (township, village)."""
    value = (value or "").strip()
    if not value:
        return None, None
    township, _, village = value.rpartition("/")
    return township or None, village or None


def children_query(scope: Scope, *, place: str | None = None, risk: str | None = None,
                   overdue_on: dt.date | None = None) -> Select:
    """Children in scope, by village then due date; ``overdue_on``: only those due before that day."""
    query = select(Child).where(scope.where(Child))
    township, village = parse_place(place)
    if village:
        query = query.where(Child.village == village)
    if township:
        query = query.where(Child.township == township)
    if risk in RISKS:
        query = query.where(Child.risk_level == risk)
    elif risk == "none":
        query = query.where(or_(Child.risk_level.is_(None), Child.risk_level == ""))
    if overdue_on is not None:
        return query.where(Child.next_visit_due.is_not(None), Child.next_visit_due < overdue_on) \
            .order_by(Child.next_visit_due, Child.id)
    return query.order_by(Child.township, Child.village, Child.next_visit_due.is_(None), Child.next_visit_due,
                          Child.id)


def registrations_query(scope: Scope, *, status: str | None = "new") -> Select:
    """Registrations in scope, newest first; ``status`` new / seen, or None for all."""
    query = select(Registration).where(scope.where(Registration))
    if status in REGISTRATION_STATUSES:
        query = query.where(Registration.status == status)
    return query.order_by(Registration.id.desc())


def visits_query(scope: Scope, *, place: str | None = None) -> Select:
    """Visit logs in scope, latest visit first."""
    query = select(VisitLog).where(visit_in_scope(scope))
    _township, village = parse_place(place)
    if village:
        query = query.where(VisitLog.village == village)
    return query.order_by(VisitLog.visit_date.desc(), VisitLog.id.desc())


def reports_query(scope: Scope, *, urgent_only: bool = False) -> Select:
    """Mandatory reports in scope, newest first."""
    query = select(ConcernReport).where(scope.where(ConcernReport))
    if urgent_only:
        query = query.where(ConcernReport.urgent.is_(True))
    return query.order_by(ConcernReport.id.desc())


def village_choices(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """The (township, village) pairs that have children in scope: the village filter's options."""
    return [tuple(row) for row in session.execute(
        select(Child.township, Child.village).where(scope.where(Child)).distinct()
        .order_by(Child.township, Child.village))]


def counts(session: Session, scope: Scope, today: dt.date) -> dict[str, int]:
    """How many rows each list has: the overview's figures."""
    def count(query: Select) -> int:
        return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0

    return {
        "registrations": count(registrations_query(scope, status="new")),
        "children": count(children_query(scope)),
        "overdue": count(children_query(scope, overdue_on=today)),
        "visits": count(visits_query(scope)),
        "reports": count(reports_query(scope)),
        "urgent_reports": count(reports_query(scope, urgent_only=True)),
    }


# ---- what a list shows beside its rows -----------------------------------------------------------


def chunks(items: Sequence[Any], size: int = 400) -> Iterable[Sequence[Any]]:
    """``items`` in slices small enough for one SQL statement's parameters."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def child_refs(session: Session, child_ids: Iterable[int | None]) -> dict[int, str]:
    """The reference numbers of children by id."""
    ids = sorted({i for i in child_ids if i is not None})
    found: dict[int, str] = {}
    for part in chunks(ids):
        found.update({row.id: row.ref for row in session.execute(select(Child.id, Child.ref).where(Child.id.in_(part)))})
    return found


@dataclass(frozen=True)
class Told:
    """One person a report was routed to, and whether the message has reached them."""

    recipient: str
    who: str
    delivered: bool


def _who(person: Person | None, recipient: str) -> str:
    if person is None:
        return recipient
    place = {"director": person.village, "supervisor": person.township, "staff": person.county}.get(person.role)
    return f"{ROLE_NAMES.get(person.role, person.role)}" + (f"（{place}）" if place else "")


def told_of_reports(session: Session, refs: Sequence[str]) -> dict[str, list[Told]]:
    """Who each report was routed to: the notifications filing queued for it (``report:<ref>:<recipient>``,
    records/filing.py), with each recipient's role and place."""
    told: dict[str, list[Told]] = {ref: [] for ref in refs}
    for part in chunks(list(refs), 200):
        rows = session.execute(
            select(Notification, Person).join(Person, Person.sender_id == Notification.recipient, isouter=True)
            .where(or_(*[Notification.dedupe_key.like(f"report:{ref}:%") for ref in part]))
            .order_by(Notification.id)).all()
        for notification, person in rows:
            ref = notification.dedupe_key.split(":")[1]
            if ref in told:
                told[ref].append(Told(notification.recipient, _who(person, notification.recipient),
                                      notification.delivered_at is not None))
    return told


def told_summary(told: list[Told]) -> str:
    """'儿童督导员（歇马街道）、民政工作人员（北碚区）×2' for a list."""
    if not told:
        return "没有通知记录（由工单跟进）"
    seen: dict[str, int] = {}
    for item in told:
        seen[item.who] = seen.get(item.who, 0) + 1
    return "、".join(who + (f"×{n}" if n > 1 else "") for who, n in seen.items())


def follow_ups(session: Session, scope: Scope, reports: Sequence[ConcernReport]) -> dict[str, HandoffTicket | None]:
    """Each report's follow-up ticket in scope: the ticket that names the report (filing opens one per report,
    records/filing.py), else the reporter's latest ticket; None when there is none the user may see."""
    found: dict[str, HandoffTicket | None] = {report.ref: None for report in reports}
    senders = sorted({report.sender_id for report in reports})
    tickets: list[HandoffTicket] = []
    for part in chunks(senders):
        tickets += session.scalars(select(HandoffTicket).where(scope.where(HandoffTicket),
                                                               HandoffTicket.sender_id.in_(part))
                                   .order_by(HandoffTicket.id.desc())).all()
    for report in reports:
        own = [t for t in tickets if t.sender_id == report.sender_id]
        found[report.ref] = next((t for t in own if report.ref in (t.summary or "")), own[0] if own else None)
    return found


def attachments_by_visit(session: Session, visit_refs: Sequence[str]) -> dict[str, list[VisitAttachment]]:
    """The photos, locations and voice notes filed with each visit log."""
    found: dict[str, list[VisitAttachment]] = {ref: [] for ref in visit_refs}
    for part in chunks(list(visit_refs)):
        for attachment in session.scalars(select(VisitAttachment).where(VisitAttachment.visit_ref.in_(part))
                                          .order_by(VisitAttachment.id)):
            found[attachment.visit_ref].append(attachment)
    return found
