"""The vector index of the cards: built once, persisted under ``var/``, rebuilt when a card changes.

Each card contributes several rows: its title, each paraphrased question, and
its answer. A question is matched against all rows and a card scores its
best row. Rows are embedded as e5 queries (question-to-question similarity).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import faiss
import numpy as np
from tqdm import tqdm

from knowledge.cards import Card, card_files, load_cards
from knowledge.embedder import Embedder, get_embedder
from nlu.components.text_normaliser import normalise

INDEX_VERSION = 2
BATCH = 32


def index_dir() -> Path:
    """Where the built index lives (``KNOWLEDGE_INDEX_DIR``, default ``var/knowledge``)."""
    return Path(os.environ.get("KNOWLEDGE_INDEX_DIR") or "var/knowledge")


def sources_hash(files: Sequence[Path], embedder_name: str) -> str:
    """Content hash of the card files and the embedder: the index is stale when it changes."""
    digest = hashlib.sha256(f"v{INDEX_VERSION}:{embedder_name}".encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def card_rows(card: Card) -> list[str]:
    """The texts a card is found by, normalised as questions are (traditional script → simplified)."""
    return [normalise(text) for text in (card.title, *card.questions, card.answer)]


@dataclass
class CardIndex:
    """A FAISS inner-product index whose rows point back to card ids."""

    index: faiss.Index
    row_cards: list[str]
    fingerprint: str

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(card id, score) of the ``k`` nearest rows, best first."""
        scores, rows = self.index.search(np.atleast_2d(vector).astype("float32"), min(k, self.index.ntotal))
        return [(self.row_cards[r], float(s)) for s, r in zip(scores[0], rows[0]) if r >= 0]


def build(cards: Sequence[Card], embedder: Embedder, fingerprint: str, progress: bool = False) -> CardIndex:
    """Embed every row of every card into a new index."""
    texts, owners = [], []
    for card in cards:
        for text in card_rows(card):
            texts.append(text)
            owners.append(card.id)
    vectors = np.zeros((len(texts), embedder.dim), dtype="float32")
    batches = range(0, len(texts), BATCH)
    for start in tqdm(batches, desc="embedding cards", unit="batch", disable=not progress):
        vectors[start : start + BATCH] = embedder.embed_queries(texts[start : start + BATCH])
    index = faiss.IndexFlatIP(embedder.dim)
    index.add(vectors)
    return CardIndex(index=index, row_cards=owners, fingerprint=fingerprint)


def save(card_index: CardIndex, directory: Path) -> None:
    """Write the index and its row map; the manifest last, so a half-written index is never used."""
    directory.mkdir(parents=True, exist_ok=True)
    faiss.write_index(card_index.index, str(directory / "cards.faiss"))
    (directory / "rows.json").write_text(json.dumps(card_index.row_cards, ensure_ascii=False), encoding="utf-8")
    manifest = {"fingerprint": card_index.fingerprint, "rows": card_index.index.ntotal}
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def load(directory: Path, fingerprint: str) -> CardIndex | None:
    """The saved index if it was built from the same sources, else None."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("fingerprint") != fingerprint:
            return None
        rows = json.loads((directory / "rows.json").read_text(encoding="utf-8"))
        return CardIndex(index=faiss.read_index(str(directory / "cards.faiss")), row_cards=rows, fingerprint=fingerprint)
    except (OSError, ValueError, RuntimeError):
        return None


def ensure_index(
    embedder: Embedder | None = None, directory: Path | None = None, progress: bool = False
) -> tuple[list[Card], CardIndex, bool]:
    """The cards and an up-to-date index, building it only when the cards changed.

    Returns (cards, index, rebuilt).
    """
    embedder = embedder or get_embedder()
    directory = directory or index_dir()
    files = card_files()
    cards = load_cards(files)
    fingerprint = sources_hash(files, embedder.name)
    existing = load(directory, fingerprint)
    if existing is not None:
        return cards, existing, False
    card_index = build(cards, embedder, fingerprint, progress=progress)
    save(card_index, directory)
    return cards, card_index, True
