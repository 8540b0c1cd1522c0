"""Understanding words nobody wrote down: places from the gazetteer, the danger bank and its halves,
the lines that say 110/120 first, and what the bot does with a message it could not place.

The grades themselves come from the trained danger assessor inside Rasa; here the actions are
driven with the grade the NLU would add (``danger=``), and the end-to-end tests send real messages.
"""
from __future__ import annotations

import pytest

from actions.dialogue import ActionOutOfScope, ActionSuggestFallback
from actions.policy import ActionAnswerPolicy, excerpt, in_context
from actions.safety import CAUTION, DangerGrade, call_now, caution, latest_grade
from actions.urgent import ActionUrgentHelp
from knowledge.gazetteer import foreign_subject, places_in
from knowledge.passages import Passage
from nlu.components.danger_bank import LEVELS, NONE, NOW, SERIOUS, in_half, load_bank
from nlu.components.holdout import TEST, TUNE, half_of
from nlu.components.question_shape import introduced_role
from unit_support import payloads


# ---------------------------------------------------------------- places

@pytest.mark.parametrize("text, full", [
    ("云南镇雄的孤儿补贴多少钱", "云南省昭通市镇雄县"),
    ("甘肃岷县困境儿童有啥补助", "甘肃省定西市岷县"),
    ("凉山州的事实无人抚养儿童补多少", "四川省凉山彝族自治州"),
    ("黔西南的孤儿补贴", "贵州省黔西南布依族苗族自治州"),
    ("黔西市散居孤儿每个月补贴多少", "贵州省毕节市黔西市"),
    ("西安的孤儿补贴多少", "陕西省西安市"),  # the city, not 吉林's 西安区
    ("阿坝州的孤儿", "四川省阿坝藏族羌族自治州"),
    ("在浙江义乌打工", "浙江省金华市义乌市"),  # jieba tags 义乌 nz, 宝安 nr: proper nouns, not ordinary words
    ("深圳宝安的事实无人抚养补多少", "广东省深圳市宝安区"),
    ("毕节威宁县散居孤儿每个月发多少钱", "贵州省毕节市威宁彝族回族苗族自治县"),  # not 甘肃's 宁县
])
def test_every_chinese_county_and_prefecture_is_known(text, full):
    assert full in {p.full for p in places_in(text)}


@pytest.mark.parametrize("text", ["公安会保密吗", "比如说孩子被打了", "和平年代也要防拐", "孩子一个人在家",
                                  "民政的人会上街去找流浪的娃吗", "我在大城市打工", "孩子在商城走丢了", "新建的儿童之家"])
def test_ordinary_words_are_not_places(text):
    assert places_in(text) == []


@pytest.mark.parametrize("text", ["不是说了吗 他奶奶王秀英 电话13812345678", "外婆叫李丽江"])
def test_a_place_name_inside_a_persons_name_is_no_place(text):
    """秀英 is 海口市秀英区, but in 王秀英 it is a grandmother's given name (a city said alone, 黄石, stays a city)."""
    assert places_in(text) == []
    assert [p.name for p in places_in("我是黄石的")] == ["黄石"]


@pytest.mark.parametrize("text", ["我在外地上班 我女儿十二岁今天放学到现在都没回家 电话也打不通", "娃跟个不认识的人上了面包车走了"])
def test_a_missing_or_abducted_child_gets_110_first_not_an_ambulance(make_tracker, run_action, text):
    """The learned "someone hurt" head alone does not put 120 first without a word of a body in trouble."""
    tracker = make_tracker(text=text, intent="report_emergency", danger={"level": "now", "medical": True, "self_harm": False})
    _events, messages = run_action(ActionUrgentHelp(), tracker)
    assert messages[0]["text"].startswith("请马上拨打110")


def test_a_foreign_country_asked_about_is_told_from_one_worked_in():
    assert foreign_subject("美国的孤儿补贴是多少").name == "美国"
    assert foreign_subject("日本有没有留守儿童补贴").name == "日本"
    assert foreign_subject("我在日本打工，孩子要报备吗") is None


