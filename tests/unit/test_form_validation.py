"""The three form validation actions, driven through their real ``run``.

Each test builds the tracker Rasa sends to ``validate_<form>`` right after the
user answered: the form active, ``requested_slot`` set, the raw text mapped to
the slot as the last event, and the merged bot domain.
"""
from __future__ import annotations

import pytest

from actions.forms.base import edit_buttons
from actions.forms.change import ValidateChangeForm
from actions.forms.departure import ValidateDepartureForm
from actions.forms.report import ValidateReportForm
from actions.forms.visit import ValidateVisitForm
from unit_support import assert_polite_chinese, slot_events, texts

pytestmark = pytest.mark.usefixtures("pinned_today", "director")

FORMS = {f.form: f for f in (ValidateDepartureForm, ValidateVisitForm, ValidateReportForm)}


@pytest.fixture
def answer(form_answer, run_action):
    """Answer ``slot`` of ``form`` with ``text``; returns (slot events, messages)."""

    def give(form: str, slot: str, text: str, intent: str = "inform", filled: dict | None = None):
        events, messages = run_action(FORMS[form](), form_answer(form, slot, text, intent, filled))
        return slot_events(events), messages

    return give


def test_the_domain_declares_what_the_forms_ask(domain):
    """The validation actions and the domain agree on every form's slots, in order."""
    for name, form in FORMS.items():
        assert domain["forms"][name]["required_slots"] == form.slot_names()
        assert f"validate_{name}" in domain["actions"]


# ---------------------------------------------------------------- good answers get their clean value

GOOD = [
    ("departure_form", "dep_consent", "同意", "affirm", True),
    ("departure_form", "dep_child_name", "孩子叫王小明", "inform", "王小明"),
    ("departure_form", "dep_child_age", "十二歲", "inform", 12),
    ("departure_form", "dep_child_age", "８岁", "inform", 8),
    ("departure_form", "dep_village", "歇马街道大磨滩村", "inform", "歇马街道大磨滩村"),
    ("departure_form", "dep_carer_name", "張秀英", "inform", "张秀英"),
    ("departure_form", "dep_carer_relation", "是他奶奶", "inform", "奶奶"),
    ("departure_form", "dep_carer_phone", "１３８１２３４５６７８", "inform", "13812345678"),
    ("departure_form", "dep_work_city", "廣州", "inform", "广州"),
    ("departure_form", "dep_parent_phone", "139-0000-1111", "inform", "13900001111"),
    ("departure_form", "dep_return_date", "明年2月", "inform", "2027-02"),
    ("departure_form", "dep_return_date", "不确定", "inform", "未定"),
    ("visit_form", "visit_child_name", "李娜", "inform", "李娜"),
    ("visit_form", "visit_date", "昨天", "inform", "2026-11-30"),
    ("visit_form", "visit_date", "/affirm", "affirm", "2026-12-01"),
    ("visit_form", "visit_date", "是的", "affirm", "2026-12-01"),
    ("visit_form", "visit_kind", "上门看了", "inform", "入户"),
    ("visit_form", "visit_findings", "孩子精神不错，奶奶身体还好", "inform", "孩子精神不错,奶奶身体还好"),
    ("visit_form", "visit_risk", "一般", "inform", "一般"),
    ("visit_form", "visit_next_date", "12月15日", "inform", "2026-12-15"),
    ("report_form", "rep_description", "孩子身上有很多淤青，说是被他爸打的", "inform", "孩子身上有很多淤青,说是被他爸打的"),
    ("report_form", "rep_situation", "7", "inform", 7),
    ("report_form", "rep_situation", "第4类", "inform", 4),
    ("report_form", "rep_child", "不知道", "inform", "不清楚"),
    ("report_form", "rep_child", "小明，10岁", "inform", "小明,10岁"),
    ("report_form", "rep_place", "大磨滩村小学门口", "inform", "大磨滩村小学门口"),
    ("report_form", "rep_time", "昨天", "inform", "2026-11-30"),
    ("report_form", "rep_time", "最近经常这样", "inform", "最近经常这样"),
    ("report_form", "rep_police_called", "是", "affirm", True),
    ("report_form", "rep_reporter_role", "我是他老师", "inform", "教师"),
]


@pytest.mark.parametrize("said", ["还没报警", "还没有"])
def test_police_not_called_yet_is_told_to_call_now(answer, said):
    """"还没有" at "已经报警了吗": call 110 now, the report does not wait for it."""
    slots, messages = answer("report_form", "rep_police_called", said)
    assert slots["rep_police_called"] is False
    assert "现在就打110" in messages[0]["text"]


