"""A director's work list (overdue, due this week, new registrations), daily reminders, visit intervals."""
from __future__ import annotations

import datetime as dt

import pytest

from records.people import NotAllowed
from records.models import AuditEntry, Child, Notification, Registration
from records.people import Actor
from records.schedule import DEFAULT_INTERVALS, end_of_week, first_visit_due, interval_words, next_visit_due, visit_intervals
from records.worklist import director_worklist, queue_visit_reminders

from records_support import TODAY, audit_log, count, make_child, make_person, notifications_for, parent, register, rows

SUNDAY = dt.date(2026, 12, 6)


def _village_children() -> None:
    make_child("逾期久", next_visit_due=dt.date(2026, 11, 1), risk_level="高", last_visit=dt.date(2026, 10, 25))
    make_child("昨天到期", next_visit_due=TODAY - dt.timedelta(days=1), risk_level="一般")
    make_child("今天到期", next_visit_due=TODAY)
    make_child("周日到期", next_visit_due=SUNDAY)
    make_child("下周一到期", next_visit_due=SUNDAY + dt.timedelta(days=1))
    make_child("没有日期", next_visit_due=None)
    make_child("别村的", village_name="虎头村", next_visit_due=TODAY)
    make_child("别镇东升村的", village_name="东升村", township="柳荫镇", next_visit_due=TODAY)


