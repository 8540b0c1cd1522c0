"""Facts given before they are asked are kept, and only what is missing is asked (issue 11)."""
from __future__ import annotations

import datetime as dt

import pytest

from actions.forms.departure import ValidateDepartureForm
from actions.forms.facts import departure_facts, name_before_age
from actions.forms.report import ValidateReportForm, report_facts
from actions.parsing import parse_phone
from unit_support import slot_events

pytestmark = pytest.mark.usefixtures("pinned_today")

TODAY = dt.date(2026, 12, 1)
OPENING = "帮我报备一下，孩子叫周杰，12岁，住歇马街道大磨滩村，我去深圳打工，孩子跟他奶奶，奶奶叫王秀兰，电话13912345678"


@pytest.mark.parametrize("text, expected", [
    (OPENING, {"dep_child_name": "周杰", "dep_child_age": 12, "dep_village": "歇马街道大磨滩村",
               "dep_carer_relation": "奶奶", "dep_carer_name": "王秀兰", "dep_carer_phone": "13912345678",
               "dep_work_city": "深圳"}),
    ("俺们两口子要去宁波进厂，娃跟他姥姥，俺的电话13812345678，过完年回来",
     {"dep_carer_relation": "外婆", "dep_parent_phone": "13812345678", "dep_work_city": "宁波",
      "dep_return_date": "过完年"}),
    ("她外婆，叫陈淑芬，电话13912345678",
     {"dep_carer_relation": "外婆", "dep_carer_name": "陈淑芬", "dep_carer_phone": "13912345678"}),
    ("娃儿8岁，在大磨滩村，明年2月回来", {"dep_child_age": 8, "dep_village": "歇马街道大磨滩村",
                                  "dep_return_date": "2027-02"}),
    ("我要外出打工，帮孩子报备", {}),
    ("奶奶70岁了，孩子9岁", {"dep_child_age": 9, "dep_carer_relation": "奶奶"}),  # the child's age, not grandma's
    ("孩子一个12岁，一个9岁", {}),  # two ages: which child is asked, not guessed
    ("电话13912345678", {}),  # whose number is asked, not guessed
    ("大的叫李明轩 11岁 小的叫李明悦 7岁", {"dep_child_name": "李明轩", "dep_child_age": 11}),  # the first child's age
    ("我妈 叫王桂兰 电话13812345678",  # the parent's own mother, told at another question, is the carer
     {"dep_carer_relation": "奶奶或外婆", "dep_carer_name": "王桂兰", "dep_carer_phone": "13812345678"}),
    ("我下个月也要过去 俩娃放我妈那", {"dep_carer_relation": "奶奶或外婆"}),
    ("我在宁波", {"dep_work_city": "宁波"}),  # said at another question: where the parent works
    ("我在家里", {}),
    ("我在外地打工", {}),  # "外地" is no city
    ("啥时候回来说不准 可能过年", {"dep_return_date": "未定"}),
    ("我过两天要去深圳 娃放他姥姥那 要办啥手续不", {"dep_carer_relation": "外婆", "dep_work_city": "深圳"}),
    ("孩子去外婆家", {}), ("去县城", {}), ("回去郑州", {}),  # no city the parent goes to work in
    ("我们两口子去浙江义乌 过年回来", {"dep_work_city": "义乌", "dep_return_date": "过年"}),  # the city, not 浙江
    ("我准备去浙江义乌打零工 孩子给我大姐带着", {"dep_work_city": "浙江义乌", "dep_carer_relation": "姑姑或姨妈"}),
    ("我姐帮我带娃", {"dep_carer_relation": "姑姑或姨妈"}),
])
def test_the_facts_a_sentence_holds(text, expected):
    assert departure_facts(text, TODAY) == expected


