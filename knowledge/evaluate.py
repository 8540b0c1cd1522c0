"""Retrieval evaluation: does the right card (or statute article) come first, and does the bot decline the rest?

Usage (the knowledge CLI calls ``main_eval``; this module also runs alone):
    python -m knowledge.evaluate [QUESTIONS.yml] [--calibrate] [--mode hybrid] [--worst 15]

The bot answers from the top hit only when ``retriever.confident(hits)``, so a
good retriever needs both: the expected unit ranked first (hit@1, hit@3, MRR,
over answerable questions) and out-of-scope questions declined (no-answer
precision and recall). ``--calibrate`` sweeps the score floor so it is chosen
from numbers, not guessed.

The questions file (``tests/knowledge/questions.yml``) lists, per question, the
card ids and passage keys that answer it; both lists empty = out of scope.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Protocol, Sequence, TextIO

import yaml

MODES = ("hybrid", "dense", "bm25")
DEFAULT_QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "knowledge" / "questions.yml"
DEPTH = 10  # MRR counts a first hit up to this rank, else 0
ANSWER_K = 3  # what the bot asks the retriever for; ``confident`` sees these hits
PASSAGE_KEY = re.compile(r"^[^#\s]+#第\d+条$")
THRESHOLDS = tuple(round(0.80 + i / 100, 2) for i in range(21))  # 0.80 … 1.00


class HitLike(Protocol):
    """What the evaluation reads of a ``knowledge.retrieve.Hit``."""

    key: str
    score: float  # what ranks it
    evidence: float  # what the answer floors judge (``Hit.evidence``)
    kind: str


class RetrieverLike(Protocol):
    """The retriever contract the evaluation codes against (``knowledge.retrieve.Retriever``)."""

    def search(self, question: str, k: int = 3, mode: str = "hybrid", region: str | None = None) -> list[Any]: ...

    def confident(self, hits: list[Any]) -> bool: ...


@dataclass(frozen=True)
class Question:
    """One evaluation question and what may answer it."""

    q: str
    answers: tuple[str, ...] = ()
    passages: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    region: str | None = None

    @property
    def expected(self) -> frozenset[str]:
        """Every key that counts as a hit: card ids and passage keys alike."""
        return frozenset(self.answers) | frozenset(self.passages)

    @property
    def answerable(self) -> bool:
        """False for out-of-scope questions, which the bot must decline."""
        return bool(self.expected)


@dataclass(frozen=True)
class Outcome:
    """What the retriever did with one question in one mode."""

    question: Question
    keys: tuple[str, ...]
    scores: tuple[float, ...]
    confident: bool

    @property
    def rank(self) -> int | None:
        """1-based rank of the first expected key within ``DEPTH``, or None."""
        for position, key in enumerate(self.keys[:DEPTH], start=1):
            if key in self.question.expected:
                return position
        return None

    def hit(self, k: int) -> bool:
        """True when an expected key is among the top ``k``."""
        rank = self.rank
        return rank is not None and rank <= k

    @property
    def top_score(self) -> float | None:
        """The best hit's score (None when nothing came back)."""
        return self.scores[0] if self.scores else None


@dataclass(frozen=True)
class Metrics:
    """One row of the results table."""

    mode: str
    answerable: int
    out_of_scope: int
    hit1: float
    hit3: float
    mrr: float
    declined: int
    no_answer_precision: float | None  # None: it declined nothing
    no_answer_recall: float | None  # None: no out-of-scope questions


@dataclass(frozen=True)
class CalibrationRow:
    """What a score floor would do: how often it answers in-domain, how often it answers out of scope."""

    threshold: float
    answer_rate: float  # answerable questions whose top score clears the floor
    correct_answer_rate: float  # … and whose top hit is an expected one
    false_answer_rate: float  # out-of-scope questions whose top score clears the floor


class QuestionsError(ValueError):
    """A questions file that does not follow the format."""


