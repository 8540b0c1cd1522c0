"""Where the core's messages leave: each adapter's ``Outlet``, and ``UserPost``, which reaches a user on any channel."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.relay.ids import channel_of

logger = logging.getLogger(__name__)


class Outlet(Protocol):
    """One channel's way of showing things to its users (the adapter implements it)."""

    channel: str  # the sender prefix it serves: "tg", "wecom"

    async def deliver(self, sender: str, replies: list[dict[str, Any]]) -> None:
        """Show one turn of Rasa's replies (text, buttons, images); what cannot go now must not be lost."""

    async def notify(self, sender: str, text: str) -> bool:
        """Send one plain text; False when the channel cannot take it now (it is then kept for later)."""


class UserPost:
    """Reaches a user on any channel: through this process's outlet for its own channel, else the outbox.

    A staff reply typed in the Telegram group to a parent on WeChat is queued in the outbox, which the
    WeCom process pushes; one the channel refuses now (WeCom's quota, Telegram down) waits there too.
    """

    def __init__(self, *outlets: Outlet) -> None:
        self._outlets: dict[str, Outlet] = {o.channel: o for o in outlets}

    def add(self, outlet: Outlet) -> None:
        """Serve ``outlet``'s channel directly from this process."""
        self._outlets[outlet.channel] = outlet

    def serves(self, sender: str) -> bool:
        """True when this process reaches ``sender`` directly."""
        return channel_of(sender) in self._outlets

    async def tell(self, sender: str, text: str, kind: str = "handoff") -> None:
        """Send ``text`` to ``sender`` now if this process can, else keep it in the outbox for their channel."""
        outlet = self._outlets.get(channel_of(sender))
        if outlet is not None and await outlet.notify(sender, text):
            return
        from records.outbox import post

        try:
            post(sender, kind, text)
        except SQLAlchemyError as error:
            logger.error("a message for a user could not be kept for later: %s", type(error).__name__)


async def push_outbox(outlet: Outlet, only: str | None = None) -> int:
    """Send what waits in the outbox for ``outlet``'s users (notifications, staff replies, held-back replies),
    or for the one user ``only``.

    Stops at a user's first message the channel refuses, so the rest keep their order for the next push.
    """
    from records.outbox import mark_delivered, pending, pending_recipients
    from records.worklist import queue_visit_reminders_once_today

    sent = 0
    try:
        if only is None:
            queue_visit_reminders_once_today(dt.date.today())
        recipients = [only] if only is not None else pending_recipients()
        for recipient in [r for r in recipients if channel_of(r) == outlet.channel]:
            delivered = []
            for note in pending(recipient):
                if not await outlet.notify(recipient, note.text):
                    break
                delivered.append(note.id)
            mark_delivered(delivered)
            sent += len(delivered)
    except SQLAlchemyError as error:
        logger.warning("the outbox could not be read: %s", type(error).__name__)
    return sent
