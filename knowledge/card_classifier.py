"""Which card a question is about, learned from the cards' own questions: a second opinion on ranking.

Retrieval scores a card by its single nearest row (its closest question). Two
cards on neighbouring topics then tie on a question in new words, and the one
with a lucky phrasing wins. A logistic regression over the same e5 question
vectors, trained on every card's title and questions, weighs all of a card's
questions against all of its neighbours', and tells them apart better on
words nobody wrote down. Its share of a card's score is kept small
(``knowledge.retrieve.CLASSIFIER_WEIGHT``) and only orders cards: whether the
best is sure enough to answer is judged without it (``Hit.evidence``). On the
policy test half over REST: 545 → 551 of 639 (12 put right, 6 put wrong);
retrieval hit@1 0.92 → 0.93, no-answer precision and recall unchanged (0.80, 0.91).

It is fitted when the index is built (a few seconds, scikit-learn) and kept
with it as plain arrays, so answering a question costs one small matrix
product in numpy.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from knowledge.cards import Card
from knowledge.places import places_in, without_places
from nlu.components.text_normaliser import normalise

REGULARISATION = 100.0  # scikit-learn's C: the cards' questions are few and clean, so little smoothing


def training_text(text: str, regions: Iterable[str]) -> str:
    """A card's question as questions are matched: normalised, without the place it names."""
    text = normalise(text)
    return without_places(text, places_in(text, regions))


def training_rows(cards: Sequence[Card], regions: Iterable[str]) -> tuple[list[str], list[str]]:
    """(texts, card ids): every card's title and questions."""
    regions = list(regions)
    texts, labels = [], []
    for card in cards:
        for text in (card.title, *card.questions):
            texts.append(training_text(text, regions))
            labels.append(card.id)
    return texts, labels


@dataclass(frozen=True)
class CardClassifier:
    """A fitted linear model: one weight row and bias per card."""

    card_ids: tuple[str, ...]
    weights: np.ndarray  # (cards, dim)
    bias: np.ndarray  # (cards,)

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: Sequence[str]) -> "CardClassifier":
        """Fit on question vectors and the card each asks for."""
        from sklearn.linear_model import LogisticRegression  # only the index build needs scikit-learn

        # Every card equally likely before the question is read: a card is not asked for more because we wrote it
        # more questions (a carer who drinks and scolds went to the card on domestic violence, which has many,
        # instead of the one on what a parent away can do, which has seven).
        model = LogisticRegression(C=REGULARISATION, max_iter=2000, class_weight="balanced")
        model.fit(vectors, list(labels))
        weights, bias = model.coef_, model.intercept_
        if len(model.classes_) == 2:  # scikit-learn keeps one row for two classes: the same odds as two halves
            weights, bias = np.vstack([-weights / 2, weights / 2]), np.concatenate([-bias / 2, bias / 2])
        return cls(tuple(str(c) for c in model.classes_), weights.astype("float32"), bias.astype("float32"))

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        """How likely the question (its query vector) asks for each card; they sum to 1."""
        logits = self.weights @ np.asarray(vector, dtype="float32") + self.bias
        exp = np.exp(logits - logits.max())
        return dict(zip(self.card_ids, (exp / exp.sum()).tolist()))

    def save(self, path: Path) -> None:
        """Write the arrays (``np.savez``; the card ids as a string array)."""
        with path.open("wb") as handle:  # a file object: np.savez adds no suffix
            np.savez(handle, card_ids=np.array(self.card_ids), weights=self.weights, bias=self.bias)

    @classmethod
    def load(cls, path: Path) -> "CardClassifier":
        """Read what ``save`` wrote."""
        with np.load(path) as data:
            return cls(tuple(str(c) for c in data["card_ids"]), data["weights"], data["bias"])