def _strings(value: Any, field: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise QuestionsError(f"{where}: {field} must be a list of strings")
    return tuple(value)


def load_questions(path: Path | None = None) -> list[Question]:
    """The questions of ``path`` (default: tests/knowledge/questions.yml), shape-checked."""
    path = path or DEFAULT_QUESTIONS
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    raw = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise QuestionsError(f"{path}: needs a non-empty top-level 'questions:' list")
    questions = []
    for i, item in enumerate(raw):
        where = f"{Path(path).name}[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("q"), (str, int)) or not str(item["q"]).strip():
            raise QuestionsError(f"{where}: every entry needs a non-empty 'q'")
        region = item.get("region")
        questions.append(Question(
            q=str(item["q"]),
            answers=_strings(item.get("answers"), "answers", where),
            passages=_strings(item.get("passages"), "passages", where),
            tags=_strings(item.get("tags"), "tags", where),
            region=str(region) if region else None,
        ))
    return questions


def problems(questions: Sequence[Question], card_ids: Iterable[str] | None = None) -> list[str]:
    """What is wrong with a question set: unknown card ids, malformed passage keys, tags that contradict answers.

    A typo in an expected id would silently count as a miss forever, so check first.
    """
    known = set(card_ids) if card_ids is not None else None
    found: list[str] = []
    for question in questions:
        for card in question.answers:
            if known is not None and card not in known:
                found.append(f"unknown card id {card!r}: {question.q}")
        for key in question.passages:
            if not PASSAGE_KEY.match(key):
                found.append(f"passage key {key!r} is not '文档#第N条': {question.q}")
        if ("out_of_scope" in question.tags) == question.answerable:
            found.append(f"tag out_of_scope {'with' if question.answerable else 'without'} answers: {question.q}")
    return found


def run(retriever: RetrieverLike, questions: Sequence[Question], mode: str) -> list[Outcome]:
    """Ask every question in ``mode``; keep the top ``DEPTH`` keys and the confidence decision."""
    outcomes = []
    for question in questions:
        hits = list(retriever.search(question.q, k=DEPTH, mode=mode, region=question.region))
        outcomes.append(Outcome(
            question=question,
            keys=tuple(h.key for h in hits),
            scores=tuple(float(h.evidence) for h in hits),  # what the floors are calibrated on
            confident=bool(retriever.confident(hits[:ANSWER_K])),
        ))
    return outcomes


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def metrics(outcomes: Sequence[Outcome], mode: str = "hybrid") -> Metrics:
    """hit@1, hit@3 and MRR over answerable questions; no-answer precision/recall from ``confident``."""
    answerable = [o for o in outcomes if o.question.answerable]
    out_of_scope = [o for o in outcomes if not o.question.answerable]
    declined = [o for o in outcomes if not o.confident]
    rightly_declined = sum(1 for o in declined if not o.question.answerable)
    n = len(answerable)
    return Metrics(
        mode=mode,
        answerable=n,
        out_of_scope=len(out_of_scope),
        hit1=sum(o.hit(1) for o in answerable) / n if n else 0.0,
        hit3=sum(o.hit(3) for o in answerable) / n if n else 0.0,
        mrr=sum(1 / o.rank for o in answerable if o.rank) / n if n else 0.0,
        declined=len(declined),
        no_answer_precision=_share(rightly_declined, len(declined)),
        no_answer_recall=_share(rightly_declined, len(out_of_scope)),
    )


def calibration(outcomes: Sequence[Outcome], thresholds: Sequence[float] = THRESHOLDS) -> list[CalibrationRow]:
    """For each floor: the in-domain answer rate (and correct-answer rate) and the out-of-scope false-answer rate.

    Uses the top hit's score as the only signal, which is what the floor acts on.
    """
    answerable = [o for o in outcomes if o.question.answerable]
    out_of_scope = [o for o in outcomes if not o.question.answerable]

    def clears(o: Outcome, t: float) -> bool:
        return o.top_score is not None and o.top_score >= t - 1e-9

    rows = []
    for t in thresholds:
        rows.append(CalibrationRow(
            threshold=t,
            answer_rate=_share(sum(clears(o, t) for o in answerable), len(answerable)) or 0.0,
            correct_answer_rate=_share(sum(clears(o, t) and o.hit(1) for o in answerable), len(answerable)) or 0.0,
            false_answer_rate=_share(sum(clears(o, t) for o in out_of_scope), len(out_of_scope)) or 0.0,
        ))
    return rows


def suggest_floor(rows: Sequence[CalibrationRow], max_false_answer: float = 0.05) -> CalibrationRow | None:
    """The lowest floor whose false-answer rate is within ``max_false_answer`` (answers the most in-domain)."""
    fitting = [r for r in rows if r.false_answer_rate <= max_false_answer + 1e-9]
    return min(fitting, key=lambda r: r.threshold) if fitting else None


def _fmt(value: float | None, width: int) -> str:
    return (f"{value:.2f}" if value is not None else "n/a").ljust(width)


def format_table(rows: Sequence[Metrics]) -> str:
    """The results table, one line per mode."""
    lines = ["mode     hit@1  hit@3  MRR    no-answer precision  no-answer recall"]
    for m in rows:
        lines.append(f"{m.mode:<8} {_fmt(m.hit1, 6)} {_fmt(m.hit3, 6)} {_fmt(m.mrr, 6)} "
                     f"{_fmt(m.no_answer_precision, 20)} {_fmt(m.no_answer_recall, 0)}".rstrip())
    return "\n".join(lines)


def format_calibration(rows: Sequence[CalibrationRow], mode: str = "hybrid") -> str:
    """The floor sweep as a table, with the suggested floor underneath."""
    lines = [f"calibration ({mode}, top score ≥ floor)",
             "floor  answer-rate  correct-answer-rate  false-answer-rate"]
    for r in rows:
        lines.append(f"{r.threshold:.2f}   {r.answer_rate:.2f}         {r.correct_answer_rate:.2f}"
                     f"                 {r.false_answer_rate:.2f}")
    best = suggest_floor(rows)
    if best is not None:
        lines.append(f"lowest floor with ≤5% false answers: {best.threshold:.2f} "
                     f"(answers {best.answer_rate:.0%} in-domain, {best.correct_answer_rate:.0%} correctly)")
    else:
        lines.append("no floor in the range keeps false answers at or below 5%")
    return "\n".join(lines)


def worst_misses(outcomes: Sequence[Outcome], n: int = 15) -> list[Outcome]:
    """Answerable questions whose expected unit was not first, worst first (not found, then lowest rank)."""
    misses = [o for o in outcomes if o.question.answerable and not o.hit(1)]
    misses.sort(key=lambda o: (o.rank is not None, -(o.rank or 0), -(o.top_score or 0.0)))
    return misses[:n]


def false_answers(outcomes: Sequence[Outcome], n: int = 15) -> list[Outcome]:
    """Out-of-scope questions the retriever would answer, highest score first."""
    wrong = [o for o in outcomes if not o.question.answerable and o.confident]
    wrong.sort(key=lambda o: -(o.top_score or 0.0))
    return wrong[:n]


def by_tag(outcomes: Sequence[Outcome]) -> dict[str, tuple[int, float]]:
    """Per tag: (questions, share handled right) — hit@1 for answerable, declined for out of scope."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for o in outcomes:
        right = o.hit(1) if o.question.answerable else not o.confident
        for tag in o.question.tags or ("untagged",):
            groups[tag].append(right)
    return {tag: (len(v), sum(v) / len(v)) for tag, v in sorted(groups.items())}


def _got(o: Outcome) -> str:
    shown = ", ".join(f"{k} {s:.3f}" for k, s in zip(o.keys[:3], o.scores[:3]))
    return shown or "(nothing)"


def report(results: dict[str, list[Outcome]], worst: int = 15) -> str:
    """The full printout: counts, the table, the hybrid breakdown by tag and its worst misses."""
    any_mode = next(iter(results.values()))
    answerable = sum(o.question.answerable for o in any_mode)
    lines = [f"{len(any_mode)} questions: {answerable} answerable, {len(any_mode) - answerable} out of scope", ""]
    lines.append(format_table([metrics(outcomes, mode) for mode, outcomes in results.items()]))
    main_mode = "hybrid" if "hybrid" in results else next(iter(results))
    outcomes = results[main_mode]
    lines += ["", f"by tag ({main_mode}; hit@1, or declined for out_of_scope)"]
    lines += [f"  {tag:<15} {count:>4}  {share:.2f}" for tag, (count, share) in by_tag(outcomes).items()]
    misses = worst_misses(outcomes, worst)
    lines += ["", f"worst misses ({main_mode}): question | expected | got"]
    for o in misses:
        rank = f"rank {o.rank}" if o.rank else f"not in top {DEPTH}"
        lines.append(f"  [{rank}] {o.question.q} | {', '.join(sorted(o.question.expected))} | {_got(o)}")
    if not misses:
        lines.append("  (none)")
    wrong = false_answers(outcomes, worst)
    lines += ["", f"answered although out of scope ({main_mode}): question | got"]
    lines += [f"  {o.question.q} | {_got(o)}" for o in wrong] or ["  (none)"]
    declined = [o for o in outcomes if o.question.answerable and not o.confident]
    lines += ["", f"in-domain questions declined ({main_mode}): {len(declined)} of {answerable}"]
    return "\n".join(lines)


def evaluate(
    retriever: RetrieverLike, questions: Sequence[Question], modes: Sequence[str] = MODES
) -> dict[str, list[Outcome]]:
    """Every question in every mode."""
    return {mode: run(retriever, questions, mode) for mode in modes}


def main_eval(
    path: Path | None = None,
    *,
    calibrate: bool = False,
    modes: Sequence[str] = MODES,
    calibrate_mode: str = "hybrid",
    worst: int = 15,
    retriever: RetrieverLike | None = None,
    out: TextIO | None = None,
) -> int:
    """Run the evaluation and print it; 0 when it ran, 2 when the questions file is broken."""
    out = out or sys.stdout
    try:
        questions = load_questions(path)
    except (OSError, QuestionsError, yaml.YAMLError) as error:
        print(f"cannot read the questions: {error}", file=out)
        return 2
    from knowledge.cards import load_cards

    found = problems(questions, {c.id for c in load_cards()})
    if found:
        print("the questions file has problems:", *(f"  {p}" for p in found), sep="\n", file=out)
        return 2
    if retriever is None:
        from knowledge.retrieve import get_retriever

        retriever = get_retriever()
    wanted = list(dict.fromkeys([*modes, *([calibrate_mode] if calibrate else [])]))
    results = evaluate(retriever, questions, wanted)
    shown = {mode: results[mode] for mode in modes}
    print(report(shown, worst), file=out)
    if calibrate:
        print("", format_calibration(calibration(results[calibrate_mode]), calibrate_mode), sep="\n", file=out)
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``eval``, for the knowledge CLI to reuse."""
    parser.add_argument("path", nargs="?", type=Path, default=None, help="questions file (default: tests/knowledge/questions.yml)")
    parser.add_argument("--calibrate", action="store_true", help="sweep the confidence floor 0.80–1.00")
    parser.add_argument("--mode", action="append", choices=MODES, help="evaluate only this mode (repeatable)")
    parser.add_argument("--worst", type=int, default=15, help="how many misses to list")


def main(argv: list[str] | None = None) -> int:
    """``python -m knowledge.evaluate``: the same as ``python -m knowledge eval``."""
    parser = argparse.ArgumentParser(prog="python -m knowledge.evaluate", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    return main_eval(args.path, calibrate=args.calibrate, modes=args.mode or MODES, worst=args.worst)


if __name__ == "__main__":
    sys.exit(main())
