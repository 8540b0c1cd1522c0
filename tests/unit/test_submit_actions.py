"""Saving a confirmed form: reference number, saved once, duties / next steps, slots cleared,
and a kind answer that keeps the form when the database is down."""
from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

import actions.forms.departure as departure
import actions.forms.report as report
import actions.forms.visit as visit
from actions.forms.departure import ActionSubmitDeparture, ValidateDepartureForm
from actions.forms.report import ActionSubmitReport, ValidateReportForm
from actions.forms.submit import SAVE_FAILED
from actions.forms.visit import ActionSubmitVisit, ValidateVisitForm
from actions.guard import SORRY
from records.db import session_scope
from records.models import ConcernReport, HandoffTicket, Registration, VisitLog
from records.tickets import open_tickets
from unit_support import (
    CONFIRMED_DEPARTURE,
    CONFIRMED_REPORT,
    CONFIRMED_VISIT,
    assert_polite_chinese,
    payloads,
    ref_pattern,
    slot_events,
    texts,
)

DEPARTURE, VISIT, REPORT = CONFIRMED_DEPARTURE, CONFIRMED_VISIT, CONFIRMED_REPORT

CASES = {
    "departure": (ActionSubmitDeparture, ValidateDepartureForm, DEPARTURE, Registration, "BB", departure, "file_registration"),
    "visit": (ActionSubmitVisit, ValidateVisitForm, VISIT, VisitLog, "TF", visit, "file_visit"),
    "report": (ActionSubmitReport, ValidateReportForm, REPORT, ConcernReport, "BG", report, "file_report"),
}


@pytest.fixture
def submit(make_tracker, run_action, director):
    """Submit ``kind`` with ``slots`` (a confirmed form just completed); returns (events, messages).

    A visit log's submitter is made a verified director first (only they may file one).
    """

    def go(kind: str, slots: dict | None = None, sender_id: str = "submitter-1"):
        action, _form, answers, *_rest = CASES[kind]
        if kind == "visit":
            from records.people import actor_for

            try:
                if actor_for(sender_id).role != "director":
                    director(sender_id)
            except OperationalError:  # a test that broke the database on purpose
                pass
        tracker = make_tracker(text="确认提交", intent="affirm", slots=slots or answers, sender_id=sender_id)
        return run_action(action(), tracker)

    return go


def _refs(messages, prefix):
    """The reference numbers of kind ``prefix`` the user was told."""
    return [m.group(0) for t in texts(messages) for m in ref_pattern(prefix).finditer(t)]


def _rows(model):
    with session_scope() as session:
        return session.scalars(select(model)).all()


