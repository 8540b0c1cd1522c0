"""The ask actions: the summary to confirm, the proposed situation, the proposed next visit."""
from __future__ import annotations

import pytest

from actions.forms.departure import ActionAskDepConfirmed, ValidateDepartureForm
from actions.forms.report import SITUATIONS, ActionAskRepConfirmed, ActionAskRepSituation, ValidateReportForm
from actions.forms.visit import ActionAskVisitConfirmed, ActionAskVisitNextDate, ValidateVisitForm
from unit_support import DEPARTURE_ANSWERS, buttons, payloads, slot_events, texts

pytestmark = pytest.mark.usefixtures("pinned_today", "director")

DEPARTURE = DEPARTURE_ANSWERS


def test_departure_summary_shows_every_answer_and_a_confirm_button(make_tracker, run_action):
    tracker = make_tracker(text="不确定", slots=DEPARTURE, form="departure_form", requested_slot="dep_confirmed")
    events, messages = run_action(ActionAskDepConfirmed(), tracker)
    assert events == []
    assert len(messages) == 1
    text = messages[0]["text"]
    for line in (
        "同意共享给儿童主任：同意",
        "孩子姓名：王小明",
        "孩子年龄：12岁",
        "所在村（社区）：歇马街道大磨滩村",
        "照顾人和孩子的关系：奶奶",
        "照顾人电话：13812345678",
        "外出家长的电话：13900001111",
        "预计回来时间：2027-02",
    ):
        assert line in text
    assert {"title": "确认提交", "payload": "/affirm"} in messages[0]["buttons"]
    assert set(payloads(messages)) == {"/affirm", "/deny", "/cancel"}


def test_departure_summary_leaves_out_empty_answers(make_tracker, run_action):
    slots = dict(DEPARTURE, dep_carer_phone=None)
    _events, messages = run_action(ActionAskDepConfirmed(), make_tracker(slots=slots, form="departure_form"))
    assert "照顾人电话" not in messages[0]["text"]


def test_after_no_the_summary_offers_the_fields(make_tracker, run_action):
    tracker = make_tracker(text="/deny", intent="deny", slots={**DEPARTURE, "requested_slot": "dep_confirmed"},
                           form="departure_form")
    _events, messages = run_action(ActionAskDepConfirmed(), tracker)
    offered = [b["title"] for b in buttons(messages)]
    assert offered == [f.label for f in ValidateDepartureForm.fields] + ["确认提交"]
    assert "修改孩子年龄" in payloads(messages)


def test_a_no_to_the_last_question_shows_the_summary(make_tracker, run_action):
    """"不确定" (deny) for the return date brought the form to its summary: it was answered "要修改哪一项？"."""
    tracker = make_tracker(text="不确定", intent="deny", slots={**DEPARTURE, "requested_slot": "dep_return_date"},
                           form="departure_form")
    _events, messages = run_action(ActionAskDepConfirmed(), tracker)
    assert "请核对" in messages[0]["text"] and "要修改哪一项" not in messages[0]["text"]


def test_visit_summary(make_tracker, run_action):
    slots = {
        "visit_child_name": "李娜",
        "visit_date": "2026-11-30",
        "visit_kind": "入户",
        "visit_findings": "一切正常",
        "visit_risk": "无",
        "visit_next_date": "2027-02-28",
    }
    _events, messages = run_action(ActionAskVisitConfirmed(), make_tracker(slots=slots, form="visit_form"))
    text = messages[0]["text"]
    assert "探访日期：2026-11-30" in text and "风险等级：无风险" in text and "下次探访：2027-02-28" in text
    assert "/affirm" in payloads(messages)


def test_report_summary_names_the_situation(make_tracker, run_action):
    slots = {
        "rep_description": "孩子身上有淤青",
        "rep_situation": 4,
        "rep_child": "不清楚",
        "rep_place": "大磨滩村",
        "rep_time": "2026-11-30",
        "rep_police_called": False,
        "rep_reporter_role": "教师",
    }
    _events, messages = run_action(ActionAskRepConfirmed(), make_tracker(slots=slots, form="report_form"))
    text = messages[0]["text"]
    assert "情形：第4类：多处损伤" in text and "是否已报警：未报警" in text and "您的身份：教师" in text


# ---------------------------------------------------------------- which of the nine situations


