"""报备: a parent going away to work registers who looks after their child.

The guardian's consent comes first, with the reason, before any of the
child's data is asked (《个人信息保护法》第31条). After saving, the parent is
reminded of their duties under 《未成年人保护法》第22–23条.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms.base import Answer, Field, TaskForm, ask_confirmation, clear_form
from actions.guard import polite
from actions.forms.submit import retry_events, submit_or_apologise
from actions.parsing import (
    parse_age,
    parse_name,
    parse_phone,
    parse_relation,
    parse_return_time,
    parse_text,
    parse_yes_no,
)
from records.store import save_registration

logger = logging.getLogger(__name__)


def _consent(answer: Answer) -> bool:
    return parse_yes_no(answer.text, answer.intent)


def _yes_no(value: Any) -> str:
    return "同意" if value else "不同意"


class ValidateDepartureForm(TaskForm):
    """Checks each answer of the departure registration."""

    form = "departure_form"
    prefix = "dep"
    fields = (
        Field("dep_consent", "同意共享给儿童主任", _consent, _yes_no),
        Field("dep_child_name", "孩子姓名", lambda a: parse_name(a.text, "孩子的名字"), aliases=("孩子名字", "名字")),
        Field("dep_child_age", "孩子年龄", lambda a: parse_age(a.text), lambda v: f"{v}岁", ("年龄", "几岁")),
        Field("dep_village", "所在村（社区）", lambda a: parse_text(a.text, "村名", min_len=2), aliases=("村", "社区")),
        Field("dep_carer_name", "照顾人姓名", lambda a: parse_name(a.text, "照顾人的名字"), aliases=("照顾人",)),
        Field("dep_carer_relation", "照顾人和孩子的关系", lambda a: parse_relation(a.text), aliases=("关系",)),
        Field("dep_carer_phone", "照顾人电话", lambda a: parse_phone(a.text), aliases=("照顾人的电话",)),
        Field("dep_work_city", "您务工的城市", lambda a: parse_text(a.text, "城市", min_len=2), aliases=("城市", "务工地")),
        Field("dep_parent_phone", "您的电话", lambda a: parse_phone(a.text), aliases=("我的电话", "我的手机", "您的手机")),
        Field("dep_return_date", "预计回来时间", lambda a: parse_return_time(a.text, a.today), aliases=("回来", "返回")),
    )

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """Without consent nothing more is asked."""
        if tracker.get_slot("dep_consent") is False:
            return ["dep_consent"]
        return self.slot_names()


class ActionAskDepConfirmed(Action):
    """Shows the registration for the parent to check."""

    def name(self) -> str:
        return "action_ask_dep_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ask_confirmation(ValidateDepartureForm, dispatcher, tracker)
        return []


DUTIES = (
    "温馨提醒，按照《未成年人保护法》第22条、第23条，外出务工的父母要：\n"
    "1. 把孩子委托给有完全民事行为能力、能照顾好孩子的成年人；\n"
    "2. 书面告诉孩子的学校（幼儿园）和村（居）委会；\n"
    "3. 每周至少和孩子、照顾人联系一次。"
)


class ActionSubmitDeparture(Action):
    """Saves the registration and tells the parent what happens next."""

    def name(self) -> str:
        return "action_submit_departure"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        slots = tracker.slots
        if slots.get("dep_consent") is not True:
            dispatcher.utter_message(
                text="好的，没有您的同意，我们不会记录孩子的任何信息。您也可以直接联系村里的儿童主任当面报备。"
            )
            return clear_form(ValidateDepartureForm)
        if slots.get("dep_confirmed") is not True:
            return clear_form(ValidateDepartureForm)
        answers = {
            "child_name": slots["dep_child_name"],
            "child_age": int(slots["dep_child_age"]),
            "village": slots["dep_village"],
            "carer_name": slots["dep_carer_name"],
            "carer_relation": slots["dep_carer_relation"],
            "carer_phone": slots["dep_carer_phone"],
            "work_city": slots["dep_work_city"],
            "parent_phone": slots["dep_parent_phone"],
            "expected_return": slots["dep_return_date"],
            "consent_to_share": True,
        }
        ref = submit_or_apologise(dispatcher, save_registration, tracker.sender_id, "departure_form", answers)
        if ref is None:
            return retry_events(ValidateDepartureForm.form, ValidateDepartureForm.confirm_slot())
        dispatcher.utter_message(
            text=f"登记好了，编号 {ref}。信息会交给{answers['village']}的儿童主任，他们会定期关心孩子的情况。"
        )
        dispatcher.utter_message(text=DUTIES)
        return clear_form(ValidateDepartureForm) + [SlotSet("paused_form", None)]