@pytest.mark.usefixtures("temp_db")
@pytest.mark.parametrize("kind", list(CASES))
class TestSaved:
    def test_reply_gives_a_reference_number(self, submit, kind):
        _action, _form, _answers, _model, prefix, *_ = CASES[kind]
        _events, messages = submit(kind)
        refs = _refs(messages, prefix)
        assert len(refs) == 1
        assert refs[0][2:10] == dt.date.today().strftime("%Y%m%d")

    def test_the_row_is_saved_once_with_that_reference(self, submit, count_rows, kind):
        _action, _form, _answers, model, prefix, *_ = CASES[kind]
        _events, messages = submit(kind)
        assert count_rows(model) == 1
        assert _rows(model)[0].ref == _refs(messages, prefix)[0]
        assert _rows(model)[0].sender_id == "submitter-1"

    def test_submitting_twice_saves_once_with_the_same_reference(self, submit, count_rows, kind):
        _action, _form, _answers, model, prefix, *_ = CASES[kind]
        _e1, first = submit(kind)
        _e2, second = submit(kind)
        assert _refs(first, prefix) == _refs(second, prefix)
        assert count_rows(model) == 1

    def test_another_person_with_the_same_answers_gets_their_own_record(self, submit, count_rows, kind):
        _action, _form, _answers, model, prefix, *_ = CASES[kind]
        _e1, first = submit(kind, sender_id="person-a")
        _e2, second = submit(kind, sender_id="person-b")
        assert _refs(first, prefix) != _refs(second, prefix)
        assert count_rows(model) == 2

    def test_every_form_slot_is_cleared_afterwards(self, submit, kind):
        _action, form, *_ = CASES[kind]
        events, _messages = submit(kind)
        slots = slot_events(events)
        for slot in form.slot_names():
            assert slot in slots and slots[slot] is None, slot
        assert slots["requested_slot"] is None
        assert slots["paused_form"] is None

    def test_database_down_keeps_the_answers_and_reopens_the_form(self, submit, monkeypatch, count_rows, kind):
        _action, form, answers, model, prefix, module, save_name = CASES[kind]

        def broken(*_args, **_kwargs):
            raise OperationalError("INSERT INTO records", {}, Exception("database is locked"))

        monkeypatch.setattr(module, save_name, broken)
        events, messages = submit(kind)
        assert texts(messages) == [SAVE_FAILED]
        assert_polite_chinese(SAVE_FAILED)
        assert "保存不了" in SAVE_FAILED and "记着" in SAVE_FAILED
        assert _refs(messages, prefix) == []
        assert {"event": "followup", "timestamp": None, "name": form.form} in events
        slots = slot_events(events)
        assert slots == {form.confirm_slot(): None}  # only the "yes" is asked again; no answer is cleared
        assert count_rows(model) == 0


@pytest.mark.parametrize("kind", list(CASES))
def test_database_unreachable_for_real(tmp_path, monkeypatch, submit, caplog, kind):
    """DATABASE_URL names a path SQLite cannot open: the same kind reply, and no personal data in the log."""
    from records import db

    (tmp_path / "a-directory.db").mkdir()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'a-directory.db'}")
    db.get_engine.cache_clear()
    db._session_factory.cache_clear()
    try:
        with caplog.at_level(logging.INFO):
            events, messages = submit(kind)
    finally:
        db.get_engine.cache_clear()
        db._session_factory.cache_clear()
    _action, form, answers, *_ = CASES[kind]
    assert texts(messages) == [SAVE_FAILED]
    assert {"event": "followup", "timestamp": None, "name": form.form} in events
    assert f"saving {form.form} failed" in caplog.text and "OperationalError" in caplog.text
    for value in answers.values():
        if isinstance(value, str) and len(value) >= 2:
            assert value not in caplog.text


@pytest.mark.usefixtures("temp_db")
class TestDeparture:
    def test_reply_reminds_of_the_parents_duties(self, submit):
        _events, messages = submit("departure")
        reply = "\n".join(texts(messages))
        assert "第22条" in reply and "第23条" in reply and "未成年人保护法" in reply
        assert "每周至少" in reply
        assert "歇马街道大磨滩村的儿童主任" in reply

    def test_saved_values(self, submit):
        submit("departure")
        row = _rows(Registration)[0]
        assert (row.child_name, row.child_age, row.carer_phone, row.expected_return) == ("王小明", 12, "13812345678", "2027-02")
        assert row.consent_to_share is True

    def test_without_consent_nothing_is_recorded(self, submit, count_rows):
        events, messages = submit("departure", slots={"dep_consent": False})
        assert count_rows(Registration) == 0
        assert len(messages) == 1 and "不会记录" in messages[0]["text"]
        assert ref_pattern("BB").search(messages[0]["text"]) is None
        cleared = slot_events(events)
        assert cleared.pop("answers_cleared") == "departure_form"  # the stored conversation forgets them too
        assert all(v is None for v in cleared.values())

    def test_unconfirmed_form_saves_nothing(self, submit, count_rows):
        submit("departure", slots=dict(DEPARTURE, dep_confirmed=None))
        assert count_rows(Registration) == 0

    def test_sql_in_an_answer_is_stored_as_text(self, submit, count_rows):
        hostile = "'; DROP TABLE registrations;--"
        submit("departure", slots=dict(DEPARTURE, dep_work_city=hostile))
        submit("departure", slots=dict(DEPARTURE, dep_child_name="李娜"))
        assert count_rows(Registration) == 2  # the table is still there
        assert {r.work_city for r in _rows(Registration)} == {hostile, "广州"}

    def test_the_registration_reaches_the_village_director(self, submit, director):
        from records.outbox import pending

        director("director-dmt")
        _events, messages = submit("departure")
        assert "已经送到歇马街道大磨滩村的儿童主任" in "\n".join(texts(messages))
        [note] = pending("director-dmt")
        assert _refs(messages, "BB")[0] in note.text and "王**" in note.text and "王小明" not in note.text

    def test_with_nobody_verified_yet_it_goes_to_the_staff_queue(self, submit):
        from sqlalchemy import delete

        from records.models import Person

        with session_scope() as session:
            session.execute(delete(Person))
        _events, messages = submit("departure")
        assert "民政工作人员" in "\n".join(texts(messages))


