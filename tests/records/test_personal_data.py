"""A person's own data: exported on request (audited), erased on request (what the law keeps stays)."""
from __future__ import annotations

import datetime as dt

from records.db import session_scope
from records.filing import file_visit
from records.models import (
    AuditEntry, Child, ConcernReport, HandoffTicket, Invite, Notification, Person, Registration, VisitLog,
)
from records.people import Actor, actor_for, issue_invite, redeem_invite
from records.keys import pseudonym
from records.personal_data import ERASED, erase_data, export_data
from records.tickets import close_ticket, open_ticket

from records_support import TODAY, audit_log, audit_text, count, make_person, parent, register, report, rows

SUBJECT = "tg:subject"
ALIAS = pseudonym(SUBJECT)  # what the rows the law keeps say instead of the subject's id
OTHER = "tg:other-parent"


def _world() -> dict[str, object]:
    """The subject (a supervisor of 静观镇 who also registered their children) and other people's data."""
    director = make_person("tg:director", "director", village_name="大磨滩村")
    subject = make_person(SUBJECT, "supervisor", township="静观镇")
    make_person("tg:staff", "staff")
    request = open_ticket(SUBJECT, "user_request", summary="想找人聊聊")  # their own request, since closed
    close_ticket(request)
    filed = {
        "request": request,
        "only_theirs": register(subject, child_name="王小明"),
        "shared": register(subject, child_name="王小红", child_age=6),
        "visited": register(subject, child_name="王小刚", child_age=10),
        "report": report(subject, place="静观镇素心村"),
        "other_registration": register(parent(OTHER), child_name="王小红", child_age=6, parent_phone="13700001111"),
        "other_own": register(parent(OTHER), child_name="李四", child_age=4, parent_phone="13700001111"),
        "other_report": report(parent(OTHER), place="静观镇集真村"),  # notifies the subject, as supervisor
    }
    answers = {"child_name": "王小刚", "visit_date": TODAY, "kind": "入户", "findings": "一切正常",
               "risk_level": "无", "next_visit_date": dt.date(2027, 3, 1)}
    filed["visit"] = file_visit(director, "visit-key", today=TODAY, **answers)
    return filed


def _others() -> dict[str, list]:
    """Everything not the subject's, as comparable tuples."""
    return {
        "registrations": [(r.ref, r.child_id, r.sender_id, r.carer_phone) for r in rows(Registration)
                          if r.sender_id != SUBJECT],
        "tickets": [(t.ref, t.sender_id, t.status) for t in rows(HandoffTicket)
                    if t.sender_id not in (SUBJECT, ALIAS)],
        "notifications": [(n.recipient, n.text) for n in rows(Notification) if n.recipient != SUBJECT],
        "reports": [(c.ref, c.sender_id, c.description) for c in rows(ConcernReport)
                    if c.sender_id not in (SUBJECT, ERASED)],
        "visits": [(v.ref, v.sender_id, v.child_id) for v in rows(VisitLog)],
        "people": [(p.sender_id, p.role) for p in rows(Person) if p.sender_id != SUBJECT],
    }


def test_export_gives_back_what_the_person_filed_and_nothing_of_anyone_else(db_url) -> None:
    filed = _world()

    export = export_data(SUBJECT)

    assert export.role == "儿童督导员" and export.place == "北碚区静观镇"
    assert [r["编号"] for r in export.registrations] == [filed["only_theirs"].ref, filed["shared"].ref,
                                                        filed["visited"].ref]
    assert [r["孩子"] for r in export.registrations] == ["王小明", "王小红", "王小刚"]
    first = export.registrations[0]
    assert (first["村"], first["照顾人"], first["照顾人电话"], first["您的电话"]) == (
        "歇马街道大磨滩村", "李秀英（奶奶）", "13912345678", "13812345678")
    assert [r["编号"] for r in export.reports] == [filed["report"].ref]
    assert export.reports[0]["地点"] == "静观镇素心村" and export.reports[0]["情形"] == "第1类"
    assert [(t["编号"], t["状态"]) for t in export.tickets] == [(filed["request"], "已关闭"),
                                                              (filed["report"].ticket, "处理中")]
    assert export.visits == []
    assert not export.empty
    everything = repr(export)
    assert "13700001111" not in everything and "李四" not in everything
    assert filed["other_registration"].ref not in everything and filed["other_report"].ref not in everything


