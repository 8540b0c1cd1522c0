"""Grade how much danger a message describes, and route it: 110 first when a child is in danger now.

Runs after the intent classifier. Two signals, biased to recall (a wrong "call 110" costs one
line; a missed one can cost a child):

- the hand-written patterns of ``danger_signals`` (a child being hurt now,
  missing, suicidal), which need no training and catch the obvious cases;
- a small network learned from the bank in ``nlu/danger`` (tune half only)
  and the intents' own examples, on the e5 sentence vector and a few word
  signals, so that danger told in one's own words (dialect, euphemism,
  voice-to-text) is caught too, and the same words in a question about rules
  or the past are not.

Grades (``danger_bank.LEVELS``):

- ``now``: the intent becomes ``report_emergency`` (110 first, 120 when someone
  is hurt). This grade must be precise: a false alarm opens a staff ticket.
- ``serious`` and ``concern``: when the classifier took the message for small talk,
  something it cannot place, or an emergency, the intent becomes ``inform``, so that outside a
  form the fallback action answers it (the report flow for serious harm, a
  caring reply for a concern, each opening with the 110 line) and inside a
  form it stays an answer.
- ``none``: nothing changes, but an emergency the classifier alone saw is dropped
  for its next guess: only the assessor raises an emergency.

The grade, its probabilities and two flags (someone hurt → 120 first;
self-harm → crisis lines) are added to the parse result as ``danger``, so every
action can open its first reply with the 110 line when unsure.
"""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.danger_bank import CONCERN, LEVELS, NONE, NOW, SERIOUS, Example, in_half, load_bank
from nlu.components.danger_features import (
    FLOORS,
    DangerModel,
    features,
    fit_head,
    fit_network,
    fit_support_vectors,
    grade_level,
    medical_words,
    self_harm_words,
)
from nlu.components.danger_signals import (
    describes_immediate_danger,
    hurt_by_accident,
    swallowed_harm,
    hurts_self_or_says_goodbye,
    tells_harm,
)
from nlu.components.intent_ranking import drop_first, put_first
from nlu.components.e5_featurizer import E5SentenceFeaturizer, embed_cached, message_vector
from nlu.components.holdout import TUNE
from nlu.components.question_shape import is_question, tells_own_departure, tells_working_away, tells_child_quits_school
from nlu.components.text_normaliser import normalise

logger = logging.getLogger(__name__)

OUTPUT_PROPERTY = "danger"
# Intents a serious or worrying description is taken from: the classifier found no task in it.
SMALL_TALK = frozenset({"out_of_scope", "greet", "goodbye", "thank", "help", "ask_director_queue",
                        "export_my_data", "delete_my_data", "resume_form"})
# Tasks a description of harm is taken from only when it does not name the task itself: "老师摸过她" is not
# a visit log, "我在外地打工，女儿才十三岁就流产了" is not a departure registration.
TASK_WORDS = {
    "log_visit": re.compile(r"(走访|探访|入户|家访|访视|探视|记录|记一下|记下|登记)"),
    "register_departure": re.compile(r"(报备|登记|备案|备个案|报一下|报个备|跟村里(说|报|讲))"),
    "redeem_invite": re.compile(r"(验证|邀请码|身份|[A-Za-z0-9]{4}\s*-?\s*[A-Za-z0-9]{4})"),
}
# The intents' own examples teach the "none" class what ordinary messages look like.
INTENT_LEVELS = {"report_emergency": NOW, "report_concern": SERIOUS}


def training_examples(bank: List[Example], intents: List[tuple]) -> List[Example]:
    """The bank's examples, then every intent example not in it (report_emergency → now, report_concern → serious)."""
    examples = list(bank)
    known = {e.text for e in examples}
    for text, intent in intents:
        if isinstance(text, str) and text and text not in known:
            examples.append(Example(text, INTENT_LEVELS.get(intent, NONE)))
            known.add(text)
    return examples


