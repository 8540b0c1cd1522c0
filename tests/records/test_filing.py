"""Filing registrations, visit logs and reports: saved once, told to the right people only, audited."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from records.filing import file_visit
from records.people import NotAllowed
from records.keys import submission_key
from records.models import (
    AuditEntry, Child, ConcernReport, HandoffTicket, Notification, Registration, VisitLog,
)
from records.people import Actor

from records_support import (
    REGISTRATION, REPORT, TODAY, audit_log, audit_text, count, make_person, notifications_for, parent, register,
    report, rows,
)

ID_NUMBER = "500109201801011234"
PERSONAL = ("王小明", "李秀英", "13912345678", "13812345678", "139 1234 5678", ID_NUMBER, "赵小红")


def _visit(actor: Actor, child_name: str = "王小明", *, key: str | None = None, visit_date: dt.date = TODAY,
           risk_level: str = "高", next_visit_date: dt.date = dt.date(2026, 12, 8), findings: str = "奶奶腿脚不便，孩子作业没人辅导"):
    answers = {"child_name": child_name, "visit_date": visit_date, "kind": "入户", "findings": findings,
               "risk_level": risk_level, "next_visit_date": next_visit_date}
    key = key or submission_key(actor.sender_id, "visit_form", answers)
    return file_visit(actor, key, today=TODAY, **answers)


def _assert_no_personal_data(text: str) -> None:
    for value in PERSONAL:
        assert value not in text, f"{value!r} in {text!r}"


# ---- registrations: routing -----------------------------------------------------------------

def _everyone() -> dict[str, Actor]:
    return {
        "director": make_person("tg:director-damotan", "director", village_name="大磨滩村"),
        "other_village": make_person("tg:director-hutou", "director", village_name="虎头村"),
        "other_dongsheng": make_person("tg:director-liuyin-dongsheng", "director", village_name="东升村",
                                       township="柳荫镇"),
        "supervisor": make_person("tg:supervisor-xiema", "supervisor", township="歇马街道"),
        "other_supervisor": make_person("tg:supervisor-chengjiang", "supervisor", township="澄江镇"),
        "staff": make_person("tg:staff", "staff"),
    }


def test_a_registration_goes_to_the_village_director_and_nobody_else(db_url) -> None:
    people = _everyone()

    filed = register(parent(), village_name="大磨滩村", child_id_number=ID_NUMBER)

    assert filed.route == "歇马街道大磨滩村的儿童主任"
    assert filed.notified == 1 and not filed.duplicate
    [note] = notifications_for(people["director"].sender_id)
    assert filed.ref in note.text and "王**" in note.text and "8岁" in note.text
    _assert_no_personal_data(note.text)
    assert note.kind == "registration" and note.delivered_at is None
    assert count(Notification) == 1


def test_the_other_dongsheng_village_is_not_told(db_url) -> None:
    """Two townships have a 东升村; a registration in 澄江镇's goes to 澄江镇, not to 柳荫镇's director."""
    people = _everyone()

    filed = register(parent(), village_name="东升村", township="澄江镇")

    assert notifications_for(people["other_dongsheng"].sender_id) == []
    assert filed.route == "澄江镇的儿童督导员"
    [note] = notifications_for(people["other_supervisor"].sender_id)
    assert "澄江镇东升村还没有已验证的儿童主任" in note.text and "请安排儿童主任跟进" in note.text
    _assert_no_personal_data(note.text)
    assert count(Notification) == 1


def test_with_no_director_a_registration_goes_to_the_township_supervisor(db_url) -> None:
    supervisor = make_person("tg:supervisor", "supervisor", township="歇马街道")
    staff = make_person("tg:staff", "staff")
    make_person("tg:director-elsewhere", "director", village_name="虎头村")

    filed = register(parent(), village_name="大磨滩村")

    assert filed.route == "歇马街道的儿童督导员"
    assert [n.recipient for n in rows(Notification)] == [supervisor.sender_id]
    assert notifications_for(staff.sender_id) == []


def test_with_no_director_or_supervisor_a_registration_goes_to_county_staff(db_url) -> None:
    staff = make_person("tg:staff", "staff")
    make_person("tg:supervisor-elsewhere", "supervisor", township="静观镇")

    filed = register(parent(), village_name="大磨滩村")

    assert filed.route == "北碚区民政部门"
    assert filed.notified == 1
    [note] = rows(Notification)
    assert note.recipient == staff.sender_id and "还没有已验证的儿童主任" in note.text
    _assert_no_personal_data(note.text)


def test_the_registration_row_keeps_what_the_parent_gave(db_url) -> None:
    make_person("tg:director", "director", village_name="大磨滩村")
    filed = register(parent("tg:p"), village_name="大磨滩村", child_id_number=ID_NUMBER)
    [row] = rows(Registration)
    assert (row.ref, row.sender_id, row.child_name, row.child_age, row.carer_phone, row.parent_phone) == (
        filed.ref, "tg:p", "王小明", 8, "13912345678", "13812345678")
    assert (row.county, row.township, row.village, row.status) == ("北碚区", "歇马街道", "大磨滩村", "new")
    [child] = rows(Child)
    assert row.child_id == child.id
    assert (child.name, child.id_number, child.village, child.township) == ("王小明", ID_NUMBER, "大磨滩村", "歇马街道")
    assert child.next_visit_due == TODAY + dt.timedelta(days=30)
    assert child.ref.startswith("ET20261201-")
    assert filed.ref.startswith("BB20261201-")


# ---- registrations: one child's file --------------------------------------------------------

def test_a_second_registration_with_the_same_id_number_uses_the_same_file(db_url) -> None:
    register(parent("tg:mother"), child_id_number=ID_NUMBER)
    register(parent("tg:father"), child_id_number=ID_NUMBER, child_name="王晓明", parent_phone="13700001111")
    assert count(Registration) == 2
    [child] = rows(Child)
    assert {r.child_id for r in rows(Registration)} == {child.id}
    assert count(AuditEntry, AuditEntry.record_type == "child", AuditEntry.action == "create") == 1


def test_a_second_registration_with_the_same_name_uses_the_same_file(db_url) -> None:
    register(parent("tg:mother"))
    register(parent("tg:father"), parent_phone="13700001111", child_id_number=ID_NUMBER)
    [child] = rows(Child)
    assert {r.child_id for r in rows(Registration)} == {child.id}
    assert child.id_number == ID_NUMBER  # learnt from the second registration


def test_two_children_with_the_same_name_and_different_id_numbers_get_two_files(db_url) -> None:
    register(parent("tg:one"), child_id_number=ID_NUMBER)
    register(parent("tg:two"), child_id_number="500109201905052345")
    assert count(Child) == 2


def test_the_same_name_in_another_village_is_another_child(db_url) -> None:
    register(parent("tg:one"), village_name="大磨滩村")
    register(parent("tg:two"), village_name="虎头村")
    children = rows(Child)
    assert [c.village for c in children] == ["大磨滩村", "虎头村"]
    assert len({r.child_id for r in rows(Registration)}) == 2


# ---- saving once ----------------------------------------------------------------------------

def test_the_same_registration_sent_twice_is_saved_once(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    first = register(parent(), key="same-key")
    audited = count(AuditEntry)

    second = register(parent(), key="same-key")

    assert not first.duplicate and second.duplicate
    assert second.ref == first.ref
    assert count(Registration) == 1 and count(Child) == 1
    assert len(notifications_for(director.sender_id)) == 1
    assert count(AuditEntry) == audited


def test_the_same_visit_and_report_sent_twice_are_saved_once(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    make_person("tg:staff", "staff")
    visit = [_visit(director, key="visit-key") for _ in range(2)]
    reports = [report(director, key="report-key") for _ in range(2)]
    for first, second in (visit, reports):
        assert second.duplicate and not first.duplicate and second.ref == first.ref
    assert count(VisitLog) == 1 and count(ConcernReport) == 1 and count(HandoffTicket) == 1
    assert count(Notification) == 1


def test_twenty_copies_sent_at_once_save_one_registration(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")  # the engine is up and migrated
    barrier = threading.Barrier(20)
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            barrier.wait(timeout=30)
            filed = register(parent(), key="raced-key")
            with lock:
                results.append(filed)
        except BaseException as error:  # noqa: BLE001 - reported below
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(results) == 20
    assert len({filed.ref for filed in results}) == 1
    assert sum(not filed.duplicate for filed in results) == 1
    assert count(Registration) == 1
    assert count(Child) == 1
    assert len(notifications_for(director.sender_id)) == 1
    assert count(AuditEntry, AuditEntry.record_type == "registration") == 1


# ---- visit logs -----------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["parent", "supervisor", "staff"])
def test_only_a_director_may_file_a_visit_log(db_url, who) -> None:
    actor = parent() if who == "parent" else make_person(f"tg:{who}", who, township="歇马街道")
    with pytest.raises(NotAllowed) as refused:
        _visit(actor)
    assert "儿童主任" in str(refused.value)
    assert count(VisitLog) == 0 and count(Child) == 0 and count(AuditEntry) == 0


def test_a_visit_updates_the_file_of_the_registered_child(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    register(parent())

    filed = _visit(director, risk_level="高", next_visit_date=dt.date(2026, 12, 8))

    assert filed.route == "歇马街道大磨滩村"
    [child] = rows(Child)
    assert (child.risk_level, child.last_visit_date, child.next_visit_due) == ("高", TODAY, dt.date(2026, 12, 8))
    [visit] = rows(VisitLog)
    assert (visit.ref, visit.child_id, visit.village, visit.sender_id) == (filed.ref, child.id, "大磨滩村",
                                                                          director.sender_id)


def test_a_visit_updates_the_file_of_a_child_registered_with_an_id_number(db_url) -> None:
    """The visit form asks no ID number; the child registered with one is still the child visited."""
    director = make_person("tg:director", "director", village_name="大磨滩村")
    register(parent(), child_id_number=ID_NUMBER)

    _visit(director, risk_level="一般", next_visit_date=dt.date(2026, 12, 31))

    [child] = rows(Child)
    assert (child.risk_level, child.last_visit_date, child.next_visit_due) == ("一般", TODAY, dt.date(2026, 12, 31))


def test_a_director_never_touches_a_child_of_another_village(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    register(parent(), village_name="虎头村")
    [hutou_child] = rows(Child)

    _visit(director, "王小明")

    children = rows(Child)
    assert len(children) == 2
    hutou, damotan = children
    assert (hutou.id, hutou.village, hutou.risk_level, hutou.last_visit_date, hutou.next_visit_due) == (
        hutou_child.id, "虎头村", None, None, hutou_child.next_visit_due)
    assert (damotan.village, damotan.township, damotan.risk_level) == ("大磨滩村", "歇马街道", "高")
    [visit] = rows(VisitLog)
    assert visit.child_id == damotan.id
    assert count(AuditEntry, AuditEntry.child_ref == hutou.ref, AuditEntry.actor == director.sender_id) == 0


def test_an_older_visit_filed_late_does_not_undo_the_newer_one(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    _visit(director, visit_date=TODAY, risk_level="高", next_visit_date=dt.date(2026, 12, 8))
    _visit(director, visit_date=dt.date(2026, 11, 20), risk_level="无", next_visit_date=dt.date(2027, 2, 18))
    [child] = rows(Child)
    assert (child.risk_level, child.last_visit_date, child.next_visit_due) == ("高", TODAY, dt.date(2026, 12, 8))
    assert count(VisitLog) == 2


# ---- reports --------------------------------------------------------------------------------

def test_a_directors_report_goes_to_their_township_supervisor_and_county_staff(db_url) -> None:
    people = _everyone()

    filed = report(people["director"])

    assert filed.route == "歇马街道的儿童督导员和北碚区民政部门"
    told = {n.recipient for n in rows(Notification)}
    assert told == {people["supervisor"].sender_id, people["staff"].sender_id}
    for note in rows(Notification):
        assert filed.ref in note.text and filed.ticket in note.text and not note.text.startswith("【紧急】")
        assert note.kind == "report"
        _assert_no_personal_data(note.text)
        assert REPORT["description"] not in note.text
    [ticket] = rows(HandoffTicket)
    assert (ticket.ref, ticket.reason, ticket.urgent, ticket.sender_id) == (
        filed.ticket, "report", False, people["director"].sender_id)
    [row] = rows(ConcernReport)
    assert (row.township, row.county, row.urgent) == ("歇马街道", "北碚区", False)


def test_an_urgent_report_opens_an_urgent_ticket_and_says_so(db_url) -> None:
    people = _everyone()

    filed = report(people["director"], urgent=True)

    [ticket] = rows(HandoffTicket)
    assert (ticket.ref, ticket.urgent, ticket.reason) == (filed.ticket, True, "urgent")
    notes = rows(Notification)
    assert len(notes) == 2
    assert all(n.text.startswith("【紧急】") and n.kind == "urgent" and "立即" in n.text for n in notes)
    assert rows(ConcernReport)[0].urgent is True


def test_a_parents_report_naming_a_village_goes_to_that_township(db_url) -> None:
    people = _everyone()

    filed = report(parent(), place="澄江镇北泉村小学门口")

    assert filed.route == "澄江镇的儿童督导员和北碚区民政部门"
    assert {n.recipient for n in rows(Notification)} == {people["other_supervisor"].sender_id,
                                                         people["staff"].sender_id}
    assert (rows(ConcernReport)[0].township, rows(ConcernReport)[0].county) == ("澄江镇", "北碚区")


def test_a_parents_report_with_an_ambiguous_place_goes_to_staff_only(db_url) -> None:
    people = _everyone()

    report(parent(), place="东升村")

    assert {n.recipient for n in rows(Notification)} == {people["staff"].sender_id}
    assert rows(ConcernReport)[0].township is None


def test_a_report_names_only_who_was_really_told(db_url) -> None:
    nobody_yet = report(parent("tg:first"), place="歇马街道大磨滩村")
    assert (nobody_yet.notified, nobody_yet.route) == (0, "民政工作人员")
    assert rows(HandoffTicket, HandoffTicket.ref == nobody_yet.ticket)  # staff find it in the ticket queue

    staff = make_person("tg:staff", "staff")
    no_supervisor = report(parent("tg:second"), place="歇马街道大磨滩村")
    assert (no_supervisor.notified, no_supervisor.route) == (1, "北碚区民政部门")
    assert len(notifications_for(staff.sender_id)) == 1


# ---- audit ----------------------------------------------------------------------------------

def test_every_write_is_audited_without_personal_data(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    make_person("tg:supervisor", "supervisor", township="歇马街道")
    registered = register(parent("tg:p"), child_id_number=ID_NUMBER)
    [child] = rows(Child)
    visited = _visit(director, findings="孩子说奶奶李秀英打他，电话13912345678")
    reported = report(parent("tg:reporter"), place="歇马街道大磨滩村")

    entries = audit_log()
    summary = [(e.actor, e.actor_role, e.action, e.record_type, e.record_ref, e.child_ref) for e in entries]
    assert ("tg:p", "parent", "create", "registration", registered.ref, child.ref) in summary
    assert ("tg:p", "parent", "create", "child", None, child.ref) in summary
    assert ("tg:director", "director", "create", "visit", visited.ref, child.ref) in summary
    assert ("tg:director", "director", "update", "child", None, child.ref) in summary
    assert ("tg:reporter", "parent", "create", "report", reported.ref, None) in summary
    assert len(entries) == 5
    assert all(e.purpose and e.at is not None for e in entries)
    text = audit_text(entries)
    _assert_no_personal_data(text)
    for value in (*REGISTRATION.values(), REPORT["description"], REPORT["child"], "孩子说奶奶"):
        if isinstance(value, str) and len(value) > 2:
            assert value not in text, value
