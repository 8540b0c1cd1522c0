"""Changing a filed registration: only one's own, every change audited, the village's director told."""
from __future__ import annotations

import pytest

from records.changes import change_registrations, count_registrations, registrations_of
from records.people import NotAllowed
from records.models import Registration

from records_support import audit_log, make_person, notifications_for, parent, register, rows


def test_a_parent_sees_their_own_registrations_newest_first_and_the_read_is_audited(db_url) -> None:
    me = parent()
    first = register(me, child_name="王小明")
    second = register(me, child_name="王小红", child_age=6)
    register(parent("tg:someone-else"), child_name="李四")

    mine = registrations_of(me)

    assert [one.ref for one in mine] == [second.ref, first.ref]
    assert mine[0].values["carer_phone"] and mine[0].village.label == "歇马街道大磨滩村"
    assert count_registrations(me.sender_id) == 2
    reads = audit_log()
    assert {(e.action, e.record_ref) for e in reads if e.action == "read"} == {("read", first.ref), ("read", second.ref)}


def test_a_change_is_written_audited_and_told_to_the_village_director(db_url) -> None:
    director = make_person("tg:director-damotan", "director", village_name="大磨滩村")
    me = parent()
    filed = register(me)
    notifications_for(director.sender_id)  # the new-registration note is there; the change adds one more

    changed = change_registrations(me, [filed.ref], {"expected_return": "2027-03", "carer_phone": "13700001111"})

    [row] = rows(Registration)
    assert row.expected_return == "2027-03" and row.carer_phone == "13700001111" and row.status == "new"
    assert changed.route == "歇马街道大磨滩村的儿童主任" and changed.notified == 1
    note = notifications_for(director.sender_id)[-1]
    assert filed.ref in note.text and "预计回来时间、照顾人电话" in note.text
    assert "13700001111" not in note.text and "王小明" not in note.text
    [entry] = [e for e in audit_log() if e.action == "update"]
    assert entry.record_ref == filed.ref and "预计回来时间" in entry.purpose and "13700001111" not in entry.purpose


def test_two_changes_are_two_notes_not_one_swallowed(db_url) -> None:
    director = make_person("tg:director-damotan", "director", village_name="大磨滩村")
    me = parent()
    filed = register(me)
    change_registrations(me, [filed.ref], {"work_city": "东莞"})
    change_registrations(me, [filed.ref], {"work_city": "杭州"})
    assert len([n for n in notifications_for(director.sender_id) if "有更新" in n.text]) == 2


def test_nobody_changes_another_parents_registration(db_url) -> None:
    theirs = register(parent("tg:someone-else"))
    with pytest.raises(NotAllowed):
        change_registrations(parent(), [theirs.ref], {"carer_phone": "13700001111"})
    assert rows(Registration)[0].carer_phone != "13700001111"


def test_only_the_changeable_columns_change(db_url) -> None:
    filed = register(parent())
    with pytest.raises(ValueError):
        change_registrations(parent(), [filed.ref], {"sender_id": "tg:evil"})
    with pytest.raises(ValueError):
        change_registrations(parent(), [filed.ref], {})