def test_where_a_parent_works_is_not_the_place_asked_about():
    """「去广东进厂」 is not a question about Guangdong's figures: no "我这里没有广东省当地的标准" for it."""
    from actions.policy import unknown_places

    assert unknown_places("过完年我们两口子都要去广东进厂，孩子能领补贴吗", set()) == []
    assert unknown_places("我在深圳打工，娃在镇雄，一个月能领多少", set())[0].name == "镇雄"
    assert [p.name for p in unknown_places("广东的孤儿补贴多少", set())] == ["广东"]
    # a parent said to be somewhere is working there: "她爸妈在东莞厂里" is no question on Dongguan's figures
    assert unknown_places("我孙女8岁 她爸妈在东莞厂里 一个月能有啥补助不", set()) == []
    assert unknown_places("娃他爹去了浙江 这边有啥补贴", set()) == []


def test_a_parent_telling_of_their_own_going_away_is_told_apart():
    from nlu.components.question_shape import tells_own_departure

    assert tells_own_departure("俺男人上个月去新疆摘棉花了 我也要过去 娃咋整")
    assert tells_own_departure("过完年我们两口子都要去广东进厂，家里两个娃跟爷爷，要办啥手续不")
    assert not tells_own_departure("孩子他爸出去打工了，他后妈天天打娃")
    assert not tells_own_departure("我要去村里看看那个娃")


def test_a_parent_telling_that_they_work_away_is_told_apart():
    from nlu.components.question_shape import tells_working_away

    assert tells_working_away("你好 我在广东打工 孩子在老家跟他奶奶")
    assert tells_working_away("我们两口子常年在外头干活 娃跟着爷爷")
    assert tells_working_away("过完年我们两口子都要去广东进厂，家里两个娃跟爷爷")
    assert tells_working_away("俺闺女跟着她姥姥 俺在昆山厂里")
    assert not tells_working_away("俺在外头打工")  # no child spoken of: nothing to go on yet
    assert not tells_working_away("孩子他爸在外面打工")  # someone else
    assert not tells_working_away("奶奶最近身体不太好 住院了")


# ---------------------------------------------------------------- the danger bank and its halves

def test_the_halves_are_stable_and_about_even():
    bank = load_bank()
    assert half_of("孩子掉河里了") == half_of("孩子掉河里了 ")
    share = len(in_half(bank, TEST)) / len(bank)
    assert 0.4 < share < 0.6


def test_the_bank_is_large_and_covers_the_situations():
    bank = load_bank()
    danger = [e for e in bank if e.level in (NOW, SERIOUS)]
    calm = [e for e in bank if e.level == NONE]
    assert len(danger) >= 400 and len(calm) >= 300
    assert {e.level for e in bank} <= set(LEVELS)
    kinds = {e.kind for e in danger}
    for kind in ("private_injury", "sexual_abuse", "pregnancy", "beating", "abandoned", "missing", "trafficking",
                 "begging", "drowning", "poisoning", "fire", "suicide", "self_harm", "child_marriage", "sextortion"):
        assert kind in kinds, kind
    assert len({e.text for e in bank}) == len(bank)


# ---------------------------------------------------------------- 110 first

def test_the_emergency_line_puts_the_right_number_first():
    assert call_now(DangerGrade(NOW)).startswith("请马上拨打110")
    assert call_now(DangerGrade(NOW, medical=True)).startswith("请马上拨打120")


@pytest.mark.parametrize("said, advice", [("河坝头有个娃儿掉水里了 捞起来没得气了", "胸外按压"), ("孙子发高烧抽筋了", "侧躺"),
                                          ("娃被开水烫了", "凉的流动水"), ("娃娃被狗咬了 流好多血", "压住伤口"),
                                          ("隔壁在打娃", "")])
def test_first_aid_until_help_comes(said, advice):
    from actions.safety import first_aid

    assert (advice in first_aid(said)) if advice else first_aid(said) == ""
    self_harm = call_now(DangerGrade(NOW, medical=True, self_harm=True))
    assert "110" in self_harm and "120" in self_harm and "12356" in self_harm
    assert caution(DangerGrade(NONE)) == "" and caution(DangerGrade("concern")) == CAUTION


