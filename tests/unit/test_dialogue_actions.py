"""actions/dialogue.py: pausing a form to confirm a cancel, cancelling it, and the two-step fallback."""
from __future__ import annotations

import pytest

from actions.dialogue import ActionAskCancelConfirm, ActionCancelForm, ActionSuggestFallback
from actions.forms.departure import ValidateDepartureForm
from actions.forms.report import ValidateReportForm
from actions.forms.visit import ValidateVisitForm
from unit_support import assert_polite_chinese, payloads, slot_events

FORMS = {f.form: f for f in (ValidateDepartureForm, ValidateVisitForm, ValidateReportForm)}
NAMES = {"departure_form": "外出务工报备", "visit_form": "探访记录", "report_form": "强制报告"}
FILLED = {
    "departure_form": {"dep_consent": True, "dep_child_name": "王小明", "dep_child_age": 12},
    "visit_form": {"visit_child_name": "李娜", "visit_date": "2026-11-30"},
    "report_form": {"rep_description": "孩子身上有淤青", "rep_situation": 4},
}


@pytest.mark.parametrize("form", list(FORMS))
def test_cancel_asks_first_and_pauses_the_form_keeping_answers(make_tracker, run_action, form):
    tracker = make_tracker(text="算了不弄了", intent="cancel", slots=FILLED[form], form=form, requested_slot=FORMS[form].slot_names()[2])
    events, messages = run_action(ActionAskCancelConfirm(), tracker)
    assert slot_events(events) == {"paused_form": form, "requested_slot": None}
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert len(messages) == 1
    assert NAMES[form] in messages[0]["text"] and "删除" in messages[0]["text"]
    assert payloads(messages) == ["/affirm", "/resume_form"]


def test_cancel_of_an_already_paused_form_asks_again(make_tracker, run_action):
    tracker = make_tracker(text="取消", intent="cancel", slots={"paused_form": "visit_form", **FILLED["visit_form"]})
    events, messages = run_action(ActionAskCancelConfirm(), tracker)
    assert slot_events(events)["paused_form"] == "visit_form"
    assert "探访记录" in messages[0]["text"]


def test_cancel_with_nothing_open(make_tracker, run_action):
    events, messages = run_action(ActionAskCancelConfirm(), make_tracker(text="取消", intent="cancel"))
    assert events == []
    assert "没有正在填写" in messages[0]["text"]
    assert_polite_chinese(messages[0]["text"])


def test_a_question_that_sounds_like_cancelling_is_answered_when_nothing_is_open(make_tracker, run_action):
    """'撤了以后还能要回来不' after an answer on revoking guardianship asks about the law, not to cancel."""
    events, messages = run_action(ActionAskCancelConfirm(), make_tracker(text="撤了以后还能要回来不", intent="cancel"))
    assert not messages
    assert any(e.get("name") == "action_answer_policy" for e in events)


@pytest.mark.parametrize("form", list(FORMS))
def test_cancel_confirmed_clears_every_answer(make_tracker, run_action, form):
    tracker = make_tracker(text="/affirm", intent="affirm", slots={"paused_form": form, **FILLED[form]})
    events, messages = run_action(ActionCancelForm(), tracker)
    slots = slot_events(events)
    for slot in FORMS[form].slot_names():
        assert slot in slots and slots[slot] is None, slot
    assert slots["paused_form"] is None
    assert "已取消" in messages[0]["text"] and "删除" in messages[0]["text"]


def test_cancel_confirmed_does_not_touch_another_forms_answers(make_tracker, run_action):
    tracker = make_tracker(intent="affirm", slots={"paused_form": "visit_form", **FILLED["departure_form"]})
    events, _messages = run_action(ActionCancelForm(), tracker)
    assert not any(name.startswith("dep_") for name in slot_events(events))


# ---------------------------------------------------------------- fallback

RANKING = [
    {"name": "nlu_fallback", "confidence": 0.4},
    {"name": "register_departure", "confidence": 0.3},
    {"name": "out_of_scope", "confidence": 0.1},
    {"name": "ask_policy", "confidence": 0.1},
    {"name": "greet", "confidence": 0.05},
    {"name": "log_visit", "confidence": 0.05},
]


def test_first_fallback_offers_best_guesses_and_a_person(make_tracker, run_action):
    tracker = make_tracker(text="那个东西怎么弄", intent="nlu_fallback", intent_ranking=RANKING, history=["greet"])
    events, messages = run_action(ActionSuggestFallback(), tracker)
    assert events == []
    assert len(messages) == 1
    assert payloads(messages) == ["/register_departure", "/ask_policy", "/greet", "/request_human"]
    assert_polite_chinese(messages[0]["text"])


