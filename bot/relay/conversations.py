"""Between any chat channel and Rasa: rate limit, handoff routing, ordered delivery, nothing dropped.

- Each message goes to Rasa's relay channel as its sender id (``bot.relay.ids``).
- While the user has an open ticket that pauses the bot, their messages go to
  the staff side instead (``Desk.from_user``). This is decided from the ticket
  in the records, not from Rasa's pause flag, so a Rasa session expiry cannot
  silently un-pause a conversation.
- When Rasa can't answer, the user is told once and their messages wait in a
  per-user queue, retried in order until Rasa answers.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.relay.limits import RateLimiter
from bot.relay.outlets import Outlet
from bot.relay.rasa_gateway import RasaGateway, RasaUnavailable
from records.models import HandoffTicket
from records.tickets import PAUSING_REASONS, open_ticket_for

logger = logging.getLogger(__name__)

RASA_DOWN = "护童助手暂时有点忙，您的消息我已经记下了，稍后会自动回复您。如果孩子有危险，请马上拨打110。"
SLOW_DOWN = "您发得太快了，请稍等一会儿再发。"


class Desk(Protocol):
    """The staff side as the core sees it (the Telegram staff group, a WeCom 接待人员)."""

    async def after_bot_turn(self, sender: str) -> None:
        """The bot answered ``sender``: bring a ticket that turn opened to staff."""

    async def from_user(self, ticket: HandoffTicket, text: str) -> None:
        """A user's message while a person has their conversation."""


@dataclass
class Waiting:
    """A message Rasa could not take yet."""

    text: str
    metadata: dict[str, Any]


class Conversations:
    """Every conversation of one channel's users with the bot or, while handed off, with staff."""

    def __init__(self, rasa: RasaGateway, desk: Desk, outlet: Outlet, limiter: RateLimiter) -> None:
        self.rasa, self.desk, self.outlet, self.limiter = rasa, desk, outlet, limiter
        self.waiting: dict[str, deque[Waiting]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def _lock(self, sender: str) -> asyncio.Lock:
        return self._locks.setdefault(sender, asyncio.Lock())

    async def forward(self, sender: str, shown: str, sent: str, metadata: dict[str, Any]) -> None:
        """Within the rate limit: ``shown`` (what the user wrote) to staff while a person has the
        conversation, else ``sent`` (the text or payload it stands for) to Rasa."""
        if await self.over_limit(sender):
            return
        if await self.handed_off(sender, shown):
            return
        await self.to_rasa(sender, sent, metadata)

    async def over_limit(self, sender: str) -> bool:
        """Count a message; True (and one "slow down" per flood) when the user is over the limit."""
        if self.limiter.allow(sender):
            return False
        if self.limiter.first_refusal(sender):
            await self.outlet.notify(sender, SLOW_DOWN)
        return True

    async def handed_off(self, sender: str, text: str) -> bool:
        """If a person has this conversation, pass ``text`` to them; True when it was passed."""
        try:
            ticket = open_ticket_for(sender)
        except SQLAlchemyError:
            return False
        if ticket is None or ticket.reason not in PAUSING_REASONS:
            return False
        await self.desk.from_user(ticket, text)
        return True

    async def to_rasa(self, sender: str, text: str, metadata: dict[str, Any]) -> None:
        """Send ``text`` to Rasa (after anything still waiting) and show the replies; queue it if Rasa is down."""
        async with self._lock(sender):
            queue = self.waiting.get(sender)
            if queue:
                queue.append(Waiting(text, metadata))
                return
            try:
                replies = await self.rasa.send(sender, text, metadata)
            except RasaUnavailable as error:
                logger.warning("Rasa unavailable (%s); a message waits for a retry", error)
                self.waiting[sender] = deque([Waiting(text, metadata)])
                await self.outlet.notify(sender, RASA_DOWN)
                return
            await self.outlet.deliver(sender, replies)
        await self.desk.after_bot_turn(sender)

    async def retry_waiting(self) -> None:
        """Send every waiting message again, in order, while Rasa answers."""
        for sender in list(self.waiting):
            async with self._lock(sender):
                queue = self.waiting.get(sender)
                while queue:
                    item = queue[0]
                    try:
                        replies = await self.rasa.send(sender, item.text, item.metadata)
                    except RasaUnavailable:
                        break
                    queue.popleft()
                    await self.outlet.deliver(sender, replies)
                if not queue:
                    self.waiting.pop(sender, None)
            if sender not in self.waiting:
                await self.desk.after_bot_turn(sender)
