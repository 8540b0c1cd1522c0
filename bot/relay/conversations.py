"""Between any chat channel and Rasa: rate limit, handoff routing, ordered delivery, nothing dropped.

- Each message goes to Rasa's relay channel as its sender id (``bot.relay.ids``).
- While the user has an open ticket that pauses the bot, their messages go to
  the staff side instead (``Desk.from_user``). This is decided from the ticket
  in the records, not from Rasa's pause flag, so a Rasa session expiry cannot
  silently un-pause a conversation.
- When Rasa can't answer, the user is told once and their messages wait in the
  records (``records.held``), retried in order until Rasa answers: neither a
  Rasa outage nor a relay restart loses one.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.relay.limits import RateLimiter
from bot.relay.outlets import Outlet
from bot.relay.rasa_gateway import RasaGateway, RasaUnavailable
from records.held import held_for, hold, release, senders_waiting
from records.models import HandoffTicket
from records.people import NotAllowed
from records.tickets import PAUSING_REASONS, open_ticket_for

logger = logging.getLogger(__name__)

NOT_NOW_ATTACHMENT = "收到。照片和位置只能在填写探访记录时附上；需要的话请先说“填写探访记录”。"
ATTACHED = "收到，已附到这次探访记录（共{count}项），提交时一起保存。"
NOT_SAVED = "抱歉，系统暂时保存不了，请稍后再发一次。"
RASA_DOWN = "护童助手暂时有点忙，您的消息我已经记下了，稍后会自动回复您。如果孩子有危险，请马上拨打110。"
SLOW_DOWN = "您发得太快了，请稍等一会儿再发。"


class Desk(Protocol):
    """The staff side as the core sees it (the Telegram staff group, a WeCom 接待人员)."""

    async def after_bot_turn(self, sender: str) -> None:
        """The bot answered ``sender``: bring a ticket that turn opened to staff."""

    async def from_user(self, ticket: HandoffTicket, text: str) -> None:
        """A user's message while a person has their conversation."""


class Conversations:
    """Every conversation of one channel's users with the bot or, while handed off, with staff."""

    def __init__(self, rasa: RasaGateway, desk: Desk, outlet: Outlet, limiter: RateLimiter) -> None:
        self.rasa, self.desk, self.outlet, self.limiter = rasa, desk, outlet, limiter
        # Who has messages waiting for Rasa (they are in records.held); read from there on first use, so
        # that what waited before a restart is still answered first.
        self.waiting: set[str] | None = None
        self._locks: dict[str, asyncio.Lock] = {}

    def _waiting(self) -> set[str]:
        if self.waiting is None:
            try:
                self.waiting = set(senders_waiting(f"{self.outlet.channel}:"))
            except SQLAlchemyError:
                return set()
        return self.waiting

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

    async def attach(self, sender: str, shown: str, keep: Callable[[], Awaitable[int]],
                     declined: str = NOT_NOW_ATTACHMENT) -> None:
        """A photo, voice note or location: ``keep`` it for the visit log being filled (it returns how many
        are waiting), pass ``shown`` to staff while a person has the chat, else answer ``declined``."""
        if await self.over_limit(sender) or await self.handed_off(sender, shown):
            return
        if await self.rasa.active_form(sender) != "visit_form":
            await self.outlet.notify(sender, declined)
            return
        try:
            count = await keep()
        except NotAllowed as refusal:
            await self.outlet.notify(sender, str(refusal))
            return
        except Exception as error:  # noqa: BLE001 - the database or the channel's file store: ask again
            logger.warning("an attachment could not be kept: %s", type(error).__name__)
            await self.outlet.notify(sender, NOT_SAVED)
            return
        await self.outlet.notify(sender, ATTACHED.format(count=count))

    async def to_rasa(self, sender: str, text: str, metadata: dict[str, Any]) -> None:
        """Send ``text`` to Rasa (after anything still waiting) and show the replies; hold it if Rasa is down."""
        async with self._lock(sender):
            if sender in self._waiting():
                self._hold(sender, text, metadata)
                return
            try:
                replies = await self.rasa.send(sender, text, metadata)
            except RasaUnavailable as error:
                logger.warning("Rasa unavailable (%s); a message waits for a retry", error)
                if self._hold(sender, text, metadata):
                    await self.outlet.notify(sender, RASA_DOWN)
                return
            await self.outlet.deliver(sender, replies)
        await self.desk.after_bot_turn(sender)

    def _hold(self, sender: str, text: str, metadata: dict[str, Any]) -> bool:
        """Keep the message for a retry; True when it was the first of a wait (the user is told once)."""
        first = sender not in self._waiting()
        try:
            hold(sender, text, metadata)
        except SQLAlchemyError as error:
            logger.error("a message waiting for Rasa could not be kept: %s", type(error).__name__)
            return first
        self._waiting().add(sender)
        return first

    async def retry_waiting(self) -> None:
        """Send every waiting message again, in order, while Rasa answers."""
        for sender in list(self._waiting()):
            async with self._lock(sender):
                try:
                    queue = held_for(sender)
                except SQLAlchemyError:
                    continue
                for item in queue:
                    try:
                        replies = await self.rasa.send(sender, item.text, item.metadata)
                    except RasaUnavailable:
                        break
                    release(item.id)
                    await self.outlet.deliver(sender, replies)
                else:
                    self._waiting().discard(sender)
            if sender not in self._waiting():
                await self.desk.after_bot_turn(sender)
