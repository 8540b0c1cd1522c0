"""Changing a parsed message's intent after the classifier: one place, so the intent and its ranking agree.

The danger assessor and the question router both overrule the classifier;
Rasa reads ``intent`` and ``intent_ranking`` separately (the FallbackClassifier
compares the first two of the ranking), so both must be set together.
"""
from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def confidence_of(message: Message, intent: str) -> float:
    """The classifier's confidence in ``intent`` for this message (0 when it is not ranked)."""
    return next((float(r.get("confidence") or 0.0) for r in message.get(INTENT_RANKING_KEY) or []
                 if r.get(INTENT_NAME_KEY) == intent), 0.0)


def put_first(message: Message, intent: str, confidence: float, others_scale: float = 1.0) -> None:
    """Make ``intent`` the message's intent; the others keep their order, their confidence times ``others_scale``."""
    ranking = [{**r, "confidence": float(r.get("confidence") or 0.0) * others_scale}
               for r in (message.get(INTENT_RANKING_KEY) or []) if r.get(INTENT_NAME_KEY) != intent]
    top = {INTENT_NAME_KEY: intent, "confidence": confidence}
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [top] + ranking, add_to_output=True)


def drop_first(message: Message, intent: str) -> None:
    """Drop ``intent`` from the ranking: the next one becomes the intent."""
    ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get(INTENT_NAME_KEY) != intent]
    top = ranking[0] if ranking else {INTENT_NAME_KEY: None, "confidence": 0.0}
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