def test_a_message_not_understood_while_a_form_is_paused_offers_the_way_back_first(make_tracker, run_action):
    """"第4类" typed after the emergency reply paused the report: not a dead end, the report is one tap away."""
    tracker = make_tracker(text="第4类", intent="nlu_fallback", intent_ranking=RANKING, history=["greet"],
                           slots={"paused_form": "report_form"})
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert payloads(messages)[0] == "/resume_form"
    assert "强制报告还没填完" in messages[0]["text"] and "110" in messages[0]["text"]


def test_harm_heard_of_in_the_news_starts_no_report(make_tracker, run_action):
    """"我看新闻说有个留守儿童被拐卖了 好吓人" is a worry about the news: no report of a child near the user."""
    tracker = make_tracker(text="我看新闻说有个留守儿童被拐卖了 好吓人", intent="nlu_fallback", danger={"level": "serious"})
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    said = "\n".join(m.get("text") or "" for m in messages)
    assert "属于第" not in said and "需要报告" not in said and "110" in said


def test_a_message_not_understood_just_after_the_emergency_reply_is_no_dead_end(make_tracker, run_action):
    tracker = make_tracker(text="已经快十点了", intent="nlu_fallback", danger={"level": "none"})
    tracker.events.insert(-1, {"event": "bot", "text": "我已通知工作人员（工单号 RG20261207-YTED）。"})
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert "没太明白" not in messages[0]["text"] and "110" in messages[0]["text"]


def test_first_fallback_without_guesses_still_offers_a_person(make_tracker, run_action):
    tracker = make_tracker(text="嗯嗯嗯", intent="nlu_fallback", intent_ranking=[{"name": "nlu_fallback", "confidence": 0.9}])
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert payloads(messages) == ["/request_human"]


@pytest.mark.parametrize("level", ["none", "concern"])
def test_a_parent_away_telling_their_situation_is_offered_the_registration(make_tracker, run_action, level):
    """"我在广东打工 孩子在老家跟他奶奶" is who they are: no "没太明白", no report form; the free registration is
    offered (a yes starts it), and a faint worry keeps the 110 line and the report among the buttons."""
    tracker = make_tracker(text="你好 我在广东打工 孩子在老家跟他奶奶", intent="inform", danger={"level": level})
    events, messages = run_action(ActionSuggestFallback(), tracker)
    assert len(messages) == 1 and "报备" in messages[0]["text"] and "免费" in messages[0]["text"]
    assert "没太明白" not in messages[0]["text"]
    assert ("110" in messages[0]["text"]) == (level == "concern")
    assert payloads(messages)[0] == "/register_departure" and "/request_human" in payloads(messages)
    assert ("/report_concern" in payloads(messages)) == (level == "concern")
    assert slot_events(events)["offered_task"] == "register_departure"
    assert not any(e.get("event") == "followup" for e in events)


def test_second_fallback_in_a_row_opens_a_ticket_for_a_person(make_tracker, run_action):
    from records.tickets import open_tickets

    tracker = make_tracker(text="还是那个", intent="nlu_fallback", intent_ranking=RANKING, history=["greet", "nlu_fallback"])
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert len(messages) == 1
    [ticket] = open_tickets()
    assert ticket.reason == "fallback" and ticket.ref in messages[0]["text"]
    assert "工作人员" in messages[0]["text"] and "110" in messages[0]["text"]
    assert "/register_departure" not in payloads(messages)


def test_fallbacks_not_in_a_row_start_over(make_tracker, run_action):
    tracker = make_tracker(text="还是那个", intent="nlu_fallback", intent_ranking=RANKING, history=["nlu_fallback", "greet"])
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert "/register_departure" in payloads(messages)
    assert "工作人员" not in messages[0]["text"]


# ---------------------------------------------------------------- a task offered by an answer, taken up


def test_an_answer_about_registering_offers_to_start_it(make_tracker, run_action):
    from actions.policy import ActionAnswerPolicy

    tracker = make_tracker(text="外出打工前要跟村里谁报备", intent="ask_policy", danger={"level": "none"})
    events, messages = run_action(ActionAnswerPolicy(), tracker)
    assert "/register_departure" in payloads(messages)
    assert slot_events(events)["offered_task"] == "register_departure"