@pytest.mark.parametrize("form, slot, text, intent, value", GOOD, ids=[f"{g[1]}-{g[2]}" for g in GOOD])
def test_good_answer_sets_the_clean_value(answer, form, slot, text, intent, value):
    slots, messages = answer(form, slot, text, intent)
    assert slots[slot] == value
    assert messages == []


# ---------------------------------------------------------------- bad answers are asked again, politely

BAD = [
    ("departure_form", "dep_consent", "随便吧"),
    ("departure_form", "dep_child_name", "<script>alert(1)</script>"),
    ("departure_form", "dep_child_name", "王小明123"),
    ("departure_form", "dep_child_age", "18"),
    ("departure_form", "dep_child_age", "abc"),
    ("departure_form", "dep_village", "村"),
    ("departure_form", "dep_carer_relation", "😀😀"),
    ("departure_form", "dep_carer_phone", "1381234567"),
    ("departure_form", "dep_carer_phone", "'; DROP TABLE registrations;--"),
    ("departure_form", "dep_parent_phone", "138123456789"),
    ("departure_form", "dep_return_date", "昨天"),
    ("visit_form", "visit_date", "明天"),
    ("visit_form", "visit_date", "2月30日"),
    ("visit_form", "visit_kind", "路上碰到的"),
    ("visit_form", "visit_findings", "好"),
    ("visit_form", "visit_risk", "不好说"),
    ("visit_form", "visit_next_date", "昨天"),
    ("report_form", "rep_description", "被打"),
    ("report_form", "rep_situation", "不清楚"),
    ("report_form", "rep_place", "x"),
    ("report_form", "rep_time", "明天"),
    ("report_form", "rep_police_called", "随便"),
    ("report_form", "rep_reporter_role", "路过的"),
]


@pytest.mark.parametrize("form, slot, text", BAD, ids=[f"{b[1]}-{b[2][:12]}" for b in BAD])
def test_bad_answer_empties_the_slot_with_one_polite_message(answer, form, slot, text):
    slots, messages = answer(form, slot, text)
    assert slot in slots and slots[slot] is None
    assert len(messages) == 1
    assert_polite_chinese(messages[0]["text"])


def test_a_statement_about_a_later_step_is_answered_not_taken_for_a_village(answer):
    """"奶奶不会用手机" at the village question: the card on a carer without a phone, not "村名录里没有找到…"."""
    slots, messages = answer("departure_form", "dep_village", "奶奶不会用手机",
                              filled={"dep_consent": True, "dep_carer_relation": "奶奶", "dep_carer_name": "刘桂芝"})
    assert slots.get("dep_village") is None
    said = "\n".join(texts(messages))
    assert "邻居" in said and "村名录" not in said


@pytest.mark.parametrize("said, name", [("李小红 我刚才不是说了嘛", "李小红"),
                                        ("今天下午去的张小明屋头入户走访娃娃在屋头耍手机作业没做完", "张小明"),
                                        ("今天", None)])
def test_the_one_name_said_in_a_sentence_is_the_childs_name_and_a_day_is_none(answer, said, name):
    slots, _messages = answer("visit_form", "visit_child_name", said)
    assert slots["visit_child_name"] == name


@pytest.mark.parametrize("said", ["那就登记一下", "帮我报备", "帮我弄一下"])
def test_going_ahead_with_the_registration_is_heard_but_consent_is_asked_for(answer, said):
    """Wanting to register is no yes to sharing the child's data: heard ("马上就办"), and consent asked again."""
    slots, messages = answer("departure_form", "dep_consent", said)
    assert slots["dep_consent"] is None
    assert "马上就办" in messages[0]["text"] and "是”或“不是" not in messages[0]["text"]


def test_bad_answer_keeps_the_earlier_answers(answer):
    filled = {"dep_consent": True, "dep_child_name": "王小明"}
    slots, messages = answer("departure_form", "dep_child_age", "二十岁", filled=filled)
    assert slots == {"dep_child_age": None}
    assert "0到17岁" in messages[0]["text"]


def test_future_visit_date_says_today(answer):
    _slots, messages = answer("visit_form", "visit_date", "明天")
    assert "不能晚于今天" in messages[0]["text"] and "2026-12-01" in messages[0]["text"]


# ---------------------------------------------------------------- consent


