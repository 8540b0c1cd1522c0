"""Changes after filing (issue 11): "改一下回来的时间", "奶奶电话换了", "加一个孩子" change the registration
already filed — shown old → new for a yes, written, audited, the director told — without redoing it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.forms.change import (
    ActionAskChgConfirmed,
    ActionSubmitChange,
    ValidateChangeForm,
)
from actions.forms.departure import ActionSubmitDeparture
from records.db import session_scope
from records.models import AuditEntry, Notification, Registration
from unit_support import CONFIRMED_DEPARTURE, assert_polite_chinese, payloads, slot_events, texts


@pytest.fixture
def filed(make_tracker, run_action, pinned_today):
    """The parent (the default test sender) has filed one registration for 王小明."""
    run_action(ActionSubmitDeparture(), make_tracker(text="确认提交", intent="affirm", slots=CONFIRMED_DEPARTURE))
    with session_scope() as session:
        return session.scalar(select(Registration.ref))


@pytest.fixture
def opening(make_tracker, run_action):
    """Validate the change form as it opens on ``text``; returns (slots set, messages)."""

    def go(text: str, slots: dict | None = None):
        tracker = make_tracker(text=text, intent="change_registration", form="change_form", slots=slots)
        events, messages = run_action(ValidateChangeForm(), tracker)
        return slot_events(events), messages

    return go


@pytest.fixture
def answer(form_answer, run_action):
    """Validate an answer to ``slot`` of the change form; returns (slots set, messages)."""

    def go(slot: str, text: str, filled: dict | None = None, intent: str = "inform"):
        events, messages = run_action(ValidateChangeForm(), form_answer("change_form", slot, text, intent, filled))
        return slot_events(events), messages

    return go


def _registration() -> Registration:
    with session_scope() as session:
        return session.scalars(select(Registration)).one()


@pytest.mark.parametrize("text, what, value", [
    ("回来的时间改成腊月二十", "expected_return", {"expected_return": "2027-01-27"}),
    ("过年回不来了，改到五一吧", "expected_return", {"expected_return": "五一"}),
    ("孩子奶奶换号了，新号13712345678", "carer_phone", {"carer_phone": "13712345678"}),
    ("我换号了，新号码一三八零零零零一一一一", "parent_phone", {"parent_phone": "13800001111"}),
    ("我不在广州了，去东莞了", "work_city", {"work_city": "东莞"}),
    ("照顾人换成她外婆了，叫陈淑芬，电话13912345678", "carer",
     {"carer_name": "陈淑芬", "carer_relation": "外婆", "carer_phone": "13912345678"}),
    ("上次报的孩子岁数不对，改成9岁", "child_age", {"child_age": 9}),
    ("孩子名字写错了，是王晓明不是王小明", "child_name", {"child_name": "王晓明"}),
])
def test_what_and_the_new_value_are_taken_from_the_message_that_asks(filed, opening, text, what, value):
    slots, _ = opening(text)
    assert slots["chg_what"] == what
    assert slots["chg_value"] == value


@pytest.mark.parametrize("text, what", [("改一下回来的时间", "expected_return"), ("奶奶的电话换了", "carer_phone"),
                                        ("我的电话换了", "parent_phone"), ("照顾孩子的人换了", "carer")])
def test_a_change_named_without_its_value_asks_for_the_value(filed, opening, text, what):
    slots, messages = opening(text)
    assert slots.get("chg_what") == what and slots.get("chg_value") is None
    assert not texts(messages)  # nothing to complain about: the form asks for the new value next


def test_the_parent_sees_old_and_new_and_a_yes_changes_it_and_tells_the_director(
        filed, make_tracker, run_action, director):
    director("tg:director-damotan")
    value = {"expected_return": "2027-01-27"}
    asked = make_tracker(text="回来的时间改成腊月二十", slots={"chg_what": "expected_return", "chg_value": value})
    _, shown = run_action(ActionAskChgConfirmed(), asked)
    assert "2027-02" in texts(shown)[0] and "2027-01-27" in texts(shown)[0] and filed in texts(shown)[0]
    assert payloads(shown) == ["/affirm", "/deny"]

    done = make_tracker(text="确认修改", intent="affirm",
                        slots={"chg_what": "expected_return", "chg_value": value, "chg_confirmed": True})
    events, messages = run_action(ActionSubmitChange(), done)

    assert _registration().expected_return == "2027-01-27"
    reply = texts(messages)[0]
    assert reply.startswith("改好了") and "儿童主任" in reply
    assert_polite_chinese(reply)
    assert slot_events(events)["chg_value"] is None  # the new value does not stay in the conversation
    with session_scope() as session:
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == "update")).record_ref == filed
        note = session.scalars(select(Notification).where(Notification.recipient == "tg:director-damotan")).all()
    assert any("有更新" in n.text and "预计回来时间" in n.text for n in note)


def test_a_no_leaves_the_registration_as_it_was(filed, make_tracker, run_action):
    tracker = make_tracker(text="不改了", intent="deny", slots={"chg_what": "work_city",
                                                               "chg_value": {"work_city": "东莞"}, "chg_confirmed": False})
    _, messages = run_action(ActionSubmitChange(), tracker)
    assert _registration().work_city == "广州" and "不改了" in texts(messages)[0]


def test_a_new_value_at_the_confirmation_is_shown_again_instead_of_a_yes(filed, answer):
    slots, _ = answer("chg_confirmed", "不对，改成明年3月", {"chg_what": "expected_return",
                                                      "chg_value": {"expected_return": "2027-01-27"}})
    assert slots["chg_value"] == {"expected_return": "2027-03"} and slots["chg_confirmed"] is None


def test_a_new_carer_is_asked_for_until_name_relation_and_phone_are_known(filed, opening, answer):
    slots, _ = opening("孩子不跟奶奶了，改成跟外公住")
    assert slots["chg_draft"] == {"carer_relation": "外公"} and slots["chg_value"] is None
    slots, _ = answer("chg_value", "刘德福，电话13612345678", {"chg_what": "carer", "chg_draft": slots["chg_draft"]})
    assert slots["chg_value"] == {"carer_relation": "外公", "carer_name": "刘德福", "carer_phone": "13612345678"}


def test_a_carer_under_18_is_refused_with_the_law(filed, opening):
    slots, messages = opening("照顾人换成他哥李大明了，15岁")
    assert slots.get("chg_value") is None
    assert any("第22条" in t for t in texts(messages))


def test_a_question_at_the_value_step_is_answered_not_stored(filed, answer):
    slots, messages = answer("chg_value", "改了以后儿童主任会知道吗？", {"chg_what": "expected_return"})
    assert slots["chg_value"] is None and texts(messages)


def test_adding_a_child_opens_the_registration_with_the_rest_taken_over(filed, make_tracker, run_action):
    tracker = make_tracker(text="加个孩子，老二叫王小红，8岁", intent="change_registration",
                           slots={"chg_what": "add_child"})
    events, messages = run_action(ActionSubmitChange(), tracker)
    slots = slot_events(events)
    assert slots["dep_consent"] is True and slots["dep_carer_name"] == "张秀英"
    assert slots["dep_village"] == "歇马街道大磨滩村" and slots["dep_return_date"] == "2027-02"
    assert slots["dep_child_name"] == "王小红" and slots["dep_child_age"] == 8
    assert any(e.get("event") == "followup" and e.get("name") == "departure_form" for e in events)
    assert "沿用上次" in texts(messages)[0]


def test_without_a_registration_there_is_nothing_to_change_and_registering_is_offered(make_tracker, run_action):
    tracker = make_tracker(text="改一下回来的时间", slots={"chg_what": "expected_return"})
    _, messages = run_action(ActionSubmitChange(), tracker)
    assert "还没有找到您的报备" in texts(messages)[0] and "/register_departure" in payloads(messages)


def test_a_childs_detail_among_several_registrations_goes_to_a_person(filed, make_tracker, run_action):
    second = {**CONFIRMED_DEPARTURE, "dep_child_name": "王小红", "dep_child_age": 6}
    run_action(ActionSubmitDeparture(), make_tracker(text="确认提交", intent="affirm", slots=second))
    tracker = make_tracker(text="孩子年龄填错了", slots={"chg_what": "child_age"})
    _, messages = run_action(ActionSubmitChange(), tracker)
    assert "/request_human" in payloads(messages)


@pytest.mark.parametrize("text, what, value", [
    ("我老婆的电话也要登上去 13600001111", "parent_phone", {"parent_phone": "13600001111"}),
    ("孩子他奶奶住院了，现在孩子在他大姑家", "carer", None),
])
def test_changes_said_the_way_people_say_them(filed, opening, text, what, value):
    slots, _ = opening(text)
    assert slots["chg_what"] == what
    if value is not None:
        assert slots["chg_value"] == value
    else:
        assert slots["chg_draft"] == {"carer_relation": "姑姑"}


def test_a_corrected_phone_at_the_confirmation_replaces_only_the_phone_and_is_no_yes(filed, answer):
    """"等哈 电话打错了 是186…" holds a 是 but agrees to nothing: the new number shown again for a yes."""
    shown = {"carer_name": "何德贵", "carer_relation": "外公", "carer_phone": "18623456781"}
    slots, _ = answer("chg_confirmed", "等哈 电话打错了 是18623456782", {"chg_what": "carer", "chg_value": shown})
    assert slots["chg_value"] == {**shown, "carer_phone": "18623456782"} and slots["chg_confirmed"] is None


def test_asking_where_a_report_stands_is_no_change_to_make(make_tracker, run_action):
    """"上次我报的处理得咋样了", taken for a change: the status was the answer, no "没有找到您的报备" after it."""
    tracker = make_tracker(text="上次我报的处理得咋样了", intent="change_registration")
    tracker.events.append({"event": "bot", "text": "您提交的报告：\n· BG20261207-ABCD（2026-12-07提交，第6类）：…"})
    _, messages = run_action(ActionSubmitChange(), tracker)
    assert not messages