@pytest.mark.parametrize("text, intent", [("中", "affirm"), ("行，那就在你这登记吧", "nlu_fallback"),
                                          ("那你帮我弄一下", "nlu_fallback")])
def test_taking_up_the_offer_in_ones_own_words_starts_the_task(make_tracker, run_action, text, intent):
    from actions.dialogue import ActionAcceptOffer

    tracker = make_tracker(text=text, intent=intent, slots={"offered_task": "register_departure"},
                           danger={"level": "none"})
    action = ActionAcceptOffer() if intent == "affirm" else ActionSuggestFallback()
    events, _messages = run_action(action, tracker)
    assert {"event": "followup", "timestamp": None, "name": "departure_form"} in events
    assert slot_events(events)["offered_task"] is None


def test_a_yes_with_nothing_offered_is_only_acknowledged(make_tracker, run_action):
    from actions.dialogue import ActionAcceptOffer

    events, messages = run_action(ActionAcceptOffer(), make_tracker(text="好的", intent="affirm"))
    assert events == [] and messages[0]["response"] == "utter_affirm_without_context"


def test_an_answer_inside_a_form_offers_no_other_task(make_tracker, run_action):
    from actions.digression import ActionAnswerInForm

    tracker = make_tracker(text="外出打工前要跟村里谁报备", intent="ask_policy", form="departure_form",
                           requested_slot="dep_child_name", danger={"level": "none"})
    events, messages = run_action(ActionAnswerInForm(), tracker)
    assert "/register_departure" not in payloads(messages)
    assert slot_events(events)["offered_task"] is None


def test_a_policy_answer_that_offered_a_task_starts_it_when_taken_up(make_tracker, run_action):
    from actions.policy import ActionAnswerPolicy

    tracker = make_tracker(text="那就填一个吧", intent="ask_policy", slots={"offered_task": "log_visit"},
                           danger={"level": "none"})
    events, _messages = run_action(ActionAnswerPolicy(), tracker)
    assert {"event": "followup", "timestamp": None, "name": "visit_form"} in events


def test_cancelling_a_visit_log_drops_its_photos(make_tracker, run_action, director):
    """Issue 12: photos of a cancelled visit log attached themselves to the director's next, unrelated log."""
    from records.attachments import add_attachment

    sender = director("tg:director-with-photos")
    add_attachment(sender, "photo", file_id="photo-of-the-cancelled-visit")
    tracker = make_tracker(text="/affirm", intent="affirm", slots={"paused_form": "visit_form"}, sender_id=sender)
    run_action(ActionCancelForm(), tracker)
    assert add_attachment(sender, "photo", file_id="photo-of-the-next-visit") == 1


def test_no_more_filling_at_the_id_question_skips_the_id_and_says_how_to_cancel(make_tracker, run_action):
    """The ID question offers a skip; '不填了' there takes it (asking to cancel everything lost parents here)."""
    tracker = make_tracker(text="不填了", intent="cancel", slots=FILLED["departure_form"], form="departure_form",
                           requested_slot="dep_child_id")
    events, messages = run_action(ActionAskCancelConfirm(), tracker)
    assert any(e.get("name") == "dep_child_id" for e in events)
    assert "先跳过" in messages[0]["text"] and "取消报备" in messages[0]["text"]


def test_what_can_i_do_after_an_answer_is_answered_not_the_help_menu(make_tracker, run_action):
    from actions.dialogue import ActionHelp

    after = make_tracker(text="我在外地 能做点啥", intent="help",
                         slots={"last_policy_question": "照顾孩子的爷爷爱喝酒 喝多了就骂孩子"})
    events, messages = run_action(ActionHelp(), after)
    assert events == [{"event": "followup", "name": "action_answer_policy", "timestamp": None}] and messages == []


@pytest.mark.parametrize("text, slots", [
    ("我能做什么", {}),  # nothing answered before: what the bot does
    ("你能做什么", {"last_policy_question": "孤儿补贴多少"}),  # asks what the bot can do
])
def test_what_the_bot_can_do_gets_the_help_menu(make_tracker, run_action, text, slots):
    from actions.dialogue import ActionHelp

    events, messages = run_action(ActionHelp(), make_tracker(text=text, intent="help", slots=slots))
    assert events == [] and messages[0]["response"] == "utter_help"


