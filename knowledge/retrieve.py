"""Finding the card that answers a question, aware of the place it applies to.

A local card (a county's allowance) is preferred when the question names its
place, and pushed down when the question names another place or none, so a
national question gets the national rule.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from knowledge.cards import Card
from knowledge.embedder import Embedder, get_embedder
from knowledge.index import CardIndex, ensure_index
from knowledge.places import places_in
from nlu.components.text_normaliser import normalise

DEFAULT_MIN_SCORE = 0.91
SAME_PLACE_BONUS = 0.04
OTHER_PLACE_PENALTY = 0.06
NO_PLACE_PENALTY = 0.02
MAX_QUESTION_CHARS = 300


def min_score() -> float:
    """The calibrated confidence floor (``KNOWLEDGE_MIN_SCORE``)."""
    return float(os.environ.get("KNOWLEDGE_MIN_SCORE") or DEFAULT_MIN_SCORE)


@dataclass(frozen=True)
class Hit:
    """A card and how well it matches the question (cosine similarity, place-adjusted)."""

    card: Card
    score: float


class Retriever:
    """Ranks cards for a question."""

    def __init__(self, cards: list[Card], index: CardIndex, embedder: Embedder) -> None:
        self._cards = {c.id: c for c in cards}
        self._regions = {c.region for c in cards if c.is_local}
        self._index = index
        self._embedder = embedder

    @property
    def cards(self) -> dict[str, Card]:
        """Every card by id."""
        return self._cards

    def places(self, text: str) -> set[str]:
        """The local regions the text names."""
        return places_in(text, self._regions)

    def search(self, question: str, k: int = 3) -> list[Hit]:
        """The ``k`` best cards for ``question``, best first."""
        text = normalise(question)[:MAX_QUESTION_CHARS]
        if not text:
            return []
        vector = self._embedder.embed_queries([text])[0]
        best: dict[str, float] = {}
        for card_id, score in self._index.search(vector, 60):
            if score > best.get(card_id, -1.0):
                best[card_id] = score
        named = self.places(text)
        hits = [Hit(self._cards[cid], self._adjust(self._cards[cid], s, named)) for cid, s in best.items() if cid in self._cards]
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]

    @staticmethod
    def _adjust(card: Card, score: float, named: set[str]) -> float:
        if not card.is_local:
            return score
        if card.region in named:
            return score + SAME_PLACE_BONUS
        return score - (OTHER_PLACE_PENALTY if named else NO_PLACE_PENALTY)


@lru_cache(maxsize=1)
def get_retriever() -> Retriever:
    """The process-wide retriever; builds the index first if the cards changed."""
    embedder = get_embedder()
    cards, index, _rebuilt = ensure_index(embedder)
    return Retriever(cards, index, embedder)
