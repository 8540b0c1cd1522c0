"""Saving a confirmed form: one place that turns a database failure into a kind reply."""
from __future__ import annotations

import logging
from typing import Any, Callable

from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from records.store import submission_key

logger = logging.getLogger(__name__)

SAVE_FAILED = (
    "抱歉，系统暂时保存不了（不是您的问题）。您填的内容我都记着，"
    "请过几分钟再点“确认提交”；如果孩子有危险，请直接拨打110。"
)


def submit_or_apologise(
    dispatcher: CollectingDispatcher,
    save: Callable[..., str],
    sender_id: str,
    form: str,
    answers: dict[str, Any],
) -> str | None:
    """Save ``answers`` through ``save``; the reference number, or None after apologising."""
    key = submission_key(sender_id, form, answers)
    try:
        ref = save(sender_id, key, **answers)
    except (SQLAlchemyError, OSError):
        logger.exception("saving %s failed", form)  # no answers in the log: they are personal data
        dispatcher.utter_message(text=SAVE_FAILED)
        return None
    logger.info("saved %s as %s", form, ref)
    return ref


def retry_events(form: str, confirm_slot: str) -> list[EventType]:
    """After a failed save: reopen the form at its summary, every answer kept."""
    return [SlotSet(confirm_slot, None), FollowupAction(form)]