def test_a_verified_director_telling_of_a_visit_gets_the_visit_log(make_tracker, run_action, monkeypatch):
    import actions.dialogue as dialogue

    monkeypatch.setattr(dialogue, "verified_director", lambda sender: object())
    tracker = make_tracker(text="今天去了王家 孩子王小虎跟他爷爷 爷爷腿脚不好 娃作业也没人管", intent="nlu_fallback",
                           danger={"level": "concern"})
    events, messages = run_action(ActionSuggestFallback(), tracker)
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "visit_form"
    assert "110" in messages[0]["text"]  # the worry in it: the 110 line first


def test_anyone_else_telling_of_a_visit_is_not_asked_to_log_it(make_tracker, run_action, monkeypatch):
    import actions.dialogue as dialogue

    monkeypatch.setattr(dialogue, "verified_director", lambda sender: None)
    events, _messages = run_action(ActionSuggestFallback(), make_tracker(text="今天去了奶奶家 娃挺好的", intent="nlu_fallback"))
    assert not any(e.get("name") == "visit_form" for e in events)


def test_the_cancel_buttons_words_typed_after_the_question_cancel(make_tracker, run_action):
    """"确定取消" typed (the button's own words) after "确定要取消探访记录吗？" cancels; it is not asked again."""
    tracker = make_tracker(text="确定取消", intent="cancel", slots={"paused_form": "visit_form", **FILLED["visit_form"]})
    tracker.events.insert(-1, {"event": "bot", "text": "确定要取消探访记录吗？已经填的内容会被删除。"})
    events, messages = run_action(ActionAskCancelConfirm(), tracker)
    assert not messages
    assert any(e.get("name") == "action_cancel_form" for e in events)


@pytest.mark.parametrize("said, heard", [("已经打了110了 警察说马上到", "做得对"), ("我不敢去敲门 咋个办嘛", "不用自己去敲门")])
def test_what_is_said_just_after_the_emergency_reply_is_heard(make_tracker, run_action, said, heard):
    """Not the emergency card again, nor a policy answer: the call acknowledged, or what to do while waiting."""
    tracker = make_tracker(text=said, intent="nlu_fallback")
    tracker.events.insert(-1, {"event": "bot", "text": "请马上拨打110报警！"})
    tracker.events.insert(-1, {"event": "bot", "text": "我已通知工作人员（工单号 RG20261207-ABCD）。"})
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert heard in messages[0]["text"] and "/report_concern" in payloads(messages)


def test_police_called_and_go_on_in_one_message_resumes_the_paused_form(make_tracker, run_action):
    """"已经报警了 继续刚才的填写": the call acknowledged and the paused report goes on, no second "继续" needed."""
    tracker = make_tracker(text="已经报警了 继续刚才的填写", intent="nlu_fallback", slots={"paused_form": "report_form"})
    tracker.events.insert(-1, {"event": "bot", "text": "请马上拨打110报警！"})
    tracker.events.insert(-1, {"event": "bot", "text": "我已通知工作人员（工单号 RG20261207-ABCD）。"})
    events, messages = run_action(ActionSuggestFallback(), tracker)
    assert "做得对" in messages[0]["text"] and "接着填" in messages[0]["text"]
    assert {"event": "followup", "name": "report_form"} in [{"event": e.get("event"), "name": e.get("name")} for e in events]


@pytest.mark.parametrize("said", ["算了不填了 等我问问我老婆再说", "明天再弄吧"])
def test_going_on_later_said_as_cancelling_keeps_the_form_without_asking(make_tracker, run_action, said):
    """Not "确定要取消吗？已经填的内容会被删除": they mean to come back; kept, and the way back offered."""
    tracker = make_tracker(text=said, intent="cancel", form="departure_form", requested_slot="dep_carer_phone",
                           slots={"dep_consent": True, "dep_child_name": "李浩然"})
    events, messages = run_action(ActionAskCancelConfirm(), tracker)
    assert "继续刚才的填写" in messages[0]["text"] and "删除" not in messages[0]["text"]
    assert slot_events(events).get("paused_form") == "departure_form"


def _after_the_emergency(make_tracker, said: str, earlier: str = "", **slots):
    tracker = make_tracker(text=said, intent="nlu_fallback", slots=slots or None)
    if earlier:
        tracker.events.insert(-1, {"event": "user", "text": earlier, "parse_data": {"intent": {"name": "report_emergency"}}})
    tracker.events.insert(-1, {"event": "bot", "text": "请马上拨打120急救，同时拨打110报警！"})
    tracker.events.insert(-1, {"event": "bot", "text": "我已通知工作人员（工单号 RG20261207-ABCD）。"})
    return tracker


