"""A child in danger (actions/urgent.py) and asking for a person (actions/handoff.py + records CLI)."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

import actions.urgent as urgent
from actions.handoff import ActionRequestHuman
from actions.urgent import ActionUrgentHelp
from records.__main__ import main as records_cli
from records.models import HandoffTicket
from records.tickets import open_ticket, open_tickets
from unit_support import assert_polite_chinese, payloads, ref_pattern, slot_events, texts

TICKET = ref_pattern("RG")


def _broken(*_args, **_kwargs):
    raise OperationalError("INSERT INTO handoff_tickets", {}, Exception("unable to open database file"))


# ---------------------------------------------------------------- urgent


@pytest.mark.usefixtures("temp_db")
def test_first_message_says_call_110(make_tracker, run_action):
    _events, messages = run_action(ActionUrgentHelp(), make_tracker(text="孩子正在被他爸打", intent="report_emergency"))
    first = messages[0]["text"]
    assert "110" in first and "12345" in first
    assert first.index("110") < 20  # said at once, not after a question
    assert "？" not in first and "?" not in first


def test_a_fire_is_not_taken_for_a_crime_when_the_report_is_offered(make_tracker, run_action):
    """After a fire the report is offered for a child left alone or hurt by someone, not as if a crime were certain."""
    tracker = make_tracker(text="隔壁屋着火了 两个娃锁在里面", intent="report_emergency", danger={"level": "now"})
    _events, messages = run_action(ActionUrgentHelp(), tracker)
    assert messages[0]["text"].startswith("请马上拨打119") and "110" in messages[0]["text"]
    assert "没人照看" in messages[-1]["text"] and "报警之后" not in messages[-1]["text"]


@pytest.mark.parametrize("failure", [_broken, lambda *a, **k: 1 / 0])
def test_110_comes_first_even_when_records_are_broken(make_tracker, run_action, monkeypatch, failure):
    monkeypatch.setattr(urgent, "open_ticket", failure)
    events, messages = run_action(ActionUrgentHelp(), make_tracker(text="孩子不见了", intent="report_emergency"))
    assert "110" in messages[0]["text"] and "12345" in messages[0]["text"]
    assert all("工单" not in t for t in texts(messages))
    for text in texts(messages):
        assert_polite_chinese(text)
    assert "/report_concern" in payloads(messages) and "/request_human" in payloads(messages)
    assert events == []


@pytest.mark.usefixtures("temp_db")
def test_staff_get_an_urgent_ticket(make_tracker, run_action):
    _events, messages = run_action(ActionUrgentHelp(), make_tracker(text="孩子掉河里了", intent="report_emergency", sender_id="caller-9"))
    tickets = open_tickets()
    assert len(tickets) == 1 and tickets[0].urgent is True and tickets[0].sender_id == "caller-9"
    assert tickets[0].ref in messages[1]["text"]


@pytest.mark.usefixtures("temp_db")
@pytest.mark.parametrize("form", ["departure_form", "visit_form", "report_form"])
def test_open_form_is_paused_and_can_be_resumed(make_tracker, run_action, form):
    tracker = make_tracker(text="孩子被人带走了", intent="report_emergency", form=form, requested_slot="x", slots={"dep_child_name": "王小明"})
    events, messages = run_action(ActionUrgentHelp(), tracker)
    assert "110" in messages[0]["text"]
    assert slot_events(events) == {"paused_form": form, "requested_slot": None}
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert "/resume_form" in payloads(messages)


@pytest.mark.usefixtures("temp_db")
def test_a_disclosure_typed_as_the_visits_findings_is_kept_when_the_form_pauses(make_tracker, run_action):
    """The director does not have to type it again after "继续刚才的填写": the log resumes at the next step."""
    said = "孩子偷偷跟我说她继父晚上喝了酒就打她 身上还有伤"
    tracker = make_tracker(text=said, intent="report_emergency", form="visit_form", requested_slot="visit_findings")
    events, messages = run_action(ActionUrgentHelp(), tracker)
    assert "110" in messages[0]["text"]
    assert slot_events(events)["visit_findings"] == said and slot_events(events)["paused_form"] == "visit_form"


@pytest.mark.usefixtures("temp_db")
def test_a_disclosure_typed_at_a_later_step_of_the_visit_log_is_added_to_its_findings(make_tracker, run_action):
    """"一般吧 不过走的时候小花偷偷跟我说…" at the risk question: the log keeps what the child told."""
    said = "一般吧 不过走的时候小花偷偷跟我说奶奶新找的那个老头晚上老摸她 她不敢回家"
    tracker = make_tracker(text=said, intent="report_emergency", form="visit_form", requested_slot="visit_risk",
                           slots={"visit_findings": "跟奶奶住 爸妈在广东打工"})
    events, _messages = run_action(ActionUrgentHelp(), tracker)
    assert slot_events(events)["visit_findings"] == f"跟奶奶住 爸妈在广东打工（补充：{said}）"


@pytest.mark.usefixtures("temp_db")
def test_no_resume_button_without_a_form(make_tracker, run_action):
    events, messages = run_action(ActionUrgentHelp(), make_tracker(text="救命", intent="report_emergency"))
    assert events == []
    assert "/resume_form" not in payloads(messages)


@pytest.mark.usefixtures("temp_db")
def test_urgent_upgrades_an_open_ticket(make_tracker, run_action):
    first = open_ticket("caller-3", "user_request", summary="用户要求转人工")
    _events, messages = run_action(ActionUrgentHelp(), make_tracker(text="孩子不见了", intent="report_emergency", sender_id="caller-3"))
    tickets = open_tickets()
    assert [t.ref for t in tickets] == [first]
    assert tickets[0].urgent is True and tickets[0].reason == "urgent"
    assert first in messages[1]["text"]


# ---------------------------------------------------------------- handoff


@pytest.mark.usefixtures("temp_db")
def test_request_human_saves_a_ticket_and_says_what_happens_next(make_tracker, run_action, count_rows):
    events, messages = run_action(ActionRequestHuman(), make_tracker(text="转人工", intent="request_human", sender_id="parent-7"))
    assert events == []
    assert len(messages) == 1
    text = messages[0]["text"]
    ref = TICKET.search(text).group(0)
    assert "工作人员" in text and "回复您" in text  # what happens next
    assert "110" in text
    assert count_rows(HandoffTicket) == 1
    (ticket,) = open_tickets()
    assert (ticket.ref, ticket.sender_id, ticket.reason, ticket.urgent) == (ref, "parent-7", "user_request", False)


@pytest.mark.usefixtures("temp_db")
@pytest.mark.parametrize("text", ["你是真人还是机器人", "你是机器人吗", "是人吗？"])
def test_asking_whether_it_is_a_robot_gets_a_plain_answer_and_a_person_offered_no_ticket(
        make_tracker, run_action, count_rows, text):
    _events, messages = run_action(ActionRequestHuman(), make_tracker(text=text, intent="request_human"))
    assert "机器人" in messages[0]["text"] and "/request_human" in payloads(messages)
    assert count_rows(HandoffTicket) == 0


@pytest.mark.usefixtures("temp_db")
def test_asking_for_a_person_instead_of_the_robot_opens_a_ticket(make_tracker, run_action, count_rows):
    run_action(ActionRequestHuman(), make_tracker(text="我不要机器人，给我找真人", intent="request_human"))
    assert count_rows(HandoffTicket) == 1


@pytest.mark.usefixtures("temp_db")
def test_second_request_reuses_the_open_ticket(make_tracker, run_action, count_rows):
    tracker = make_tracker(text="转人工", intent="request_human", sender_id="parent-7")
    _e, first = run_action(ActionRequestHuman(), tracker)
    _e, second = run_action(ActionRequestHuman(), tracker)
    assert TICKET.search(first[0]["text"]).group(0) == TICKET.search(second[0]["text"]).group(0)
    assert count_rows(HandoffTicket) == 1


@pytest.mark.usefixtures("temp_db")
def test_staff_list_shows_the_ticket(make_tracker, run_action, capsys):
    _e, messages = run_action(ActionRequestHuman(), make_tracker(text="转人工", intent="request_human", sender_id="parent-7"))
    ref = TICKET.search(messages[0]["text"]).group(0)
    capsys.readouterr()
    assert records_cli(["tickets"]) == 0
    out = capsys.readouterr().out
    assert "待处理工单 1 个" in out
    line = next(line for line in out.splitlines() if ref in line)
    assert "用户要求转人工" in line and "parent-7" in line


@pytest.mark.usefixtures("temp_db")
def test_staff_list_puts_urgent_first(capsys):
    normal = open_ticket("a", "user_request")
    danger = open_ticket("b", "urgent", urgent=True)
    records_cli(["tickets"])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert danger in lines[0] and "【紧急】" in lines[0]
    assert normal in lines[1] and "【紧急】" not in lines[1]


@pytest.mark.usefixtures("temp_db")
def test_closed_ticket_leaves_the_list_and_a_new_request_opens_a_new_one(make_tracker, run_action, capsys):
    tracker = make_tracker(text="转人工", intent="request_human", sender_id="parent-8")
    _e, first = run_action(ActionRequestHuman(), tracker)
    ref = TICKET.search(first[0]["text"]).group(0)
    assert records_cli(["close", ref]) == 0
    capsys.readouterr()
    records_cli(["tickets"])
    assert "没有待处理的工单" in capsys.readouterr().out
    assert records_cli(["close", ref]) == 1  # already closed
    _e, second = run_action(ActionRequestHuman(), tracker)
    assert TICKET.search(second[0]["text"]).group(0) != ref


@pytest.mark.usefixtures("temp_db")
@pytest.mark.parametrize("text", ["我要投诉", "我要投诉我们村的儿童主任，他根本不管事", "村干部把孩子的补贴扣了，我要告他"])
def test_a_complaint_is_a_ticket_of_its_own_for_the_township_or_county(make_tracker, run_action, text):
    _e, messages = run_action(ActionRequestHuman(), make_tracker(text=text, intent="request_human", sender_id="p-9"))
    (ticket,) = open_tickets()
    assert ticket.reason == "complaint" and "投诉" in messages[0]["text"] and "110" in messages[0]["text"]


@pytest.mark.usefixtures("temp_db")
def test_asking_where_the_person_is_says_the_ticket_waits_and_for_how_long(make_tracker, run_action, count_rows):
    run_action(ActionRequestHuman(), make_tracker(text="转人工", intent="request_human", sender_id="p-8"))
    _e, messages = run_action(ActionRequestHuman(), make_tracker(text="人呢？怎么还没人回我", intent="request_human",
                                                                 sender_id="p-8"))
    text = messages[0]["text"]
    assert "排队" in text and "分钟" in text and "110" in text and "12345" in text
    assert count_rows(HandoffTicket) == 1


@pytest.mark.usefixtures("temp_db")
def test_an_emergency_told_while_reporting_is_kept_as_what_happened(make_tracker, run_action):
    """'请说说发生了什么？' answered with words that raise the emergency: after 110, the report keeps them."""
    said = "那个娃身上老是青一块紫一块的 问他他也不说 他后妈在家"
    tracker = make_tracker(text=said, intent="report_emergency", form="report_form", requested_slot="rep_description")
    events, _messages = run_action(ActionUrgentHelp(), tracker)
    assert {"event": "slot", "name": "rep_description", "value": said} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events]
    assert any(e.get("name") == "paused_form" and e.get("value") == "report_form" for e in events)


@pytest.mark.usefixtures("temp_db")
def test_an_emergency_outside_a_form_starts_the_offered_report(make_tracker, run_action):
    said = "隔壁那个娃被他爹吊起来打 还在打"
    events, _messages = run_action(ActionUrgentHelp(), make_tracker(text=said, intent="report_emergency"))
    assert any(e.get("name") == "rep_description" and e.get("value") == said for e in events)


@pytest.mark.usefixtures("temp_db")
def test_a_bare_cry_for_help_is_no_description(make_tracker, run_action):
    events, _messages = run_action(ActionUrgentHelp(), make_tracker(text="救命", intent="report_emergency"))
    assert not any(e.get("name") == "rep_description" for e in events)


def test_a_child_telling_of_harm_to_themselves_is_spoken_to_as_a_child_not_handed_a_form(make_tracker, run_action,
                                                                                         monkeypatch):
    """"我奶奶老是打我 我不想回家" had opened the nine-category report form."""
    import actions.harm_heard as harm_heard
    from actions.dialogue import ActionSuggestFallback

    monkeypatch.setattr(harm_heard, "_ticket", lambda sender, summary: "RG20261207-TEST")
    tracker = make_tracker(text="我奶奶老是打我 我不想回家", intent="nlu_fallback", danger={"level": "serious"})
    events, messages = run_action(ActionSuggestFallback(), tracker)
    assert not any(e.get("name") == "report_form" for e in events)
    assert "110" in messages[0]["text"] and "不是你的错" in messages[0]["text"] and "RG20261207-TEST" in messages[0]["text"]


def test_someone_saying_they_want_to_die_is_spoken_to_themselves(make_tracker, run_action, monkeypatch):
    import actions.urgent as urgent

    monkeypatch.setattr(urgent, "open_ticket", lambda *a, **k: "RG20261207-TEST")
    tracker = make_tracker(text="我不想活了 没人在乎我", intent="report_emergency",
                           danger={"level": "now", "self_harm": True})
    _events, messages = run_action(urgent.ActionUrgentHelp(), tracker)
    assert "12356" in messages[0]["text"] and "120" in messages[0]["text"] and "陪着孩子" not in messages[0]["text"]


@pytest.mark.usefixtures("temp_db")
def test_an_answer_taken_for_asking_for_a_person_inside_a_form_is_the_answer(make_tracker, run_action):
    """"我是村里的儿童主任" at the report's "您的身份是？", read as request_human: the answer, no ticket."""
    tracker = make_tracker(text="我是村里的儿童主任", intent="request_human", form="report_form",
                           requested_slot="rep_reporter_role")
    events, messages = run_action(ActionRequestHuman(), tracker)
    assert messages == [] and slot_events(events) == {"rep_reporter_role": "儿童主任"}
    assert open_tickets() == []


