"""A child in danger now: say "call 110" first, alert staff, then offer to file a report.

Runs at any point, inside a form too. An open form is paused with every answer
kept, so the user can come back to it.
"""
from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms.base import pause_form
from actions.handoff import HUMAN_BUTTON
from records.tickets import open_ticket

logger = logging.getLogger(__name__)

CALL_NOW = "请马上拨打110报警！孩子有生命危险时同时拨打120。未成年人保护求助热线：12345。先保证孩子和您自己的安全。"


class ActionUrgentHelp(Action):
    """The emergency reply; never fails before the first line is said."""

    def name(self) -> str:
        return "action_urgent_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(text=CALL_NOW)
        events: list[EventType] = []
        try:
            ref = open_ticket(tracker.sender_id, "urgent", summary="紧急情况", urgent=True)
            staff_line = f"我已通知工作人员（工单号 {ref}）。"
        except Exception as error:  # noqa: BLE001 - the 110 line above must stand whatever happens
            logger.error("could not open an urgent ticket: %s", type(error).__name__)
            staff_line = ""
        buttons = [{"title": "填写强制报告", "payload": "/report_concern"}, HUMAN_BUTTON]
        if tracker.active_loop_name:
            events = pause_form(tracker.active_loop_name)
            buttons.append({"title": "继续刚才的填写", "payload": "/resume_form"})
        dispatcher.utter_message(
            text=staff_line + "报警之后，如果方便，可以在这里把情况记录下来，作为强制报告提交。",
            buttons=buttons,
        )
        return events
