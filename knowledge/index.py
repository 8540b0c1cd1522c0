"""The knowledge index: cards and document passages, dense (FAISS) and lexical (BM25).

Built once, persisted under ``var/knowledge``, rebuilt only when the content
hash of a card file, a document, its sidecar or the embedder changes.

Each card contributes several dense rows (its title, each paraphrased
question, its answer), embedded as e5 queries so a question meets questions.
Each passage contributes one row, embedded as an e5 passage. Every card and
passage is one BM25 document. A unit (card or passage) scores its best row.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import faiss
import numpy as np
from tqdm import tqdm

from knowledge.bm25 import BM25
from knowledge.cards import Card, card_files, load_cards
from knowledge.embedder import Embedder, get_embedder
from knowledge.passages import Passage
from nlu.components.text_normaliser import normalise

INDEX_VERSION = 3
BATCH = 32
PASSAGE_CHARS = 400  # what one passage row embeds; the rest of a long article is found by BM25


def index_dir() -> Path:
    """Where the built index lives (``KNOWLEDGE_INDEX_DIR``, default ``var/knowledge``)."""
    return Path(os.environ.get("KNOWLEDGE_INDEX_DIR") or "var/knowledge")


def sources_hash(files: Sequence[Path], embedder_name: str) -> str:
    """Content hash of the source files and the embedder: the index is stale when it changes."""
    digest = hashlib.sha256(f"v{INDEX_VERSION}:{embedder_name}".encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def card_rows(card: Card) -> list[str]:
    """The texts a card is found by, normalised as questions are (traditional script → simplified)."""
    return [normalise(text) for text in (card.title, *card.questions, card.answer)]


def card_words(card: Card) -> str:
    """What BM25 indexes for a card: its title, questions and answer."""
    return " ".join(card_rows(card))


def passage_words(passage: Passage) -> str:
    """What BM25 indexes for a passage: its document, chapter and article labels, and its text."""
    return " ".join(part for part in (passage.document, passage.chapter, passage.article, passage.text) if part)


def passage_row(passage: Passage) -> str:
    """The dense row of a passage: where it stands and the start of its text."""
    head = f"{passage.document} {passage.article or ''}".strip()
    return normalise(f"{head} {passage.text}")[:PASSAGE_CHARS]


@dataclass
class KnowledgeIndex:
    """Everything the retriever searches: the units, their dense rows and their BM25 index."""

    cards: list[Card]
    passages: list[Passage]
    vectors: faiss.Index
    row_units: list[int]
    fingerprint: str
    bm25: BM25 = field(init=False)

    def __post_init__(self) -> None:
        self.bm25 = BM25([card_words(c) for c in self.cards] + [passage_words(p) for p in self.passages])

    @property
    def size(self) -> int:
        """How many units (cards, then passages) the index holds."""
        return len(self.cards) + len(self.passages)

    def unit(self, number: int) -> Card | Passage:
        """Unit ``number``: cards come first, then passages."""
        return self.cards[number] if number < len(self.cards) else self.passages[number - len(self.cards)]

    def dense_scores(self, vector: np.ndarray, rows: int = 200) -> dict[int, float]:
        """Best cosine similarity per unit among the ``rows`` nearest rows."""
        found, ids = self.vectors.search(np.atleast_2d(vector).astype("float32"), min(rows, self.vectors.ntotal))
        best: dict[int, float] = {}
        for score, row in zip(found[0], ids[0]):
            if row < 0:
                continue
            unit = self.row_units[row]
            if score > best.get(unit, -1.0):
                best[unit] = float(score)
        return best


def _embed(texts: list[str], embed, desc: str, progress: bool, dim: int) -> np.ndarray:
    vectors = np.zeros((len(texts), dim), dtype="float32")
    for start in tqdm(range(0, len(texts), BATCH), desc=desc, unit="batch", disable=not progress):
        vectors[start : start + BATCH] = embed(texts[start : start + BATCH])
    return vectors


def build(
    cards: Sequence[Card],
    passages: Sequence[Passage],
    embedder: Embedder,
    fingerprint: str,
    progress: bool = False,
) -> KnowledgeIndex:
    """Embed every card row and passage into a new index."""
    card_texts, owners = [], []
    for number, card in enumerate(cards):
        for text in card_rows(card):
            card_texts.append(text)
            owners.append(number)
    passage_texts = [passage_row(p) for p in passages]
    owners += [len(cards) + i for i in range(len(passages))]
    vectors = np.vstack([
        _embed(card_texts, embedder.embed_queries, "embedding cards", progress, embedder.dim),
        _embed(passage_texts, embedder.embed_passages, "embedding passages", progress, embedder.dim),
    ])
    index = faiss.IndexFlatIP(embedder.dim)
    index.add(vectors)
    return KnowledgeIndex(list(cards), list(passages), index, owners, fingerprint)


def save(knowledge: KnowledgeIndex, directory: Path) -> None:
    """Write the vectors and the row map; the manifest last, so a half-written index is never used."""
    directory.mkdir(parents=True, exist_ok=True)
    faiss.write_index(knowledge.vectors, str(directory / "vectors.faiss"))
    (directory / "rows.json").write_text(json.dumps(knowledge.row_units), encoding="utf-8")
    (directory / "passages.json").write_text(
        json.dumps([asdict(p) for p in knowledge.passages], ensure_ascii=False), encoding="utf-8"
    )
    manifest = {"fingerprint": knowledge.fingerprint, "rows": knowledge.vectors.ntotal,
                "cards": len(knowledge.cards), "passages": len(knowledge.passages)}
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def load(directory: Path, fingerprint: str, cards: list[Card]) -> KnowledgeIndex | None:
    """The saved index if it was built from the same sources, else None (the passages come with it)."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("fingerprint") != fingerprint:
            return None
        rows = json.loads((directory / "rows.json").read_text(encoding="utf-8"))
        passages = [Passage(**p) for p in json.loads((directory / "passages.json").read_text(encoding="utf-8"))]
        vectors = faiss.read_index(str(directory / "vectors.faiss"))
    except (OSError, ValueError, RuntimeError, TypeError):
        return None
    return KnowledgeIndex(cards, passages, vectors, rows, fingerprint)


def source_files() -> tuple[list[Path], list[Path]]:
    """The card files and the document files (with their sidecars) the index is built from."""
    from knowledge.ingest import documents_dir

    directory = documents_dir()
    documents = sorted(p for p in directory.glob("*") if p.is_file()) if directory.is_dir() else []
    return card_files(), documents


def ensure_index(
    embedder: Embedder | None = None, directory: Path | None = None, progress: bool = False
) -> tuple[KnowledgeIndex, bool]:
    """An up-to-date index, building it only when a source changed. Returns (index, rebuilt)."""
    from knowledge.ingest import documents_dir, ingest_all

    embedder = embedder or get_embedder()
    directory = directory or index_dir()
    cards_files, document_files = source_files()
    cards = load_cards(cards_files)
    fingerprint = sources_hash([*cards_files, *document_files], embedder.name)
    existing = load(directory, fingerprint, cards)
    if existing is not None:
        return existing, False
    knowledge = build(cards, ingest_all(documents_dir()), embedder, fingerprint, progress=progress)
    save(knowledge, directory)
    return knowledge, True
