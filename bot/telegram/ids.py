"""Telegram chat ids and Rasa conversation ids: ``tg:<chat id>`` (``bot.relay.ids``)."""
from __future__ import annotations

from bot.relay.ids import TELEGRAM, channel_of, sender_id


def sender_of(chat_id: int) -> str:
    """The Rasa conversation id of a Telegram chat."""
    return sender_id(TELEGRAM, chat_id)


def chat_of(sender: str) -> int | None:
    """The Telegram chat id of a Rasa conversation id, if it is a Telegram one."""
    if channel_of(sender) != TELEGRAM:
        return None
    rest = sender.split(":", 1)[1]
    return int(rest) if rest.lstrip("-").isdigit() else None