@pytest.mark.parametrize("said", ["打了 救护车说要半个钟头才到 现在咋个弄", "他还是没得反应"])
def test_waiting_for_the_ambulance_gets_first_aid_for_the_child(make_tracker, run_action, said):
    """Not "还没报警的话，请现在就打110": what to do with a child pulled from the water until help comes."""
    tracker = _after_the_emergency(make_tracker, said, earlier="娃掉堰塘里了 捞起来没得气了")
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert "胸外按压" in messages[0]["text"] and "120" in messages[0]["text"]


def test_going_on_with_the_paused_log_after_the_emergency_reply_resumes_it(make_tracker, run_action):
    """"她现在在学校…先把记录填完嘛": the paused visit log goes on, not the 110 line again."""
    tracker = _after_the_emergency(make_tracker, "现在她在学校 没在家 先把记录填完嘛", paused_form="visit_form")
    events, messages = run_action(ActionSuggestFallback(), tracker)
    assert "接着填" in messages[0]["text"]
    assert any(e.get("event") == "followup" and e.get("name") == "visit_form" for e in events)


@pytest.mark.parametrize("earlier, said, heard, not_heard", [
    # a missing child found: tell the police, ask the child what happened; not "还没报警的话…帮着找"
    ("孙伢子今天到现在还冇回 电话也打不通", "回来了回来了", "告诉警察孩子已经找到", "打人的人"),
    # what to prepare for the police about a missing child: the photo and the clothes, not "别和打人的人起冲突"
    ("孙伢子今天到现在还冇回 电话也打不通", "我马上打 警察来了我要准备么子", "照片", "打人的人"),
    # a weak child locked in: yes, call 120, and what to give them meanwhile
    ("两个娃被锁在屋头两天了 没得吃的", "娃娃好像没得力气 嘴巴干起壳壳 要不要打120", "要，现在就打120", "帮着找"),
    # may I break the lock: with 110 told and a witness
    ("两个娃被锁在屋头两天了 没得吃的", "我能不能先把锁砸开进去看娃娃", "村干部", "帮着找"),
    # a head injury, 120 an hour away: follow the operator, a second adult, keep him awake
    ("娃儿脑壳遭打破了 一直在吐", "120说山路要一个多钟头 我骑摩托车自己送镇卫生院要得不", "接线员", "帮不上忙"),
    # poisoning: don't make him vomit
    ("孙子把一瓶药都吃了", "要不要给他抠嗓子眼让他吐出来", "别自己乱催吐", "帮着找"),
    # poison, and the ambulance on its way: first aid for poison, not "别和打人的人起冲突"
    ("娃娃喝了半瓶敌敌畏 嘴巴好臭", "打了打了 救护车还要半个钟头", "别自己乱催吐", "打人的人"),
    # should I call the police: yes, now; not a card on a mother's boyfriend
    ("她说村里有个老光棍老是叫她去他屋头 摸她", "那我要不要报警哦", "要，现在就打110", "同居"),
    # a girl hinting at ending her life: someone with her now, the crisis lines, tell the parents
    ("妹妹昨晚发消息说要是我不在了你会不会难过 然后就不回了", "要不要跟爸妈说", "12356", "帮着找"),
])
def test_what_comes_after_the_emergency_reply_fits_the_emergency(make_tracker, run_action, earlier, said, heard, not_heard):
    """One canned line for every follow-up answered nobody: what comes next depends on the emergency and the question."""
    tracker = _after_the_emergency(make_tracker, said, earlier=earlier)
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    text = "\n".join(m.get("text") or "" for m in messages)
    assert heard in text and not_heard not in text


def test_deleting_the_chat_records_after_the_emergency_reply_is_about_the_evidence(make_tracker):
    """"聊天记录要不要删掉" after the reply on online extortion: keep them for the police, not "delete your data"."""
    from actions.urgent import after_an_emergency
    from rasa_sdk.executor import CollectingDispatcher

    tracker = _after_the_emergency(make_tracker, "聊天记录要不要删掉", earlier="有人拿我女儿的裸照威胁她 不给钱就发出去")
    dispatcher = CollectingDispatcher()
    assert after_an_emergency(dispatcher, tracker) is not None
    assert "别删" in dispatcher.messages[0]["text"] and "警察" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize("said", ["下周培训要讲一个案例，去年外省一个女娃被继父性侵 儿童主任该咋报",
                                  "街道组织儿童主任考试 有道题：孩子说被继父打了 儿童主任第一步该干啥"])
