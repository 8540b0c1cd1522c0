"""The actions that use the records: invite codes, the visit log's director check, a director's
work list, a person's own data, the departure form's ID number and village, urgent reports,
and resubmitted forms.

Each test drives an action's real ``run`` (as the action server does) against the
temporary database and checks what the person on the other end sees.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import delete, select, update

import actions.director as director_module
import actions.forms.departure as departure_module
from actions.dialogue import ActionAskCancelConfirm
from actions.director import ActionDirectorQueue
from actions.forms.departure import ActionAskDepConfirmed, ActionSubmitDeparture, ValidateDepartureForm
from actions.forms.report import ActionSubmitReport, is_urgent
from actions.forms.visit import ActionAskVisitDirector, ActionSubmitVisit, ValidateVisitForm
from actions.identity import DIRECTOR_ONLY, ActionAskInviteCode, ActionSubmitInvite, ValidateInviteForm
from actions.my_data import ActionAskEraseConfirm, ActionEraseMyData, ActionExportMyData
from records.audit import audit_entries
from records.db import session_scope
from records.models import Child, ConcernReport, HandoffTicket, Invite, Person, Registration, VisitLog
from records.outbox import pending
from records.people import actor_for, issue_invite, redeem_invite
from records.refs import new_reference
from records.tickets import open_tickets
from unit_support import (
    CONFIRMED_DEPARTURE,
    CONFIRMED_REPORT,
    CONFIRMED_VISIT,
    DEPARTURE_ANSWERS,
    SENDER,
    TODAY,
    assert_polite_chinese,
    payloads,
    ref_pattern,
    slot_events,
    texts,
)

# ---------------------------------------------------------------- helpers

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(born: str, region: str = "500109", sequence: str = "123") -> str:
    """A valid 18-character resident ID number (GB 11643 check digit) for a birth date YYYYMMDD."""
    body = region + born + sequence
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


DEPARTURE, VISIT, REPORT = CONFIRMED_DEPARTURE, CONFIRMED_VISIT, CONFIRMED_REPORT


@pytest.fixture(autouse=True)
def pinned(pinned_today, monkeypatch):
    """Today is 2026-12-01 everywhere an action asks (departure and director import ``today`` by name)."""
    monkeypatch.setattr(departure_module, "today", lambda: TODAY)
    monkeypatch.setattr(director_module, "today", lambda: TODAY)
    return TODAY


def joined(messages: list[dict[str, Any]]) -> str:
    return "\n".join(texts(messages))


def all_polite(messages: list[dict[str, Any]]) -> None:
    assert messages, "the user was told nothing"
    for text in texts(messages):
        assert_polite_chinese(text)


def next_question(domain, form: str, tracker, events) -> str | None:
    """The slot Rasa asks next after this validation: the one the action named, else the first empty one."""
    changed = slot_events(events)
    if "requested_slot" in changed:
        return changed["requested_slot"]
    slots = {**tracker.slots, **changed}
    return next((s for s in domain["forms"][form]["required_slots"] if slots.get(s) is None), None)


def rows(model) -> list:
    with session_scope() as session:
        return session.scalars(select(model).order_by(model.id)).all()


def add_child(name: str, due: dt.date | None, village: str = "大磨滩村", township: str = "歇马街道",
              risk: str | None = None) -> str:
    ref = new_reference("child", TODAY)
    with session_scope() as session:
        session.add(Child(ref=ref, name=name, county="北碚区", township=township, village=village,
                          next_visit_due=due, risk_level=risk))
    return ref


def add_supervisor(sender_id: str = "supervisor-xm") -> str:
    with session_scope() as session:
        session.add(Person(sender_id=sender_id, role="supervisor", county="北碚区", township="歇马街道"))
    return sender_id


@pytest.fixture
def submit(make_tracker, run_action):
    """Run a submit action for a just-confirmed form; returns (events, messages)."""
    actions = {"departure": ActionSubmitDeparture, "visit": ActionSubmitVisit, "report": ActionSubmitReport}
    answers = {"departure": DEPARTURE, "visit": VISIT, "report": REPORT}

    def go(kind: str, slots: dict | None = None, sender_id: str = "parent-1", tracker_events: list | None = None):
        tracker = make_tracker(text="确认提交", intent="affirm", slots=slots or answers[kind], sender_id=sender_id)
        for event in tracker_events or []:
            tracker.events.insert(-1, event)
        return run_action(actions[kind](), tracker)

    return go


@pytest.fixture
def broken_database(tmp_path, monkeypatch):
    """DATABASE_URL names a path SQLite cannot open (a directory)."""
    from records import db

    (tmp_path / "a-directory.db").mkdir()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'a-directory.db'}")
    db.get_engine.cache_clear()
    db._session_factory.cache_clear()
    yield
    db.get_engine.cache_clear()
    db._session_factory.cache_clear()


# ================================================================ invite codes


def _activate_invite(make_tracker, run_action, text: str, sender_id: str = "new-person"):
    """The message that starts invite_form (requested_slot None), as validate_invite_form gets it."""
    tracker = make_tracker(text=text, intent="redeem_invite", form="invite_form", sender_id=sender_id)
    events, messages = run_action(ValidateInviteForm(), tracker)
    return slot_events(events), messages


def _submit_invite(make_tracker, run_action, role: str | None, sender_id: str = "new-person"):
    tracker = make_tracker(text="验证身份", intent="redeem_invite", slots={"invite_code": role}, sender_id=sender_id)
    return run_action(ActionSubmitInvite(), tracker)


def test_a_code_typed_with_the_request_is_redeemed_at_once(make_tracker, run_action):
    code, _invite = issue_invite("director", village="大磨滩村")
    slots, messages = _activate_invite(make_tracker, run_action, f"验证身份 {code}")
    assert slots["invite_code"] == "director"
    assert messages == []
    assert actor_for("new-person").village == "大磨滩村"

    events, messages = _submit_invite(make_tracker, run_action, slots["invite_code"])
    reply = joined(messages)
    assert "验证成功" in reply and "歇马街道大磨滩村" in reply and "儿童主任" in reply
    assert "/log_visit" in payloads(messages) and "/ask_director_queue" in payloads(messages)
    # the code does not stay in the conversation, and the stored one forgets it was typed
    assert slot_events(events) == {"invite_code": None, "answers_cleared": "invite_form"}
    all_polite(messages)


def test_asked_for_the_code_it_says_what_for_and_offers_cancel(make_tracker, run_action):
    _events, messages = run_action(ActionAskInviteCode(), make_tracker(text="验证身份", intent="redeem_invite",
                                                                         form="invite_form"))
    assert "邀请码" in messages[0]["text"]
    assert "/cancel" in payloads(messages)
    all_polite(messages)


def test_the_request_without_a_code_asks_for_it(make_tracker, run_action, domain):
    tracker = make_tracker(text="验证身份", intent="redeem_invite", form="invite_form", sender_id="new-person")
    events, messages = run_action(ValidateInviteForm(), tracker)
    assert messages == []
    assert next_question(domain, "invite_form", tracker, events) == "invite_code"


def test_a_wrong_code_is_explained_and_asked_again(make_tracker, run_action):
    issue_invite("director", village="大磨滩村")
    slots, messages = _activate_invite(make_tracker, run_action, "验证身份 K7QM-2XPA")
    assert "invite_code" in slots and slots["invite_code"] is None
    assert len(messages) == 1 and "邀请码不对" in messages[0]["text"]
    all_polite(messages)
    assert actor_for("new-person").role == "parent"


def test_a_used_code_says_so(make_tracker, run_action):
    code, _invite = issue_invite("director", village="大磨滩村")
    redeem_invite("someone-else", code)
    slots, messages = _activate_invite(make_tracker, run_action, f"验证身份 {code}")
    assert slots["invite_code"] is None
    assert "用过了" in messages[0]["text"]
    all_polite(messages)
    assert actor_for("new-person").role == "parent"


def test_an_expired_code_says_so(make_tracker, run_action):
    code, invite = issue_invite("director", village="大磨滩村", hours=1)
    with session_scope() as session:
        session.execute(update(Invite).where(Invite.id == invite.id).values(
            expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)))
    slots, messages = _activate_invite(make_tracker, run_action, f"验证身份 {code}")
    assert slots["invite_code"] is None
    assert "过期" in messages[0]["text"]
    all_polite(messages)


@pytest.mark.parametrize("shape", ["lower-no-dash", "lower-dash", "upper-no-dash", "spaced"])
def test_the_code_may_be_typed_loosely(form_answer, run_action, shape):
    code, _invite = issue_invite("director", village="大磨滩村")
    typed = {
        "lower-no-dash": code.replace("-", "").lower(),
        "lower-dash": code.lower(),
        "upper-no-dash": code.replace("-", ""),
        "spaced": "我的邀请码是 " + code.replace("-", " "),
    }[shape]
    events, messages = run_action(ValidateInviteForm(), form_answer("invite_form", "invite_code", typed))
    assert slot_events(events)["invite_code"] == "director"
    assert messages == []


def test_a_lowercase_code_with_the_request_works_too(make_tracker, run_action):
    code, _invite = issue_invite("director", village="大磨滩村")
    slots, _messages = _activate_invite(make_tracker, run_action, "验证身份 " + code.replace("-", "").lower())
    assert slots["invite_code"] == "director"


def test_a_supervisor_is_not_offered_visit_logs(make_tracker, run_action):
    code, _invite = issue_invite("supervisor", township="歇马街道")
    slots, _messages = _activate_invite(make_tracker, run_action, f"验证身份 {code}", sender_id="new-supervisor")
    assert slots["invite_code"] == "supervisor"
    _events, messages = _submit_invite(make_tracker, run_action, "supervisor", sender_id="new-supervisor")
    reply = joined(messages)
    assert "验证成功" in reply and "歇马街道" in reply and "督导员" in reply
    assert "/log_visit" not in payloads(messages) and "/ask_director_queue" not in payloads(messages)
    assert "探访记录" not in reply
    all_polite(messages)


def test_too_many_wrong_codes_lock_out_even_a_right_one(form_answer, run_action):
    code, _invite = issue_invite("director", village="大磨滩村")
    for _ in range(5):
        run_action(ValidateInviteForm(), form_answer("invite_form", "invite_code", "K7QM-2XPA"))
    events, messages = run_action(ValidateInviteForm(), form_answer("invite_form", "invite_code", code))
    assert slot_events(events)["invite_code"] is None
    assert "次数太多" in messages[0]["text"]
    all_polite(messages)
    assert actor_for(SENDER).role == "parent"


def test_cancel_inside_the_invite_form_just_stops_it(make_tracker, run_action):
    tracker = make_tracker(text="取消", intent="cancel", form="invite_form", requested_slot="invite_code")
    events, messages = run_action(ActionAskCancelConfirm(), tracker)
    assert slot_events(events) == {"invite_code": None, "requested_slot": None, "answers_cleared": "invite_form"}
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert "先不验证" in messages[0]["text"] and "验证身份" in messages[0]["text"]
    all_polite(messages)


# ================================================================ visit log: directors only


def _start_visit(make_tracker, run_action, sender_id: str = SENDER):
    tracker = make_tracker(text="填写探访记录", intent="log_visit", form="visit_form", sender_id=sender_id)
    events, messages = run_action(ValidateVisitForm(), tracker)
    return tracker, events, messages


def test_someone_not_verified_is_asked_for_an_invite_code(make_tracker, run_action, domain):
    tracker, events, messages = _start_visit(make_tracker, run_action, sender_id="a-parent")
    assert messages == []
    assert "visit_director" not in slot_events(events)
    assert next_question(domain, "visit_form", tracker, events) == "visit_director"

    _events, asked = run_action(ActionAskVisitDirector(), make_tracker(form="visit_form", requested_slot="visit_director",
                                                                        sender_id="a-parent"))
    assert "邀请码" in asked[0]["text"] and "儿童主任" in asked[0]["text"]
    assert "/cancel" in payloads(asked)
    all_polite(asked)


def test_answering_with_a_director_code_lets_the_form_go_on(form_answer, run_action, domain):
    code, _invite = issue_invite("director", village="大磨滩村")
    tracker = form_answer("visit_form", "visit_director", code)
    events, messages = run_action(ValidateVisitForm(), tracker)
    assert slot_events(events)["visit_director"] == "director"
    assert messages == []
    assert actor_for(SENDER).role == "director"
    assert next_question(domain, "visit_form", tracker, events) == "visit_child_name"


def test_answering_with_a_supervisors_code_is_refused_politely(form_answer, run_action, domain):
    code, _invite = issue_invite("supervisor", township="歇马街道")
    tracker = form_answer("visit_form", "visit_director", code)
    events, messages = run_action(ValidateVisitForm(), tracker)
    assert "visit_director" in slot_events(events) and slot_events(events)["visit_director"] is None
    assert len(messages) == 1
    assert "儿童主任" in messages[0]["text"] and "取消" in messages[0]["text"]
    all_polite(messages)
    assert next_question(domain, "visit_form", tracker, events) == "visit_director"


def test_answering_with_a_wrong_code_is_refused_politely(form_answer, run_action):
    events, messages = run_action(ValidateVisitForm(), form_answer("visit_form", "visit_director", "K7QM-2XPA"))
    assert slot_events(events)["visit_director"] is None
    assert "邀请码不对" in messages[0]["text"]
    all_polite(messages)


@pytest.mark.usefixtures("director")
def test_a_verified_director_goes_straight_to_the_childs_name(make_tracker, run_action, domain):
    tracker, events, messages = _start_visit(make_tracker, run_action)
    assert slot_events(events)["visit_director"] == "director"
    assert messages == []
    assert next_question(domain, "visit_form", tracker, events) == "visit_child_name"


def test_a_visit_filed_by_someone_not_verified_is_refused(submit, count_rows):
    """Even with the slots forged, the records layer checks who is filing."""
    events, messages = submit("visit", sender_id="a-parent")
    assert "儿童主任" in joined(messages)
    all_polite(messages)
    assert ref_pattern("TF").search(joined(messages)) is None
    assert count_rows(VisitLog) == 0


@pytest.mark.usefixtures("director")
def test_a_director_files_only_for_a_child_of_their_own_village(submit):
    other = add_child("李娜", TODAY + dt.timedelta(days=3), village="虎头村")  # same name, the next village
    _events, messages = submit("visit", sender_id=SENDER)
    assert ref_pattern("TF").search(joined(messages))
    [visit] = rows(VisitLog)
    assert visit.village == "大磨滩村"
    children = {c.ref: c for c in rows(Child)}
    mine = children[next(ref for ref in children if ref != other)]
    assert (mine.village, mine.township, mine.name) == ("大磨滩村", "歇马街道", "李娜")
    assert visit.child_id == mine.id
    assert children[other].last_visit_date is None  # the other village's child is untouched
    assert children[other].next_visit_due == TODAY + dt.timedelta(days=3)


# ================================================================ a director's work list


def _queue(make_tracker, run_action, text: str, sender_id: str = SENDER):
    tracker = make_tracker(text=text, intent="ask_director_queue", sender_id=sender_id)
    return run_action(ActionDirectorQueue(), tracker)


def test_the_work_list_is_for_directors_only(make_tracker, run_action):
    events, messages = _queue(make_tracker, run_action, "我这周要走访谁", sender_id="a-parent")
    assert events == []
    assert texts(messages) == [DIRECTOR_ONLY]
    assert "/redeem_invite" in payloads(messages)
    all_polite(messages)


def test_a_rule_on_visits_taken_for_the_work_list_is_answered_for_anyone(make_tracker, run_action):
    """"高风险的孩子多久要去看一次" is a question on the rules: its sourced answer, not "for directors only"."""
    _events, messages = _queue(make_tracker, run_action, "高风险的孩子多久要去看一次", sender_id="a-parent")
    assert DIRECTOR_ONLY not in texts(messages)
    assert "依据" in joined(messages)


@pytest.mark.usefixtures("director")
def test_a_new_registration_from_the_village_is_shown_once(make_tracker, run_action, submit):
    _events, filed = submit("departure", sender_id="parent-1")
    ref = ref_pattern("BB").search(joined(filed)).group(0)
    submit("departure", slots=dict(DEPARTURE, dep_village="歇马街道虎头村", dep_child_name="赵小红"),
           sender_id="parent-2")

    _events, messages = _queue(make_tracker, run_action, "有没有新的报备")
    listing = joined(messages)
    assert ref in listing and "王小明" in listing and "13812345678" in listing
    assert "赵小红" not in listing  # another village's registration
    assert "/log_visit" in payloads(messages)
    all_polite(messages)

    _events, again = _queue(make_tracker, run_action, "有没有新的报备")
    assert ref not in joined(again) and "王小明" not in joined(again)
    assert "没有新的外出务工报备" in joined(again)
    all_polite(again)


@pytest.mark.usefixtures("director")
def test_overdue_lists_only_the_overdue(make_tracker, run_action):
    late = add_child("陈晓", TODAY - dt.timedelta(days=10), risk="高")
    soon = add_child("刘洋", TODAY + dt.timedelta(days=2))
    later = add_child("周杰", TODAY + dt.timedelta(days=20))
    _events, messages = _queue(make_tracker, run_action, "有没有逾期的")
    listing = joined(messages)
    assert "陈晓" in listing and "逾期" in listing
    assert "刘洋" not in listing and "周杰" not in listing
    all_polite(messages)
    read = {e.child_ref for e in audit_entries(actor=SENDER) if e.action == "read" and e.record_type == "child"}
    assert late in read and later not in read
    assert soon  # due this week: not shown here (see the report on what the audit log records)


@pytest.mark.usefixtures("director")
def test_this_week_lists_due_and_overdue(make_tracker, run_action):
    late = add_child("陈晓", TODAY - dt.timedelta(days=10))
    soon = add_child("刘洋", TODAY + dt.timedelta(days=2))  # Thursday of the same week
    later = add_child("周杰", TODAY + dt.timedelta(days=20))
    elsewhere = add_child("孙悦", TODAY + dt.timedelta(days=1), village="虎头村")
    _events, messages = _queue(make_tracker, run_action, "我这周要走访谁")
    listing = joined(messages)
    assert "陈晓" in listing and "刘洋" in listing
    assert "周杰" not in listing and "孙悦" not in listing
    assert "12月3日" in listing  # when 刘洋 is due
    all_polite(messages)
    entries = [e for e in audit_entries(actor=SENDER) if e.action == "read" and e.record_type == "child"]
    assert {late, soon} <= {e.child_ref for e in entries}
    assert not {later, elsewhere} & {e.child_ref for e in entries}
    assert all(e.actor_role == "director" and e.purpose for e in entries)


@pytest.mark.usefixtures("director")
def test_listing_registrations_is_audited(make_tracker, run_action, submit):
    _events, filed = submit("departure", sender_id="parent-1")
    ref = ref_pattern("BB").search(joined(filed)).group(0)
    _queue(make_tracker, run_action, "有没有新的报备")
    reads = [e for e in audit_entries(actor=SENDER) if e.action == "read" and e.record_type == "registration"]
    assert [e.record_ref for e in reads] == [ref]


@pytest.mark.usefixtures("director")
def test_database_down_the_work_list_says_so_kindly(make_tracker, run_action, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def broken(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(director_module, "director_worklist", broken)
    _events, messages = _queue(make_tracker, run_action, "我这周要走访谁")
    assert "系统暂时连不上" in joined(messages)
    all_polite(messages)


# ================================================================ a person's own data


def test_export_gives_back_only_the_senders_own_registration(make_tracker, run_action, submit):
    _e, mine = submit("departure", sender_id="parent-1")
    _e, theirs = submit("departure", slots=dict(DEPARTURE, dep_child_name="赵小红", dep_carer_phone="13700002222"),
                        sender_id="parent-2")
    my_ref = ref_pattern("BB").search(joined(mine)).group(0)
    their_ref = ref_pattern("BB").search(joined(theirs)).group(0)

    events, messages = run_action(ActionExportMyData(), make_tracker(text="导出我的信息", intent="export_my_data",
                                                                      sender_id="parent-1"))
    export = joined(messages)
    assert events == []
    assert my_ref in export and "王小明" in export
    assert their_ref not in export and "赵小红" not in export and "13700002222" not in export
    all_polite(messages)
    exported = [e.record_ref for e in audit_entries(actor="parent-1") if e.action == "export"]
    assert exported == [my_ref]


def test_export_with_nothing_stored(make_tracker, run_action):
    _events, messages = run_action(ActionExportMyData(), make_tracker(text="导出我的信息", intent="export_my_data",
                                                                       sender_id="nobody"))
    assert "没有保存您的任何" in joined(messages)
    all_polite(messages)


def test_the_erase_confirmation_warns_and_offers_both_answers(make_tracker, run_action):
    _events, messages = run_action(ActionAskEraseConfirm(), make_tracker(text="删除我的信息", intent="delete_my_data"))
    assert "不能恢复" in messages[0]["text"]
    assert payloads(messages) == ["/affirm", "/deny"]
    all_polite(messages)


@pytest.mark.parametrize("said", ["确认删除", "对 删掉", "删吧"])
def test_typing_the_buttons_words_to_the_erase_question_erases(make_tracker, run_action, said):
    """"确认删除" typed is the yes: not the question again and again."""
    tracker = make_tracker(text=said, intent="delete_my_data")
    tracker.events.insert(-1, {"event": "bot", "text": "确定要删除您的信息吗？会删除：…"})
    events, messages = run_action(ActionAskEraseConfirm(), tracker)
    assert events == [{"event": "followup", "name": "action_erase_my_data", "timestamp": None}] and messages == []


def test_erase_deletes_the_senders_registrations_and_the_conversation(make_tracker, run_action, submit, count_rows):
    submit("departure", sender_id="parent-1")
    submit("departure", slots=dict(DEPARTURE, dep_child_name="赵小红"), sender_id="parent-2")
    events, messages = run_action(ActionEraseMyData(), make_tracker(text="/affirm", intent="affirm",
                                                                     sender_id="parent-1"))
    assert slot_events(events) == {"data_erased": True}
    assert "已删除" in joined(messages) and "1条报备" in joined(messages)
    all_polite(messages)
    assert [r.sender_id for r in rows(Registration)] == ["parent-2"]
    assert [c.name for c in rows(Child)] == ["赵小红"]  # the child known only from parent-1 is gone
    assert count_rows(Registration) == 1


def test_export_with_the_database_unreachable(make_tracker, run_action, broken_database):
    events, messages = run_action(ActionExportMyData(), make_tracker(text="导出我的信息", intent="export_my_data"))
    assert events == []
    assert "系统暂时连不上" in joined(messages)
    all_polite(messages)


def test_erase_with_the_database_unreachable(make_tracker, run_action, broken_database):
    events, messages = run_action(ActionEraseMyData(), make_tracker(text="/affirm", intent="affirm"))
    assert events == []  # no data_erased: the conversation must not be dropped when nothing was deleted
    assert "系统暂时连不上" in joined(messages) and "还没有删除" in joined(messages)
    all_polite(messages)


def test_erasing_a_reporter_keeps_the_follow_up_of_their_report(make_tracker, run_action, submit):
    _events, filed = submit("report", sender_id="reporter-1")
    ticket = next(t.ref for t in open_tickets())
    assert ticket in joined(filed)
    run_action(ActionEraseMyData(), make_tracker(text="/affirm", intent="affirm", sender_id="reporter-1"))
    [report] = rows(ConcernReport)
    assert report.sender_id == "erased"  # the report is kept, without the reporter's id
    assert ticket in [t.ref for t in open_tickets()]  # ... and someone still has to follow it up


# ================================================================ departure: ID number and village

BEFORE_ID = {"dep_consent": True, "dep_child_name": "王小明"}


def _answer_departure(form_answer, run_action, slot: str, text: str, filled: dict | None = None, intent="inform"):
    tracker = form_answer("departure_form", slot, text, intent, filled)
    events, messages = run_action(ValidateDepartureForm(), tracker)
    return tracker, events, messages


@pytest.mark.parametrize("born, age", [("20140315", 12), ("20141201", 12), ("20141202", 11), ("20260601", 0),
                                       ("20081202", 17)])
def test_a_valid_id_number_gives_the_age(form_answer, run_action, domain, born, age):
    number = id_number(born)
    tracker, events, messages = _answer_departure(form_answer, run_action, "dep_child_id", number, BEFORE_ID)
    assert messages == []
    slots = slot_events(events)
    assert slots["dep_child_id"] == number
    assert slots["dep_child_age"] == age
    assert next_question(domain, "departure_form", tracker, events) == "dep_village"  # the age is not asked


def test_an_id_number_with_a_lowercase_x_and_spaces(form_answer, run_action):
    number = next(n for n in (id_number("20140315", sequence=f"{s:03d}") for s in range(200)) if n.endswith("X"))
    spaced = f"{number[:6]} {number[6:14]} {number[14:].lower()}"
    _tracker, events, _messages = _answer_departure(form_answer, run_action, "dep_child_id", spaced, BEFORE_ID)
    assert slot_events(events)["dep_child_id"] == number


def test_seventeen_digits_are_refused(form_answer, run_action):
    _tracker, events, messages = _answer_departure(form_answer, run_action, "dep_child_id",
                                                   id_number("20140315")[:17], BEFORE_ID)
    slots = slot_events(events)
    assert slots["dep_child_id"] is None and "dep_child_age" not in slots
    assert "17位" in messages[0]["text"]
    all_polite(messages)


def test_a_wrong_check_digit_is_refused(form_answer, run_action):
    number = id_number("20140315")
    wrong = number[:17] + ("1" if number[17] != "1" else "2")
    _tracker, events, messages = _answer_departure(form_answer, run_action, "dep_child_id", wrong, BEFORE_ID)
    assert slot_events(events)["dep_child_id"] is None
    assert "校验码" in messages[0]["text"]
    all_polite(messages)


@pytest.mark.parametrize("born", ["20000101", "20081201"])
def test_an_adults_id_number_is_refused(form_answer, run_action, born):
    _tracker, events, messages = _answer_departure(form_answer, run_action, "dep_child_id", id_number(born), BEFORE_ID)
    slots = slot_events(events)
    assert slots["dep_child_id"] is None and "dep_child_age" not in slots
    assert "满18岁" in messages[0]["text"]
    all_polite(messages)


@pytest.mark.parametrize("text, intent", [("跳过", "inform"), ("不知道", "inform"), ("/deny", "deny")])
def test_skipping_the_id_number_asks_the_age(form_answer, run_action, domain, text, intent):
    tracker, events, messages = _answer_departure(form_answer, run_action, "dep_child_id", text, BEFORE_ID, intent)
    slots = slot_events(events)
    assert slots == {"dep_child_id": "不填"}
    assert messages == []
    assert next_question(domain, "departure_form", tracker, events) == "dep_child_age"


def test_the_summary_masks_the_id_number(make_tracker, run_action):
    number = id_number("20140315")
    tracker = make_tracker(text="2027年2月", slots={**DEPARTURE_ANSWERS, "dep_child_id": number},
                           form="departure_form", requested_slot="dep_confirmed")
    _events, messages = run_action(ActionAskDepConfirmed(), tracker)
    summary = joined(messages)
    assert number[:3] + "*" * 11 + number[-4:] in summary
    assert number not in summary and number[3:14] not in summary
    all_polite(messages)


def test_the_id_number_never_reaches_the_director(submit, director):
    number = id_number("20140315")
    director("director-dmt")
    _events, messages = submit("departure", slots=dict(DEPARTURE, dep_child_id=number, dep_child_age=12))
    assert number not in joined(messages)
    [note] = pending("director-dmt")
    assert number not in note.text and number[-4:] not in note.text
    [child] = [c for c in rows(Child) if c.name == "王小明"]
    assert child.id_number == number  # kept in the village's file, where it matches the child


@pytest.mark.parametrize("text", ["大磨滩村", "歇马街道大磨滩村", "我们是歇马大磨滩的", "大磨滩村委会"])
def test_a_village_the_directory_knows(form_answer, run_action, text):
    _tracker, events, messages = _answer_departure(form_answer, run_action, "dep_village", text)
    assert slot_events(events)["dep_village"] == "歇马街道大磨滩村"
    assert messages == []


def test_a_name_two_villages_share_asks_which(form_answer, run_action):
    _tracker, events, messages = _answer_departure(form_answer, run_action, "dep_village", "东升村")
    assert slot_events(events)["dep_village"] is None
    assert "有2个" in messages[0]["text"]
    assert "澄江镇东升村" in messages[0]["text"] and "柳荫镇东升村" in messages[0]["text"]
    all_polite(messages)


def test_a_shared_name_with_the_township_is_clear(form_answer, run_action):
    _tracker, events, _messages = _answer_departure(form_answer, run_action, "dep_village", "柳荫镇东升村")
    assert slot_events(events)["dep_village"] == "柳荫镇东升村"


def test_an_unknown_village_is_not_guessed(form_answer, run_action):
    _tracker, events, messages = _answer_departure(form_answer, run_action, "dep_village", "火星村")
    assert slot_events(events)["dep_village"] is None
    assert "没有找到" in messages[0]["text"]
    all_polite(messages)


def test_a_typo_suggests_the_village(form_answer, run_action):
    _tracker, events, messages = _answer_departure(form_answer, run_action, "dep_village", "大魔滩村")
    assert slot_events(events)["dep_village"] is None
    assert "没有找到" in messages[0]["text"] and "大磨滩村" in messages[0]["text"]
    all_polite(messages)


@pytest.mark.usefixtures("director")
def test_the_reply_names_the_village_director(submit):
    _events, messages = submit("departure")
    assert "已经送到歇马街道大磨滩村的儿童主任" in joined(messages)
    all_polite(messages)


def test_with_nobody_verified_the_reply_names_the_county(submit, director):
    with session_scope() as session:
        session.execute(delete(Person))
    _events, messages = submit("departure")
    assert "民政工作人员" in joined(messages)
    assert "儿童主任，他们" not in joined(messages)
    all_polite(messages)


def test_with_only_a_supervisor_the_reply_names_the_supervisor(submit):
    supervisor = add_supervisor()
    _events, messages = submit("departure")
    assert "已经送到歇马街道的儿童督导员" in joined(messages)
    [note] = pending(supervisor)
    assert "还没有已验证的儿童主任" in note.text


# ================================================================ reports: what is urgent


@pytest.mark.parametrize(
    "situation, description, earlier, urgent",
    [
        (2, "邻居家9岁的女孩说被人猥亵了", False, True),
        (1, "孩子说下体很疼", False, True),
        (5, "孩子割腕了，已经送医院", False, True),
        (7, "孩子三天没回家，找不到人", False, True),
        (4, "孩子身上有很多淤青，说是被他爸打的", False, False),
        (4, "隔壁小孩正在被他爸打", False, True),
        (4, "孩子身上有很多淤青，说是被他爸打的", True, True),
        (6, "孩子一个人在家，没人做饭", False, False),
        (9, "孩子被同学辱骂", False, False),
    ],
)
def test_is_urgent(situation, description, earlier, urgent):
    assert is_urgent(situation, description, earlier) is urgent


def test_an_urgent_report_says_so_and_names_who_gets_it(submit):
    supervisor = add_supervisor()
    slots = dict(REPORT, rep_situation=2, rep_description="邻居家9岁的女孩说被人猥亵了")
    _events, messages = submit("report", slots=slots, sender_id="reporter-1")
    reply = messages[0]["text"]
    assert "情况紧急" in reply and "歇马街道的儿童督导员" in reply
    assert "北碚区民政部门" not in reply, "only people who exist and were told are named (no staff verified here)"
    all_polite(messages)
    [note] = pending(supervisor)
    assert note.text.startswith("【紧急】") and "第2类" in note.text
    [ticket] = open_tickets()
    assert ticket.urgent and ticket.ref in reply


def test_danger_now_in_the_description_makes_it_urgent(submit):
    supervisor = add_supervisor()
    slots = dict(REPORT, rep_description="隔壁小孩正在被他爸打，哭得很厉害")
    _events, messages = submit("report", slots=slots, sender_id="reporter-1")
    assert "情况紧急" in messages[0]["text"]
    assert pending(supervisor)[0].text.startswith("【紧急】")


def test_an_emergency_earlier_in_the_conversation_makes_it_urgent(submit):
    supervisor = add_supervisor()
    earlier = [{"event": "action", "name": "action_urgent_help"}]
    _events, messages = submit("report", sender_id="reporter-1", tracker_events=earlier)
    assert "情况紧急" in messages[0]["text"]
    assert pending(supervisor)[0].text.startswith("【紧急】")
    assert rows(ConcernReport)[0].urgent is True


def test_a_calm_report_is_followed_up_without_alarm(submit):
    supervisor = add_supervisor()
    _events, messages = submit("report", sender_id="reporter-1")
    reply = messages[0]["text"]
    assert "情况紧急" not in reply and "已转给歇马街道的儿童督导员" in reply
    all_polite(messages)
    [note] = pending(supervisor)
    assert not note.text.startswith("【紧急】")
    assert rows(ConcernReport)[0].urgent is False


# ================================================================ a resubmitted form


@pytest.mark.parametrize("kind, model, prefix, what", [
    ("departure", Registration, "BB", "报备"),
    ("visit", VisitLog, "TF", "探访记录"),
    ("report", ConcernReport, "BG", "报告"),
])
def test_a_resubmitted_identical_form_is_saved_once(submit, director, count_rows, kind, model, prefix, what):
    sender = director("twice-director") if kind == "visit" else "twice-parent"
    _e, first = submit(kind, sender_id=sender)
    events, second = submit(kind, sender_id=sender)
    [ref] = ref_pattern(prefix).findall(joined(first))[:1]
    assert "已经提交过了" in joined(second) and ref in joined(second) and what in joined(second)
    assert ref_pattern(prefix).findall(joined(second)) == [ref]
    all_polite(second)
    assert count_rows(model) == 1
    assert slot_events(events)["requested_slot"] is None  # the form is closed, not asked again
    if kind == "report":
        assert count_rows(HandoffTicket) == 1
