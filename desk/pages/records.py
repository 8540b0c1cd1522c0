"""Records: new registrations, children by village, the overdue list, visit logs, reports, exports, the audit log.

Every query goes through ``Scope(user).where`` (via desk/record_lists.py); a record outside the user's scope
answers 404, as if it did not exist. Lists show masked names and phones and are not audited (they show no
child's record); opening one record shows it in full to the people in scope and writes an audit entry in
the same transaction as the read, as the chat does. Exports are audited once as a whole (action ``export``,
the kind and row count in the purpose) and once per child they name, so a child's own trail shows them.
"""
from __future__ import annotations

import datetime as dt
import mimetypes
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from desk.accounts import DeskUser
from desk.exports import KIND_NAMES, RECORD_TYPES, build, csv_bytes, full_personal_data, xlsx_bytes
from desk.record_lists import (
    CHINA,
    REGISTRATION_STATUSES,
    RISK_NAMES,
    RISKS,
    TICKET_STATUSES,
    attachments_by_visit,
    child_refs,
    children_query,
    counts,
    follow_ups,
    local_time,
    page_number,
    paged,
    registrations_query,
    reports_query,
    situation_name,
    told_of_reports,
    told_summary,
    visit_in_scope,
    village_choices,
    visits_query,
)
from desk.scopes import Scope
from desk.web import not_found, page, render, settings_of
from records.audit import ACTIONS, record_access
from records.db import session_scope
from records.models import (
    AuditEntry,
    Child,
    ConcernReport,
    DeskAccount,
    Registration,
    VisitAttachment,
    VisitLog,
)
from records.privacy import mask_name, mask_phone
from records.__main__ import ACTION_NAMES

AUDIT_PER_PAGE = 100
TABS = (("registrations", "新的报备"), ("children", "儿童"), ("overdue", "逾期未走访"), ("visits", "走访记录"),
        ("reports", "强制报告"))
RECORD_TYPE_NAMES = {"child": "儿童档案", "registration": "报备", "visit": "走访记录", "report": "强制报告",
                     "ticket": "工单", "person": "人员", "invite": "邀请码"}
SAFE_MEDIA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
IMAGE_TYPES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}

# Shared by every records template.
HELPERS = {"mask_name": mask_name, "mask_phone": mask_phone, "local_time": local_time, "risk_name": RISK_NAMES.get,
           "situation_name": situation_name, "told_summary": told_summary, "TICKET_STATUSES": TICKET_STATUSES,
           "REGISTRATION_STATUSES": REGISTRATION_STATUSES, "TABS": TABS, "KIND_NAMES": KIND_NAMES}


def _today() -> dt.date:
    """Today by the server's calendar, as the chat's work list and reminders count it (records.worklist): the
    desk and the chat must agree on which child is overdue."""
    return dt.date.today()