@pytest.mark.parametrize("text, expected", [
    # spoken in one breath: no commas, spaces between the parts, digits read out in words
    ("我和老公下个月去浙江义乌打工 娃儿叫王小军 今年7岁 在大磨滩村 跟他奶奶刘桂芝住 奶奶电话13912345678 我电话13800001111 过年回来",
     {"dep_child_name": "王小军", "dep_child_age": 7, "dep_village": "歇马街道大磨滩村", "dep_carer_relation": "奶奶",
      "dep_carer_name": "刘桂芝", "dep_carer_phone": "13912345678", "dep_parent_phone": "13800001111",
      "dep_work_city": "浙江义乌", "dep_return_date": "过年"}),
    ("你好我要报备一下我儿子王小军七岁了我们村是大磨滩村我下个星期去广东东莞进厂孩子给他外婆带外婆叫张秀英电话一三九一二三四五六七八过年才回来",
     {"dep_child_name": "王小军", "dep_child_age": 7, "dep_village": "歇马街道大磨滩村", "dep_carer_relation": "外婆",
      "dep_carer_name": "张秀英", "dep_carer_phone": "13912345678", "dep_work_city": "广东东莞", "dep_return_date": "过年"}),
    ("娃儿王小军，8岁，大磨滩村。我去深圳，孩子爷爷王德明照顾，爷爷手机13912345678，春节回",
     {"dep_child_name": "王小军", "dep_child_age": 8, "dep_village": "歇马街道大磨滩村", "dep_carer_relation": "爷爷",
      "dep_carer_name": "王德明", "dep_carer_phone": "13912345678", "dep_work_city": "深圳", "dep_return_date": "春节"}),
    ("孩子叫李梅 十岁 跟着她爷爷过 爷爷叫李长根 电话13512345678 我们在宁波 明年六月回来",
     {"dep_child_name": "李梅", "dep_child_age": 10, "dep_carer_relation": "爷爷", "dep_carer_name": "李长根",
      "dep_carer_phone": "13512345678", "dep_work_city": "宁波", "dep_return_date": "2027-06"}),
])
def test_everything_told_in_one_run_on_message(text, expected):
    """A parent who says it all at once, as voice typing writes it, is not asked any of it again."""
    assert departure_facts(text, TODAY) == expected


def test_a_childs_age_in_a_run_on_message_is_no_minor_carer():
    """"我儿子王小军七岁了…孩子给他外婆带" said in one breath: the carer is kept (only a carer's own age counts)."""
    from actions.forms.departure import minor_carer

    assert not minor_carer("我儿子王小军七岁了我们村是大磨滩村孩子给他外婆带外婆叫张秀英", about_carer=False)
    assert minor_carer("孩子跟他哥 他哥16了", about_carer=False)


@pytest.mark.parametrize("text, age", [("奶奶今年70岁了 孩子9岁", 9), ("孩子9岁 跟70岁的奶奶住", 9), ("他哥12岁 他5岁", 5)])
def test_the_age_of_a_carer_or_sibling_is_not_the_childs(text, age):
    assert departure_facts(text, TODAY)["dep_child_age"] == age


def test_children_told_after_the_first_are_named_for_a_registration_of_their_own():
    from actions.forms.facts import more_children

    assert more_children("大的叫李明轩 11岁 小的叫李明悦 7岁") == ["李明悦"]
    assert more_children("孩子叫周杰，12岁") == []


@pytest.mark.parametrize("text", ["一三九一二三四五六七八", "幺三九 一二三四 五六七八"])
def test_a_phone_number_read_out_in_chinese_numerals(text):
    assert parse_phone(text) == "13912345678"


def test_facts_given_up_front_are_kept_once_the_parent_consents(make_tracker, run_action):
    tracker = make_tracker(text="同意", intent="affirm", form="departure_form", requested_slot="dep_consent",
                           candidate=("dep_consent", "同意"), trigger=OPENING)
    events, messages = run_action(ValidateDepartureForm(), tracker)
    slots = slot_events(events)
    assert slots["dep_consent"] is True and slots["dep_child_name"] == "周杰" and slots["dep_carer_phone"] == "13912345678"
    assert "周杰" in messages[-1]["text"] and "核对" in messages[-1]["text"]


