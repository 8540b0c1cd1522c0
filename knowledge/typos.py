"""Homophone typos of pinyin input, put right before a question is searched: 补主 → 补助, 监户 → 监护.

Phones type Chinese by pinyin, and the wrong character of the right sound is
the commonest typo ("孤儿补主怎么办", "申清", "节算"). A run of 2–4 characters
that is no word (neither in the knowledge base's vocabulary nor in jieba's
dictionary) and sounds exactly like one word of the vocabulary, tones aside,
is taken for that word. A real word is never changed ("不住" stays, though it
sounds like 补助); of two vocabulary words of one sound, the much commoner one
is meant, and when neither is, nothing changes.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Iterable

from knowledge.bm25 import dictionary_words, is_dictionary_word

DOMINANT = 3  # of two words that sound alike, one used this many times as often is the one meant
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_TONE = re.compile(r"\d")
# A run ending in one of these is a verb and its particle ("坐着等" is not "作者等"), not a mistyped word.
_PARTICLES = frozenset("着了过的地得们")


@lru_cache(maxsize=4096)
def sound(word: str) -> tuple[str, ...]:
    """The toneless pinyin of a word ('补主' → ('bu', 'zhu'))."""
    import jionlp

    return tuple(_TONE.sub("", syllable) for syllable in jionlp.pinyin(word, formater="simple"))


class TypoCorrector:
    """Puts right the homophone typos of a question against a vocabulary (the knowledge base's own words)."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        counts = Counter(w for w in vocabulary if 2 <= len(w) <= 4 and _HAN_RUN.fullmatch(w))
        # the vocabulary's own typos (cards list "孤儿补主" among their questions, to be found by it) are no words
        self._words = {w for w in counts if is_dictionary_word(w)}
        by_sound: dict[tuple[str, ...], list[str]] = {}
        for word in self._words:
            by_sound.setdefault(sound(word), []).append(word)
        self._by_sound = {}
        for key, words in by_sound.items():
            words.sort(key=lambda w: counts[w], reverse=True)
            if len(words) == 1 or counts[words[0]] >= DOMINANT * counts[words[1]]:
                self._by_sound[key] = words[0]

    def correct(self, text: str) -> str:
        """``text`` with each homophone typo replaced by the word it sounds like; unchanged when there is none.

        Only characters jieba could not join into any word are candidates: a
        typo breaks a word into single characters ("补/主"), while a run that
        straddles two real words ("多久/算" is not "就算") is left alone.
        """
        out: list[str] = []
        singles: list[str] = []
        for token in dictionary_words(text):
            if len(token) == 1 and _HAN_RUN.fullmatch(token + token):
                singles.append(token)
                continue
            out.append(self._correct_run("".join(singles)))
            singles = []
            out.append(token)
        out.append(self._correct_run("".join(singles)))
        return "".join(out)

    def _correct_run(self, run: str) -> str:
        out, i = [], 0
        while i < len(run):
            for size in (4, 3, 2):
                piece = run[i:i + size]
                if (len(piece) < size or piece in self._words or is_dictionary_word(piece)
                        or piece[-1] in _PARTICLES):
                    continue
                word = self._by_sound.get(sound(piece))
                if word is not None:
                    out.append(word)
                    i += size
                    break
            else:
                out.append(run[i])
                i += 1
        return "".join(out)