@pytest.mark.usefixtures("temp_db")
class TestVisit:
    def test_reply_gives_the_next_visit(self, submit):
        _events, messages = submit("visit")
        assert "下次探访：2026-12-30" in messages[0]["text"]
        assert "强制报告" not in messages[0]["text"]

    def test_high_risk_reminds_of_the_duty_to_report(self, submit):
        _events, messages = submit("visit", slots=dict(VISIT, visit_risk="高"))
        assert "立即报告" in messages[0]["text"] and "强制报告" in messages[0]["text"]

    def test_harm_found_on_the_visit_offers_the_report_with_what_was_found(self, submit):
        found = "婷婷哭着说隔壁叔叔趁奶奶不在叫她去他家 脱她裤子 还说告诉别人就打死她"
        events, messages = submit("visit", slots=dict(VISIT, visit_findings=found, visit_risk="高"))
        assert "110" in messages[0]["text"] and "必须报告" in messages[0]["text"]
        assert any(b["payload"] == "/report_concern" for b in messages[0].get("buttons") or [])
        assert {"event": "slot", "name": "rep_description", "value": found} in [
            {k: e.get(k) for k in ("event", "name", "value")} for e in events]

    def test_saved_values(self, submit):
        submit("visit")
        row = _rows(VisitLog)[0]
        assert row.visit_date == dt.date(2026, 11, 30) and row.next_visit_date == dt.date(2026, 12, 30)
        assert (row.kind, row.risk_level) == ("入户", "一般")


@pytest.mark.usefixtures("temp_db")
class TestReport:
    def test_reply_says_what_happens_next_and_why(self, submit):
        _events, messages = submit("report")
        reply = "\n".join(texts(messages))
        assert "接下来" in reply and "督导员" in reply
        assert "第11条" in reply and "未成年人保护法" in reply
        assert "高检发〔2020〕9号" in reply

    def test_not_yet_called_police_is_told_to_call_110(self, submit):
        _events, messages = submit("report")
        assert "110" in messages[0]["text"]
        _events, messages = submit("report", slots=dict(REPORT, rep_police_called=True, rep_place="石桥镇"))
        assert "110" not in messages[0]["text"]

    def test_staff_get_a_ticket_naming_the_report(self, submit):
        _events, messages = submit("report")
        ref = _refs(messages, "BG")[0]
        tickets = open_tickets()
        assert len(tickets) == 1
        assert tickets[0].reason == "report" and ref in tickets[0].summary and "第4类" in tickets[0].summary

    def test_submitting_twice_opens_one_ticket(self, submit, count_rows):
        submit("report")
        submit("report")
        assert count_rows(HandoffTicket) == 1

    def test_the_report_and_its_ticket_are_saved_together(self, submit, monkeypatch, count_rows):
        import records.filing as filing

        def broken(*_args, **_kwargs):
            raise OperationalError("INSERT INTO handoff_tickets", {}, Exception("database is locked"))

        with monkeypatch.context() as patched:
            patched.setattr(filing, "open_ticket_in", broken)
            _events, messages = submit("report")
        assert count_rows(ConcernReport) == 0 and count_rows(HandoffTicket) == 0  # nothing half-saved
        assert texts(messages) == [SAVE_FAILED]
        _events, messages = submit("report")  # pressing 确认提交 again saves both
        assert count_rows(ConcernReport) == 1 and count_rows(HandoffTicket) == 1
        assert SORRY not in texts(messages) and _refs(messages, "BG")