def test_nothing_is_kept_without_consent(make_tracker, run_action):
    tracker = make_tracker(text="不同意", intent="deny", form="departure_form", requested_slot="dep_consent",
                           candidate=("dep_consent", "不同意"), trigger=OPENING)
    events, _messages = run_action(ValidateDepartureForm(), tracker)
    assert {slot: v for slot, v in slot_events(events).items() if slot.startswith("dep_")} == {"dep_consent": False}


def test_an_answer_that_holds_more_fills_the_other_steps_too(make_tracker, run_action):
    tracker = make_tracker(text="她外婆，叫陈淑芬，电话13912345678", form="departure_form",
                           requested_slot="dep_carer_name", slots={"dep_consent": True},
                           candidate=("dep_carer_name", "她外婆，叫陈淑芬，电话13912345678"))
    events, _messages = run_action(ValidateDepartureForm(), tracker)
    slots = slot_events(events)
    assert (slots["dep_carer_name"], slots["dep_carer_relation"], slots["dep_carer_phone"]) == \
        ("陈淑芬", "外婆", "13912345678")


def test_what_a_reporter_knows_of_the_child_is_kept_as_said(make_tracker, run_action):
    said = "不知道名字，是村东头老李家的孙女"
    tracker = make_tracker(text=said, form="report_form", requested_slot="rep_child", candidate=("rep_child", said))
    events, _messages = run_action(ValidateReportForm(), tracker)
    assert "老李家的孙女" in slot_events(events)["rep_child"]


@pytest.mark.parametrize("step, text", [("dep_carer_name", "他哥李大明，15岁"),
                                        ("dep_carer_relation", "她姐姐，还在读初中"),
                                        ("dep_carer_name", "哥哥十七了")])
def test_a_carer_under_18_is_refused_with_the_law(make_tracker, run_action, step, text):
    tracker = make_tracker(text=text, form="departure_form", requested_slot=step, slots={"dep_consent": True},
                           candidate=(step, text))
    events, messages = run_action(ValidateDepartureForm(), tracker)
    assert slot_events(events)[step] is None
    assert "18" in messages[0]["text"] and "第22条" in messages[0]["text"]


def test_an_adult_carer_with_an_age_is_accepted(make_tracker, run_action):
    tracker = make_tracker(text="王秀兰，65岁了", form="departure_form", requested_slot="dep_carer_name",
                           slots={"dep_consent": True}, candidate=("dep_carer_name", "王秀兰，65岁了"))
    events, _messages = run_action(ValidateDepartureForm(), tracker)
    assert slot_events(events)["dep_carer_name"] == "王秀兰"


def test_a_minor_carer_given_up_front_is_not_taken(make_tracker, run_action):
    tracker = make_tracker(text="同意", intent="affirm", form="departure_form", requested_slot="dep_consent",
                           candidate=("dep_consent", "同意"), trigger="孩子12岁，让他哥带，他哥叫李大明，他哥15岁")
    events, _messages = run_action(ValidateDepartureForm(), tracker)
    slots = slot_events(events)
    assert slots["dep_child_age"] == 12 and "dep_carer_name" not in slots


def test_a_village_typo_gets_one_suggestion_and_a_yes_takes_it(make_tracker, run_action):
    tracker = make_tracker(text="澄江镇北全村", form="departure_form", requested_slot="dep_village",
                           slots={"dep_consent": True}, candidate=("dep_village", "澄江镇北全村"))
    events, messages = run_action(ValidateDepartureForm(), tracker)
    assert "澄江镇北泉村" in messages[0]["text"] and slot_events(events)["village_suggested"] == "澄江镇北泉村"
    for yes, intent in (("对的就是那个", "affirm"), ("是", "inform")):
        tracker = make_tracker(text=yes, intent=intent, form="departure_form", requested_slot="dep_village",
                               slots={"dep_consent": True, "village_suggested": "澄江镇北泉村"},
                               candidate=("dep_village", yes))
        events, _messages = run_action(ValidateDepartureForm(), tracker)
        assert slot_events(events)["dep_village"] == "澄江镇北泉村"


