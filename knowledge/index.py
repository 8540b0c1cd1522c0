"""The knowledge index: cards and document passages, dense (FAISS) and lexical (BM25).

Built once, persisted under ``var/knowledge``, rebuilt only when the content
hash of a card file, a document, its sidecar or the embedder changes.

Each card contributes several dense rows (its title, each paraphrased
question, its answer), embedded as e5 queries so a question meets questions.
Each passage contributes one row per sentence group (with where it stands),
embedded as e5 passages, so a fact deep inside a long article is found and
the sentence that holds it can be quoted. A unit (card or passage) scores its
best row, and the index remembers which row that was (``part``: a card's
title 0, its questions 1…n, its answer n+1; a passage's sentence group).
Every card and passage is one BM25 document.

Vectors are cached by text (``vectors-cache.npz``), so editing one card
re-embeds only what changed.

A save never changes files a reader may be loading: each build writes its own
generation of files (``vectors-<generation>.faiss`` …) and then swaps
``manifest.json``, which names the generation, in one atomic rename. Another
process (the action server) notices the new manifest with one ``stat`` and
loads it (``knowledge.retrieve.get_retriever``).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import faiss
import numpy as np
from tqdm import tqdm

from knowledge.bm25 import BM25
from knowledge.card_classifier import CardClassifier, training_rows
from knowledge.cards import Card, card_files, load_cards
from knowledge.embedder import Embedder, get_embedder
from knowledge.passages import Passage
from nlu.components.text_normaliser import normalise

INDEX_VERSION = 6
BATCH = 32
PASSAGE_CHARS = 400  # what a passage's head row embeds
CHUNK_CHARS = 120  # a sentence group: whole sentences up to about this many characters
_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?[”’」』]?")
CACHE_FILE = "vectors-cache.npz"
MANIFEST = "manifest.json"
DATA_FILES = ("vectors", ".faiss"), ("rows", ".json"), ("passages", ".json"), ("classifier", ".npz")
_GENERATION = re.compile(rf"^({'|'.join(name for name, _ in DATA_FILES)})-([0-9a-z]+)\.(faiss|json|npz)$")
_UNVERSIONED = {name + suffix for name, suffix in DATA_FILES}  # the data files of an index saved before generations
STALE_SECONDS = 120  # a generation neither current nor previous is removed once it is this old

# Progress of a build, for a caller that shows it (the desk): (stage, done, total). Stages: "reading",
# "embedding cards", "embedding passages" (done/total count texts), "saving".
Progress = Callable[[str, int, int], None]


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
    """The head row of a passage: where it stands and the start of its text."""
    head = f"{passage.document} {passage.article or ''}".strip()
    return normalise(f"{head} {passage.text}")[:PASSAGE_CHARS]


def passage_chunks(passage: Passage) -> list[str]:
    """The passage's sentences, grouped up to about ``CHUNK_CHARS``: the pieces an answer quotes."""
    chunks: list[str] = []
    for line in passage.text.splitlines():
        for sentence in _SENTENCE.findall(line.strip()):
            sentence = sentence.strip()
            if not sentence:
                continue
            if chunks and not chunks[-1].endswith("\n") and len(chunks[-1]) + len(sentence) <= CHUNK_CHARS:
                chunks[-1] += sentence
            else:
                chunks.append(sentence)
        if chunks:
            chunks[-1] += "\n"
    return [c.strip() for c in chunks if c.strip()]


def passage_rows(passage: Passage) -> list[str]:
    """Every dense row of a passage: each sentence group, with where it stands (row i is chunk i)."""
    chunks = passage_chunks(passage)
    if len(chunks) <= 1:
        return [passage_row(passage)]
    head = f"{passage.document} {passage.article or ''}".strip()
    return [normalise(f"{head}：{chunk}") for chunk in chunks]


@dataclass
class KnowledgeIndex:
    """Everything the retriever searches: the units, their dense rows and their BM25 index."""

    cards: list[Card]
    passages: list[Passage]
    vectors: faiss.Index
    row_units: list[int]
    fingerprint: str
    row_parts: list[int] = field(default_factory=list)
    card_classifier: CardClassifier | None = None  # which card a question asks for (None: an index without one)
    bm25: BM25 = field(init=False)

    def __post_init__(self) -> None:
        self.bm25 = BM25([card_words(c) for c in self.cards] + [passage_words(p) for p in self.passages])
        self._unit_rows: dict[int, list[int]] = {}
        for row, unit in enumerate(self.row_units):
            self._unit_rows.setdefault(unit, []).append(row)
        self._matrix: np.ndarray | None = None


    @property
    def size(self) -> int:
        """How many units (cards, then passages) the index holds."""
        return len(self.cards) + len(self.passages)

    def unit(self, number: int) -> Card | Passage:
        """Unit ``number``: cards come first, then passages."""
        return self.cards[number] if number < len(self.cards) else self.passages[number - len(self.cards)]

    def dense_scores(self, vector: np.ndarray, rows: int = 800) -> dict[int, tuple[float, int]]:
        """Best cosine similarity per unit among the ``rows`` nearest rows, with the part that scored it."""
        found, ids = self.vectors.search(np.atleast_2d(vector).astype("float32"), min(rows, self.vectors.ntotal))
        best: dict[int, tuple[float, int]] = {}
        for score, row in zip(found[0], ids[0]):
            if row < 0:
                continue
            unit = self.row_units[row]
            if unit not in best or score > best[unit][0]:
                best[unit] = (float(score), self.row_parts[row] if self.row_parts else 0)
        return best

    def row_similarities(self, vector: np.ndarray, unit: int) -> np.ndarray:
        """The cosine similarity of each of a unit's rows (its parts, in order) to a question vector."""
        if self._matrix is None:  # the flat index holds the vectors; read them out once
            self._matrix = self.vectors.reconstruct_n(0, self.vectors.ntotal)
        return self._matrix[self._unit_rows.get(unit, [])] @ np.asarray(vector, dtype="float32")