def test_consent_no_stops_the_departure_form(answer):
    slots, messages = answer("departure_form", "dep_consent", "不同意", "deny")
    assert slots["dep_consent"] is False
    assert "requested_slot" in slots and slots["requested_slot"] is None  # nothing more is asked
    assert messages == []


def test_without_consent_no_child_data_is_taken(answer):
    """Even if a later answer arrives, nothing but the consent is validated or asked."""
    slots, _messages = answer("departure_form", "dep_child_name", "王小明", filled={"dep_consent": False})
    assert "dep_child_name" not in slots
    assert slots.get("requested_slot", "missing") is None


def test_facts_told_instead_of_consent_are_not_kept(answer):
    """Telling the child's name at the consent question stores nothing and says why, without "请回答是或不是"."""
    slots, messages = answer("departure_form", "dep_consent", "我们去浙江义乌 娃叫陈小雨")
    assert slots["dep_consent"] is None and "dep_child_name" not in slots and "dep_work_city" not in slots
    assert any("先不记" in text for text in texts(messages))
    assert not any("请回答" in text for text in texts(messages))


def test_consent_yes_lets_the_form_go_on(answer):
    slots, _messages = answer("departure_form", "dep_consent", "好的", "affirm")
    assert slots["dep_consent"] is True
    assert slots.get("requested_slot") is None and "requested_slot" not in slots  # Rasa asks the next slot


# ---------------------------------------------------------------- confirmation


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("text, intent", [("确认提交", "affirm"), ("/affirm", "affirm"), ("确认", "inform"), ("对", "inform")])
def test_affirm_confirms(answer, form, text, intent):
    confirm = FORMS[form].confirm_slot()
    slots, _messages = answer(form, confirm, text, intent)
    assert slots == {confirm: True}


@pytest.mark.parametrize("form", list(FORMS))
def test_deny_at_the_summary_changes_nothing_yet(answer, form):
    confirm = FORMS[form].confirm_slot()
    slots, messages = answer(form, confirm, "/deny", "deny")
    assert slots == {confirm: None}
    assert messages == []


def test_naming_a_field_clears_just_that_field(answer):
    filled = {"dep_consent": True, "dep_child_name": "王小明", "dep_child_age": 12}
    slots, messages = answer("departure_form", "dep_confirmed", "修改孩子年龄", filled=filled)
    assert slots == {"dep_child_age": None, "dep_confirmed": None}
    assert texts(messages) == ["好的，我们重新填写“孩子年龄”。"]


@pytest.mark.parametrize(
    "form, text, slot",
    [
        ("departure_form", "名字写错了", "dep_child_name"),
        ("departure_form", "回来的时间要改", "dep_return_date"),
        ("visit_form", "日期不对", "visit_date"),
        ("visit_form", "风险改一下", "visit_risk"),
        ("report_form", "地点写错了", "rep_place"),
        ("report_form", "我的身份不对", "rep_reporter_role"),
    ],
)
def test_naming_a_field_in_own_words(answer, form, text, slot):
    slots, _messages = answer(form, FORMS[form].confirm_slot(), text)
    assert slots == {slot: None, FORMS[form].confirm_slot(): None}


@pytest.mark.parametrize(
    "asked, said, slot, value",
    [
        ("dep_village", "等等 年龄说错了 是6岁", "dep_child_age", 6),
        ("dep_child_id", "不对名字写错了，是李皓然", "dep_child_name", "李皓然"),
        ("dep_confirmed", "照顾人电话写错了 是13812345678", "dep_carer_phone", "13812345678"),
    ],
)
def test_a_correction_of_an_earlier_answer_takes_its_new_value_and_asks_again(answer, asked, said, slot, value):
    """A correction typed at a later question or at the summary changes that answer with the value it holds; the
    question asked stays open (the summary is shown again), and nothing else is touched."""
    filled = {"dep_consent": True, "dep_child_name": "李浩然", "dep_child_age": 5, "dep_carer_phone": "13900001111",
              "dep_carer_relation": "奶奶", "dep_carer_name": "刘桂芝"}
    slots, messages = answer("departure_form", asked, said, filled=filled)
    assert slots[slot] == value and slots[asked] is None
    assert not set(slots) & (set(filled) - {slot, asked})
    assert texts(messages)[0].startswith("好的，已改为")


def test_a_correction_that_holds_no_new_value_reopens_the_field(answer):
    filled = {"dep_consent": True, "dep_child_name": "李浩然"}
    slots, _messages = answer("departure_form", "dep_confirmed", "名字写错了", filled=filled)
    assert slots == {"dep_child_name": None, "dep_confirmed": None}