def _url(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None drops one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return request.url.path + ("?" + urlencode(params) if params else "")


def _pager(request: Request, result) -> dict[str, Any]:
    return {"result": result,
            "prev_url": _url(request, page=result.page - 1) if result.page > 1 else None,
            "next_url": _url(request, page=result.page + 1) if result.page < result.pages else None}


def _export_query(request: Request) -> str:
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    return "?" + urlencode(params) if params else ""


def _list(request: Request, template: str, kind: str, **context: Any) -> Response:
    return render(request, template, tab=kind, export_query=_export_query(request), **HELPERS, **context)


# ---- lists ---------------------------------------------------------------------------------------------


@page()
async def overview(request: Request, user: DeskUser) -> Response:
    """What there is to do: how many new registrations, children, overdue visits, visits and reports."""
    with session_scope() as session:
        figures = counts(session, Scope(user), _today())
    return _list(request, "records/overview.html", "", figures=figures)


@page()
async def registrations(request: Request, user: DeskUser) -> Response:
    """Registrations, newest first: the new ones by default."""
    status = request.query_params.get("status", "new")
    with session_scope() as session:
        query = registrations_query(Scope(user), status=status if status in REGISTRATION_STATUSES else None)
        result = paged(session, query, page_number(request.query_params.get("page")))
        refs = child_refs(session, (r.child_id for r in result.items))
    return _list(request, "records/registrations.html", "registrations", status=status, child_refs=refs,
                 **_pager(request, result))


async def _children(request: Request, user: DeskUser, overdue: bool) -> Response:
    place, risk = request.query_params.get("village", ""), request.query_params.get("risk", "")
    today = _today()
    scope = Scope(user)
    with session_scope() as session:
        query = children_query(scope, place=place, risk=risk, overdue_on=today if overdue else None)
        result = paged(session, query, page_number(request.query_params.get("page")))
        choices = village_choices(session, scope)
    kind = "overdue" if overdue else "children"
    return _list(request, f"records/{kind}.html", kind, place=place, risk=risk, risks=RISKS, choices=choices,
                 today=today, **_pager(request, result))


@page()
async def children(request: Request, user: DeskUser) -> Response:
    """Children by village, with their risk level and next due visit; filters by village and risk."""
    return await _children(request, user, overdue=False)


@page()
async def overdue(request: Request, user: DeskUser) -> Response:
    """Children whose next visit was due before today, longest overdue first."""
    return await _children(request, user, overdue=True)


@page()
async def visits(request: Request, user: DeskUser) -> Response:
    """Visit logs, latest first, with how many photos and locations each has."""
    with session_scope() as session:
        result = paged(session, visits_query(Scope(user), place=request.query_params.get("village")),
                       page_number(request.query_params.get("page")))
        files = attachments_by_visit(session, [v.ref for v in result.items])
    return _list(request, "records/visits.html", "visits", files=files, **_pager(request, result))


@page()
async def reports(request: Request, user: DeskUser) -> Response:
    """Mandatory reports, newest first: situation, urgency, police, who was told, the follow-up."""
    scope = Scope(user)
    with session_scope() as session:
        result = paged(session, reports_query(scope, urgent_only=request.query_params.get("urgent") == "1"),
                       page_number(request.query_params.get("page")))
        told = told_of_reports(session, [r.ref for r in result.items])
        tickets = follow_ups(session, scope, result.items)
    return _list(request, "records/reports.html", "reports", told=told, tickets=tickets, **_pager(request, result))


# ---- one record (audited) ------------------------------------------------------------------------------


def _media_path(request: Request, file_id: str | None) -> Path | None:
    """The saved file of a photo (``file:<name>`` under the media folder), if it is there."""
    if not file_id or not file_id.startswith("file:"):
        return None
    name = file_id.removeprefix("file:")
    if not SAFE_MEDIA_NAME.match(name) or ".." in name:
        return None
    folder = Path(settings_of(request).media_dir).resolve()
    path = (folder / name).resolve()
    return path if path.parent == folder and path.is_file() else None


def _photos_and_places(request: Request, attachments: list[VisitAttachment]) -> dict[str, list[dict[str, Any]]]:
    photos, places = [], []
    for a in attachments:
        if a.kind == "photo":
            path = _media_path(request, a.file_id)
            photos.append({"id": a.id, "visit_ref": a.visit_ref, "file_id": a.file_id or "",
                           "viewable": bool(path and path.suffix.lower() in IMAGE_TYPES)})
        elif a.kind == "location" and a.latitude is not None and a.longitude is not None:
            places.append({"visit_ref": a.visit_ref, "lat": f"{a.latitude:.6f}", "lon": f"{a.longitude:.6f}",
                           "osm": f"https://www.openstreetmap.org/?mlat={a.latitude:.6f}&mlon={a.longitude:.6f}"
                                  f"#map=17/{a.latitude:.6f}/{a.longitude:.6f}"})
    return {"photos": photos, "places": places}


def _one_in_scope(session: Session, model: type, in_scope: ColumnElement[bool], ref: str) -> Any:
    """The record ``ref`` of ``model`` when the user's scope admits it; 404 otherwise, as if it did not exist."""
    row = session.scalar(select(model).where(in_scope, model.ref == ref))
    if row is None:
        raise not_found()
    return row


@page()
async def child_record(request: Request, user: DeskUser) -> Response:
    """One child's record, in full: details, visit logs with photos and locations, registrations. Audited."""
    scope = Scope(user)
    ref = request.path_params["ref"]
    with session_scope() as session:
        child = _one_in_scope(session, Child, scope.where(Child), ref)
        logs = session.scalars(select(VisitLog).where(visit_in_scope(scope), VisitLog.child_id == child.id)
                               .order_by(VisitLog.visit_date.desc(), VisitLog.id.desc())).all()
        files = attachments_by_visit(session, [v.ref for v in logs])
        filed = session.scalars(select(Registration).where(scope.where(Registration),
                                                           Registration.child_id == child.id)
                                .order_by(Registration.id.desc())).all()
        record_access(session, actor=user.sender_id, actor_role=user.role, action="read", record_type="child",
                      child_ref=child.ref, purpose="工作台查看儿童档案")
    media = _photos_and_places(request, [a for v in logs for a in files[v.ref]])
    return render(request, "records/child.html", child=child, logs=logs, files=files, registrations=filed,
                  today=_today(), **media, **HELPERS)


@page()
async def visit_record(request: Request, user: DeskUser) -> Response:
    """One visit log with its photos and locations. Audited."""
    scope = Scope(user)
    with session_scope() as session:
        visit = _one_in_scope(session, VisitLog, visit_in_scope(scope), request.path_params["ref"])
        child_ref = child_refs(session, [visit.child_id]).get(visit.child_id)
        files = attachments_by_visit(session, [visit.ref])[visit.ref]
        record_access(session, actor=user.sender_id, actor_role=user.role, action="read", record_type="visit",
                      record_ref=visit.ref, child_ref=child_ref, purpose="工作台查看走访记录")
    return render(request, "records/visit.html", visit=visit, child_ref=child_ref, files=files,
                  **_photos_and_places(request, files), **HELPERS)


@page()
async def report_record(request: Request, user: DeskUser) -> Response:
    """One mandatory report: what happened, who was told and the follow-up ticket. Audited."""
    scope = Scope(user)
    with session_scope() as session:
        report = _one_in_scope(session, ConcernReport, scope.where(ConcernReport), request.path_params["ref"])
        told = told_of_reports(session, [report.ref])[report.ref]
        ticket = follow_ups(session, scope, [report])[report.ref]
        record_access(session, actor=user.sender_id, actor_role=user.role, action="read", record_type="report",
                      record_ref=report.ref, purpose="工作台查看强制报告")
    return render(request, "records/report.html", report=report, told=told, ticket=ticket, **HELPERS)


@page()
async def registration_record(request: Request, user: DeskUser) -> Response:
    """One registration in full (phones included). Audited; a director opening a new one marks it seen."""
    scope = Scope(user)
    with session_scope() as session:
        registration = _one_in_scope(session, Registration, scope.where(Registration), request.path_params["ref"])
        child_ref = child_refs(session, [registration.child_id]).get(registration.child_id)
        if user.role == "director" and registration.status == "new":
            registration.status = "seen"  # as the chat's work list does once the director has read it
        record_access(session, actor=user.sender_id, actor_role=user.role, action="read",
                      record_type="registration", record_ref=registration.ref, child_ref=child_ref,
                      purpose="工作台查看报备")
    return render(request, "records/registration.html", registration=registration, child_ref=child_ref, **HELPERS)


@page()
async def attachment(request: Request, user: DeskUser) -> Response:
    """A visit photo's file, only to someone who may see its visit log. Audited."""
    scope = Scope(user)
    with session_scope() as session:
        found = session.execute(
            select(VisitAttachment, VisitLog).join(VisitLog, VisitLog.ref == VisitAttachment.visit_ref)
            .where(VisitAttachment.id == request.path_params["id"], VisitAttachment.kind == "photo",
                   visit_in_scope(scope))).first()
        if found is None:
            raise not_found()
        photo, visit = found
        path = _media_path(request, photo.file_id)
        if path is None or path.suffix.lower() not in IMAGE_TYPES:
            raise not_found()
        record_access(session, actor=user.sender_id, actor_role=user.role, action="read", record_type="visit",
                      record_ref=visit.ref, child_ref=child_refs(session, [visit.child_id]).get(visit.child_id),
                      purpose="工作台查看走访照片")
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type,
                        headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"})


# ---- exports ---------------------------------------------------------------------------------------------


def _export_file(user: DeskUser, kind: str, fmt: str, params: dict[str, str], today: dt.date) -> bytes:
    """The file, with its audit entries written in the same transaction as the read."""
    with session_scope() as session:
        table = build(kind, session, user, params, today)
        purpose = f"导出{KIND_NAMES[kind]}（{len(table.rows)}行，{fmt.upper()}）"
        record_access(session, actor=user.sender_id, actor_role=user.role, action="export",
                      record_type=RECORD_TYPES[kind], purpose=purpose)
        refs = list(dict.fromkeys(table.child_refs))
        if refs:
            session.execute(insert(AuditEntry), [
                {"actor": user.sender_id[:128], "actor_role": user.role, "action": "export",
                 "record_type": "child", "child_ref": ref, "purpose": purpose} for ref in refs])
    if fmt == "csv":
        return csv_bytes(table.headers, table.rows)
    return xlsx_bytes(table.headers, table.rows, KIND_NAMES[kind])


@page()
async def export(request: Request, user: DeskUser) -> Response:
    """A list as CSV or Excel, with the list's filters; audited with the number of rows.

    Built in a worker thread: ten thousand rows take a second or two, and the inbox's live updates must not
    wait for them.
    """
    kind, _, fmt = request.path_params["name"].rpartition(".")
    if kind not in KIND_NAMES or fmt not in ("csv", "xlsx"):
        raise not_found()
    params = {k: v for k, v in request.query_params.items() if k in ("status", "village", "risk")}
    today = _today()
    content = await run_in_threadpool(_export_file, user, kind, fmt, params, today)
    stem = f"{kind}-{today.strftime('%Y%m%d')}"
    chinese = f"{KIND_NAMES[kind]}-{today.strftime('%Y%m%d')}.{fmt}"
    headers = {"Content-Disposition": f"attachment; filename=\"{stem}.{fmt}\"; filename*=UTF-8''{quote(chinese)}",
               "Cache-Control": "no-store", "X-Personal-Data": "full" if full_personal_data(user) else "masked"}
    media_type = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(content, media_type=media_type, headers=headers)


# ---- the audit log ---------------------------------------------------------------------------------------


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _china_midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.timezone.utc)


