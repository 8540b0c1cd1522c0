"""The danger assessor's arithmetic: its features, its logistic heads, and saving them.

Kept apart from the Rasa component so it can be trained and measured outside
a Rasa pipeline (``bench.danger_model``). Training uses scikit-learn (Rasa's
runtime carries it); prediction is plain numpy.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from nlu.components.estimators import load_estimator, save_estimator
from nlu.components.danger_signals import (
    describes_immediate_danger,
    medical_words,
    rule_question_words,
    self_harm_words,
)

FLOORS = {
    "now_floor": 0.90,  # P(now) at or above: danger now (precise: ≤ 3% of calm messages)
    "pattern_floor": 0.30,  # … or the patterns fire and P(now) is at least this
    "alarm_floor": 0.50,  # P(now) + P(serious) at or above: serious harm
    "concern_floor": 0.95,  # P(none) below this: a concern (liberal: it only adds the 110 line)
}

__all__ = ["FLOORS", "grade_level", "DangerModel", "Head", "Network", "features", "fit_head", "fit_network",
           "fit_support_vectors", "medical_words", "self_harm_words"]


def features(vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """The e5 vector of each (normalised) text, then four word signals as 0/1."""
    flags = np.array(
        [[describes_immediate_danger(t), rule_question_words(t), medical_words(t), self_harm_words(t)] for t in texts],
        dtype="float32",
    ).reshape(len(texts), 4)
    return np.hstack([np.asarray(vectors, dtype="float32").reshape(len(texts), -1), flags])


def grade_level(p_none: float, p_serious: float, p_now: float, pattern: bool, floors: dict | None = None,
                harm_told: bool = False, self_harm_said: bool = False, accident: bool = False,
                swallowed: bool = False) -> str:
    """The grade (now, serious, concern, none) from the network's probabilities and the patterns.

    ``harm_told`` (``danger_signals.tells_harm``) makes it at least serious: harm told in words the
    network has not learned still gets the 110 line and the report. Talk of ending one's life or hurting
    oneself by means the network learned least (``danger_signals.hurts_self_or_says_goodbye``), heard by the
    patterns as happening (``pattern`` and ``self_harm_said``), is danger now,
    whatever the network thinks: the crisis lines come first. A child hurt in an accident (``accident``:
    ``danger_signals.hurt_by_accident``, a dog bite, a fall) that the network hears as harm is danger now too:
    there is no one to report, and 120 comes first. Poison or a dangerous thing just swallowed (``swallowed``:
    ``danger_signals.swallowed_harm``) is danger now whatever the network thinks: the child may look well.
    """
    floors = {**FLOORS, **(floors or {})}
    alarm = p_now + p_serious >= floors["alarm_floor"]
    if (p_now >= floors["now_floor"] or (pattern and (p_now >= floors["pattern_floor"] or alarm))
            or (pattern and self_harm_said) or (accident and alarm and not harm_told) or swallowed):
        return "now"  # the patterns say "now" and the network agrees it is harm: trust the patterns on the timing
    if alarm or harm_told:
        return "serious"
    if p_none < floors["concern_floor"]:
        return "concern"
    return "none"


@dataclass(frozen=True)
class Head:
    """A standardised multinomial logistic regression: probabilities of each class for each row."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """(rows, classes) probabilities."""
        z = ((x - self.mean) / self.scale) @ self.coef.T + self.intercept
        if z.shape[1] == 1:  # a binary head stores one row of weights
            z = np.hstack([np.zeros_like(z), z])
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def fit_head(x: np.ndarray, y: np.ndarray, c: float, classes: int, balanced: bool = True) -> Head:
    """Fit a logistic regression (class-balanced unless told) on standardised features (scikit-learn, lbfgs).

    A class missing from ``y`` gets weights that never predict it, so the
    head always has ``classes`` columns in the same order.
    """
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    present = np.unique(y)
    if len(present) < 2:
        coef = np.zeros((classes if classes > 2 else 1, x.shape[1]), dtype="float32")
        intercept = np.full(coef.shape[0], -20.0, dtype="float32")
        if classes > 2:
            intercept[present[0]] = 0.0
        elif present[0] == 1:
            intercept[:] = 20.0
        return Head(mean, scale, coef, intercept)
    model = LogisticRegression(C=c, class_weight="balanced" if balanced else None, max_iter=2000, random_state=7)
    model.fit((x - mean) / scale, y)
    if classes == 2:
        return Head(mean, scale, model.coef_.astype("float32"), model.intercept_.astype("float32"))
    coef = np.zeros((classes, x.shape[1]), dtype="float32")
    intercept = np.full(classes, -20.0, dtype="float32")
    if len(model.classes_) == 2:  # scikit-learn keeps one row for two classes: the second against the first
        coef[model.classes_[0]], intercept[model.classes_[0]] = 0.0, 0.0
        coef[model.classes_[1]], intercept[model.classes_[1]] = model.coef_[0], model.intercept_[0]
        return Head(mean, scale, coef, intercept)
    for row, label in enumerate(model.classes_):
        coef[label] = model.coef_[row]
        intercept[label] = model.intercept_[row]
    return Head(mean, scale, coef, intercept)


@dataclass(frozen=True)
class Network:
    """A standardised one-hidden-layer network (ReLU, softmax): the grade.

    Chosen by measurement over logistic regression, nearest neighbours and an
    RBF support-vector machine (``bench.danger_model``): at the same false-alarm
    rate it recognised the most danger.
    """

    mean: np.ndarray
    scale: np.ndarray
    hidden_w: np.ndarray
    hidden_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """(rows, classes) probabilities."""
        h = np.maximum(((x - self.mean) / self.scale) @ self.hidden_w + self.hidden_b, 0.0)
        z = h @ self.out_w + self.out_b
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def fit_network(x: np.ndarray, y: np.ndarray, classes: int, hidden: int = 256, alpha: float = 1e-3,
                seed: int = 1) -> Network:
    """Fit the grade network (scikit-learn's MLPClassifier, Adam, fixed seed) with ``classes`` outputs in order."""
    from sklearn.neural_network import MLPClassifier

    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    model = MLPClassifier((hidden,), alpha=alpha, max_iter=500, random_state=seed)
    model.fit((x - mean) / scale, y)
    out_w = np.zeros((hidden, classes), dtype="float32")
    out_b = np.full(classes, -30.0, dtype="float32")
    trained_w, trained_b = model.coefs_[1], model.intercepts_[1]
    if trained_w.shape[1] == 1:  # two classes: one logit for the second
        trained_w = np.hstack([np.zeros_like(trained_w), trained_w])
        trained_b = np.concatenate([[0.0], trained_b])
    for column, label in enumerate(model.classes_):
        out_w[:, label] = trained_w[:, column]
        out_b[label] = trained_b[column]
    return Network(mean, scale, model.coefs_[0].astype("float32"), model.intercepts_[0].astype("float32"), out_w, out_b)


def fit_support_vectors(x: np.ndarray, y: np.ndarray, seed: int = 1):
    """An RBF support-vector machine with Platt probabilities (scikit-learn), the grade's second opinion."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(StandardScaler(), SVC(C=4.0, probability=True, class_weight="balanced", random_state=seed)).fit(x, y)


def class_probabilities(model, x: np.ndarray, classes: int) -> np.ndarray:
    """A scikit-learn model's probabilities in ``classes`` columns, class i in column i."""
    found = np.zeros((len(x), classes))
    found[:, model.classes_] = model.predict_proba(x)
    return found


_HEAD_PARTS = ("mean", "scale", "coef", "intercept")
_NETWORK_PARTS = ("mean", "scale", "hidden_w", "hidden_b", "out_w", "out_b")


@dataclass(frozen=True)
class DangerModel:
    """The grade (a network and a support-vector machine, averaged) and two heads: hurt (120 first), self-harm.

    The average was chosen by cross-validation on the tune half (``bench.danger_model --compare``): at
    the same false-alarm rate it gave the 110 line to more danger than either alone.
    """

    level: Network
    medical: Head
    self_harm: Head
    support: Any = None  # the scikit-learn pipeline; None: the network alone

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """(rows, classes) probabilities of the grades."""
        network = self.level.probabilities(x)
        if self.support is None:
            return network
        return (network + class_probabilities(self.support, x, network.shape[1])) / 2.0

    def save(self, path: Path) -> None:
        """One ``.npz`` file with every part's arrays; the support-vector machine beside it (skops, no pickle)."""
        arrays = {f"level_{part}": getattr(self.level, part) for part in _NETWORK_PARTS}
        for name in ("medical", "self_harm"):
            for part in _HEAD_PARTS:
                arrays[f"{name}_{part}"] = getattr(getattr(self, name), part)
        np.savez(path, **arrays)
        if self.support is not None:
            save_estimator(self.support, path.with_suffix(".skops"))

    @classmethod
    def load(cls, path: Path) -> "DangerModel":
        """The parts saved by ``save``."""
        with np.load(path) as data:
            level = Network(*(data[f"level_{part}"] for part in _NETWORK_PARTS))
            heads = {name: Head(*(data[f"{name}_{part}"] for part in _HEAD_PARTS)) for name in ("medical", "self_harm")}
        support = None
        svm = path.with_suffix(".skops")
        if svm.is_file():
            support = load_estimator(svm)
        return cls(level, support=support, **heads)