@pytest.mark.parametrize("said, anonymous", [("我不想让人知道是我报的", True), ("别说是我说的哈", True),
                                             ("怕他家里人报复", True), ("孩子身上都是伤", False)])
def test_a_reporters_wish_to_stay_unknown_is_kept_on_the_report_and_told_to_staff(
        make_tracker, run_action, said, anonymous):
    tracker = make_tracker(text="确认提交", intent="affirm", slots=REPORT, form="report_form", sender_id="reporter-1")
    at = next(i for i, e in enumerate(tracker.events) if e.get("event") == "active_loop")
    tracker.events.insert(at + 1, {"event": "user", "text": said, "parse_data": {"intent": {"name": "ask_policy"}}})

    _events, messages = run_action(ActionSubmitReport(), tracker)

    [saved] = _rows(ConcernReport)
    assert saved.anonymous is anonymous
    assert ("不公开身份" in " ".join(texts(messages))) is anonymous
    [ticket] = _rows(HandoffTicket)
    assert ("匿名" in ticket.summary) is anonymous


@pytest.mark.parametrize("action, form, filled", [
    (ActionSubmitDeparture, "departure_form", {"dep_consent": True, "dep_child_name": "李浩然"}),
    (ActionSubmitVisit, "visit_form", {"visit_child_name": "李小花"}),
    (ActionSubmitReport, "report_form", {"rep_description": "邻居家孩子天天挨打"}),
])
def test_a_form_put_off_till_later_keeps_its_answers_when_it_closes(make_tracker, run_action, action, form, filled):
    """"等我问问我老婆再说" ends the form's loop; its close is no cancel: nothing is cleared, nothing filed."""
    tracker = make_tracker(text="等我问问我老婆再说", slots={**filled, "paused_form": form})
    tracker.events.append({"event": "slot", "name": "paused_form", "value": form})
    events, messages = run_action(action(), tracker)
    assert events == [] and messages == []


@pytest.mark.usefixtures("temp_db")
def test_a_log_paused_by_the_emergency_stays_paused_after_the_report_is_filed(submit):
    """The visit log the emergency paused, then the report filed: "继续刚才的填写" still finds the log."""
    _action, _form, answers, *_rest = CASES["report"]
    events, messages = submit("report", {**answers, "paused_form": "visit_form"})
    assert not any(e.get("event") == "slot" and e.get("name") == "paused_form" for e in events)
    assert any("探访记录还没填完" in t for t in texts(messages)) and "/resume_form" in payloads(messages)


@pytest.mark.usefixtures("temp_db")
def test_asking_where_ones_report_stands_tells_its_state(submit, make_tracker, run_action):
    """"上次我报的处理得咋样了": the person's own report, its number and where it stands; nobody else's."""
    from actions.dialogue import ActionSuggestFallback

    _events, messages = submit("report", sender_id="reporter-9")
    ref = _refs(messages, "BG")[0]
    tracker = make_tracker(text="上次我报的处理得咋样了", intent="nlu_fallback", danger={"level": "none"},
                           sender_id="reporter-9")
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert ref in messages[0]["text"] and "等待处理" in messages[0]["text"]
    tracker = make_tracker(text="上次我报的处理得咋样了", intent="nlu_fallback", danger={"level": "none"},
                           sender_id="someone-else")
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert ref not in messages[0]["text"] and "没有查到" in messages[0]["text"]