@pytest.mark.parametrize("said, far", [("那我现在该咋办 我在东莞回不去", True), ("我现在该怎么办啊", False)])
def test_asking_what_to_do_in_the_middle_of_a_report_is_answered_with_110_first(answer, said, far):
    """Not taken for the place: what to do now, from afar too, and the question asked again."""
    slots, messages = answer("report_form", "rep_place", said, filled={"rep_description": "邻居家孩子天天挨打"})
    assert slots["rep_place"] is None
    first = texts(messages)[0]
    assert "110" in first and ("不在孩子身边" in first) == far


@pytest.mark.parametrize("form, slot, said, note", [
    ("visit_form", "visit_findings", "再补充一句 孩子最近不爱说话", "孩子最近不爱说话"),
    ("report_form", "rep_description", "他身上还有烟头烫的印子", "他身上还有烟头烫的印子"),
])
def test_more_told_at_the_summary_is_added_to_the_account(answer, form, slot, said, note):
    """Not dropped: added to what was told, and the summary shown again to check."""
    confirm = FORMS[form].confirm_slot()
    slots, messages = answer(form, confirm, said, filled={slot: "孩子在家写作业", "visit_child_name": "李小花"})
    assert slots[slot] == f"孩子在家写作业（补充：{note}）" and slots[confirm] is None
    assert texts(messages)[0].startswith("好的，已补充到")


@pytest.mark.parametrize("said", ["没问题了", "好的提交吧", "不对要改一下", "可以提交吗"])
def test_a_yes_no_or_question_at_the_summary_is_no_note(answer, said):
    slots, _messages = answer("visit_form", "visit_confirmed", said, filled={"visit_findings": "孩子在家写作业"})
    assert "visit_findings" not in slots or slots["visit_findings"] in (None, "孩子在家写作业")


EDIT_CASES = [
    pytest.param(
        form.form,
        button["payload"],
        spec.slot,
        id=f"{form.form}-{spec.slot}",
    )
    for form in FORMS.values()
    for spec, button in zip([f for f in form.fields if f.editable], edit_buttons(form))
]


@pytest.mark.parametrize("form, payload, slot", EDIT_CASES)
def test_every_edit_button_reopens_its_own_field(answer, form, payload, slot):
    slots, _messages = answer(form, FORMS[form].confirm_slot(), payload)
    assert slots == {slot: None, FORMS[form].confirm_slot(): None}


def test_agreeing_to_the_summary_with_tongyi_confirms(answer):
    filled = {"dep_consent": True, "dep_child_name": "王小明"}
    slots, _messages = answer("departure_form", "dep_confirmed", "同意", "affirm", filled=filled)
    assert slots == {"dep_confirmed": True}


# ---------------------------------------------------------------- form-specific steps


@pytest.mark.parametrize("risk, visited, proposal", [("高", "2026-12-01", "2026-12-08"), ("一般", "2026-12-01", "2026-12-31"), ("无", "2026-11-01", "2027-01-30")])
def test_accepting_the_proposed_next_visit(answer, risk, visited, proposal):
    filled = {"visit_risk": risk, "visit_date": visited}
    slots, _messages = answer("visit_form", "visit_next_date", "/affirm", "affirm", filled=filled)
    assert slots == {"visit_next_date": proposal}


def test_proposal_is_never_in_the_past(answer):
    """A high-risk visit logged a month late: the next visit is today, not a week after the visit."""
    filled = {"visit_risk": "高", "visit_date": "2026-11-01"}
    slots, _messages = answer("visit_form", "visit_next_date", "好", filled=filled)
    assert slots == {"visit_next_date": "2026-12-01"}


def test_confirming_the_inferred_situation(answer):
    filled = {"rep_description": "孩子被他爸打得身上都是淤青"}
    slots, _messages = answer("report_form", "rep_situation", "/affirm", "affirm", filled=filled)
    assert slots == {"rep_situation": 4}


def test_denying_the_inferred_situation_asks_to_pick(answer):
    filled = {"rep_description": "孩子被他爸打得身上都是淤青"}
    slots, messages = answer("report_form", "rep_situation", "/deny", "deny", filled=filled)
    assert slots == {"rep_situation": None}
    assert "1到9" in messages[0]["text"]