def test_the_worklist_lists_overdue_and_this_weeks_visits_of_the_directors_village(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    _village_children()

    worklist = director_worklist(director, TODAY)

    assert worklist.village == "大磨滩村" and worklist.today == TODAY
    assert [c.name for c in worklist.overdue] == ["逾期久", "昨天到期"]
    assert [c.name for c in worklist.due_this_week] == ["今天到期", "周日到期"]
    first = worklist.overdue[0]
    assert (first.due, first.risk_level, first.last_visit) == (dt.date(2026, 11, 1), "高", dt.date(2026, 10, 25))


def test_a_director_of_one_dongsheng_village_sees_only_their_own(db_url) -> None:
    director = make_person("tg:director", "director", village_name="东升村", township="澄江镇")
    make_child("澄江的", village_name="东升村", township="澄江镇", next_visit_due=TODAY)
    make_child("柳荫的", village_name="东升村", township="柳荫镇", next_visit_due=TODAY)
    register(parent("tg:liuyin"), village_name="东升村", township="柳荫镇")

    worklist = director_worklist(director, TODAY)

    assert [c.name for c in worklist.due_this_week] == ["澄江的"]
    assert worklist.new_registrations == []


def test_on_a_sunday_this_week_ends_today_and_on_a_monday_a_new_week_starts() -> None:
    assert end_of_week(TODAY) == SUNDAY
    assert end_of_week(SUNDAY) == SUNDAY
    assert end_of_week(SUNDAY + dt.timedelta(days=1)) == dt.date(2026, 12, 13)


def test_new_registrations_are_listed_once_then_marked_seen(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    first = register(parent("tg:one"))
    second = register(parent("tg:two"), child_name="王小红", child_age=5)
    elsewhere = register(parent("tg:three"), village_name="虎头村")

    worklist = director_worklist(director, TODAY)

    assert [r.ref for r in worklist.new_registrations] == [first.ref, second.ref]
    listed = worklist.new_registrations[0]
    assert (listed.child_name, listed.child_age, listed.carer, listed.carer_phone, listed.work_city) == (
        "王小明", 8, "李秀英（奶奶）", "13912345678", "深圳")
    assert director_worklist(director, TODAY).new_registrations == []
    status = {r.ref: r.status for r in rows(Registration)}
    assert status == {first.ref: "seen", second.ref: "seen", elsewhere.ref: "new"}


def test_asking_only_for_overdue_visits_lists_and_audits_only_those(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    _village_children()
    filed = register(parent())

    worklist = director_worklist(director, TODAY, scope="overdue")

    assert [c.name for c in worklist.overdue] == ["逾期久", "昨天到期"] and worklist.overdue_total == 2
    assert worklist.due_this_week == [] and worklist.new_registrations == []
    reads = audit_log(AuditEntry.action == "read")
    assert sorted(e.child_ref for e in reads) == sorted(c.ref for c in worklist.overdue)
    assert {r.status for r in rows(Registration)} == {"new"}  # not shown, so not seen
    assert [r.ref for r in director_worklist(director, TODAY, scope="registrations").new_registrations] == [
        filed.ref]


def test_asking_only_for_new_registrations_reads_no_childs_file(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    _village_children()
    filed = register(parent())

    worklist = director_worklist(director, TODAY, scope="registrations")

    assert [r.ref for r in worklist.new_registrations] == [filed.ref]
    assert worklist.overdue == [] and worklist.due_this_week == []
    assert [e.record_type for e in audit_log(AuditEntry.action == "read")] == ["registration"]


def test_an_unknown_scope_is_a_programming_error(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    with pytest.raises(ValueError):
        director_worklist(director, TODAY, scope="everything")


def test_a_long_list_is_cut_at_the_limit_and_only_what_is_shown_is_read(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    for day in range(5):
        make_child(f"逾期{day}", next_visit_due=dt.date(2026, 11, 20 + day))
    for day in range(4):
        make_child(f"本周{day}", next_visit_due=TODAY + dt.timedelta(days=day))
    registered = [register(parent(f"tg:p{i}"), child_name=f"报备{i}") for i in range(4)]

    worklist = director_worklist(director, TODAY, limit=3)

    assert [c.name for c in worklist.overdue] == ["逾期0", "逾期1", "逾期2"] and worklist.overdue_total == 5
    assert [c.name for c in worklist.due_this_week] == ["本周0", "本周1", "本周2"]
    assert worklist.due_this_week_total == 4
    assert [r.ref for r in worklist.new_registrations] == [f.ref for f in registered[:3]]
    assert worklist.new_registrations_total == 4
    reads = audit_log(AuditEntry.action == "read")
    assert len([e for e in reads if e.record_type == "child"]) == 6
    assert len([e for e in reads if e.record_type == "registration"]) == 3
    status = {r.ref: r.status for r in rows(Registration)}
    assert status[registered[3].ref] == "new"  # not shown yet, so still new
    assert [r.ref for r in director_worklist(director, TODAY, limit=3).new_registrations] == [registered[3].ref]


@pytest.mark.parametrize("who", ["parent", "supervisor", "staff", "director without a village"])
def test_only_a_director_may_read_a_worklist(db_url, who) -> None:
    if who == "parent":
        actor = parent()
    elif who == "director without a village":
        actor = Actor("tg:nowhere", "director", "北碚区", "歇马街道", None)
    else:
        actor = make_person(f"tg:{who}", who, township="歇马街道")
    make_child("今天到期", next_visit_due=TODAY)
    register(parent("tg:p"))
    with pytest.raises(NotAllowed):
        director_worklist(actor, TODAY)
    assert count(AuditEntry, AuditEntry.action == "read") == 0
    assert {r.status for r in rows(Registration)} == {"new"}


def test_every_child_and_registration_listed_gets_a_read_audit_entry(db_url) -> None:
    director = make_person("tg:director", "director", village_name="大磨滩村")
    _village_children()
    filed = register(parent())
    registered_child = next(c for c in rows(Child) if c.name == "王小明")

    worklist = director_worklist(director, TODAY)

    reads = audit_log(AuditEntry.action == "read")
    assert all(e.actor == director.sender_id and e.actor_role == "director" and e.purpose for e in reads)
    child_reads = sorted(e.child_ref for e in reads if e.record_type == "child")
    assert child_reads == sorted(c.ref for c in worklist.overdue + worklist.due_this_week)
    [registration_read] = [e for e in reads if e.record_type == "registration"]
    assert (registration_read.record_ref, registration_read.child_ref) == (filed.ref, registered_child.ref)
    not_listed = {c.ref for c in rows(Child) if c.name in ("下周一到期", "没有日期", "别村的", "别镇东升村的")}
    assert not not_listed & {e.child_ref for e in reads}


# ---- reminders ------------------------------------------------------------------------------

def test_reminders_are_queued_once_a_day_per_director_with_visits_due(db_url) -> None:
    busy = make_person("tg:director-damotan", "director", village_name="大磨滩村")
    also_busy = make_person("tg:director-hutou", "director", village_name="虎头村")
    idle = make_person("tg:director-suxin", "director", village_name="素心村")
    make_person("tg:supervisor", "supervisor", township="歇马街道")
    _village_children()  # 大磨滩村: 2 overdue + 2 this week; 虎头村: 1 this week
    make_child("下个月的", village_name="素心村", next_visit_due=dt.date(2027, 1, 5))

    assert queue_visit_reminders(TODAY) == 2
    assert queue_visit_reminders(TODAY) == 0

    [note] = notifications_for(busy.sender_id)
    assert note.kind == "reminder"
    assert "本周有4个孩子该走访了" in note.text and "其中2个已经逾期" in note.text
    [other] = notifications_for(also_busy.sender_id)
    assert "本周有1个孩子" in other.text and "逾期" not in other.text
    assert notifications_for(idle.sender_id) == []
    assert count(Notification) == 2

    assert queue_visit_reminders(TODAY + dt.timedelta(days=1)) == 2
    assert len(notifications_for(busy.sender_id)) == 2


def test_no_reminders_when_nothing_is_due(db_url) -> None:
    make_person("tg:director", "director", village_name="大磨滩村")
    make_child("下周一到期", next_visit_due=SUNDAY + dt.timedelta(days=1))
    assert queue_visit_reminders(TODAY) == 0
    assert count(Notification) == 0


def test_the_reminders_command_queues_todays_reminders(db_url, capsys) -> None:
    from records.__main__ import main

    make_person("tg:director", "director", village_name="大磨滩村")
    make_child("很久以前", next_visit_due=dt.date(2020, 1, 1))
    assert main(["reminders"]) == 0
    assert "已排队 1 条走访提醒" in capsys.readouterr().out
    assert len(notifications_for("tg:director")) == 1


# ---- visit intervals ------------------------------------------------------------------------

def test_default_intervals_are_weekly_monthly_quarterly() -> None:
    assert visit_intervals() == DEFAULT_INTERVALS == {"高": 7, "一般": 30, "无": 90}
    assert next_visit_due("高", TODAY, TODAY) == dt.date(2026, 12, 8)
    assert next_visit_due("一般", TODAY, TODAY) == dt.date(2026, 12, 31)
    assert next_visit_due("无", TODAY, TODAY) == dt.date(2027, 3, 1)
    assert next_visit_due(None, None, TODAY) == dt.date(2026, 12, 31)
    assert first_visit_due(TODAY) == dt.date(2026, 12, 31)
    assert interval_words("高") == "高风险每周一次"


def test_a_visit_long_ago_is_due_today_not_in_the_past() -> None:
    assert next_visit_due("高", dt.date(2026, 10, 1), TODAY) == TODAY


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("高=3,一般=14,无=60", {"高": 3, "一般": 14, "无": 60}),
        (" 高 = 5 , 一般=21 ", {"高": 5, "一般": 21, "无": 90}),
        ("高=abc,一般=0,无=400", {"高": 7, "一般": 30, "无": 90}),
        ("中=10,高=-3,一般=,=5,无", {"高": 7, "一般": 30, "无": 90}),
        ("高=14;一般=60", {"高": 7, "一般": 30, "无": 90}),
        ("一般=366,高=1", {"高": 1, "一般": 366, "无": 90}),
        ("", {"高": 7, "一般": 30, "无": 90}),
    ],
)
def test_intervals_come_from_the_setting_and_malformed_entries_are_ignored(monkeypatch, setting, expected) -> None:
    monkeypatch.setenv("VISIT_INTERVAL_DAYS", setting)
    assert visit_intervals() == expected


def test_the_setting_changes_a_new_childs_first_due_visit_and_the_next_one(db_url, monkeypatch) -> None:
    monkeypatch.setenv("VISIT_INTERVAL_DAYS", "高=3,一般=14,无=oops")
    director = make_person("tg:director", "director", village_name="大磨滩村")
    register(parent())

    [child] = rows(Child)
    assert child.next_visit_due == TODAY + dt.timedelta(days=14)
    assert next_visit_due("高", TODAY, TODAY) == TODAY + dt.timedelta(days=3)
    assert next_visit_due("无", TODAY, TODAY) == TODAY + dt.timedelta(days=90)
    assert interval_words("一般") == "一般风险每两周一次"
    # due in 14 days: not this week, so not on the work list yet
    assert director_worklist(director, TODAY).due_this_week == []
    assert [c.name for c in director_worklist(director, TODAY + dt.timedelta(days=14)).due_this_week] == ["王小明"]
