"""Telegram chat ids and Rasa conversation ids: ``tg:<chat id>`` is the one mapping between them."""
from __future__ import annotations


def sender_of(chat_id: int) -> str:
    """The Rasa conversation id of a Telegram chat."""
    return f"tg:{chat_id}"


def chat_of(sender: str) -> int | None:
    """The Telegram chat id of a Rasa conversation id, if it is a Telegram one."""
    return int(sender[3:]) if sender.startswith("tg:") and sender[3:].lstrip("-").isdigit() else None
