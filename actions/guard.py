"""No stack trace ever reaches a user: a failing action apologises instead.

``polite`` wraps an action's ``run``; on any exception it logs the error type
and where it happened (never the message text or slot values, which may hold
personal data) and tells the user, in Chinese, what to do.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Awaitable, Callable

from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)

SORRY = "抱歉，系统出了点问题，您说的内容没有丢。请稍后再试，或回复“转人工”；如果孩子有危险，请马上拨打110。"

Run = Callable[..., Awaitable[list[dict[str, Any]]]]


def polite(run: Run) -> Run:
    """Decorate an action's ``run`` so an unexpected error becomes a kind reply."""

    @functools.wraps(run)
    async def guarded(self: Any, dispatcher: CollectingDispatcher, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        try:
            return await run(self, dispatcher, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - this is the last line of defence
            logger.error("action %s failed: %s", type(self).__name__, type(error).__name__, exc_info=False)
            dispatcher.utter_message(text=SORRY)
            return []

    return guarded
