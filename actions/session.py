"""A new conversation session: what is carried over from the last one.

A parent who comes back the next day finds what they had told the bot kept
(``carry_over_slots_to_new_session``), but no form is open any more. Rasa's
default carries ``requested_slot`` too, so the next form to open took its
first message for the answer to a question asked yesterday (and said the 110
line twice). Rasa's documented way to change this is a custom
``action_session_start``.
"""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

# The question of the form that was open, meaningless once it is closed, and a task offered last time (a "好"
# tomorrow is no answer to it).
NOT_CARRIED = frozenset({"requested_slot", "offered_task"})


class ActionSessionStart(Action):
    """Starts a session carrying over every filled slot but the question a closed form was asking."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        carried = [SlotSet(name, value) for name, value in tracker.slots.items()
                   if value is not None and name not in NOT_CARRIED]
        return [SessionStarted(), *carried, ActionExecuted("action_listen")]
