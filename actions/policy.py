"""Answering a policy question from the knowledge base, with its source, or not guessing.

Short answer first, then ``依据：…``; a button shows the statute article behind
it. Asked for an article by name, the bot shows that article. A local figure
is given only for its own place: the place named in the question, or the one
the user named earlier (the ``user_region`` slot); otherwise the national rule,
with the places whose own figures differ offered as buttons.
"""
from __future__ import annotations

import json
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guard import polite
from actions.handoff import HUMAN_BUTTON
from knowledge.cards import Card
from knowledge.passages import Passage
from knowledge.retrieve import OTHER_PLACE_PENALTY, Hit, Retriever, get_retriever

logger = logging.getLogger(__name__)

EXAMPLES = ("孤儿基本生活费标准是多少", "外出打工要怎么安排孩子", "哪些情况必须强制报告")
EXCERPT_CHARS = 160
FULL_TEXT_CHARS = 1500
NOT_SURE = "这个问题我没有把握，不想给您说错。您是不是想问下面这些？也可以转给工作人员。"


def _payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def card_button(card: Card, title: str | None = None) -> dict[str, str]:
    """A button that answers one card directly."""
    return {"title": title or card.title, "payload": _payload("ask_policy", card_id=card.id)}


def passage_button(passage: Passage) -> dict[str, str]:
    """A button that shows one article or section in full."""
    label = passage.article or "全文"
    return {"title": f"查看《{passage.document}》{label}原文", "payload": _payload("ask_policy", passage_key=passage.key)}


def suggestion_button(hit: Hit) -> dict[str, str]:
    """A suggestion for an unsure answer: the card, or the passage's full text."""
    return card_button(hit.unit) if isinstance(hit.unit, Card) else passage_button(hit.unit)


def render_card(card: Card, named_places: set[str], note: str = "") -> str:
    """The card's answer, a hint when it is a local figure the user did not ask for, a note, and its source."""
    text = card.answer
    if card.is_local and card.region not in named_places:
        text += f"\n（这是{card.region}的做法，其他地方请以当地民政部门的规定为准。）"
    if note:
        text += f"\n{note}"
    return f"{text}\n{card.basis()}"


def render_excerpt(passage: Passage) -> str:
    """The start of a passage, as an answer, with where it comes from."""
    text = passage.text if len(passage.text) <= EXCERPT_CHARS else passage.text[:EXCERPT_CHARS] + "……"
    return f"{text}\n依据：{passage.citation()}"


def render_full(passage: Passage) -> str:
    """A whole article or section, for a user who asked to read it."""
    text = passage.text if len(passage.text) <= FULL_TEXT_CHARS else passage.text[:FULL_TEXT_CHARS] + "……"
    return f"{passage.citation()}：\n{text}"


class ActionAnswerPolicy(Action):
    """Finds the card or passage for the question and replies with the answer and its source."""

    def name(self) -> str:
        return "action_answer_policy"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        retriever = get_retriever()
        remembered = tracker.get_slot("user_region")
        card_id = next(tracker.get_latest_entity_values("card_id"), None)
        if card_id in retriever.cards:
            card = retriever.cards[card_id]
            self._answer_card(dispatcher, retriever, card, {card.region})
            return []
        passage_key = next(tracker.get_latest_entity_values("passage_key"), None)
        if passage_key in retriever.passages:
            dispatcher.utter_message(text=render_full(retriever.passages[passage_key]))
            return []
        question = tracker.latest_message.get("text") or ""
        if not question.strip() or question.startswith("/"):
            dispatcher.utter_message(text="请直接打字问我，比如：", buttons=[{"title": q, "payload": q} for q in EXAMPLES])
            return []
        article = retriever.find_article(question)
        if article is not None:
            dispatcher.utter_message(text=render_full(article))
            return []
        named = retriever.places(question)
        events: list[EventType] = [SlotSet("user_region", next(iter(named)))] if len(named) == 1 else []
        region = next(iter(named)) if len(named) == 1 else remembered
        hits = retriever.search(question, k=12, region=region)
        if not retriever.confident(hits):
            logger.info("no confident answer (best %.3f)", hits[0].score if hits else 0.0)
            dispatcher.utter_message(text=NOT_SURE, buttons=[suggestion_button(h) for h in hits[:3]] + [HUMAN_BUTTON])
            return events
        top = hits[0]
        if isinstance(top.unit, Passage):
            dispatcher.utter_message(text=render_excerpt(top.unit), buttons=[passage_button(top.unit)])
            return events
        places = named | ({region} if region else set())
        self._answer_card(dispatcher, retriever, top.unit, places, local_alternatives(hits, places))
        return events

    @staticmethod
    def _answer_card(
        dispatcher: CollectingDispatcher,
        retriever: Retriever,
        card: Card,
        places: set[str],
        alternatives: list[Card] | None = None,
    ) -> None:
        note, buttons = "", []
        if alternatives:
            names = "、".join(c.region for c in alternatives)
            note = f"各地标准不一样，{names}有自己的规定。您在哪个县（市）？点一下可以看当地的。"
            buttons = [card_button(c, f"{c.region}的规定") for c in alternatives]
        text = render_card(card, places, note)
        supporting = retriever.supporting_passage(card)
        if supporting is not None:
            buttons.append(passage_button(supporting))
        dispatcher.utter_message(text=text, buttons=buttons or None)


def local_alternatives(hits: list[Hit], places: set[str], window: float = 0.06) -> list[Card]:
    """Local cards of other places on the same topic as a national top card, one per place.

    They were pushed below the national card (by ``OTHER_PLACE_PENALTY``) because
    the user named no place; when, before that, they were close to it, their
    places have figures of their own.
    """
    top = hits[0]
    if top.unit.is_local or not isinstance(top.unit, Card):
        return []
    seen: dict[str, Card] = {}
    for hit in hits[1:]:
        unit = hit.unit
        close = hit.score + OTHER_PLACE_PENALTY >= top.score - window
        if isinstance(unit, Card) and unit.is_local and unit.region not in places and close:
            seen.setdefault(unit.region, unit)
    return list(seen.values())[:3]