def test_another_village_after_a_suggestion_is_read_as_a_village(make_tracker, run_action):
    tracker = make_tracker(text="歇马街道大磨滩村", form="departure_form", requested_slot="dep_village",
                           slots={"dep_consent": True, "village_suggested": "澄江镇北泉村"},
                           candidate=("dep_village", "歇马街道大磨滩村"))
    events, _messages = run_action(ValidateDepartureForm(), tracker)
    assert slot_events(events)["dep_village"] == "歇马街道大磨滩村"


@pytest.mark.usefixtures("director")
def test_a_directors_own_account_fills_the_visit_log(make_tracker, run_action):
    from actions.forms.visit import ValidateVisitForm

    said = "今天入户看了一家，奶奶病倒在床上没人做饭，孩子6岁，我觉得是高风险"
    tracker = make_tracker(text=said, intent="log_visit", form="visit_form", trigger=said)
    events, _messages = run_action(ValidateVisitForm(), tracker)
    slots = slot_events(events)
    assert slots["visit_director"] == "director"
    assert (slots["visit_date"], slots["visit_kind"], slots["visit_risk"]) == ("2026-12-01", "入户", "高")
    assert slots["visit_findings"].startswith("今天入户看了一家")
    assert "visit_child_name" not in slots  # no name said: asked


def test_a_greeting_and_the_wish_to_log_a_visit_are_no_findings():
    from actions.forms.visit import ValidateVisitForm

    facts = ValidateVisitForm().facts("你好 我是红星村儿童主任 今天去张家探访了 要填个记录", dt.date(2026, 12, 1))
    assert "visit_findings" not in facts  # asked, so what was seen is not lost behind the greeting
    assert facts["visit_date"] == "2026-12-01"


@pytest.mark.usefixtures("director")
def test_the_child_named_with_an_age_in_a_directors_account_is_not_asked_again(make_tracker, run_action):
    from actions.forms.visit import ValidateVisitForm

    said = "今天上午去了张家 张小宝9岁 跟他奶奶住 奶奶腿不好 娃作业没人管 家里还算干净"
    tracker = make_tracker(text=said, intent="log_visit", form="visit_form", trigger=said)
    events, _messages = run_action(ValidateVisitForm(), tracker)
    assert slot_events(events)["visit_child_name"] == "张小宝"


@pytest.mark.parametrize("text, name", [("看了王浩 8岁 挺好", "王浩"), ("入户看了陈小雨，十岁，爸妈在义乌", "陈小雨"),
                                        ("老大11岁 老二7岁", None), ("李秀英65岁 是他外婆", None), ("孩子今年9岁", None),
                                        # jieba cuts these into a surname and an ordinary word (李/小花, 陈/浩然)
                                        ("今天下午去看了李家的娃 李小花 9岁 跟她外婆住", "李小花"), ("陈浩然，七岁", "陈浩然"),
                                        ("跟李老师 9岁", None), ("张家老大10岁", None)])
def test_a_name_said_before_a_childs_age(text, name):
    assert name_before_age(text) == name


def test_the_words_before_a_button_are_the_opening_words(make_tracker):
    from actions.forms.base import opening_words

    tracker = make_tracker(text="K7QM-2XPA", form="visit_form", trigger="/log_visit")
    tracker.events[1:1] = [{"event": "user", "text": "今天入户看了一家，孩子没人做饭"},
                           {"event": "user", "text": "/log_visit"}]
    assert opening_words(tracker) == "今天入户看了一家，孩子没人做饭"


def test_a_description_that_points_back_keeps_the_words_it_points_to(make_tracker, run_action):
    tracker = make_tracker(text="就是我刚说的，13岁怀孕了", form="report_form", requested_slot="rep_description",
                           candidate=("rep_description", "就是我刚说的，13岁怀孕了"), trigger="我要报告")
    tracker.events[1:1] = [{"event": "user", "text": "我们村有个女娃才13岁就怀孕了，家里人不让说"},
                           {"event": "user", "text": "我要报告"}]
    events, _messages = run_action(ValidateReportForm(), tracker)
    kept = slot_events(events)["rep_description"]
    assert "家里人不让说" in kept and "13岁怀孕了" in kept


