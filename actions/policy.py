"""Answering a policy question from the knowledge base, with its source, or not guessing."""
from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guard import polite
from knowledge.retrieve import Hit, get_retriever, min_score

logger = logging.getLogger(__name__)

HUMAN_BUTTON = {"title": "转人工", "payload": "/request_human"}
EXAMPLES = ("孤儿基本生活费标准是多少", "外出打工要怎么安排孩子", "哪些情况必须强制报告")


def card_button(hit: Hit) -> dict[str, str]:
    """A suggestion button that answers one card directly."""
    return {"title": hit.card.title, "payload": f'/ask_policy{{"card_id":"{hit.card.id}"}}'}


def render_answer(hit: Hit, named_places: set[str]) -> str:
    """The card's answer, a hint when it is a local figure the user did not ask for, and its source."""
    text = hit.card.answer
    if hit.card.is_local and hit.card.region not in named_places:
        text += f"\n（这是{hit.card.region}的做法，其他地方请以当地民政部门的规定为准。）"
    return f"{text}\n{hit.card.basis()}"


class ActionAnswerPolicy(Action):
    """Finds the card for the question and replies with its answer and source."""

    def name(self) -> str:
        return "action_answer_policy"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        retriever = get_retriever()
        card_id = next(tracker.get_latest_entity_values("card_id"), None)
        if card_id in retriever.cards:
            dispatcher.utter_message(text=render_answer(Hit(retriever.cards[card_id], 1.0), {retriever.cards[card_id].region}))
            return []
        question = tracker.latest_message.get("text") or ""
        if not question.strip() or question.startswith("/"):
            dispatcher.utter_message(
                text="请直接打字问我，比如：",
                buttons=[{"title": q, "payload": q} for q in EXAMPLES],
            )
            return []
        hits = retriever.search(question, k=3)
        if hits and hits[0].score >= min_score():
            dispatcher.utter_message(text=render_answer(hits[0], retriever.places(question)))
            return []
        logger.info("no confident card (best %.3f)", hits[0].score if hits else 0.0)
        dispatcher.utter_message(
            text="这个问题我没有把握，不想给您说错。您是不是想问下面这些？也可以转给工作人员。",
            buttons=[card_button(h) for h in hits[:3]] + [HUMAN_BUTTON],
        )
        return []