def test_a_child_in_a_fire_gets_119_with_110(make_tracker):
    tracker = make_tracker(text="屋里着火了 娃还在里头", danger={"level": "now", "medical": False, "self_harm": False})
    grade = latest_grade(tracker)
    assert grade.fire
    line = call_now(grade)
    assert line.startswith("请马上拨打119") and "110" in line
    oneself = call_now(grade, oneself=True)
    assert oneself.startswith("马上打119") and "110" in oneself
    assert not latest_grade(make_tracker(text="孩子被他爸打了", danger={"level": "now"})).fire
    asked = latest_grade(make_tracker(text="着火了怎么报警", danger={"level": "concern"}))
    assert caution(asked).startswith("如果现在着火了，请马上拨打119") and "110" in caution(asked)


def test_the_grade_is_read_from_the_parse_result(make_tracker):
    tracker = make_tracker(text="他又来了", danger={"level": "serious", "medical": False, "self_harm": True})
    assert latest_grade(tracker) == DangerGrade(SERIOUS, False, True)
    assert latest_grade(make_tracker(text="/greet")) == DangerGrade()


def test_someone_hurt_gets_120_first_in_the_emergency_reply(make_tracker, run_action):
    tracker = make_tracker(text="孩子喝了农药", intent="report_emergency",
                           danger={"level": "now", "medical": True, "self_harm": False})
    _events, messages = run_action(ActionUrgentHelp(), tracker)
    assert messages[0]["text"].startswith("请马上拨打120") and "110" in messages[0]["text"]


def test_serious_harm_told_outside_a_form_starts_the_report_with_the_110_line(make_tracker, run_action):
    text = "邻居家把孩子关在猪圈里，瘦得皮包骨头"
    tracker = make_tracker(text=text, intent="inform", danger={"level": "serious"})
    events, messages = run_action(ActionSuggestFallback(), tracker)
    assert messages[0]["text"].startswith(CAUTION)
    assert {"event": "slot", "name": "rep_description", "value": text, "timestamp": None} in events
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "report_form"


def test_a_question_on_an_arrangement_graded_serious_is_answered_with_the_110_line_and_the_report_offered(
        make_tracker, run_action):
    """No harm told, a question asked: the answer (after the 110 line), not the report's nine situations."""
    text = "我家老二才5岁 放家里让他哥看着 他哥12了 行不行"
    tracker = make_tracker(text=text, intent="nlu_fallback", danger={"level": "serious"})
    events, messages = run_action(ActionSuggestFallback(), tracker)
    assert messages[0]["text"].startswith(CAUTION) and "依据" in messages[0]["text"]
    assert "/report_concern" in payloads(messages)
    assert not any(e.get("event") == "followup" for e in events)


def test_a_worry_told_gets_the_110_line_and_a_way_to_report(make_tracker, run_action):
    tracker = make_tracker(text="孩子最近老是一个人发呆，身上有几块青的", intent="nlu_fallback",
                           danger={"level": "concern"})
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert messages[0]["text"].startswith(CAUTION)
    assert payloads(messages)[0] == "/report_concern" and payloads(messages)[-1] == "/request_human"


def test_a_message_not_understood_still_says_110_first(make_tracker, run_action):
    tracker = make_tracker(text="那个东西怎么弄", intent="nlu_fallback", danger={"level": "none"})
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert "110" in messages[0]["text"] and payloads(messages)[-1] == "/request_human"


# ---------------------------------------------------------------- the knowledge base answers whenever it knows

def test_an_unplaced_policy_question_is_answered_from_the_knowledge_base(make_tracker, run_action):
    tracker = make_tracker(text="黔西的散居孤儿一个月补多少钱", intent="nlu_fallback", danger={"level": "none"})
    _events, messages = run_action(ActionSuggestFallback(), tracker)
    assert "1050" in messages[0]["text"] and "依据" in messages[0]["text"]


def test_out_of_scope_gets_what_the_bot_can_do_and_a_person(make_tracker, run_action, domain):
    tracker = make_tracker(text="明天会下雨吗", intent="out_of_scope", danger={"level": "none"})
    _events, messages = run_action(ActionOutOfScope(), tracker)
    assert [m.get("response") for m in messages] == ["utter_out_of_scope"]
    [response] = domain["responses"]["utter_out_of_scope"]
    assert {"title": "转人工", "payload": "/request_human"} in response["buttons"]