@pytest.mark.usefixtures("temp_db")
def test_asking_for_a_person_inside_a_form_still_opens_a_ticket(make_tracker, run_action):
    tracker = make_tracker(text="人工", intent="request_human", form="departure_form", requested_slot="dep_child_name")
    _events, messages = run_action(ActionRequestHuman(), tracker)
    assert "工单号" in messages[0]["text"]


@pytest.mark.usefixtures("temp_db")
def test_a_question_taken_for_asking_for_a_person_is_answered_when_the_knowledge_base_is_sure(make_tracker, run_action):
    """"我该咋办 她求我不要说出去" (a child's disclosure): what to do, not a ticket or "您的工单还在排队"."""
    tracker = make_tracker(text="孩子跟我说了被性侵的事 求我不要告诉别人 我该咋办", intent="request_human",
                           danger={"level": "serious"})
    _events, messages = run_action(ActionRequestHuman(), tracker)
    assert "不要答应保密" in "\n".join(m.get("text") or "" for m in messages)
    assert open_tickets() == []


def test_danger_told_just_after_talk_of_ending_a_life_gets_the_crisis_lines(make_tracker, run_action, monkeypatch):
    """"她现在在房里关着门不出来" after "孙女说活着没意思": the same child, so stay with her and the crisis lines."""
    import actions.urgent as urgent

    monkeypatch.setattr(urgent, "open_ticket", lambda *a, **k: "RG20261207-TEST")
    tracker = make_tracker(text="她现在在房里关着门不出来", intent="report_emergency", danger={"level": "now"})
    tracker.events.insert(-1, {"event": "user", "text": "孙女刚才跟我说活着没意思 不想活了",
                               "parse_data": {"intent": {"name": "report_emergency"}}})
    _events, messages = run_action(urgent.ActionUrgentHelp(), tracker)
    assert "12356" in messages[0]["text"] and "陪着孩子" in messages[0]["text"]


@pytest.mark.usefixtures("temp_db")
def test_asking_after_ones_report_taken_for_wanting_a_person_tells_where_it_stands(make_tracker, run_action, count_rows):
    """"上回我举报的那个事 有人去管没得": where their reports stand (none here), not a new ticket."""
    tracker = make_tracker(text="上回我举报的那个事 有人去管没得", intent="request_human")
    _events, messages = run_action(ActionRequestHuman(), tracker)
    assert "没有查到" in messages[0]["text"] and count_rows(HandoffTicket) == 0
