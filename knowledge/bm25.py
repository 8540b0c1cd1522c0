"""Keyword search: Okapi BM25 over jieba words, the lexical half of hybrid retrieval.

Dense vectors find paraphrases; BM25 finds the rare exact words a dense model
blurs (a county's name, 事实无人抚养, 第117条). The domain dictionary of
``nlu/jieba`` is loaded so both halves segment Chinese the same way the NLU does.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

DICTIONARY_DIR = Path(__file__).resolve().parent.parent / "nlu" / "jieba"
K1 = 1.5
B = 0.75
# Words that carry no topic: particles, pronouns, question words, punctuation.
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 嘛 么 是 有 在 和 与 及 或 也 都 就 要 会 能 可以 我 你 您 他 她 它 我们 你们 他们 "
    "这 那 这个 那个 什么 怎么 怎么样 如何 多少 几 哪 哪些 哪里 谁 为什么 吗 请问 一下 一个 还是 还 又 被 把 给 让 "
    "对 从 向 到 为 以 按 等 之 其 该 所 而 但 如果 因为 所以 没有 不 没 很 太 最 更 个 些 种 位 名 次".split()
)
_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9%]")


@lru_cache(maxsize=1)
def _jieba():
    """jieba with the domain dictionary, loaded once per process."""
    import jieba

    jieba.setLogLevel(60)
    for path in sorted(DICTIONARY_DIR.glob("*.txt")):
        jieba.load_userdict(str(path))
    return jieba


# Dictionary words that name no subject: dialect question and filler words (tag r or l, and these verbs),
# in the dictionary only so jieba cuts them whole. "要是去了家里没人咋办" names no subject of its own.
_NOT_SUBJECT_TAGS = frozenset({"r", "l"})
_NOT_SUBJECT = frozenset({"咋整", "咋办", "晓得", "转人工"})


@lru_cache(maxsize=1)
def _domain_terms() -> tuple[str, ...]:
    """The subject words of the domain dictionary (not its dialect fillers), longest first."""
    words = set()
    for path in sorted(DICTIONARY_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if not parts or line.startswith("#"):
                continue
            tag = parts[2] if len(parts) > 2 else ""
            if tag not in _NOT_SUBJECT_TAGS and parts[0] not in _NOT_SUBJECT:
                words.add(parts[0])
    return tuple(sorted(words, key=len, reverse=True))


def domain_terms(text: str) -> list[str]:
    """The domain dictionary's terms that ``text`` names, longest match only ("散居孤儿", not also "孤儿")."""
    found: list[str] = []
    for term in _domain_terms():
        if term in text and not any(term in longer for longer in found):
            found.append(term)
    return found


def dictionary_words(text: str) -> list[str]:
    """``text`` cut into the dictionary's words only (no guessing of new ones): a typo stays in single characters."""
    return _jieba().lcut(text, HMM=False)


def is_dictionary_word(text: str) -> bool:
    """Whether jieba's dictionary (with the domain words) knows ``text`` as a word."""
    return bool(_jieba().dt.FREQ.get(text))


def tokenize(text: str) -> list[str]:
    """Search words of ``text`` (jieba's search mode, stopwords and punctuation dropped)."""
    words = _jieba().cut_for_search(text)
    return [w for w in (w.strip().lower() for w in words) if w and w not in STOPWORDS and _WORD.search(w)]


class BM25:
    """An in-memory BM25 index over a list of texts, rows in the order given."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._docs = [Counter(tokenize(t)) for t in texts]
        self._lengths = np.array([sum(d.values()) for d in self._docs], dtype="float32")
        self._avg = float(self._lengths.mean()) if len(self._docs) else 0.0
        frequency: Counter[str] = Counter()
        for doc in self._docs:
            frequency.update(doc.keys())
        n = len(self._docs)
        self._idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for row, doc in enumerate(self._docs):
            for word, count in doc.items():
                self._postings.setdefault(word, []).append((row, count))

    def __len__(self) -> int:
        return len(self._docs)

    def rows_with(self, word: str) -> set[int]:
        """The rows that hold ``word``."""
        return {row for row, _count in self._postings.get(word, ())}

    def idf(self, word: str) -> float:
        """How rare ``word`` is among the rows (0 for a word no row holds)."""
        return self._idf.get(word, 0.0)

    def coverage(self, row: int, words: Sequence[str]) -> float:
        """The share of ``words``' rarity (idf) that row ``row`` holds: 1.0 when it has them all."""
        known = [(w, self._idf[w]) for w in set(words) if w in self._idf]
        total = sum(idf for _w, idf in known)
        return sum(idf for w, idf in known if w in self._docs[row]) / total if total else 1.0

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (0 where no word matches)."""
        result = np.zeros(len(self._docs), dtype="float32")
        for word in set(tokenize(query)):
            idf = self._idf.get(word)
            if idf is None:
                continue
            for row, count in self._postings[word]:
                norm = count + K1 * (1 - B + B * self._lengths[row] / (self._avg or 1.0))
                result[row] += idf * count * (K1 + 1) / norm
        return result
