"""Rasa conversation ids of every channel: ``<channel>:<id>``, the one mapping between a chat and Rasa."""
from __future__ import annotations

TELEGRAM = "tg"
WECOM = "wecom"


def sender_id(channel: str, *parts: str | int) -> str:
    """The Rasa conversation id of a chat on ``channel`` (``tg:42``, ``wecom:<open_kfid>:<external_userid>``)."""
    return ":".join([channel, *map(str, parts)])


def channel_of(sender: str) -> str:
    """The channel a conversation id belongs to ('' for one without a channel prefix, e.g. the local chat)."""
    return sender.split(":", 1)[0] if ":" in sender else ""