def test_a_training_or_exam_case_opens_no_report(make_tracker, run_action, said):
    """Nobody to report: no "这种情况需要报告…属于哪一类", and the way to ask the rule."""
    tracker = make_tracker(text=said, intent="nlu_fallback", danger={"level": "serious"})
    events, messages = run_action(ActionSuggestFallback(), tracker)
    text = "\n".join(m.get("text") or "" for m in messages)
    assert "不是真实的孩子" in text and "属于下面哪一类" not in text
    assert not any(e.get("event") == "active_loop" and e.get("name") == "report_form" for e in events)


def test_staff_hours_asked_are_told_with_a_person_offered(make_tracker, run_action):
    """"你们人工几点上班" is no matter outside the bot's field: when staff answer, and the button to reach them."""
    from actions.dialogue import ActionOutOfScope

    tracker = make_tracker(text="你们人工几点上班", intent="out_of_scope", danger={"level": "none"})
    _events, messages = run_action(ActionOutOfScope(), tracker)
    assert "工作日白天" in messages[0]["text"] and "/request_human" in payloads(messages)


def test_a_question_of_our_field_taken_as_out_of_scope_is_not_called_outside_it(make_tracker, run_action):
    """"第三季度的补贴啥时候发": not "我只懂儿童保护方面的事", but that the day is not known here, and a person."""
    from actions.dialogue import ActionOutOfScope

    tracker = make_tracker(text="第三季度的补贴啥时候发", intent="out_of_scope", danger={"level": "none"})
    _events, messages = run_action(ActionOutOfScope(), tracker)
    assert "只懂儿童保护" not in messages[0]["text"] and "查不到" in messages[0]["text"]
    assert "/request_human" in payloads(messages)


def test_where_the_child_sleeps_tonight_after_abuse_is_told(make_tracker, run_action):
    """"我能让她今晚不回舅舅家吗": 110 first, and not back to the abuser tonight; not a card on directors' duty."""
    tracker = _after_the_emergency(make_tracker, "我能让她今晚不回舅舅家吗 要先报警还是先告诉校长",
                                   earlier="12岁女生 舅舅这几个月晚上老进她房间脱她衣服 她今天不敢放学回去")
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert "今晚别让孩子回到伤害孩子的那个人身边" in messages[0]["text"] and "110" in messages[0]["text"]


def test_the_police_called_and_a_situation_named_after_the_emergency_opens_the_report(make_tracker, run_action):
    """"报了 第4类": not "还没报警的话…", the call heard and the report opened with the fourth situation."""
    tracker = _after_the_emergency(make_tracker, "报了 第4类", earlier="隔壁那个幺儿遭他老汉儿吊起来打 喊得好惨哦")
    events, messages = run_action(ActionSuggestFallback(), tracker)
    assert "做得对" in messages[0]["text"] and slot_events(events).get("rep_situation") == 4
    assert any(e.get("event") == "followup" and e.get("name") == "report_form" for e in events)


def test_someone_not_back_just_after_a_child_was_named_is_an_emergency(make_tracker, run_action):
    """"我孙伢子今年十岁…" then "今天到现在还冇回": a child missing; the emergency reply, not a return date."""
    tracker = make_tracker(text="今天到现在还冇回", intent="inform", danger={"level": "none"})
    tracker.events.insert(-1, {"event": "user", "text": "我想问一下 我孙伢子今年十岁 他爸妈在外面打工"})
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert messages[0]["text"].startswith("请马上拨打110")


def test_an_answer_taken_for_cancelling_is_the_answer_and_the_call_not_put_off(make_tracker, run_action):
    """"还没报 我现在填完这个就打" at "已经报警了吗": not "确定要取消…会被删除", the answer, and 110 now."""
    tracker = make_tracker(text="还没报 我现在填完这个就打", intent="cancel", form="report_form",
                           requested_slot="rep_police_called", slots={"rep_description": "她舅舅摸她"})
    events, messages = run_action(ActionAskCancelConfirm(), tracker)
    assert "取消" not in messages[0]["text"] and "现在就打110" in messages[0]["text"]
    assert slot_events(events).get("rep_police_called") is False
    assert any(e.get("event") == "followup" and e.get("name") == "report_form" for e in events)


def test_cancelling_in_so_many_words_still_asks_first(make_tracker, run_action):
    tracker = make_tracker(text="不填了 取消吧", intent="cancel", form="report_form", requested_slot="rep_police_called",
                           slots={"rep_description": "她舅舅摸她"})
    _events, messages = run_action(ActionAskCancelConfirm(), tracker)
    assert messages[0]["text"].startswith("确定要取消")
