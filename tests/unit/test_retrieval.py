"""Retrieval over the real knowledge base (the index ``make index`` builds from knowledge/).

What a parent or director would notice: the card that states a fact comes
before the raw statute text; a statute article asked for by name is found;
a county's figure answers only for that county; off-topic questions are not
answered.
"""
from __future__ import annotations

import pytest

from knowledge.retrieve import Retriever, get_retriever
from nlu.components.text_normaliser import normalise


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    """The process-wide retriever over knowledge/cards and knowledge/documents."""
    return get_retriever()


@pytest.mark.parametrize("question, card, article", [
    ("父母外出务工不能完全履行监护职责的，应当委托有照护能力的完全民事行为能力人代为照护",
     "parent_entrust_who", "未成年人保护法#第22条"),
    ("父母应当将委托照护情况书面告知未成年人所在学校", "parent_notify_school_village", "未成年人保护法#第23条"),
])
def test_a_card_ranks_above_the_statute_passage_that_says_the_same(retriever, question, card, article):
    keys = [h.key for h in retriever.search(question, k=10)]
    assert keys[0] == card
    assert article in keys, "the statute's own words find the article too"


@pytest.mark.parametrize("question, key", [
    ("未成年人保护法第二十二条怎么说", "未成年人保护法#第22条"),
    ("《中华人民共和国未成年人保护法》第117条", "未成年人保护法#第117条"),
    ("未保法第11条的原文", "未成年人保护法#第11条"),
    ("反家庭暴力法第十四条", "反家庭暴力法#第14条"),
    ("未成年人保護法第二十三條", "未成年人保护法#第23条"),
    ("个保法31条", "个人信息保护法#第31条"),
])
def test_an_article_asked_for_by_name_is_found(retriever, question, key):
    assert retriever.find_article(question).key == key
    assert retriever.search(question, k=3)[0].key == key


def test_article_text_is_the_article_itself(retriever):
    passage = retriever.passages["未成年人保护法#第22条"]
    assert "委托" in passage.text and "第二十三条" not in passage.text
    assert passage.citation() == "《未成年人保护法》第22条"


def test_a_county_figure_answers_for_that_county(retriever):
    hits = retriever.search("黔西散居孤儿一个月补多少", k=3)
    assert hits[0].region == "黔西市" and "1050" in hits[0].unit.answer and retriever.confident(hits)


def test_without_a_place_the_national_rule_comes_first(retriever):
    top = retriever.search("散居孤儿一个月补多少钱", k=3)[0]
    assert not top.unit.is_local


def test_a_remembered_county_gets_its_own_figure(retriever):
    top = retriever.search("散居孤儿一个月补多少钱", k=3, region="黔西市")[0]
    assert top.region == "黔西市" and "1050" in top.unit.answer


def test_another_county_does_not_get_a_local_figure(retriever):
    top = retriever.search("云南镇雄散居孤儿一个月补多少钱", k=3)[0]
    assert top.unit.region == "全国"


@pytest.mark.parametrize("question", ["明天县城有集市吗", "给我推荐个手机", "养老保险一个月交多少", "孩子咳嗽吃什么药"])
def test_off_topic_questions_are_not_answered(retriever, question):
    assert not retriever.confident(retriever.search(question, k=3))


@pytest.mark.parametrize("question", ["", "😀😀", "a" * 10_000, "<script>x</script>", "'; DROP TABLE cards;--"])
def test_odd_input_never_raises_and_is_not_answered(retriever, question):
    assert not retriever.confident(retriever.search(question, k=3))


# ---------------------------------------------------------------- the policy action over the real knowledge base

import actions.policy as policy  # noqa: E402
from actions.policy import ActionAnswerPolicy  # noqa: E402


@pytest.fixture
def ask(retriever, monkeypatch, make_tracker, run_action):
    """Ask the policy action a question; returns (events, messages)."""
    monkeypatch.setattr(policy, "get_retriever", lambda: retriever)

    def go(text: str, entities: list | None = None, slots: dict | None = None):
        return run_action(ActionAnswerPolicy(), make_tracker(text=text, intent="ask_policy", entities=entities, slots=slots))

    return go


def test_asking_for_an_article_shows_its_text(ask):
    _events, messages = ask("未成年人保护法第二十三条怎么说")
    text = messages[0]["text"]
    assert text.startswith("《未成年人保护法》第23条：") and "书面" in text