def test_a_report_told_in_one_breath_fills_place_time_police_and_reporter():
    from actions.forms.report import report_facts

    found = report_facts("我要举报，石坝村王家的娃昨天晚上被他爹打了，我是邻居，还没报警")
    assert found == {"rep_place": "石坝村", "rep_time": "昨天晚上", "rep_police_called": False,
                     "rep_reporter_role": "邻居或其他群众"}


def test_a_place_not_known_is_no_place():
    """"不知道她家住哪个村" had been kept as the place where it happened."""
    from actions.forms.report import report_facts

    assert "rep_place" not in report_facts("不知道她家住哪个村 是隔壁镇的")


def test_a_teacher_saying_who_they_are_names_no_place():
    """"我是学校老师 班上有个女娃…" had kept "我是学校" as the place; the school named later is the place."""
    from actions.forms.report import report_facts

    assert report_facts("我是学校老师 班上有个女娃身上老是青一块紫一块的") == {"rep_reporter_role": "教师"}
    assert report_facts("在我们学校 城关小学") == {"rep_place": "城关小学"}


@pytest.mark.parametrize("parser, said", [
    ("_situation", "八九"),
    ("_child", "就在我们村 石坝村"),
    ("_place", "昨天晚上"),
    ("_occurred", "没报警"),
    ("_occurred", "13800001111"),  # a phone number is no time
    ("_police", "我是邻居"),  # was 已报警, from 是
])
def test_a_report_answer_to_another_question_is_not_stored_here(parser, said):
    import datetime as dt

    from actions.forms import report
    from actions.forms.base import Answer
    from actions.parsing import BadAnswer

    with pytest.raises(BadAnswer):
        getattr(report, parser)(Answer(said, "inform", dt.date(2026, 12, 6), {}))


def test_something_else_said_at_the_situation_step_keeps_the_suggested_situation():
    """"小孩叫王浩 大概八九岁" was 第8类 (被组织乞讨, from 八), then the question looped: now the suggestion stands."""
    import datetime as dt

    from actions.forms.base import Answer
    from actions.forms.report import _situation

    described = {"rep_description": "隔壁王家的小孩天天被他爹用皮带抽，身上全是印子"}
    assert _situation(Answer("小孩叫王浩 大概八九岁", "inform", dt.date(2026, 12, 6), described)) == 4
    assert _situation(Answer("小孩叫王浩 大概八九岁", "inform", dt.date(2026, 12, 6), {"rep_description": "有点担心"})) == 9


def test_a_visit_told_as_going_to_a_home_is_a_home_visit():
    import datetime as dt

    from actions.forms.visit import ValidateVisitForm

    found = ValidateVisitForm().facts("今天去了王家 孩子跟他爷爷 爷爷腿脚不好", dt.date(2026, 12, 7))
    assert found["visit_kind"] == "入户" and found["visit_date"] == "2026-12-07"


def test_an_age_said_roughly_is_what_the_reporter_knows_of_the_child():
    """"不知道叫啥 大概十来岁", said at the situation question, was lost and the child asked for again."""
    assert report_facts("不知道叫啥 大概十来岁") == {"rep_child": "大概十来岁"}


def test_the_visit_logs_opening_words_are_said_once(make_tracker, run_action):
    """"一般吧" at the name question gets the question again without "好的，我们来填探访记录" a second time."""
    from actions.forms.visit import ActionAskVisitChildName

    tracker = make_tracker(text="填写探访记录", intent="log_visit", form="visit_form")
    _events, first = run_action(ActionAskVisitChildName(), tracker)
    assert first[0]["text"].startswith("好的，我们来填探访记录")
    tracker.events.append({"event": "bot", "text": first[0]["text"]})
    _events, again = run_action(ActionAskVisitChildName(), tracker)
    assert again[0]["text"] == "这次探访的是哪个孩子？请告诉我孩子的名字。"