@page("staff", "admin")
async def audit_log(request: Request, user: DeskUser) -> Response:
    """Who read or changed which record: admins everything, staff the entries about their county's children."""
    params = request.query_params
    child_ref, actor = (params.get("child") or "").strip(), (params.get("actor") or "").strip()
    action = params.get("action") if params.get("action") in ACTIONS else ""
    since, until = _day(params.get("from")), _day(params.get("to"))
    query = select(AuditEntry).where(Scope(user).where(AuditEntry))
    if child_ref:
        query = query.where(AuditEntry.child_ref == child_ref.upper())
    if actor:
        query = query.where(AuditEntry.actor.contains(actor, autoescape=True))
    if action:
        query = query.where(AuditEntry.action == action)
    if since:
        query = query.where(AuditEntry.at >= _china_midnight_utc(since))
    if until:
        query = query.where(AuditEntry.at < _china_midnight_utc(until + dt.timedelta(days=1)))
    with session_scope() as session:
        result = paged(session, query.order_by(AuditEntry.id.desc()), page_number(params.get("page")),
                       AUDIT_PER_PAGE)
        actors = sorted({e.actor for e in result.items})
        names = {row.sender_id: row.display_name for row in session.execute(
            select(DeskAccount.sender_id, DeskAccount.display_name).where(DeskAccount.sender_id.in_(actors)))}
    return render(request, "audit/log.html", child_ref=child_ref, actor=actor, action=action,
                  since=params.get("from", "") if since else "", until=params.get("to", "") if until else "",
                  names=names, ACTION_NAMES=ACTION_NAMES, RECORD_TYPE_NAMES=RECORD_TYPE_NAMES,
                  local_time=local_time, **_pager(request, result))


routes = [
    Route("/records", overview),
    Route("/records/registrations", registrations),
    Route("/records/children", children),
    Route("/records/overdue", overdue),
    Route("/records/visits", visits),
    Route("/records/reports", reports),
    Route("/records/children/{ref}", child_record),
    Route("/records/visits/{ref}", visit_record),
    Route("/records/reports/{ref}", report_record),
    Route("/records/registrations/{ref}", registration_record),
    Route("/records/attachments/{id:int}", attachment),
    Route("/records/export/{name}", export),
    Route("/audit", audit_log),
]
