"""Choose the answer floors from the tune half and report both halves: ``python -m knowledge calibrate``.

For every labelled single-turn question (``knowledge.labels``) the retriever's
best hit is judged right or wrong. For cards and for passages separately, the
floors are swept: a floor is good when the answers above it are right and the
questions below it had no right answer. The printout gives, per kind and half:
answers given (and how many right), and the no-answer precision (declined
questions that had no right answer first) and recall (of the questions without
a right answer first, how many were declined). The suggested floors, for
``.env.example``, are the lowest whose tune-half answers are at most
``MAX_WRONG`` wrong ("sure") or ``MAX_WRONG_LIKELY`` wrong ("likely", which
the bot answers with its interpretation, other questions and a person).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Sequence, TextIO

import numpy as np

from knowledge.labels import labelled_questions
from knowledge.retrieve import Retriever, floors, get_retriever
from nlu.components.holdout import TEST, TUNE

MAX_WRONG = 0.10
MAX_WRONG_LIKELY = 0.30
SWEEP = tuple(round(x, 2) for x in np.arange(0.80, 1.01, 0.01))


@dataclass(frozen=True)
class Judged:
    """A question's best hit: its kind and score, whether it answers, whether it passes the yes/no check."""

    half: str
    kind: str
    score: float
    right: bool
    answerable: bool
    polar_ok: bool


def judge_all(retriever: Retriever) -> list[Judged]:
    """The best hit of every labelled question, judged."""
    found = []
    for question in labelled_questions():
        hits = retriever.search(question.q, k=1, region=question.region)
        if not hits:
            continue
        top = hits[0]
        right = question.answerable and question.answers(top.unit, top.key)
        found.append(Judged(question.half, top.kind, top.evidence, right, question.answerable, retriever.answers(top)))
    return found


def outcome(judged: Sequence[Judged], kind: str, floor: float) -> tuple[int, int, float | None, float | None]:
    """(answered, right, no-answer precision, no-answer recall) of ``kind`` hits at ``floor``."""
    mine = [j for j in judged if j.kind == kind]
    answered = [j for j in mine if j.score >= floor and j.polar_ok]
    declined = [j for j in mine if not (j.score >= floor and j.polar_ok)]
    not_right = [j for j in mine if not j.right]
    rightly = sum(1 for j in declined if not j.right)
    precision = rightly / len(declined) if declined else None
    recall = rightly / len(not_right) if not_right else None
    return len(answered), sum(j.right for j in answered), precision, recall


def lowest_floor(judged: Sequence[Judged], kind: str, max_wrong: float) -> float:
    """The lowest floor whose answers of ``kind`` are at most ``max_wrong`` wrong."""
    for floor in SWEEP:
        answered, right, _p, _r = outcome(judged, kind, floor)
        if answered == 0 or (answered - right) / answered <= max_wrong:
            return floor
    return SWEEP[-1]


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def main(out: TextIO | None = None) -> int:
    """Print the calibration and the suggested floors."""
    out = out or sys.stdout
    judged = judge_all(get_retriever())
    tune = [j for j in judged if j.half == TUNE]
    print(f"{len(judged)} labelled questions: tune {len(tune)}, test {len(judged) - len(tune)}", file=out)
    for kind in ("card", "passage"):
        sure, likely = floors(kind)
        print(f"\n{kind}s (configured: sure ≥ {sure}, likely ≥ {likely})", file=out)
        print("floor  half  answered  right   no-answer precision  no-answer recall", file=out)
        for floor in (likely, sure):
            for half in (TUNE, TEST):
                answered, right, precision, recall = outcome([j for j in judged if j.half == half], kind, floor)
                print(f"{floor:.2f}   {half:<4}  {answered:>8}  {right:>5}   {_fmt(precision):>19}  {_fmt(recall):>16}", file=out)
        print(f"suggested from the tune half: sure {lowest_floor(tune, kind, MAX_WRONG):.2f}, "
              f"likely {lowest_floor(tune, kind, MAX_WRONG_LIKELY):.2f}", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