def test_each_record_exported_is_audited(db_url) -> None:
    filed = _world()
    export_data(SUBJECT)
    exports = audit_log(AuditEntry.action == "export")
    assert {(e.record_type, e.record_ref) for e in exports} == {
        ("registration", filed["only_theirs"].ref), ("registration", filed["shared"].ref),
        ("registration", filed["visited"].ref), ("report", filed["report"].ref)}
    assert all(e.actor == SUBJECT and e.actor_role == "supervisor" and e.purpose for e in exports)


def test_a_directors_export_lists_their_visit_logs(db_url) -> None:
    filed = _world()
    export = export_data("tg:director")
    assert export.role == "儿童主任" and [v["编号"] for v in export.visits] == [filed["visit"].ref]
    assert export.visits[0]["探访日期"] == "2026-12-01"
    assert [(e.record_type, e.record_ref) for e in audit_log(AuditEntry.action == "export")] == [
        ("visit", filed["visit"].ref)]


def test_a_stranger_gets_an_empty_export(db_url) -> None:
    _world()
    export = export_data("tg:nobody")
    assert export.empty and export.role == "家长" and export.place == ""


def test_erase_deletes_what_the_person_gave_and_keeps_what_the_law_keeps(db_url) -> None:
    filed = _world()
    children = {c.name: c for c in rows(Child)}
    # as 静观镇's supervisor the subject was told of their own report and of the other parent's
    assert count(Notification, Notification.recipient == SUBJECT) == 2
    before = _others()

    erasure = erase_data(SUBJECT)

    assert (erasure.registrations, erasure.children, erasure.tickets, erasure.notifications) == (3, 1, 1, 2)
    # their own request for a person is deleted; the report's follow-up stays in the staff queue, unnamed
    assert [(t.ref, t.sender_id) for t in rows(HandoffTicket, HandoffTicket.ref.in_(
        (filed["request"], filed["report"].ticket)))] == [(filed["report"].ticket, ALIAS)]
    assert erasure.role == "儿童督导员" and erasure.reports_kept == 1
    assert count(Registration, Registration.sender_id == SUBJECT) == 0
    remaining = {c.name for c in rows(Child)}
    assert "王小明" not in remaining  # known only from the subject's registration
    assert {"王小红", "王小刚", "李四"} <= remaining  # also registered by another parent / visited
    assert count(HandoffTicket, HandoffTicket.sender_id == SUBJECT) == 0
    assert count(Notification, Notification.recipient == SUBJECT) == 0
    assert count(Person, Person.sender_id == SUBJECT) == 0
    assert actor_for(SUBJECT) == Actor(SUBJECT)
    [kept] = rows(ConcernReport, ConcernReport.ref == filed["report"].ref)
    assert kept.sender_id == ERASED and kept.description  # the report itself stays
    assert _others() == before

    deletions = audit_log(AuditEntry.actor == ALIAS, AuditEntry.action.in_(("delete", "update")))
    assert {(e.action, e.record_type, e.record_ref, e.child_ref) for e in deletions} == {
        ("delete", "registration", filed["only_theirs"].ref, None),
        ("delete", "registration", filed["shared"].ref, None),
        ("delete", "registration", filed["visited"].ref, None),
        ("delete", "child", None, children["王小明"].ref),
        ("update", "report", filed["report"].ref, None),
        ("delete", "person", None, None),
    }
    text = audit_text(audit_log())
    for personal in ("王小明", "李秀英", "13912345678", "13812345678"):
        assert personal not in text
    assert export_data(SUBJECT).empty


