"""CSV and Excel exports of the records lists: the rows of the user's scope, Chinese headers, safe to open.

What is masked: children's and carers' names are exported in full (a director planning visits, a township
planning follow-ups needs them, and the export is audited); phone numbers and ID numbers are exported in full
only to county staff and admins, who contact families and other departments; for directors and supervisors
they are masked (138****5678), as a file travels further than a page. A report's description is passed
through ``mask_text`` for them too.

Files are opened in Excel, so a cell starting with ``= + - @`` (or a tab / carriage return) gets a leading
single quote: a value typed by a parent can never run as a formula. CSV starts with a UTF-8 BOM so Excel
reads the Chinese; the xlsx file is written with openpyxl.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy.orm import Session

from desk.accounts import DeskUser
from desk.record_lists import (
    REGISTRATION_STATUSES,
    RISK_NAMES,
    TICKET_STATUSES,
    attachments_by_visit,
    child_refs,
    children_query,
    follow_ups,
    local_time,
    registrations_query,
    reports_query,
    situation_name,
    told_of_reports,
    told_summary,
    visits_query,
)
from desk.scopes import Scope
from records.privacy import mask_id_number, mask_phone, mask_text

KIND_NAMES = {"registrations": "外出务工报备", "children": "儿童名单", "overdue": "逾期未走访",
              "visits": "走访记录", "reports": "强制报告"}
RECORD_TYPES = {"registrations": "registration", "children": "child", "overdue": "child", "visits": "visit",
                "reports": "report"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 100_000  # a county's records fit many times over; a runaway export stops here


def full_personal_data(user: DeskUser) -> bool:
    """Whether ``user``'s exports carry phone and ID numbers unmasked (county staff and admins)."""
    return user.role in {"staff", "admin"}


def safe_cell(value: Any) -> Any:
    """A value fit for a spreadsheet cell: text that would start a formula is quoted, dates are text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@dataclass
class Table:
    """An export's headers and rows, and for the audit the children it names."""

    headers: list[str]
    rows: list[list[Any]]
    child_refs: list[str]


def _phone(user: DeskUser) -> Callable[[str | None], str]:
    return (lambda p: p or "") if full_personal_data(user) else mask_phone


def _registrations(session: Session, scope: Scope, user: DeskUser, params: dict[str, str], _today: dt.date) -> Table:
    status = params.get("status", "new")  # as the list: the new ones unless ``status`` says seen or all
    registrations = session.scalars(registrations_query(scope, status=status).limit(MAX_ROWS)).all()
    refs = child_refs(session, (r.child_id for r in registrations))
    phone = _phone(user)
    rows = [[r.ref, local_time(r.created_at), r.child_name, r.child_age, refs.get(r.child_id, ""), r.county,
             r.township, r.village, r.carer_name, r.carer_relation, phone(r.carer_phone), r.work_city,
             phone(r.parent_phone), r.expected_return, r.consent_to_share, REGISTRATION_STATUSES.get(r.status, r.status)]
            for r in registrations]
    return Table(["报备编号", "报备时间", "孩子姓名", "年龄", "儿童档案编号", "区县", "乡镇（街道）", "村（社区）",
                  "照顾人", "与孩子关系", "照顾人电话", "外出务工城市", "家长电话", "预计返回", "同意共享信息", "状态"],
                 rows, [refs[r.child_id] for r in registrations if r.child_id in refs])


def _children(session: Session, scope: Scope, user: DeskUser, params: dict[str, str], today: dt.date,
              overdue: bool = False) -> Table:
    query = children_query(scope, place=params.get("village"), risk=params.get("risk"),
                           overdue_on=today if overdue else None)
    children = session.scalars(query.limit(MAX_ROWS)).all()
    id_number = (lambda n: n or "") if full_personal_data(user) else mask_id_number
    rows = [[c.ref, c.name, id_number(c.id_number), c.county, c.township, c.village,
             RISK_NAMES.get(c.risk_level, c.risk_level), c.last_visit_date, c.next_visit_due]
            + ([(today - c.next_visit_due).days] if overdue else []) for c in children]
    headers = ["儿童档案编号", "姓名", "身份证号", "区县", "乡镇（街道）", "村（社区）", "风险等级", "上次走访", "下次应走访"]
    return Table(headers + (["逾期天数"] if overdue else []), rows, [c.ref for c in children])


def _overdue(session: Session, scope: Scope, user: DeskUser, params: dict[str, str], today: dt.date) -> Table:
    return _children(session, scope, user, params, today, overdue=True)


def _visits(session: Session, scope: Scope, user: DeskUser, params: dict[str, str], _today: dt.date) -> Table:
    visits = session.scalars(visits_query(scope, place=params.get("village")).limit(MAX_ROWS)).all()
    refs = child_refs(session, (v.child_id for v in visits))
    attachments = attachments_by_visit(session, [v.ref for v in visits])
    rows = []
    for v in visits:
        files = attachments[v.ref]
        places = "；".join(f"{a.latitude:.5f},{a.longitude:.5f}" for a in files
                          if a.kind == "location" and a.latitude is not None and a.longitude is not None)
        rows.append([v.ref, v.visit_date, v.child_name, refs.get(v.child_id, ""), v.village, v.kind, v.findings,
                     RISK_NAMES.get(v.risk_level, v.risk_level), v.next_visit_date,
                     sum(1 for a in files if a.kind == "photo"), places])
    return Table(["走访编号", "走访日期", "孩子姓名", "儿童档案编号", "村（社区）", "走访方式", "走访情况", "风险等级",
                  "下次走访", "照片数", "位置（纬度,经度）"], rows, [refs[v.child_id] for v in visits if v.child_id in refs])


def _reports(session: Session, scope: Scope, user: DeskUser, _params: dict[str, str], _today: dt.date) -> Table:
    reports = session.scalars(reports_query(scope).limit(MAX_ROWS)).all()
    told = told_of_reports(session, [r.ref for r in reports])
    tickets = follow_ups(session, scope, reports)
    text = (lambda t: t or "") if full_personal_data(user) else mask_text
    rows = []
    for r in reports:
        ticket = tickets[r.ref]
        rows.append([r.ref, local_time(r.created_at), situation_name(r.situation), r.urgent, r.police_called,
                     r.county, r.township, r.child, r.place, r.occurred, text(r.description), r.reporter_role,
                     r.anonymous, told_summary(told[r.ref]), ticket.ref if ticket else "",
                     TICKET_STATUSES.get(ticket.status, ticket.status) if ticket else ""])
    return Table(["报告编号", "报告时间", "情形", "紧急", "已报警", "区县", "乡镇（街道）", "涉及儿童", "地点", "发生时间",
                  "情况描述", "报告人身份", "报告人希望匿名", "已通知", "跟进工单", "工单状态"], rows, [])


BUILDERS: dict[str, Callable[[Session, Scope, DeskUser, dict[str, str], dt.date], Table]] = {
    "registrations": _registrations, "children": _children, "overdue": _overdue, "visits": _visits,
    "reports": _reports,
}


def build(kind: str, session: Session, user: DeskUser, params: dict[str, str], today: dt.date) -> Table:
    """The export of list ``kind`` (see ``KIND_NAMES``) for ``user``, with the list page's filters."""
    return BUILDERS[kind](session, Scope(user), user, params, today)


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file Excel opens with the Chinese intact (UTF-8 with BOM, CRLF lines)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    """An Excel workbook of one sheet (write-only mode: ten thousand rows in well under a second)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for row in [headers, *rows]:
        cells = [safe_cell(value) for value in row]
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
