"""A child in danger now: say "call 110" first, alert staff, then offer to file a report.

Runs at any point, inside a form too. An open form is paused with every answer
kept, so the user can come back to it. Someone hurt, poisoned or drowning:
120 first; a child talking of suicide or self-harm: 120/110 and the crisis
lines (``actions.safety``).
"""
from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms.base import RESUMABLE_FORMS, pause_form
from actions.forms.report import keep_emergency_words
from actions.handoff import HUMAN_BUTTON
from actions.harm_heard import REPORT_BUTTON
from actions.safety import call_now, latest_grade
from nlu.components.question_shape import in_danger_oneself
from nlu.components.text_normaliser import normalise
from records.models import TicketReason
from records.tickets import open_ticket

logger = logging.getLogger(__name__)


AFTER_THE_CALL = "报警之后，如果方便，可以在这里把情况记录下来，作为强制报告提交。"
# A fire is most often an accident: the report is for a child found left alone or hurt by someone, said so.
AFTER_A_FIRE = "等孩子安全了，如果孩子是没人照看或被人伤害的，可以在这里把情况记录下来，作为强制报告提交。"


class ActionUrgentHelp(Action):
    """The emergency reply; never fails before the first line is said."""

    def name(self) -> str:
        return "action_urgent_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        grade = latest_grade(tracker)
        oneself = in_danger_oneself(normalise(str(tracker.latest_message.get("text") or "")))
        dispatcher.utter_message(text=call_now(grade, oneself))
        events: list[EventType] = []
        try:
            summary = "紧急情况：自伤或轻生" if grade.self_harm else "紧急情况"
            ref = open_ticket(tracker.sender_id, TicketReason.URGENT, summary=summary, urgent=True)
            staff_line = (f"我已请工作人员来帮你（工单号 {ref}），他们会尽快在这里回复你。" if oneself
                          else f"我已通知工作人员（工单号 {ref}）。")
        except Exception as error:  # noqa: BLE001 - the 110 line above must stand whatever happens
            logger.error("could not open an urgent ticket: %s", type(error).__name__)
            staff_line = ""
        buttons = [REPORT_BUTTON, HUMAN_BUTTON]
        if tracker.active_loop_name in (None, "report_form") or tracker.get_slot("paused_form") == "report_form":
            events = keep_emergency_words(tracker)  # the report offered below starts from what was just said
        if tracker.active_loop_name in RESUMABLE_FORMS:
            events += pause_form(tracker.active_loop_name)
            buttons.append({"title": "继续刚才的填写", "payload": "/resume_form"})
        elif tracker.active_loop_name:  # giving a code or changing a filed registration: simply stopped
            events = [SlotSet("requested_slot", None), ActiveLoop(None)]
        if oneself:  # no form for the child or the person at risk: a person to talk to
            dispatcher.utter_message(text=staff_line, buttons=[HUMAN_BUTTON])
            return events
        dispatcher.utter_message(text=staff_line + (AFTER_A_FIRE if grade.fire else AFTER_THE_CALL), buttons=buttons)
        return events
