"""Users' messages waiting for Rasa while it is down, oldest first, kept until Rasa has answered them.

The relays (``bot.relay.conversations``) hold a message here when Rasa cannot take
it and retry from here, so neither a Rasa outage nor a relay restart loses one.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from records.db import session_scope
from records.models import HeldMessage


@dataclass(frozen=True)
class Held:
    """One waiting message."""

    id: int
    sender_id: str
    text: str
    metadata: dict[str, Any]


def hold(sender_id: str, text: str, metadata: dict[str, Any]) -> int:
    """Keep a message for a later retry; its id."""
    with session_scope() as session:
        row = HeldMessage(sender_id=sender_id, text=text, metadata_json=json.dumps(metadata, ensure_ascii=False))
        session.add(row)
        session.flush()
        return row.id


def held_for(sender_id: str) -> list[Held]:
    """The sender's waiting messages, oldest first."""
    with session_scope() as session:
        rows = session.scalars(select(HeldMessage).where(HeldMessage.sender_id == sender_id)
                               .order_by(HeldMessage.id)).all()
        return [Held(r.id, r.sender_id, r.text, json.loads(r.metadata_json or "{}")) for r in rows]


def senders_waiting(prefix: str) -> list[str]:
    """Everyone with a waiting message whose conversation id starts with ``prefix`` (a channel's ``tg:``)."""
    with session_scope() as session:
        return list(session.scalars(select(HeldMessage.sender_id)
                                    .where(HeldMessage.sender_id.startswith(prefix)).distinct()))


def release(message_id: int) -> None:
    """Rasa answered it: forget it."""
    with session_scope() as session:
        session.execute(delete(HeldMessage).where(HeldMessage.id == message_id))
