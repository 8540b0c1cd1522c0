"""Saving a confirmed form: one place that turns a database failure or a refusal into a kind reply."""
from __future__ import annotations

import logging
from typing import Any, Callable

from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from records.filing import Filed
from records.keys import submission_key
from records.people import NotAllowed

logger = logging.getLogger(__name__)

SAVE_FAILED = (
    "抱歉，系统暂时保存不了（不是您的问题）。您填的内容我都记着，"
    "请过几分钟再点“确认提交”；如果孩子有危险，请直接拨打110。"
)
RETRY_BUTTON = {"title": "确认提交", "payload": "/affirm"}


def submit_or_apologise(
    dispatcher: CollectingDispatcher,
    file: Callable[[str], Filed],
    sender_id: str,
    form: str,
    answers: dict[str, Any],
) -> Filed | None:
    """File ``answers`` through ``file(submission_key)``; what was filed, or None after saying why not.

    The key comes from the sender and the answers, so pressing "确认提交"
    again after a failure, or a resent message, files once.
    """
    key = submission_key(sender_id, form, answers)
    try:
        filed = file(key)
    except NotAllowed as refusal:
        dispatcher.utter_message(text=str(refusal))
        return None
    except (SQLAlchemyError, OSError) as error:
        logger.error("saving %s failed: %s", form, type(error).__name__)  # no answers: they are personal data
        dispatcher.utter_message(text=SAVE_FAILED, buttons=[RETRY_BUTTON])
        return None
    logger.info("saved %s as %s%s", form, filed.ref, " (a resend: not saved again)" if filed.duplicate else "")
    return filed


def tell_already_filed(dispatcher: CollectingDispatcher, filed: Filed, what: str) -> bool:
    """For a resend of something already filed: say so with its number; True when it was one."""
    if filed.duplicate:
        dispatcher.utter_message(text=f"这份{what}已经提交过了，编号 {filed.ref}，不会重复保存。")
    return filed.duplicate


def retry_events(form: str, confirm_slot: str) -> list[EventType]:
    """After a failed save: reopen the form at its summary, every answer kept."""
    return [SlotSet(confirm_slot, None), FollowupAction(form)]
