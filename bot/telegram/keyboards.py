"""Rasa's buttons as Telegram inline keyboards, each button a short id (``bot.relay.payloads``)."""
from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.relay.payloads import PayloadMap


def keyboard(buttons: list[dict[str, Any]], payloads: PayloadMap) -> InlineKeyboardMarkup | None:
    """One button per row (titles are Chinese phrases, often long), or None without buttons."""
    rows = [
        [InlineKeyboardButton(str(b.get("title") or b.get("payload") or "")[:64],
                              callback_data=payloads.short_id(str(b.get("payload") or b.get("title") or "")))]
        for b in buttons
    ]
    return InlineKeyboardMarkup(rows) if rows else None