@pytest.mark.parametrize(
    "description, number",
    [
        ("孩子身上青一块紫一块，像是被打的", 4),
        ("有人猥亵孩子", 2),
        ("孩子说想自杀", 5),
        ("孩子一个人在家，没人管，好几天没饭吃", 6),
        ("孩子失踪三天了", 7),
        ("孩子被人带到街上乞讨", 8),
        ("有人一直恐吓孩子", 9),
    ],
)
def test_situation_is_proposed_from_the_description(make_tracker, run_action, description, number):
    tracker = make_tracker(slots={"rep_description": description}, form="report_form", requested_slot="rep_situation")
    _events, messages = run_action(ActionAskRepSituation(), tracker)
    assert len(messages) == 1
    assert f"第{number}类" in messages[0]["text"]
    assert payloads(messages) == ["/affirm", "/deny"]


@pytest.mark.parametrize("description", ["孩子最近总是不说话", "说不清楚，感觉不太对劲"])
def test_unclear_description_offers_the_nine_situations(make_tracker, run_action, description):
    tracker = make_tracker(slots={"rep_description": description}, form="report_form")
    _events, messages = run_action(ActionAskRepSituation(), tracker)
    offered = buttons(messages)
    assert len(offered) == 9
    assert [b["payload"] for b in offered] == [f"第{n}类" for n in range(1, 10)]
    assert "第9类" in messages[0]["text"]  # says what to pick when unsure


def test_after_denying_the_proposal_the_nine_are_offered(make_tracker, run_action):
    tracker = make_tracker(text="/deny", intent="deny", slots={"rep_description": "孩子失踪了"}, form="report_form")
    _events, messages = run_action(ActionAskRepSituation(), tracker)
    assert len(buttons(messages)) == 9


@pytest.mark.parametrize("number", range(1, 10))
def test_each_situation_button_is_understood(form_answer, run_action, number):
    """What the button sends back is validated into that situation."""
    tracker = form_answer("report_form", "rep_situation", f"第{number}类", filled={"rep_description": "孩子最近总是不说话"})
    events, messages = run_action(ValidateReportForm(), tracker)
    assert slot_events(events) == {"rep_situation": number}
    assert messages == []


# ---------------------------------------------------------------- next visit


@pytest.mark.parametrize(
    "risk, proposal, words, button",
    [
        ("高", "2026-12-08", "高风险每周一次", "好的，12月8日"),
        ("一般", "2026-12-31", "一般风险每月一次", "好的，12月31日"),
        (None, "2026-12-31", "一般风险每月一次", "好的，12月31日"),
        ("无", "2027-03-01", "无风险每季度一次", "好的，3月1日"),
    ],
)
def test_next_visit_is_proposed_from_the_risk(make_tracker, run_action, risk, proposal, words, button):
    slots = {"visit_risk": risk, "visit_date": "2026-12-01"}
    _events, messages = run_action(ActionAskVisitNextDate(), make_tracker(slots=slots, form="visit_form"))
    text = messages[0]["text"]
    assert proposal in text and words in text
    assert messages[0]["buttons"] == [{"title": button, "payload": "/affirm"}]


def test_next_visit_counts_from_the_visit_date(make_tracker, run_action):
    slots = {"visit_risk": "高", "visit_date": "2026-11-28"}
    _events, messages = run_action(ActionAskVisitNextDate(), make_tracker(slots=slots, form="visit_form"))
    assert "2026-12-05" in messages[0]["text"]


@pytest.mark.parametrize("text, intent", [("先不填中不", "cancel"), ("可以不填吗", "ask_policy"),
                                          ("能不能先跳过", "out_of_scope"), ("身份证没带，先不填哈", "inform")])
def test_a_wish_to_skip_the_id_number_skips_it_however_it_was_classified(make_tracker, run_action, text, intent):
    from actions.dialogue import ActionAskCancelConfirm
    from actions.digression import ActionAnswerInForm

    tracker = make_tracker(text=text, intent=intent, form="departure_form", requested_slot="dep_child_id",
                           slots={"dep_consent": True, "dep_child_name": "周杰"})
    action = ActionAskCancelConfirm() if intent == "cancel" else ActionAnswerInForm()
    events, messages = run_action(action, tracker)
    assert {"dep_child_id": "不填"}.items() <= slot_events(events).items()
    assert "不填" in texts(messages)[0] and "确定要取消" not in texts(messages)[0]


