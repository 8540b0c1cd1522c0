"""The retrieval metrics, on a hand-made set whose right numbers are worked out by hand.

A fake retriever returns fixed rankings, so a wrong hit@k, MRR or no-answer
figure in ``python -m knowledge eval`` shows up here, not as a mis-tuned floor.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from knowledge import evaluate as ev

ROOT = Path(__file__).resolve().parents[2]

# Real card ids, so main_eval's check against knowledge/cards passes.
A, B, C = "orphan_allowance_national_floor", "report_who_must", "parent_entrust_who"
X, Y, Z, W = "hotline_12355", "hotline_12338", "hotline_12349", "privacy_audit"
ARTICLE = "未成年人保护法#第22条"

# The five questions, what answers them, and what the fake retriever returns (key, score).
SET = [
    {"q": "q1 in domain, right at rank 1", "answers": [A], "tags": ["plain"]},
    {"q": "q2 in domain, its passage at rank 2", "answers": [B], "passages": [ARTICLE], "tags": ["statute"]},
    {"q": "q3 in domain, rank 5 and unsure", "answers": [C], "tags": ["long"]},
    {"q": "q4 out of scope, declined", "answers": [], "tags": ["out_of_scope"]},
    {"q": "q5 out of scope, answered", "answers": [], "tags": ["out_of_scope"]},
]
RANKINGS = {
    "q1 in domain, right at rank 1": [(A, 0.95), (B, 0.90), (C, 0.89)],
    "q2 in domain, its passage at rank 2": [(X, 0.93), (ARTICLE, 0.92), (B, 0.91)],
    "q3 in domain, rank 5 and unsure": [(X, 0.85), (Y, 0.84), (Z, 0.83), (W, 0.82), (C, 0.81)],
    "q4 out of scope, declined": [(A, 0.80)],
    "q5 out of scope, answered": [(B, 0.95), (A, 0.70)],
}
# Worked out by hand:
#   hit@1 = 1/3 (q1);  hit@3 = 2/3 (q1, q2);  MRR = (1 + 1/2 + 1/5) / 3
#   declined (top < 0.90): q3, q4 → precision 1/2 (q4 of q3,q4), recall 1/2 (q4 of q4,q5)
FLOOR = 0.90


@dataclass(frozen=True)
class FakeHit:
    key: str
    score: float
    kind: str = "card"

    @property
    def evidence(self) -> float:
        return self.score


class FakeRetriever:
    """Fixed rankings per question; confident when the top score clears ``FLOOR``. Records its calls."""

    def __init__(self, rankings: dict[str, list[tuple[str, float]]]) -> None:
        self.rankings = rankings
        self.calls: list[tuple[str, int, str, str | None]] = []
        self.confident_lengths: list[int] = []

    def search(self, question: str, k: int = 3, mode: str = "hybrid", region: str | None = None) -> list[FakeHit]:
        self.calls.append((question, k, mode, region))
        ranked = self.rankings.get(question, [])
        if mode == "bm25":  # a different, worse ranking: nothing found
            ranked = []
        return [FakeHit(key, score, "passage" if "#" in key else "card") for key, score in ranked[:k]]

    def confident(self, hits: list[FakeHit]) -> bool:
        self.confident_lengths.append(len(hits))
        return bool(hits) and hits[0].score >= FLOOR


def _questions() -> list[ev.Question]:
    return [
        ev.Question(q=i["q"], answers=tuple(i["answers"]), passages=tuple(i.get("passages", [])), tags=tuple(i["tags"]))
        for i in SET
    ]


def _write(tmp_path: Path, items: list[dict]) -> Path:
    path = tmp_path / "questions.yml"
    path.write_text(yaml.safe_dump({"questions": items}, allow_unicode=True), encoding="utf-8")
    return path


def test_hit_at_k_mrr_and_no_answer_on_the_hand_made_set() -> None:
    outcomes = ev.run(FakeRetriever(RANKINGS), _questions(), "hybrid")
    m = ev.metrics(outcomes, "hybrid")
    assert (m.answerable, m.out_of_scope, m.declined) == (3, 2, 2)
    assert m.hit1 == pytest.approx(1 / 3)
    assert m.hit3 == pytest.approx(2 / 3)
    assert m.mrr == pytest.approx((1 + 1 / 2 + 1 / 5) / 3)
    assert m.no_answer_precision == pytest.approx(1 / 2)
    assert m.no_answer_recall == pytest.approx(1 / 2)


def test_a_passage_key_counts_as_a_hit_and_ranks_are_one_based() -> None:
    outcomes = ev.run(FakeRetriever(RANKINGS), _questions(), "hybrid")
    assert [o.rank for o in outcomes] == [1, 2, 5, None, None]
    assert outcomes[1].hit(2) and not outcomes[1].hit(1)


def test_a_hit_below_rank_ten_scores_zero() -> None:
    ranking = [(f"hotline_{n}", 0.9 - n / 100) for n in range(10)] + [(A, 0.5)]
    question = ev.Question(q="deep", answers=(A,))
    outcome = ev.run(FakeRetriever({"deep": ranking}), [question], "dense")[0]
    assert outcome.rank is None
    assert ev.metrics([outcome]).mrr == 0.0


def test_the_retriever_is_asked_as_the_bot_asks_it() -> None:
    fake = FakeRetriever(RANKINGS)
    question = ev.Question(q="q1 in domain, right at rank 1", answers=(A,), region="黔西市")
    ev.run(fake, [question], "dense")
    assert fake.calls == [("q1 in domain, right at rank 1", ev.DEPTH, "dense", "黔西市")]
    assert fake.confident_lengths == [3]  # confident() sees the hits the bot would get


def test_no_answer_precision_is_undefined_when_nothing_is_declined() -> None:
    questions = [ev.Question(q="q1 in domain, right at rank 1", answers=(A,))]
    m = ev.metrics(ev.run(FakeRetriever(RANKINGS), questions, "hybrid"))
    assert m.declined == 0 and m.no_answer_precision is None and m.no_answer_recall is None
    assert "n/a" in ev.format_table([m])


def test_calibration_sweeps_the_floor() -> None:
    outcomes = ev.run(FakeRetriever(RANKINGS), _questions(), "hybrid")
    rows = {r.threshold: r for r in ev.calibration(outcomes)}
    assert sorted(rows) == [round(0.80 + i / 100, 2) for i in range(21)]
    # At 0.90: q1 (0.95) and q2 (0.93) answer, only q1 rightly; q5 (0.95) answers out of scope.
    assert rows[0.90].answer_rate == pytest.approx(2 / 3)
    assert rows[0.90].correct_answer_rate == pytest.approx(1 / 3)
    assert rows[0.90].false_answer_rate == pytest.approx(1 / 2)
    # At 0.80 everything answers (q4's 0.80 included); at 0.96 nothing does.
    assert (rows[0.80].answer_rate, rows[0.80].false_answer_rate) == (1.0, 1.0)
    assert (rows[0.96].answer_rate, rows[0.96].false_answer_rate) == (0.0, 0.0)
    assert ev.suggest_floor(list(rows.values())).threshold == 0.96


def test_main_eval_prints_the_table_misses_and_calibration(tmp_path: Path) -> None:
    out = io.StringIO()
    code = ev.main_eval(_write(tmp_path, SET), calibrate=True, retriever=FakeRetriever(RANKINGS), out=out)
    text = out.getvalue()
    assert code == 0
    assert "5 questions: 3 answerable, 2 out of scope" in text
    assert "mode     hit@1  hit@3  MRR    no-answer precision  no-answer recall" in text
    hybrid = next(line for line in text.splitlines() if line.startswith("hybrid "))
    assert hybrid.split() == ["hybrid", "0.33", "0.67", "0.57", "0.50", "0.50"]
    assert next(line for line in text.splitlines() if line.startswith("bm25 ")).split()[1:4] == ["0.00"] * 3
    assert "[rank 5] q3 in domain, rank 5 and unsure" in text  # worst miss first after not-found ones
    assert "q5 out of scope, answered" in text.split("answered although out of scope")[1]
    assert "calibration (hybrid" in text and "0.90   0.67         0.33                 0.50" in text


def test_main_eval_refuses_a_broken_questions_file(tmp_path: Path) -> None:
    out = io.StringIO()
    bad = [{"q": "x", "answers": ["no_such_card"], "tags": ["plain"]}]
    assert ev.main_eval(_write(tmp_path, bad), retriever=FakeRetriever({}), out=out) == 2
    assert "unknown card id 'no_such_card'" in out.getvalue()


def test_problems_catch_bad_ids_keys_and_tags() -> None:
    questions = [
        ev.Question(q="a", answers=("nope",)),
        ev.Question(q="b", passages=("未成年人保护法第22条",)),
        ev.Question(q="c", answers=(A,), tags=("out_of_scope",)),
        ev.Question(q="d"),
    ]
    found = ev.problems(questions, {A})
    assert len(found) == 4
    assert any("unknown card id 'nope'" in p for p in found)
    assert any("not '文档#第N条'" in p for p in found)


# ---- the real questions file -------------------------------------------------------------


@pytest.fixture(scope="module")
def real_questions() -> list[ev.Question]:
    return ev.load_questions()


def test_the_questions_file_is_valid_and_covers_every_card(real_questions: list[ev.Question]) -> None:
    from knowledge.cards import load_cards

    cards = load_cards()
    assert ev.problems(real_questions, {c.id for c in cards}) == []
    assert len(real_questions) >= 180
    assert sum(not q.answerable for q in real_questions) >= 35
    covered = {card for q in real_questions for card in q.answers}
    assert {c.id for c in cards} - covered == set()
    assert len({q.q for q in real_questions}) == len(real_questions)


def test_the_questions_are_not_copied_from_the_index_or_the_dev_set(real_questions: list[ev.Question]) -> None:
    """An evaluation question that is also an index row (or a dev question) measures memory, not retrieval."""
    from knowledge.cards import load_cards
    from nlu.components.text_normaliser import normalise

    def key(text: str) -> str:
        return "".join(ch for ch in normalise(text) if ch.isalnum())

    seen = {key(t) for c in load_cards() for t in (c.title, *c.questions)}
    dev = ROOT.parent / "shared" / "eval" / "dev.yml"
    if dev.is_file():
        data = yaml.safe_load(dev.read_text(encoding="utf-8")) or {}
        seen |= {key(case["q"]) for cases in data.values() if isinstance(cases, list) for case in cases}
    copied = [q.q for q in real_questions if key(q.q) in seen]
    assert copied == []
