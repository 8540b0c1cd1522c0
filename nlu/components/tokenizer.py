"""Jieba tokenizer that first normalises the message.

Rasa 3 runs tokenizers before every other component, so a separate normaliser
could not run ahead of jieba. This subclass converts the text itself
(traditional → simplified, full-width → half-width, emoji removed; see
``text_normaliser``), writes the converted text back to the message so that
later featurizers see the same characters as the tokens, and drops
whitespace tokens.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.components.text_normaliser import normalise, shorten


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class NormalisingJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer for messages in any Chinese script, with a domain dictionary."""

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        """Chinese only."""
        return ["zh"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Same options as JiebaTokenizer."""
        return JiebaTokenizer.get_default_config()

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Normalise the attribute's text, store it back, then segment it."""
        import jieba

        original = message.get(attribute)
        if not isinstance(original, str):
            return []
        text = normalise(shorten(original))
        if attribute == TEXT and text != original:
            message.set(TEXT, text)
        tokens = [
            Token(word, start)
            for (word, start, _end) in jieba.tokenize(text)
            if word.strip()
        ]
        if not tokens:
            # Featurizers need at least one token; an emoji-only message becomes "。".
            tokens = [Token("。", 0)]
        return self._apply_token_pattern(tokens)