def test_cancelling_the_registration_at_the_id_step_still_asks_to_cancel(make_tracker, run_action):
    from actions.dialogue import ActionAskCancelConfirm

    tracker = make_tracker(text="算了不报了", intent="cancel", form="departure_form", requested_slot="dep_child_id")
    _, messages = run_action(ActionAskCancelConfirm(), tracker)
    assert "确定要取消" in texts(messages)[0]


def test_a_report_opened_with_what_happened_keeps_it_and_opens_with_110(make_tracker, run_action):
    """"我们屯子有个小孩老被他爹削…这得咋报啊" opened the form, which then asked "请说说发生了什么？"."""
    text = "我们屯子有个小孩老被他爹削，身上没一块好地方，这得咋报啊"
    tracker = make_tracker(text=text, intent="report_concern", form="report_form", danger={"level": "serious"})
    events, _messages = run_action(ValidateReportForm(), tracker)
    assert slot_events(events).get("rep_description") == text
    tracker = make_tracker(text=text, intent="report_concern", form="report_form", danger={"level": "serious"},
                           slots={"rep_description": text}, requested_slot="rep_situation", trigger=text)
    _events, messages = run_action(ActionAskRepSituation(), tracker)
    assert messages[0]["text"].startswith("如果孩子现在有危险，请马上拨打110")
    assert "第4类" in messages[-1]["text"]


def test_a_description_given_when_asked_is_not_told_again_that_it_will_be_noted(make_tracker, run_action):
    """After "我要举报" and "请说说发生了什么？", the description had the 110 line twice and "我先帮您把刚才说的记下来"."""
    text = "邻居家的娃天天被关在屋里 不让出门 也不让上学"
    tracker = make_tracker(text=text, intent="report_concern", form="report_form", danger={"level": "serious"},
                           slots={"rep_description": text}, requested_slot="rep_situation", trigger="我要举报")
    _events, messages = run_action(ActionAskRepSituation(), tracker)
    assert len(messages) == 1 and "110" not in messages[0]["text"] and "对吗" in messages[0]["text"]


def test_a_bare_request_to_report_is_asked_what_happened(make_tracker, run_action):
    tracker = make_tracker(text="我要提交强制报告", intent="report_concern", form="report_form", danger={"level": "serious"})
    events, _messages = run_action(ValidateReportForm(), tracker)
    assert "rep_description" not in slot_events(events)


def test_more_told_at_the_situation_question_is_added_to_the_description(form_answer, run_action):
    tracker = form_answer("report_form", "rep_situation", "邻居家孩子身上经常青一块紫一块，晚上还能听到哭",
                          filled={"rep_description": "我要报告，邻居家孩子身上老是有伤"})
    events, _messages = run_action(ValidateReportForm(), tracker)
    found = slot_events(events)
    assert found["rep_situation"] == 4
    assert found["rep_description"] == "我要报告，邻居家孩子身上老是有伤（补充：邻居家孩子身上经常青一块紫一块，晚上还能听到哭）"


@pytest.mark.parametrize("intent", ["ask_policy", "out_of_scope"])
def test_an_answer_the_classifier_took_for_a_question_fills_the_question_asked(make_tracker, run_action, intent):
    from actions.digression import ActionAnswerInForm

    tracker = make_tracker(text="娃才8岁 一个人在家我觉得挺危险的 算高吧", intent=intent, form="visit_form",
                           requested_slot="visit_risk", slots={"visit_child_name": "张小军"})
    events, messages = run_action(ActionAnswerInForm(), tracker)
    assert slot_events(events).get("visit_risk") == "高"
    assert "依据" not in "".join(texts(messages))  # no policy answer to a question nobody asked


def test_a_statement_that_answers_nothing_asked_gets_the_questions_own_hint_not_a_policy_guess(make_tracker, run_action):
    from actions.digression import ActionAnswerInForm

    tracker = make_tracker(text="他爸妈在广东 我打电话了 说过几天回来", intent="ask_policy", form="visit_form",
                           requested_slot="visit_risk", slots={"visit_child_name": "张小军"})
    events, messages = run_action(ActionAnswerInForm(), tracker)
    said = "".join(texts(messages))
    assert "风险等级" in said and "广东" not in said
    assert "visit_risk" not in slot_events(events)