def _ask(make_tracker, run_action, text: str, **slots):
    tracker = make_tracker(text=text, intent="ask_policy", slots=slots or None, danger={"level": "none"})
    return run_action(ActionAnswerPolicy(), tracker)


def test_another_country_gets_no_figure_and_a_person(make_tracker, run_action):
    _events, messages = _ask(make_tracker, run_action, "美国的孤儿补贴是多少")
    text = messages[0]["text"]
    assert "美国" in text and not any(ch.isdigit() for ch in text)
    assert payloads(messages) == ["/request_human"]


def test_a_county_without_figures_gets_the_national_floor_says_so_and_offers_a_person(make_tracker, run_action):
    _events, messages = _ask(make_tracker, run_action, "云南镇雄散居孤儿一个月补多少钱")
    text = messages[0]["text"]
    assert "镇雄" in text and "民政" in text and "1050" not in text and "1600" not in text
    assert "/request_human" in payloads(messages)


def test_a_follow_up_is_read_with_the_previous_question(make_tracker):
    tracker = make_tracker(text="那集中养育的呢", slots={"last_policy_question": "黔西散居孤儿一个月多少钱"})
    assert in_context(tracker, "那集中养育的呢") == "黔西散居孤儿一个月多少钱 那集中养育的呢"
    assert in_context(tracker, "孤儿补贴在哪里申请，要准备什么材料") == "孤儿补贴在哪里申请，要准备什么材料"


def test_a_follow_up_that_asks_its_own_question_takes_the_subject_only(make_tracker):
    tracker = make_tracker(text="那咋申请", slots={"last_policy_question": "孤儿补帖一个月多少"})
    assert in_context(tracker, "那咋申请") == "孤儿 那咋申请"


def test_a_short_question_with_no_subject_of_its_own_is_a_follow_up(make_tracker):
    """"在哪里申请" after a question on 事实无人抚养 was answered with 低保's application, "要带什么材料" with the orphans'."""
    tracker = make_tracker(text="在哪里申请", slots={"last_policy_question": "事实无人抚养儿童补贴有多少"})
    assert in_context(tracker, "在哪里申请") == "事实无人抚养儿童 在哪里申请"
    assert in_context(tracker, "要带什么材料") == "事实无人抚养儿童 要带什么材料"
    assert in_context(tracker, "低保在哪里申请") == "低保在哪里申请"


def test_a_chain_of_follow_ups_keeps_the_subject(make_tracker, run_action):
    """"散居的呢", "我们是北碚的", "那咋申请" after an orphan question: each is read with the orphan question."""
    subject = "孤儿补帖一个月多少"
    for follow_up, expected in (("散居的呢", "600"), ("我们是北碚的", "孤儿"), ("那咋申请", "申请")):
        events, messages = _ask(make_tracker, run_action, follow_up, last_policy_question=subject)
        assert expected in messages[0]["text"], (follow_up, messages[0]["text"])
        remembered = [e["value"] for e in events if e.get("name") == "last_policy_question"]
        assert remembered == [subject], "the subject stays, not the follow-up"


def test_a_place_is_taken_out_of_what_is_matched(make_tracker, run_action):
    """Naming a place must not pull in that place's cards on other subjects."""
    from knowledge.places import without_places

    assert without_places("北碚散居孤儿一个月多少", {"北碚区"}) == "散居孤儿一个月多少"
    assert without_places("北碚区", {"北碚区"}) == "北碚区"
    _events, messages = _ask(make_tracker, run_action, "我们北碚的孤儿一个月补多少钱")
    assert "孤儿" in messages[0]["text"] and "报备" not in messages[0]["text"]


def test_a_passage_answer_quotes_the_sentence_that_matched_not_the_head():
    passage = Passage("法#第1条", "法", "第1条", "第一句讲别的事情，和问题无关。" * 5 + "\n父母应当每周至少联系一次孩子。\n第三句。")
    from knowledge.index import passage_chunks

    part = next(i for i, c in enumerate(passage_chunks(passage)) if "每周" in c)
    assert "每周至少联系一次" in excerpt(passage, part)