def train_model(examples: List[Example], embed_texts: Any, regularisation: float) -> DangerModel:
    """The grade network and the hurt / self-harm heads, from labelled examples."""
    texts = [normalise(e.text) for e in examples]
    x = features(embed_texts(texts), texts)
    y = np.array([LEVELS.index(e.level) for e in examples])
    level = fit_network(x, y, classes=len(LEVELS))
    support = fit_support_vectors(x, y)
    danger = [i for i, e in enumerate(examples) if e.level in (NOW, SERIOUS)]
    medical = fit_head(x[danger], np.array([int(examples[i].hurt) for i in danger]), regularisation, classes=2)
    # Self-harm is rare in the data: an unbalanced head, so that it speaks only when it is fairly sure.
    self_harm = fit_head(x, np.array([int(e.self_harm) for e in examples]), 1.0, classes=2, balanced=False)
    return DangerModel(level, medical, self_harm, support)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class DangerAssessor(GraphComponent):
    """Grades danger (now / serious / concern / none) and overrides the intent for danger now."""

    @classmethod
    def required_components(cls) -> List[type]:
        """Needs the e5 vector of each message."""
        return [E5SentenceFeaturizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Where the bank is, the intents it sets, and the probability floors of each grade."""
        return {
            "bank": "nlu/danger",
            "emergency_intent": "report_emergency",
            "fallback_intent": "inform",
            "report_intent": "report_concern",
            **FLOORS,  # the probability floors of each grade, chosen by ``bench.danger_model``
            "regularisation": 4.0,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[DangerModel] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The bank's content and the word signals' code: Rasa retrains the assessor when either changes (the bank
        is read, not passed in, and the patterns are features of the network)."""
        digest = hashlib.sha256()
        here = Path(__file__).resolve().parent
        sources = [here / "danger_signals.py", here / "danger_features.py"]
        for path in sorted(Path(config.get("bank") or "nlu/danger").glob("*.yml")) + sources:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "DangerAssessor":
        """A new, untrained assessor."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the grades from the bank's tune half and the intents' examples; save the weights."""
        intents = [(m.get(TEXT), m.get(INTENT)) for m in training_data.intent_examples]
        examples = training_examples(in_half(load_bank(self._config["bank"]), TUNE), intents)
        self._model = train_model(examples, embed_cached, float(self._config["regularisation"]))
        logger.info("danger assessor trained on %d messages", len(examples))
        with self._storage.write_to(self._resource) as directory:
            self._model.save(directory / "danger.npz")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "DangerAssessor":
        """The trained assessor; patterns only if no weights were saved."""
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                model = DangerModel.load(directory / "danger.npz")
        except (ValueError, OSError) as error:
            logger.warning("danger assessor has no trained weights (%s); using patterns only", type(error).__name__)
        return cls(config, model_storage, resource, model)

    def assess(self, text: str, vector: Optional[np.ndarray]) -> Dict[str, Any]:
        """The grade of one normalised message, with its probabilities and the hurt / self-harm flags."""
        config = self._config
        pattern = describes_immediate_danger(text)
        if self._model is None or vector is None:
            level = NOW if pattern else SERIOUS if tells_harm(text) else NONE
            return {"level": level, "p_now": float(pattern), "p_alarm": float(pattern),
                    "p_none": 1.0 - float(pattern), "medical": medical_words(text), "self_harm": self_harm_words(text)}
        x = features(vector[np.newaxis, :], [text])
        p = self._model.probabilities(x)[0]  # the classes are LEVELS, in order
        p_none, p_serious, p_now = (float(p[LEVELS.index(name)]) for name in (NONE, SERIOUS, NOW))
        level = grade_level(p_none, p_serious, p_now, pattern, {k: config[k] for k in FLOORS}, tells_harm(text),
                            hurts_self_or_says_goodbye(text), hurt_by_accident(text), swallowed_harm(text))
        medical = medical_words(text) or bool(self._model.medical.probabilities(x)[0][1] >= 0.5)
        # The self-harm head learns from few examples: it needs to be sure to change the reply on its own.
        self_harm = self_harm_words(text) or bool(self._model.self_harm.probabilities(x)[0][1] >= 0.8)
        return {"level": level, "p_now": round(p_now, 3), "p_alarm": round(p_now + p_serious, 3),
                "p_none": round(p_none, 3), "medical": medical, "self_harm": self_harm}

    def _route(self, message: Message, grade: Dict[str, Any], text: str) -> None:
        config = self._config
        current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        target = None
        if grade["level"] == NOW:
            target = config["emergency_intent"]
        elif grade["level"] in (SERIOUS, CONCERN) and (
            current in SMALL_TALK or current == config["emergency_intent"]
            or (current in TASK_WORDS and not TASK_WORDS[current].search(text)
                and not (current == "register_departure" and grade["level"] == CONCERN and tells_own_departure(text)))
        ):
            target = config["fallback_intent"]
        elif current in TASK_WORDS and not TASK_WORDS[current].search(text) and (
            grade["medical"]
            or (current == "register_departure" and tells_working_away(text) and not tells_own_departure(text))
            or (current == "register_departure" and tells_child_quits_school(text))
        ):
            # A task guessed with no word asking for it: a child hurt or ill ("孩子奶奶打电话说孩子发烧了 我在外地
            # 回不去 咋办") is no registration or visit log, and a parent away saying who they are ("我在广东打工
            # 孩子在老家跟他奶奶") is told what the bot can do, the registration offered (one tap, or "好").
            target = config["fallback_intent"]
        elif grade["level"] == SERIOUS and current == "ask_policy" and (tells_harm(text) or not is_question(text)):
            # harm told, asked as "这得咋报啊", or serious harm told with no question at all ("有人在网上让我女儿
            # 拍…说不拍就…"): a report, not a policy card
            target = config["report_intent"]
        elif current == config["emergency_intent"]:
            # The assessor decides what is an emergency: the classifier, learning from few examples, also
            # took "娃睡着了" for one. Its next guess stands (the fallback, when that is unsure).
            drop_first(message, current)
            return
        if target is None:
            return
        # Set even when the classifier guessed the same, but unsure: the FallbackClassifier must not take it.
        # The others keep their order at half their confidence, so the FallbackClassifier (which runs next)
        # never finds the override "ambiguous" against the classifier's own, confident guess.
        put_first(message, target, 1.0, others_scale=0.5)

    def process(self, messages: List[Message]) -> List[Message]:
        """Grade every typed message and route danger; button payloads (``/intent``) are left alone."""
        for message in messages:
            raw = message.get(TEXT) or ""
            if not raw or raw.startswith("/"):
                continue
            text = normalise(raw)
            grade = self.assess(text, message_vector(message))
            message.set(OUTPUT_PROPERTY, grade, add_to_output=True)
            self._route(message, grade, text)
        return messages