class VectorCache:
    """Vectors already computed, by embedder, kind (query or passage) and text."""

    def __init__(self, path: Path | None, embedder_name: str) -> None:
        self._path = path
        self._prefix = embedder_name
        self._vectors: dict[str, np.ndarray] = {}
        if path is not None and path.is_file():
            try:
                with np.load(path) as data:
                    self._vectors = {key: data[key] for key in data.files}
            except (OSError, ValueError):
                self._vectors = {}

    def key(self, kind: str, text: str) -> str:
        """The cache key of one text."""
        return hashlib.sha1(f"{self._prefix}\x00{kind}\x00{text}".encode()).hexdigest()

    def embed(self, texts: list[str], kind: str, embed: Callable, desc: str, progress: bool, dim: int,
              on_progress: Progress | None = None) -> np.ndarray:
        """Vectors of ``texts``, computing only those not cached (``on_progress`` hears each batch done)."""
        keys = [self.key(kind, t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self._vectors))
        if on_progress is not None:
            on_progress(desc, 0, len(missing))
        for start in tqdm(range(0, len(missing), BATCH), desc=desc, unit="batch", disable=not progress or not missing):
            batch = missing[start : start + BATCH]
            for text, vector in zip(batch, np.atleast_2d(embed(batch))):
                self._vectors[self.key(kind, text)] = np.asarray(vector, dtype="float32")
            if on_progress is not None:
                on_progress(desc, min(start + BATCH, len(missing)), len(missing))
        if not texts:
            return np.zeros((0, dim), dtype="float32")
        return np.vstack([self._vectors[k] for k in keys])

    def save(self, keep: set[str]) -> None:
        """Write the cache, keeping only the vectors still in use."""
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        partial = self._path.with_name(f".{self._path.name}.{secrets.token_hex(4)}.tmp")
        with partial.open("wb") as handle:  # a file object: np.savez adds no suffix
            np.savez(handle, **{k: v for k, v in self._vectors.items() if k in keep})
        os.replace(partial, self._path)


def build(
    cards: Sequence[Card],
    passages: Sequence[Passage],
    embedder: Embedder,
    fingerprint: str,
    progress: bool = False,
    cache_dir: Path | None = None,
    on_progress: Progress | None = None,
) -> KnowledgeIndex:
    """Embed every card row and passage row into a new index (``on_progress`` hears how far it got)."""
    card_texts, owners, parts = [], [], []
    for number, card in enumerate(cards):
        for part, text in enumerate(card_rows(card)):
            card_texts.append(text)
            owners.append(number)
            parts.append(part)
    passage_texts = []
    for number, passage in enumerate(passages):
        for part, text in enumerate(passage_rows(passage)):
            passage_texts.append(text)
            owners.append(len(cards) + number)
            parts.append(part)
    # the card classifier's training questions are the card rows as a question is matched (without places)
    questions, asked_for = training_rows(cards, {u.region for u in (*cards, *passages) if u.is_local})
    cache = VectorCache(cache_dir / CACHE_FILE if cache_dir else None, embedder.name)
    query_vectors = cache.embed(card_texts + questions, "query", embedder.embed_queries, "embedding cards", progress,
                                embedder.dim, on_progress)
    vectors = np.vstack([
        query_vectors[:len(card_texts)],
        cache.embed(passage_texts, "passage", embedder.embed_passages, "embedding passages", progress, embedder.dim,
                    on_progress),
    ])
    classifier = (CardClassifier.fit(query_vectors[len(card_texts):], asked_for)
                  if len(set(asked_for)) > 1 else None)
    cache.save({cache.key("query", t) for t in (*card_texts, *questions)} | {cache.key("passage", t) for t in passage_texts})
    index = faiss.IndexFlatIP(embedder.dim)
    index.add(vectors)
    return KnowledgeIndex(list(cards), list(passages), index, owners, fingerprint, parts, classifier)


def _data_file(directory: Path, name: str, suffix: str, generation: str | None) -> Path:
    """One data file of a generation (``rows-<generation>.json``; ``rows.json`` for an index saved before)."""
    return directory / (f"{name}-{generation}{suffix}" if generation else f"{name}{suffix}")