def test_a_second_erase_is_harmless(db_url) -> None:
    _world()
    erase_data(SUBJECT)
    before = _others()
    children = count(Child)

    again = erase_data(SUBJECT)

    assert (again.registrations, again.children, again.tickets, again.notifications, again.reports_kept) == (
        0, 0, 0, 0, 0)
    assert again.role is None
    assert _others() == before and count(Child) == children
    assert count(ConcernReport, ConcernReport.sender_id == ERASED) == 1
    assert count(HandoffTicket, HandoffTicket.sender_id == ALIAS) == 1


def test_erase_keeps_a_report_filed_while_their_own_request_was_open(db_url) -> None:
    """A report filed while the person's request for a person is still open joins that ticket; its
    follow-up must survive the erasure all the same."""
    subject = make_person(SUBJECT, "supervisor", township="静观镇")
    make_person("tg:staff", "staff")
    request = open_ticket(SUBJECT, "user_request", summary="想找人聊聊")
    filed = report(subject)
    assert filed.ticket == request  # one open ticket per person

    erase_data(SUBJECT)

    open_follow_ups = [t for t in rows(HandoffTicket) if t.status != "closed"]
    assert [t.ref for t in open_follow_ups] == [filed.ticket]
    assert filed.ref in open_follow_ups[0].summary


def test_a_director_erased_leaves_their_visit_logs_in_the_village_files(db_url) -> None:
    filed = _world()
    code, invite = issue_invite("director", village="虎头村")
    redeem_invite("tg:director-2", code)

    erasure = erase_data("tg:director")
    assert erasure.visits_kept == 1 and erasure.role == "儿童主任"
    [visit] = rows(VisitLog)
    assert (visit.ref, visit.sender_id) == (filed["visit"].ref, ERASED)
    assert visit.child_id in {c.id for c in rows(Child)}

    erase_data("tg:director-2")
    with session_scope() as session:
        assert session.get(Invite, invite.id).used_by == ERASED


def test_after_erasure_no_row_names_the_person_and_no_kept_record_can_be_tied_to_them(db_url) -> None:
    """Issue 12: audit rows, a kept ticket's messages, photos and locations, a report's submission key."""
    from sqlalchemy import String, Text, select

    from records.models import Base, HandoffMessage, VisitAttachment
    from records.tickets import add_handoff_message

    filed = _world()
    [ticket] = rows(HandoffTicket, HandoffTicket.ref == filed["report"].ticket)
    add_handoff_message(ticket.id, "user", "孩子奶奶电话13912345678，我是他邻居王大妈", author_id=SUBJECT)
    add_handoff_message(ticket.id, "staff", "好的，13912345678 我们会联系", author_id="tg:staff")
    with session_scope() as session:
        session.add(VisitAttachment(sender_id=SUBJECT, kind="location", latitude=29.8, longitude=106.4))
        session.add(VisitAttachment(sender_id=SUBJECT, kind="photo", file_id="AgACAgUAAx-photo-of-the-house"))
    [kept_before] = rows(ConcernReport, ConcernReport.ref == filed["report"].ref)

    erasure = erase_data(SUBJECT)

    assert erasure.attachments == 2 and erasure.messages_cleared == 1 and erasure.audit_pseudonymised > 0
    with session_scope() as session:
        for table in Base.metadata.sorted_tables:
            text_columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
            for row in session.execute(select(*text_columns)).all():
                assert not any(SUBJECT in str(value) for value in row if value), (table.name, row)
        messages = session.scalars(select(HandoffMessage)).all()
    texts = " ".join(m.text for m in messages)
    assert "王大妈" not in texts and "13912345678" not in texts  # cleared, and the staff's copy masked
    assert count(VisitAttachment) == 0
    [kept] = rows(ConcernReport, ConcernReport.ref == filed["report"].ref)
    assert kept.submission_key != kept_before.submission_key and kept.description == kept_before.description
