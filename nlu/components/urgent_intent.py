"""Make sure a message about a child in danger now is routed as an emergency.

Runs after the intent classifier. When ``danger_signals`` recognises a child
being hurt now, missing or threatening suicide, the intent becomes
``report_emergency`` with confidence 1.0 whatever the classifier guessed; the
classifier's own ranking is kept below it. The dialogue then answers "call
110 now" before anything else, inside a form too.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.components.danger_signals import describes_immediate_danger
from nlu.components.text_normaliser import normalise

URGENT_INTENT = "report_emergency"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class UrgentIntentOverride(GraphComponent):
    """Overrides the predicted intent with ``report_emergency`` on danger signals."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The intent to set (must exist in the domain)."""
        return {"intent": URGENT_INTENT}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._intent = config.get("intent", URGENT_INTENT)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UrgentIntentOverride":
        """Nothing to train or load."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Override the intent of every message that describes immediate danger."""
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/") or not describes_immediate_danger(normalise(text)):
                continue
            ranking = [
                r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != self._intent
            ]
            top = {"name": self._intent, "confidence": 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top] + ranking, add_to_output=True)
        return messages