def _write_atomically(path: Path, text: str) -> None:
    """Write ``path`` so that a reader sees the old file or the new one, never half of one."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def read_manifest(directory: Path) -> dict | None:
    """The saved index's manifest (fingerprint, generation, counts), or None when there is none."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def save(knowledge: KnowledgeIndex, directory: Path) -> None:
    """Write a new generation of the index, then point the manifest at it in one atomic rename.

    A process loading the index meanwhile reads the previous generation whole; the one before that
    is removed once it is ``STALE_SECONDS`` old.
    """
    directory.mkdir(parents=True, exist_ok=True)
    previous = (read_manifest(directory) or {}).get("generation") or ""
    generation = f"{time.strftime('%Y%m%d%H%M%S')}{secrets.token_hex(3)}".lower()
    faiss.write_index(knowledge.vectors, str(_data_file(directory, "vectors", ".faiss", generation)))
    _data_file(directory, "rows", ".json", generation).write_text(
        json.dumps({"units": knowledge.row_units, "parts": knowledge.row_parts}), encoding="utf-8")
    _data_file(directory, "passages", ".json", generation).write_text(
        json.dumps([asdict(p) for p in knowledge.passages], ensure_ascii=False), encoding="utf-8")
    if knowledge.card_classifier is not None:
        knowledge.card_classifier.save(_data_file(directory, "classifier", ".npz", generation))
    manifest = {"fingerprint": knowledge.fingerprint, "rows": knowledge.vectors.ntotal,
                "cards": len(knowledge.cards), "passages": len(knowledge.passages), "generation": generation}
    _write_atomically(directory / MANIFEST, json.dumps(manifest))
    _remove_stale(directory, keep={generation, previous})


def _remove_stale(directory: Path, keep: set[str]) -> None:
    """Remove data files of generations other than ``keep`` (and an older unversioned index) once they are old."""
    cutoff = time.time() - STALE_SECONDS
    for path in directory.iterdir():
        match = _GENERATION.match(path.name)
        generation = match.group(2) if match else ("" if path.name in _UNVERSIONED else None)
        stale_partial = path.name.startswith(".") and path.name.endswith(".tmp")
        if generation is None and not stale_partial or generation in keep:
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass  # another build removed it first


def load(directory: Path, fingerprint: str | None, cards: list[Card]) -> KnowledgeIndex | None:
    """The saved index if it was built from the same sources (any saved index when ``fingerprint`` is None),
    else None (the passages come with it)."""
    try:
        manifest = read_manifest(directory)
        if manifest is None or (fingerprint is not None and manifest.get("fingerprint") != fingerprint):
            return None
        if manifest.get("cards", len(cards)) != len(cards):
            return None
        generation = manifest.get("generation")
        rows = json.loads(_data_file(directory, "rows", ".json", generation).read_text(encoding="utf-8"))
        passages = [Passage(**p) for p in json.loads(
            _data_file(directory, "passages", ".json", generation).read_text(encoding="utf-8"))]
        vectors = faiss.read_index(str(_data_file(directory, "vectors", ".faiss", generation)))
        classifier_file = _data_file(directory, "classifier", ".npz", generation)
        classifier = CardClassifier.load(classifier_file) if classifier_file.is_file() else None
        return KnowledgeIndex(cards, passages, vectors, rows["units"], manifest["fingerprint"], rows["parts"],
                              classifier)
    except (OSError, ValueError, RuntimeError, TypeError, KeyError):
        return None


def source_files() -> tuple[list[Path], list[Path]]:
    """The card files and the document files (with their sidecars) the index is built from."""
    from knowledge.ingest import documents_dir

    directory = documents_dir()
    documents = sorted(p for p in directory.glob("*") if p.is_file()) if directory.is_dir() else []
    return card_files(), documents


def current_fingerprint(embedder_name: str) -> tuple[list[Card], str]:
    """The cards as they are now, and the fingerprint an index built from today's sources would have."""
    cards_files, document_files = source_files()
    return load_cards(cards_files), sources_hash([*cards_files, *document_files], embedder_name)


def ensure_index(
    embedder: Embedder | None = None, directory: Path | None = None, progress: bool = False,
    on_progress: Progress | None = None,
) -> tuple[KnowledgeIndex, bool]:
    """An up-to-date index, building it only when a source changed. Returns (index, rebuilt).

    ``on_progress(stage, done, total)`` hears how far a build got (see ``Progress``).
    """
    from knowledge.ingest import documents_dir, ingest_all

    embedder = embedder or get_embedder()
    directory = directory or index_dir()
    cards, fingerprint = current_fingerprint(embedder.name)
    existing = load(directory, fingerprint, cards)
    if existing is not None:
        return existing, False
    if on_progress is not None:
        on_progress("reading", 0, 0)
    passages = ingest_all(documents_dir())
    knowledge = build(cards, passages, embedder, fingerprint, progress=progress, cache_dir=directory,
                      on_progress=on_progress)
    if on_progress is not None:
        on_progress("saving", 0, 0)
    save(knowledge, directory)
    return knowledge, True