def test_english_gets_a_short_english_reply_with_110_and_a_person(make_tracker, run_action):
    tracker = make_tracker(text="Hello, do you speak English?", intent="out_of_scope", danger={"level": "none"})
    _events, messages = run_action(ActionOutOfScope(), tracker)
    assert messages[0]["text"].startswith("If a child is in danger now, call 110")
    assert "/request_human" in payloads(messages)


def test_a_question_with_no_subject_is_remembered_with_the_answering_cards_subject():
    """"孩子他爸走了 他妈跑了 有没有钱" then "在哪里申请": read with 事实无人抚养, not with nothing."""
    from actions.policy import remember

    [event] = remember("孩子他爸走了三年了 他妈跑了 有没有钱", ("事实无人抚养",))
    assert event["value"].startswith("事实无人抚养｜") and "他妈跑了" in event["value"]
    [event] = remember("孩子他爸去世了，我改嫁了，孩子跟爷爷奶奶，能申请啥", ("事实无人抚养",))
    assert event["value"].startswith("事实无人抚养｜"), "family words are not the subject"
    [event] = remember("孤儿一个月多少钱", ("事实无人抚养",))
    assert event["value"] == "孤儿一个月多少钱"
    [event] = remember("孤儿补帖一个月多少", ("孤儿基本生活费",))
    assert event["value"] == "孤儿补帖一个月多少", "a question naming the subject in short is kept as it is"


def test_a_detail_told_after_an_answer_is_read_with_the_question(make_tracker):
    """"他妈是去世了" after a question on allowances got "没太明白"."""
    tracker = make_tracker(text="他妈是去世了", slots={"last_policy_question": "我娃他妈走了 我在工地上 国家有没有啥补助"})
    assert in_context(tracker, "他妈是去世了") == "我娃他妈走了 我在工地上 国家有没有啥补助 他妈是去世了"
    assert in_context(tracker, "你好") == "你好"


def test_a_dialect_filler_is_no_subject_of_its_own(make_tracker, run_action):
    """"要是去了家里没人咋办" after a director's question on visits got the card on reporters' anonymity."""
    from knowledge.bm25 import domain_terms

    assert domain_terms("要是去了家里没人咋办") == []
    assert domain_terms("低保咋办") == ["低保"]


# ---------------------------------------------------------------- who they are

@pytest.mark.parametrize("text, role", [
    ("我是大磨滩村的儿童主任", "director"), ("你好 我是新来的儿童督导员", "director"),
    ("老师好，我是小学的班主任", "reporter"), ("我是村卫生室的医生", "reporter"),
    ("我是孩子的奶奶", "carer"), ("您好，我是他姑妈", "carer"), ("我是孩子他妈", "parent"),
    ("我是老师，学生作业不交打手板算体罚吗", None),  # a question after the role is that question
    ("我是儿童主任，能不能把孩子的照片发到群里", None), ("我是大磨滩村的", None),
])
def test_who_someone_says_they_are(text, role):
    assert introduced_role(text) == role


@pytest.mark.parametrize("text, intent, payload", [("我是大磨滩村的儿童主任", "nlu_fallback", "/log_visit"),
                                                   ("我是孩子的奶奶", "inform", "/register_departure"),
                                                   ("老师好，我是小学的班主任", "nlu_fallback", "/report_concern")])
def test_someone_who_says_who_they_are_is_told_what_the_bot_does_for_them(make_tracker, run_action, text, intent,
                                                                         payload):
    """Not a card on how directors are chosen, not "没太明白": a greeting with their own tasks."""
    _events, messages = run_action(ActionSuggestFallback(), make_tracker(text=text, intent=intent))
    assert "没太明白" not in messages[0]["text"] and "我能帮您" in messages[0]["text"]
    assert payload in payloads(messages)


def test_an_adults_own_childhood_is_heard_not_reported(make_tracker, run_action):
    """"我小时候也被我爸打过" opened the report form ("请说说发生了什么？"): a memory, not a child to report now."""
    tracker = make_tracker(text="我小时候也被我爸打过 现在想想还是难受", intent="nlu_fallback", danger={"level": "none"})
    events, messages = run_action(ActionSuggestFallback(), tracker)
    assert "12356" in messages[0]["text"] and "/report_concern" in payloads(messages)
    assert not any(e.get("event") == "followup" for e in events)
