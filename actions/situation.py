"""What the bot says to someone who tells who they are but not yet what they want.

A parent's first message is often their situation, not a question: "我在广东打工 孩子在老家跟他奶奶". It is
no report to file and no policy question; a "没太明白" or a report form is a dead end for them. They are
told what the bot can do for a parent away, the free registration first (offered, so "好" starts it).
"""
from __future__ import annotations

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import HUMAN_BUTTON
from actions.harm_heard import REPORT_BUTTON
from actions.policy import OFFER_SLOT, TASK_BUTTONS
from actions.safety import DangerGrade, caution

PARENT_AWAY_REPLY = (
    "您在外面打工，还惦记着家里的孩子，辛苦了。我能帮您这些：\n"
    "· 外出务工报备：免费，让村里的儿童主任知道孩子由谁照顾、怎么联系到您；\n"
    "· 回答问题：比如谁能当照顾人、照顾人病了怎么办、孩子能领哪些补贴。\n"
    "想问什么，直接打字问我就行。"
)


def greet_parent_away(dispatcher: CollectingDispatcher, grade: DangerGrade) -> list[EventType]:
    """A parent away told their situation: what the bot can do, the registration offered (the 110 line first
    when the words carried a worry, and the report among the buttons)."""
    opening = caution(grade)
    buttons = [TASK_BUTTONS["register_departure"], *([REPORT_BUTTON] if grade.worrying else []), HUMAN_BUTTON]
    dispatcher.utter_message(text=f"{opening}\n{PARENT_AWAY_REPLY}" if opening else PARENT_AWAY_REPLY, buttons=buttons)
    return [SlotSet(OFFER_SLOT, "register_departure")]