def test_a_bare_no_to_the_proposed_situation_records_no_situation(answer):
    filled = {"rep_description": "孩子被他爸打得身上都是淤青"}
    slots, _messages = answer("report_form", "rep_situation", "不", "deny", filled=filled)
    assert slots == {"rep_situation": None}


# ---------------------------------------------------------------- a paused form resumed


def test_resuming_a_paused_form_keeps_every_earlier_answer(make_tracker, run_action):
    """After an emergency or a cancel-then-continue, Rasa re-validates the filled slots on
    reactivation with '/resume_form' as the latest text: the answers given must stay as they were."""
    filled = {"visit_child_name": "张小花", "visit_date": "2026-11-30"}
    tracker = make_tracker(text="/resume_form", intent="resume_form", slots=filled, form="visit_form",
                           requested_slot=None, candidate=("visit_child_name", "张小花"))
    events, messages = run_action(ValidateVisitForm(), tracker)
    assert not texts(messages), "no complaint about an answer the user gave earlier"
    changed = slot_events(events)
    assert changed.get("visit_child_name", "张小花") == "张小花"
    assert changed.get("visit_date", "2026-11-30") == "2026-11-30"


# 20 different questions, asked as people ask them (none of them asks to skip a step: "可以不填吗" at the
# optional ID number is the skip it asks for).
QUESTIONS = ["委托照护人是什么意思", "为什么要填这个", "这些信息谁能看到", "有两个孩子怎么填", "照护人一定要是亲戚吗",
             "12355是干嘛的", "我不想让人知道是我报的", "报了以后会怎么样", "孤儿补贴多少", "儿童主任是干什么的",
             "填了以后会给谁看", "外出打工的父母多久要和孩子联系一次", "孩子不满8岁能一个人在家吗", "登记要花钱吗",
             "你们会把我电话给别人不", "村名要写全称吗", "回来时间不确定咋写", "没有证据也能报吗", "这个要填多久啊",
             "報備了以後會有人來家裡看嗎"]
ALL_FORMS = {**FORMS, ValidateChangeForm.form: ValidateChangeForm}


def test_twenty_different_questions():
    assert len(set(QUESTIONS)) == 20


@pytest.mark.parametrize("form", sorted(ALL_FORMS))
def test_any_of_twenty_questions_at_any_step_is_answered_and_never_stored(form, run_action, form_answer,
                                                                          make_tracker):
    """Even when the classifier took it for an answer, a question is answered and the step asked again,
    and every earlier answer stays."""
    validator = ALL_FORMS[form]
    filled = {}
    if form == ValidateChangeForm.form:  # a registration filed before, to change
        from actions.forms.departure import ActionSubmitDeparture
        from unit_support import CONFIRMED_DEPARTURE

        run_action(ActionSubmitDeparture(), make_tracker(text="确认提交", intent="affirm", slots=CONFIRMED_DEPARTURE))
        filled = {"chg_what": "expected_return"}
    for slot in validator.slot_names():
        for question in QUESTIONS:
            events, messages = run_action(validator(), form_answer(form, slot, question, "inform", filled))
            slots = slot_events(events)
            assert slots.get(slot, "kept") is None, f"{form}.{slot} stored {question!r}"
            assert "接着填" in messages[-1]["text"], (form, slot, question, messages)
            assert all(slots.get(name, value) == value for name, value in filled.items() if name != slot), (
                form, slot, question)


def test_a_question_about_reporting_is_answered_not_taken_for_a_report(make_tracker, run_action):
    """"他会不会晓得是我报的": the reporter's fear is answered (kept secret), the report offered, no form opened."""
    said = "我举报了隔壁打娃儿 他会不会晓得是我报的"
    tracker = make_tracker(text=said, intent="report_concern", form="report_form", trigger=said,
                           danger={"level": "concern"})
    events, messages = run_action(ValidateReportForm(), tracker)
    assert "保密" in "\n".join(texts(messages))
    assert {"event": "active_loop", "name": None, "timestamp": None} in events


@pytest.mark.parametrize("form, slot, said", [
    ("departure_form", "dep_child_id", "算了不填了 等我问问我老婆再说"),
    ("departure_form", "dep_carer_phone", "我先去找一下她奶奶的号码 回头再填"),
    ("visit_form", "visit_risk_level", "等我回家问问主任再说"),
])
def test_going_on_later_pauses_the_form_with_every_answer_kept(form_answer, run_action, form, slot, said):
    """"Wait until I ask my wife" is neither a skip nor an answer: the form pauses, nothing given is lost, and the
    way back is offered."""
    filled = {"dep_consent": True, "dep_child_name": "李浩然", "visit_child_name": "李小花"}
    events, messages = run_action(FORMS[form](), form_answer(form, slot, said, filled=filled))
    assert {"event": "active_loop", "name": None} in [{"event": e.get("event"), "name": e.get("name")} for e in events]
    assert slot_events(events).get("paused_form") == form
    assert not {k for k, v in slot_events(events).items() if v is None} & set(filled)
    assert "继续刚才的填写" in texts(messages)[0]


