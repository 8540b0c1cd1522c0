"""The staff side of a handoff: a topic per ticket in the staff group, claim, reply, close, re-alert.

A ticket (``request_human``, an emergency, two misunderstandings in a row, a
report) gets a topic in ``TELEGRAM_STAFF_CHAT_ID`` (a forum topic; in a group
without topics, a thread under an opening message) with a summary and the
recent conversation, personal data masked. ``/claim`` takes it; what staff
write in the topic reaches the user; ``/close`` ends it and gives the
conversation back to the bot. While a pausing ticket is open, Rasa's
conversation is paused through its API and the user's messages go to the
topic. A ticket nobody claims in time re-alerts the group, and the user gets
the hotline numbers. Every handoff message is stored with the ticket.

The browser staff desk (desk/) works the same tickets: what staff do there (claim, reply, close) is queued
in the outbox for ``staffgroup:<ref>``, and the sweep posts it into the ticket's topic, so the group sees it.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.telegram.config import RelayConfig
from bot.relay.ids import channel_of
from bot.relay.outlets import UserPost
from bot.relay.rasa_gateway import RasaGateway, RasaUnavailable
from records.models import HandoffTicket, TicketStatus
from records.outbox import mark_delivered, pending, pending_recipients
from records.privacy import mask_text
from records.tickets import (
    CLOSED_FOR_USER,
    PAUSING_REASONS,
    REASON_NAMES,
    STAFF_GROUP,
    STAFF_REPLY,
    add_handoff_message,
    claim_ticket,
    close_ticket,
    mark_realerted,
    open_ticket_for,
    set_topic,
    ticket_by_ref,
    ticket_by_topic,
    tickets_without_topic,
    unclaimed_since,
)

logger = logging.getLogger(__name__)

CONNECTED = ("已为您转接民政工作人员（工单 {ref}）。接下来您发的消息会直接转给工作人员，他们回复后会在这里告诉您。"
             "如果孩子正面临危险，请不要等，马上拨打110。")
HOTLINES = ("工作人员暂时还没有回复，我们已经再次提醒他们。着急的话可以直接打电话："
            "孩子有危险请拨打110；未成年人保护求助热线12345。")
NO_STAFF_GROUP = "已转给民政工作人员（工单 {ref}），他们上班时间会联系您。如果孩子正面临危险，请马上拨打110。"


class StaffDesk:
    """Opens, routes and closes handoffs between a user's chat (on any channel) and the staff group.

    ``bot`` reaches the staff group; ``users`` reaches users (``bot.relay.outlets.UserPost``: directly on
    this process's channel, through the outbox on another). Only the Telegram relay opens topics and
    sweeps (``opens_topics``); another channel's relay, sharing the group, only posts users' messages into
    their ticket's topic.
    """

    def __init__(self, config: RelayConfig, rasa: RasaGateway, users: UserPost, bot: Any = None,
                 opens_topics: bool = True) -> None:
        self.config, self.rasa, self.users, self.bot, self.opens_topics = config, rasa, users, bot, opens_topics
        # The turn that opened a ticket and the timer may both see it without a topic: one opens it.
        self._opening = asyncio.Lock()

    # ---- opening ------------------------------------------------------------------------------

    async def after_bot_turn(self, sender: str) -> None:
        """After the bot answered: if that turn opened a ticket, bring it to the staff group now."""
        if not self.opens_topics:
            return  # the Telegram relay's sweep brings it within a tick
        try:
            ticket = open_ticket_for(sender)
        except SQLAlchemyError:
            return
        if ticket is not None and ticket.topic_id is None:
            await self.open_topic(ticket)

    async def _summary(self, ticket: HandoffTicket) -> str:
        flag = "【紧急】" if ticket.urgent else ""
        lines = await self.rasa.recent_lines(ticket.sender_id)
        recent = "\n".join(mask_text(line) for line in lines) or "（没有对话记录）"
        return (f"{flag}工单 {ticket.ref}：{REASON_NAMES.get(ticket.reason, ticket.reason)}\n"
                f"摘要：{mask_text(ticket.summary or '')}\n最近的对话：\n{recent}\n\n"
                "在本话题发 /claim 认领；直接在这里回复，用户就能收到；处理完发 /close。")

    async def open_topic(self, ticket: HandoffTicket) -> None:
        """A topic for the ticket in the staff group (once), the user told, the bot paused if it should be."""
        if self.config.staff_chat_id is None:
            return
        async with self._opening:
            current = open_ticket_for(ticket.sender_id)
            if current is None or current.ref != ticket.ref or current.topic_id is not None:
                return
            await self._open_topic(current)

    async def _open_topic(self, ticket: HandoffTicket) -> None:
        bot = self.bot
        summary = await self._summary(ticket)
        try:
            try:
                topic = await bot.create_forum_topic(self.config.staff_chat_id, f"{ticket.ref} {REASON_NAMES.get(ticket.reason, '')}"[:128])
                thread = topic.message_thread_id
                await bot.send_message(self.config.staff_chat_id, summary, message_thread_id=thread)
            except BadRequest:  # not a forum: a thread of replies under an opening message (kept negative)
                opening = await bot.send_message(self.config.staff_chat_id, summary)
                thread = -opening.message_id
        except TelegramError as error:
            logger.warning("could not alert the staff group: %s", type(error).__name__)
            return
        set_topic(ticket.ref, thread)
        add_handoff_message(ticket.id, "bot", summary)
        if ticket.reason in PAUSING_REASONS:
            try:
                await self.rasa.pause(ticket.sender_id)
            except RasaUnavailable:
                logger.warning("could not pause the conversation; the relay routes to staff anyway")
            text = CONNECTED.format(ref=ticket.ref)
            await self.users.tell(ticket.sender_id, text)
            add_handoff_message(ticket.id, "bot", text)

    # ---- user → staff -------------------------------------------------------------------------

    async def from_user(self, ticket: HandoffTicket, text: str) -> None:
        """A user's message while a person has their conversation: into the ticket's topic."""
        add_handoff_message(ticket.id, "user", text, ticket.sender_id)
        if ticket.topic_id is None or self.config.staff_chat_id is None or self.bot is None:
            await self.users.tell(ticket.sender_id, NO_STAFF_GROUP.format(ref=ticket.ref))
            return
        try:
            await self.bot.send_message(self.config.staff_chat_id, f"用户：{text}", **self._thread(ticket.topic_id))
        except TelegramError as error:  # kept with the ticket: staff read it there
            logger.warning("a user's message could not reach the staff group: %s", type(error).__name__)

    @staticmethod
    def _thread(topic_id: int) -> dict[str, Any]:
        """Where in the staff group a ticket's messages go: its forum topic, or replies to its opening message."""
        return {"message_thread_id": topic_id} if topic_id > 0 else {"reply_to_message_id": -topic_id}

    # ---- staff → user -------------------------------------------------------------------------

    def _ticket_of(self, update: Update) -> HandoffTicket | None:
        message = update.effective_message
        if message is None:
            return None
        replied_to = getattr(message.reply_to_message, "message_id", None)
        for key in (message.message_thread_id, -replied_to if replied_to else None):
            if key:
                ticket = ticket_by_topic(key)
                if ticket is not None:
                    return ticket
        return None

    async def on_staff_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything staff write in the group: /claim, /close, or a reply for the user."""
        message = update.effective_message
        staff = update.effective_user
        if message is None or not message.text or staff is None or staff.is_bot:
            return
        ticket = self._ticket_of(update)
        if ticket is None:
            return
        staff_id, name = f"tgstaff:{staff.id}", staff.first_name or "工作人员"
        where = self._thread(ticket.topic_id)
        command = message.text.split()[0].split("@")[0]
        if command == "/claim":
            claim = claim_ticket(ticket.ref, staff_id)
            text = f"{name} 已认领工单 {ticket.ref}。" if claim.taken else "这个工单已经有人认领或已结束了。"
            await context.bot.send_message(self.config.staff_chat_id, text, **where)
            add_handoff_message(ticket.id, "staff", text, staff_id)
            return
        if command == "/close":
            await self.close(ticket, staff_id, where)
            return
        if message.text.startswith("/"):
            return
        claim_ticket(ticket.ref, staff_id)  # replying takes the ticket if nobody had
        add_handoff_message(ticket.id, "staff", message.text, staff_id)
        await self.users.tell(ticket.sender_id, STAFF_REPLY.format(text=message.text))

    async def close(self, ticket: HandoffTicket, staff_id: str, where: dict[str, Any]) -> None:
        """End the handoff: ticket closed, the bot resumed, both sides told."""
        close_ticket(ticket.ref)
        add_handoff_message(ticket.id, "staff", "/close", staff_id)
        try:
            await self.rasa.resume(ticket.sender_id)
        except RasaUnavailable:
            logger.warning("could not resume the conversation; the relay sends to the bot anyway")
        if ticket.reason in PAUSING_REASONS:
            await self.users.tell(ticket.sender_id, CLOSED_FOR_USER)
            add_handoff_message(ticket.id, "bot", CLOSED_FOR_USER)
        await self.bot.send_message(self.config.staff_chat_id, f"工单 {ticket.ref} 已关闭。", **where)

    # ---- the timer ----------------------------------------------------------------------------

    async def sweep(self) -> None:
        """Bring new tickets to the group; post what was done in the browser desk; re-alert those nobody
        claimed in time."""
        if self.config.staff_chat_id is None or not self.opens_topics:
            return
        bot = self.bot
        try:
            for ticket in tickets_without_topic():
                if channel_of(ticket.sender_id) not in self.config.own_desk_channels:
                    await self.open_topic(ticket)
            await self.mirror_desk()
            for ticket in unclaimed_since(self.config.unclaimed_minutes):
                mark_realerted(ticket.ref)
                await bot.send_message(
                    self.config.staff_chat_id,
                    f"⚠️ 工单 {ticket.ref} 已经{self.config.unclaimed_minutes:g}分钟没人认领，请尽快处理（发 /claim）。",
                    **self._thread(ticket.topic_id),
                )
                await self.users.tell(ticket.sender_id, HOTLINES)
                add_handoff_message(ticket.id, "bot", HOTLINES)
        except SQLAlchemyError as error:
            logger.warning("the handoff sweep could not read tickets: %s", type(error).__name__)
        except TelegramError as error:
            logger.warning("the handoff sweep could not reach Telegram: %s", type(error).__name__)

    async def mirror_desk(self) -> None:
        """Post the browser desk's lines (outbox ``staffgroup:<ref>``) into their ticket's topic, in order.

        A ticket without a topic yet keeps its lines until the sweep opens one; a closed ticket that never
        had a topic has nowhere to show them, so they are dropped. A line Telegram refuses waits for the
        next sweep, with those after it.
        """
        prefix = f"{STAFF_GROUP}:"
        for recipient in pending_recipients():
            if not recipient.startswith(prefix):
                continue
            ticket = ticket_by_ref(recipient.removeprefix(prefix))
            lines = pending(recipient)
            if ticket is None or (ticket.topic_id is None and ticket.status == TicketStatus.CLOSED.value):
                mark_delivered([line.id for line in lines])
                continue
            if ticket.topic_id is None:
                continue
            delivered: list[int] = []
            try:
                for line in lines:
                    await self.bot.send_message(self.config.staff_chat_id, line.text, **self._thread(ticket.topic_id))
                    delivered.append(line.id)
            finally:
                mark_delivered(delivered)
