"""Measure the danger assessor offline, and compare the classifiers it could use: ``make bench-danger``.

Runs in the rasa runtime (scikit-learn; no Rasa server needed). Trains exactly
as ``DangerAssessor.train`` does (the bank's tune half and the intents'
examples) and reports on the bank's test half, which nothing is tuned on:

- danger (now or serious) whose first reply carries the 110 line (any grade but none),
- danger now that becomes an emergency,
- calm messages raised as an emergency (false alarms) or given the 110 line.

``--compare`` also cross-validates, on the tune half only, logistic regression,
nearest neighbours, an RBF support-vector machine and the network, each at the
floor that keeps calm false alarms at 3%, and the average of the network and the
support-vector machine that the assessor uses: the evidence for the choice.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import yaml

from nlu.components.danger_assessor import training_examples, train_model
from nlu.components.danger_bank import CONCERN, LEVELS, NONE, NOW, SERIOUS, Example, in_half, load_bank
from nlu.components.danger_features import FLOORS, features, grade_level
from nlu.components.danger_signals import describes_immediate_danger, hurt_by_accident, swallowed_harm, hurts_self_or_says_goodbye, tells_harm
from nlu.components.e5_featurizer import embed_cached as cached_embed
from nlu.components.holdout import TEST, TUNE
from nlu.components.text_normaliser import normalise

def intent_examples(directory: Path = Path("nlu/data")) -> list[tuple[str, str]]:
    """(text, intent) of every NLU example, as Rasa hands them to the assessor."""
    found = []
    for path in sorted(directory.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in block:
                for line in str(block.get("examples") or "").splitlines():
                    text = line.strip().removeprefix("- ").strip()
                    if text:
                        found.append((text, block["intent"]))
    return found


def summary(grades: list[str], examples: list[Example]) -> str:
    """The figures a user would notice, for one set of grades."""
    def share(selected: list[bool]) -> str:
        return f"{sum(selected)}/{len(selected)} ({sum(selected) / max(1, len(selected)):.1%})"
    danger = [g != NONE for g, e in zip(grades, examples) if e.alarming]
    now = [g == NOW for g, e in zip(grades, examples) if e.level == NOW]
    calm_alarm = [g == NOW for g, e in zip(grades, examples) if e.level == NONE]
    calm_line = [g != NONE for g, e in zip(grades, examples) if e.level == NONE]
    concern = [g != NONE for g, e in zip(grades, examples) if e.level == CONCERN]
    return (f"danger with the 110 line {share(danger)}; danger now → emergency {share(now)}; "
            f"calm → false alarm {share(calm_alarm)}; calm with the 110 line {share(calm_line)}; "
            f"concerns heard {share(concern)}")


def grades_of(probabilities: np.ndarray, texts: list[str], floors: dict | None = None) -> list[str]:
    return [grade_level(float(p[LEVELS.index(NONE)]), float(p[LEVELS.index(SERIOUS)]), float(p[LEVELS.index(NOW)]),
                        describes_immediate_danger(t), floors, tells_harm(t),
                        hurts_self_or_says_goodbye(t), hurt_by_accident(t), swallowed_harm(t)) for p, t in zip(probabilities, texts)]


def compare(tune: list[Example], intents: list[tuple[str, str]]) -> None:
    """Cross-validated choice of classifier on the tune half (5 folds, fixed seed)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    extra = training_examples([], intents)
    texts = [normalise(e.text) for e in tune]
    extra_texts = [normalise(e.text) for e in extra]
    x, x_extra = features(cached_embed(texts), texts), features(cached_embed(extra_texts), extra_texts)
    y, y_extra = np.array([LEVELS.index(e.level) for e in tune]), np.array([LEVELS.index(e.level) for e in extra])
    models = {
        "logistic regression": lambda: LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000),
        "nearest neighbours (k=15)": lambda: KNeighborsClassifier(15, metric="cosine", weights="distance"),
        "support vectors (RBF)": lambda: SVC(C=4.0, probability=True, class_weight="balanced", random_state=1),
        "network (256 hidden)": lambda: MLPClassifier((256,), alpha=1e-3, max_iter=500, random_state=1),
    }
    calm = np.array([e.level == NONE for e in tune])
    held_out: dict[str, np.ndarray] = {}
    for name, make in models.items():
        p = np.zeros((len(tune), len(LEVELS)))
        for train, test in StratifiedKFold(5, shuffle=True, random_state=1).split(texts, y):
            scaler = StandardScaler().fit(np.vstack([x[train], x_extra]))
            model = make().fit(scaler.transform(np.vstack([x[train], x_extra])), np.concatenate([y[train], y_extra]))
            p[np.ix_(test, model.classes_)] = model.predict_proba(scaler.transform(x[test]))
        held_out[name] = p
    held_out["network + support vectors (chosen)"] = (held_out["network (256 hidden)"] + held_out["support vectors (RBF)"]) / 2
    for name, p in held_out.items():
        floor = next((f for f in np.arange(0.30, 1.0, 0.02) if (p[calm, LEVELS.index(NOW)] >= f).mean() <= 0.03), 1.0)
        grades = grades_of(p, texts, {"now_floor": float(floor), "pattern_floor": float(floor)})
        print(f"  {name:<26} now floor {floor:.2f}: {summary(grades, tune)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="cross-validate the candidate classifiers on the tune half")
    args = parser.parse_args()
    bank = load_bank()
    tune, test = in_half(bank, TUNE), in_half(bank, TEST)
    intents = intent_examples()
    print(f"bank: {len(bank)} messages; tune half {len(tune)}, test half {len(test)}; floors {FLOORS}")
    if args.compare:
        print("cross-validation on the tune half:")
        compare(tune, intents)
    model = train_model(training_examples(tune, intents), cached_embed, 4.0)
    texts = [normalise(e.text) for e in test]
    x = features(cached_embed(texts), texts)
    print("patterns alone, test half:  " + summary([NOW if describes_immediate_danger(t) else NONE for t in texts], test))
    print("assessor, test half:        " + summary(grades_of(model.probabilities(x), texts), test))


if __name__ == "__main__":
    main()
