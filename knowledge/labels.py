"""Labelled questions for tuning and measuring the knowledge base: which unit answers which question.

Two kinds of label, both split into a tune and a test half (``holdout.half_of``):

- ``tests/knowledge/questions.yml``: the card ids and passage keys that answer
  each question (none: out of scope);
- ``tests/eval/*.yml``: what a right answer must say (``expect``) and cite
  (``cite``), as the conversation eval checks it; a unit answers when its own
  text and citation hold them. ``unknown`` questions (other than those about a
  place we lack figures for, whose national answer is right) answer nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import yaml

from knowledge.cards import Card
from knowledge.evaluate import load_questions
from knowledge.passages import Passage
from nlu.components.holdout import half_of
from nlu.components.text_normaliser import chinese_int

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "tests" / "eval"
_FULLWIDTH = str.maketrans("０１２３４５６７８９％，", "0123456789%,")


def squeeze(text: str) -> str:
    """Text as the eval compares it: digits unified, article numbers in digits, no spaces (as run_eval.py)."""
    text = text.translate(_FULLWIDTH)
    text = re.sub(r"第([零一二三四五六七八九十百千]+)(条|款|章)",
                  lambda m: "第%d%s" % (chinese_int(m.group(1)) or 0, m.group(2)), text)
    text = re.sub(r"(?<=\d)[,\s](?=\d{3})", "", text)
    return re.sub(r"\s+", "", text)


def contains(haystack: str, alternatives: str) -> bool:
    """Whether one of ``a|b|c`` is in the (squeezed) haystack."""
    return any(squeeze(a) in haystack for a in alternatives.split("|"))


def unit_text(unit: Card | Passage) -> str:
    """A unit's answer and source as a reply shows them, squeezed."""
    if isinstance(unit, Card):
        return squeeze(unit.answer + unit.basis())
    return squeeze(unit.text + unit.citation())


@dataclass(frozen=True)
class Labelled:
    """A question and a test of whether a unit answers it."""

    q: str
    answers: Callable[[Card | Passage, str], bool]  # (unit, its key) → answers the question
    answerable: bool
    source: str
    region: str | None = None

    @property
    def half(self) -> str:
        """``tune`` or ``test``."""
        return half_of(self.q)


def _by_keys(expected: frozenset[str]) -> Callable[[Card | Passage, str], bool]:
    return lambda _unit, key: key in expected


def _by_content(expect: tuple[str, ...], cite: tuple[str, ...]) -> Callable[[Card | Passage, str], bool]:
    def answers(unit: Card | Passage, _key: str) -> bool:
        text = unit_text(unit)
        return all(contains(text, e) for e in expect) and (not cite or any(contains(text, c) for c in cite))
    return answers


def labelled_questions(eval_dir: Path = EVAL_DIR) -> Iterator[Labelled]:
    """Every labelled single-turn question (follow-ups need their conversation, so they are left out)."""
    for q in load_questions():
        yield Labelled(q.q, _by_keys(q.expected), q.answerable, "questions.yml", q.region)
    for path in sorted(eval_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("policy") or []:
            if item.get("before"):
                continue
            yield Labelled(str(item["q"]), _by_content(tuple(item.get("expect") or ()), tuple(item.get("cite") or ())),
                           True, path.name)
        for item in data.get("unknown") or []:
            if "other_place" not in (item.get("tags") or []):
                yield Labelled(str(item["q"]), lambda _u, _k: False, False, path.name)
