"""The card classifier: which card a question asks for, learned from all of the cards' questions.

What a user notices: between two cards on neighbouring topics, a question in
new words gets the card that answers it (not the one with one lucky question
row), and a question on nothing the cards cover is still declined.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import knowledge.retrieve as retrieve
from knowledge.card_classifier import CardClassifier, training_rows
from knowledge.retrieve import Retriever, Verdict, get_retriever


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    """The process-wide retriever over knowledge/cards and knowledge/documents."""
    return get_retriever()


def test_it_learns_which_card_and_keeps_what_it_learned(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    centres = {"a": rng.normal(size=8), "b": rng.normal(size=8)}
    vectors = np.stack([centres[c] + 0.1 * rng.normal(size=8) for c in "ab" * 10])
    model = CardClassifier.fit(vectors, list("ab" * 10))
    near_b = model.probabilities(centres["b"])
    assert near_b["b"] > 0.9 and abs(sum(near_b.values()) - 1) < 1e-6
    model.save(tmp_path / "classifier.npz")
    again = CardClassifier.load(tmp_path / "classifier.npz")
    assert again.card_ids == ("a", "b") and again.probabilities(centres["b"]) == pytest.approx(near_b)


def test_it_is_trained_on_titles_and_questions_without_places(retriever: Retriever) -> None:
    local = next(c for c in retriever.cards.values() if c.region == "黔西市" and any("黔西" in q for q in c.questions))
    texts, labels = training_rows([local], {"黔西市"})
    assert len(texts) == 1 + len(local.questions) and set(labels) == {local.id}
    assert not any("黔西" in t for t in texts)


@pytest.mark.parametrize("question, card", [
    ("初中娃能不能一个人在家住半年", "parent_under16_live_alone"),  # not the card on under-8s left unattended
    ("医生发现不报告担啥责任", "report_failure_consequence"),  # not the one on domestic-violence reports
    ("娃心情不好不说话 我在外地咋办", "parent_respond_abnormal"),  # not the one on an unfit carer
])
def test_a_question_in_new_words_gets_the_card_that_answers_it(retriever: Retriever, monkeypatch, question: str,
                                                                  card: str) -> None:
    hits = retriever.search(question, k=3)
    assert hits[0].key == card and retriever.judge(hits) is Verdict.SURE
    monkeypatch.setattr(retrieve, "CLASSIFIER_WEIGHT", 0.0)
    assert retriever.search(question, k=3)[0].key != card, "the nearest single question row alone picks another card"


@pytest.mark.parametrize("question", ["现在最低工资标准是多少一个月", "身份证丢了怎么补办", "幼儿园学费一学期多少钱"])
def test_the_classifier_does_not_make_an_off_topic_question_look_answerable(retriever: Retriever, question: str) -> None:
    hits = retriever.search(question, k=3)
    assert hits[0].learned > 0, "it names some card even here"
    assert retriever.judge(hits) is not Verdict.SURE
