"""Rasa's buttons as Telegram inline keyboards.

Telegram's ``callback_data`` holds at most 64 bytes and a Rasa payload may be
longer (``/redeem_invite{"invite_code": …}``, 修改照顾人和孩子的关系), so each
button carries a short id and the relay keeps the payload it stands for.
"""
from __future__ import annotations

import secrets
from collections import OrderedDict
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_KEPT = 20_000


class PayloadMap:
    """Short ids for button payloads, the most recent ``MAX_KEPT`` kept."""

    def __init__(self, limit: int = MAX_KEPT) -> None:
        self._payloads: OrderedDict[str, str] = OrderedDict()
        self._limit = limit

    def short_id(self, payload: str) -> str:
        """A fresh id of 10 characters standing for ``payload``."""
        key = "b:" + secrets.token_urlsafe(6)
        self._payloads[key] = payload
        while len(self._payloads) > self._limit:
            self._payloads.popitem(last=False)
        return key

    def payload(self, key: str | None) -> str | None:
        """The payload a button's id stands for; None for an unknown or forgotten id."""
        return self._payloads.get(key or "")


def keyboard(buttons: list[dict[str, Any]], payloads: PayloadMap) -> InlineKeyboardMarkup | None:
    """One button per row (titles are Chinese phrases, often long), or None without buttons."""
    rows = [
        [InlineKeyboardButton(str(b.get("title") or b.get("payload") or "")[:64],
                              callback_data=payloads.short_id(str(b.get("payload") or b.get("title") or "")))]
        for b in buttons
    ]
    return InlineKeyboardMarkup(rows) if rows else None