def test_skipping_the_id_is_still_a_skip(answer):
    slots, _messages = answer("departure_form", "dep_child_id", "不填", filled={"dep_consent": True})
    assert slots["dep_child_id"] == "不填"


def test_the_childs_details_told_after_the_emergency_reply_open_no_registration(form_answer, run_action):
    """"娃儿叫刘小宇 9岁 他妈在外头打工" just after the 110 reply is about that child: no 报备 consent asked."""
    tracker = form_answer("departure_form", None, "娃儿叫刘小宇 9岁 他妈在外头打工")
    tracker.events.insert(-1, {"event": "bot", "text": "我已通知工作人员（工单号 RG20261207-ABCD）。"})
    events, messages = run_action(FORMS["departure_form"](), tracker)
    assert "110" in texts(messages)[0] and "同意" not in texts(messages)[0]
    assert {"event": "active_loop", "name": None} in [{"event": e.get("event"), "name": e.get("name")} for e in events]


def test_two_answers_changed_in_one_message_at_the_summary(answer):
    """"地点是五组周家屋头 情形选第6类": both changed, not added to what happened."""
    filled = {"rep_description": "两个娃被锁在屋头", "rep_situation": 9, "rep_child": "大的9岁小的5岁",
              "rep_place": "钥匙在他爷爷那", "rep_time": "今天", "rep_police_called": False, "rep_reporter_role": "儿童主任"}
    slots, messages = answer("report_form", "rep_confirmed", "地点是五组周家屋头 情形选第6类", filled=filled)
    assert slots.get("rep_place") == "五组周家屋头" and slots.get("rep_situation") == 6
    assert slots.get("rep_description") in (None, filled["rep_description"])
    assert any("已改为" in m.get("text", "") for m in messages)


def test_a_situation_named_at_a_later_step_changes_the_situation(answer):
    """"第6类" typed at the police question: not "请回答是或不是", the situation changed and the question asked again."""
    filled = {"rep_description": "两个娃被锁在屋头", "rep_situation": 9, "rep_child": "大的9岁小的5岁",
              "rep_place": "五组周家", "rep_time": "今天"}
    slots, messages = answer("report_form", "rep_police_called", "第6类", filled=filled)
    assert slots.get("rep_situation") == 6 and slots.get("rep_police_called") is None


def test_saying_one_will_call_110_is_no_time(answer):
    """"好 那我打110" at the time question: 110 holds no date."""
    filled = {"rep_description": "两个娃被锁在屋头", "rep_situation": 6, "rep_child": "两个娃", "rep_place": "五组周家"}
    slots, _messages = answer("report_form", "rep_time", "好 那我打110 报告我接到填", filled=filled)
    assert slots.get("rep_time") is None


def test_what_was_told_before_the_report_opened_is_its_description(make_tracker, run_action):
    """"好的，那我在这里报。孩子叫张浩…" after "胳膊和后背有好几块青紫…": the bruises are in what happened."""
    from actions.forms.report import ValidateReportForm

    tracker = make_tracker(text="好的，那我在这里报。孩子叫张浩，9岁，大磨滩村人，还没报警，我是他老师。",
                           intent="report_concern", form="report_form", danger={"level": "serious"})
    tracker.events.insert(-1, {"event": "user", "text": "今天体育课发现班上张浩胳膊和后背有好几块青紫，问他他支支吾吾说是摔的。我该怎么处理？"})
    events, _messages = run_action(ValidateReportForm(), tracker)
    told = slot_events(events).get("rep_description") or ""
    assert "青紫" in told and "张浩" in told


def test_a_family_named_zhou_is_no_week(answer):
    """"五组周家" typed at the time question is a place, not a time ("周" as in 上周)."""
    filled = {"rep_description": "两个娃被锁在屋头", "rep_situation": 6, "rep_child": "两个娃", "rep_place": "周家"}
    slots, _messages = answer("report_form", "rep_time", "五组周家", filled=filled)
    assert slots.get("rep_time") is None
