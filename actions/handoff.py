"""Handing a conversation to a person: a ticket staff can see, and a clear word on what happens next."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guard import polite
from records.tickets import open_ticket

# Whenever the bot offers a person, this is the button (the payload is part of the conversation contract).
HUMAN_BUTTON = {"title": "转人工", "payload": "/request_human"}


class ActionRequestHuman(Action):
    """Opens (or reuses) a handoff ticket and tells the user what happens next."""

    def name(self) -> str:
        return "action_request_human"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ref = open_ticket(tracker.sender_id, "user_request", summary="用户要求转人工")
        dispatcher.utter_message(
            text=f"好的，已经帮您转给民政工作人员，工单号 {ref}。工作人员上班时间会尽快在这里回复您。"
            "如果孩子正面临危险，请不要等，马上拨打110；未成年人保护热线12345。"
        )
        return []
