"""Who is chatting: redeeming an invite code, and the one check every director-only task makes.

The ``invite_form`` asks for the code when the message that started it had
none (``验证身份`` alone); a code typed with it (``验证身份 K7QM-2XPA``) or a
Telegram deep link is used at once.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.forms.base import ANSWERS_CLEARED
from actions.guard import polite
from actions.handoff import HUMAN_BUTTON
from actions.policy import TASK_BUTTONS, VISIT_LIST_BUTTON
from actions.parsing import BadAnswer
from records.models import ROLE_NAMES
from records.people import Actor, InviteError, actor_for, find_code, redeem_invite

logger = logging.getLogger(__name__)

VERIFY_BUTTON = {"title": "验证身份", "payload": "/redeem_invite"}
DB_DOWN = "抱歉，系统暂时连不上（不是您的问题），请过几分钟再试。"
DIRECTOR_ONLY = (
    "这个功能只对已验证的儿童主任开放。如果您是儿童主任，请先输入民政工作人员给您的邀请码验证身份"
    "（对我说“验证身份”）。"
)


def describe(actor: Actor) -> str:
    """'歇马街道大磨滩村的儿童主任' for a verified person."""
    place = "".join(p for p in (actor.county, actor.township, actor.village) if p)
    return f"{place}的{ROLE_NAMES[actor.role]}" if place else ROLE_NAMES[actor.role]


def redeem(sender_id: str, text: str) -> Actor:
    """Redeem the code in ``text`` for ``sender_id``; BadAnswer with the reason when it can't be."""
    try:
        return redeem_invite(sender_id, text)
    except InviteError as problem:
        raise BadAnswer(str(problem)) from None
    except SQLAlchemyError as error:
        logger.error("redeeming an invite failed: %s", type(error).__name__)
        raise BadAnswer(DB_DOWN) from None


def verified_director(sender_id: str) -> Actor | None:
    """The verified director behind ``sender_id``, or None (also when the database can't be reached)."""
    try:
        actor = actor_for(sender_id)
    except SQLAlchemyError as error:
        logger.error("looking up a person failed: %s", type(error).__name__)
        return None
    return actor if actor.role == "director" else None


class ValidateInviteForm(FormValidationAction):
    """Redeems the code; a wrong one is explained and asked again."""

    def name(self) -> str:
        return "validate_invite_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        return ["invite_code"]

    async def validate_invite_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "") if find_code(str(value or "")) else (tracker.latest_message.get("text") or "")
        try:
            actor = redeem(tracker.sender_id, text)
        except BadAnswer as problem:
            dispatcher.utter_message(text=str(problem))
            return {"invite_code": None}
        return {"invite_code": actor.role}

    async def extract_invite_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A code in the message that started the form counts as the answer."""
        if tracker.get_slot("invite_code") or tracker.get_slot("requested_slot"):
            return {}
        code = find_code(tracker.latest_message.get("text") or "")
        return {"invite_code": code} if code else {}


class ActionAskInviteCode(Action):
    """Asks for the code and says what it is for."""

    def name(self) -> str:
        return "action_ask_invite_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(
            text="请输入民政工作人员给您的8位邀请码（例如 K7QM-2XPA）。验证后，您就可以在这里填写探访记录、查看本村的走访名单。",
            buttons=[{"title": "取消", "payload": "/cancel"}, HUMAN_BUTTON],
        )
        return []


class ActionSubmitInvite(Action):
    """Says what the person can now do."""

    def name(self) -> str:
        return "action_submit_invite"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not tracker.get_slot("invite_code"):
            return [SlotSet("invite_code", None)]
        actor = actor_for(tracker.sender_id)
        text = f"验证成功，您是{describe(actor)}。"
        if actor.role == "director":
            text += "现在可以填写探访记录（说“填写探访记录”），或问我“我这周要走访谁”。"
            buttons = [TASK_BUTTONS["log_visit"], VISIT_LIST_BUTTON]
        else:
            text += "强制报告和转人工的工单会按您负责的地方发给您。"
            buttons = []
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("invite_code", None), SlotSet(ANSWERS_CLEARED, "invite_form")]