def test_an_answer_from_a_statute_offers_the_article_in_full(ask, retriever):
    _events, messages = ask("出去打工孩子可以交给谁带")
    text = messages[0]["text"]
    assert "依据：《未成年人保护法》第22条" in text
    button = next(b for b in messages[0]["buttons"] if "原文" in b["title"])
    assert len(button["payload"].encode()) <= 64, "fits a Telegram callback"
    _events, full = ask(button["payload"], entities=[{"entity": "passage_key", "value": "未成年人保护法#第22条"}])
    assert full[0]["text"].startswith("《未成年人保护法》第22条：")


def test_a_national_answer_offers_the_places_with_their_own_figures(ask):
    _events, messages = ask("散居孤儿每个月有多少补贴")
    text = messages[0]["text"]
    assert "依据" in text and "1050" not in text, "no county's figure for a question that names no county"
    assert any(b["title"] == "黔西市的规定" for b in messages[0]["buttons"])


def test_the_county_named_is_remembered_and_used_next_time(ask):
    events, _messages = ask("我是黔西的，集中养育的孤儿补多少")
    assert any(e.get("name") == "user_region" and e.get("value") == "黔西市" for e in events)
    _events, messages = ask("散居孤儿每个月有多少补贴", slots={"user_region": "黔西市"})
    assert "1050" in messages[0]["text"]


@pytest.mark.parametrize("typed, meant", [
    ("孤儿补主怎么办", "孤儿补助怎么办"),
    ("事实孤儿补贴在哪申清", "事实孤儿补贴在哪申请"),
    ("监户人不管娃", "监护人不管娃"),
    ("失连多久算", "失联多久算"),  # not "多就算": a run that straddles two real words is left alone
])
def test_homophone_typos_are_put_right_before_searching(retriever, typed, meant):
    assert retriever.clean(typed) == meant


@pytest.mark.parametrize("text", ["俺家娃不住在家里", "陈淑芬的孩子", "孤儿保障标准的自燃增长", "民政的人是坐着等公安送来"])
def test_real_words_and_names_are_never_changed(retriever, text):
    assert retriever.clean(text) == normalise(text)


@pytest.mark.parametrize("question, card", [
    ("外出報備要付費嗎", "form_why_register"),  # money asked: not the card on how to register, which names no cost
    ("我们村有个娃他妈跑了 他爸在坐牢 娃跟着八十多的太奶奶 这种能领钱不", "defacto_one_parent_dead"),
])
def test_a_question_about_money_is_not_answered_by_a_card_that_names_none(retriever, question, card):
    assert retriever.search(question, k=1)[0].key == card


@pytest.mark.parametrize("question, card", [
    # one parent gone and the other away at work: not 事实无人抚养, and the card says so plainly
    ("娃他妈跑了好几年了 他爹在外头打工一年到头不着家 我一个老婆子带着 村里说能办那个啥无人抚养 是真的不",
     "defacto_one_parent_away_working"),
    ("孩子他妈跑了 他爹在坐牢 能领钱不", "defacto_one_parent_dead"),  # the other parent in prison: its not_when words
])
def test_a_card_gives_way_when_the_question_holds_its_not_when_words(retriever, question, card):
    assert retriever.search(question, k=1)[0].key == card


@pytest.mark.parametrize("question", ["打孩子算家暴吗", "我小时候也被我爸打过 现在想想 打孩子到底算不算家暴"])
def test_a_parent_hitting_a_child_is_not_the_card_on_a_live_in_boyfriend(retriever, question):
    assert retriever.search(question, k=1)[0].key == "dv_child_illegal"


@pytest.mark.parametrize("question, card", [
    ("事实无人抚养儿童 散居孤儿 要去哪里办", "defacto_apply_how"),  # how to apply: not the county's figure
    ("事实无人抚养儿童 散居孤儿 要多久能批下来", "defacto_review_timeline"),  # how long: not a card with no time
    ("黔西有多少事实无人抚养儿童", "qianxi_coverage_numbers"),  # a count: not the definition ("6个月" is no count)
])
def test_the_remembered_county_lifts_only_a_card_that_speaks_to_what_is_asked(retriever, question, card):
    assert retriever.search(question, k=1, region="黔西市")[0].key == card


@pytest.mark.parametrize("spoken, meant", [
    ("喂喂 你好 我想问一下就是孤儿补贴多少", "孤儿补贴多少"),
    ("请问事实孤儿咋申请", "事实孤儿咋申请"),
    ("你好", "你好"),  # nothing else said: kept
])
def test_the_greetings_and_pauses_of_speech_are_not_searched(retriever, spoken, meant):
    assert retriever.clean(spoken) == meant
