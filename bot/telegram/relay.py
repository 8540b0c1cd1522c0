"""Between a Telegram chat and Rasa: messages in, replies out, nothing dropped.

- Each private message goes to Rasa's REST channel as sender ``tg:<chat id>``
  with the user's id and language in the metadata; replies come back as text,
  inline keyboards (short ids, see ``keyboards``) and photos.
- Messages in groups other than the staff group are ignored; each user is
  rate-limited.
- While the user has an open ticket that pauses the bot, their messages go to
  the staff topic instead (``handoff.StaffDesk``). The relay decides this from
  the ticket in the records, not from Rasa's pause flag, so a Rasa session
  expiry cannot silently un-pause a conversation.
- When Rasa can't answer, the user is told once and their messages wait in a
  per-user queue, retried in order until Rasa answers.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.telegram.config import RelayConfig
from bot.telegram.ids import chat_of, sender_of
from bot.telegram.keyboards import PayloadMap, keyboard
from bot.telegram.limits import RateLimiter
from bot.telegram.rasa_gateway import RasaGateway, RasaUnavailable
from records.attachments import add_attachment
from records.people import NotAllowed, find_code
from records.tickets import PAUSING_REASONS, open_ticket_for

logger = logging.getLogger(__name__)

RASA_DOWN = "护童助手暂时有点忙，您的消息我已经记下了，稍后会自动回复您。如果孩子有危险，请马上拨打110。"
SLOW_DOWN = "您发得太快了，请稍等一会儿再发。"
STALE_BUTTON = "这个按钮已经过期了，请直接告诉我您要做什么。"
NOT_NOW_ATTACHMENT = "收到。照片和位置只能在填写探访记录时附上；需要的话请先说“填写探访记录”。"
HELP_TEXT = "/help"


@dataclass
class Waiting:
    """A message Rasa could not take yet."""

    text: str
    metadata: dict[str, Any]


class Relay:
    """The private-chat side of the relay; ``desk`` is the staff side."""

    def __init__(self, config: RelayConfig, rasa: RasaGateway, desk: Any) -> None:
        self.config, self.rasa, self.desk = config, rasa, desk
        self.payloads = PayloadMap()
        self.limiter = RateLimiter(config.rate_limit_messages, config.rate_limit_seconds)
        self.waiting: dict[int, deque[Waiting]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, chat_id: int) -> asyncio.Lock:
        return self._locks.setdefault(chat_id, asyncio.Lock())

    # ---- replies -------------------------------------------------------------------------------

    async def deliver(self, bot: Any, chat_id: int, replies: list[dict[str, Any]]) -> None:
        """Show Rasa's replies: text with its buttons as an inline keyboard, images as photos."""
        for reply in replies:
            markup = keyboard(reply.get("buttons") or [], self.payloads)
            if reply.get("image"):
                await bot.send_photo(chat_id, reply["image"], caption=reply.get("text"), reply_markup=markup)
            elif reply.get("text"):
                await bot.send_message(chat_id, reply["text"], reply_markup=markup)

    # ---- one message to Rasa ------------------------------------------------------------------

    async def to_rasa(self, bot: Any, chat_id: int, text: str, metadata: dict[str, Any]) -> None:
        """Send ``text`` to Rasa (after anything still waiting) and show the replies; queue it if Rasa is down."""
        async with self._lock(chat_id):
            queue = self.waiting.get(chat_id)
            if queue:
                queue.append(Waiting(text, metadata))
                return
            try:
                replies = await self.rasa.send(sender_of(chat_id), text, metadata)
            except RasaUnavailable as error:
                logger.warning("Rasa unavailable (%s); a message waits for a retry", error)
                self.waiting[chat_id] = deque([Waiting(text, metadata)])
                await bot.send_message(chat_id, RASA_DOWN)
                return
            await self.deliver(bot, chat_id, replies)
        await self.desk.after_bot_turn(bot, sender_of(chat_id))

    async def retry_waiting(self, bot: Any) -> None:
        """Send every waiting message again, in order, while Rasa answers."""
        for chat_id in list(self.waiting):
            async with self._lock(chat_id):
                queue = self.waiting.get(chat_id)
                while queue:
                    item = queue[0]
                    try:
                        replies = await self.rasa.send(sender_of(chat_id), item.text, item.metadata)
                    except RasaUnavailable:
                        break
                    queue.popleft()
                    await self.deliver(bot, chat_id, replies)
                if not queue:
                    self.waiting.pop(chat_id, None)
            if chat_id not in self.waiting:
                await self.desk.after_bot_turn(bot, sender_of(chat_id))

    # ---- what arrives from a user -------------------------------------------------------------

    def _admit(self, update: Update) -> Message | None:
        """The message if it comes from a private chat (other groups are ignored), else None."""
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or chat.type != ChatType.PRIVATE:
            return None
        return message

    @staticmethod
    def metadata(update: Update) -> dict[str, Any]:
        """What Rasa learns about the user: their Telegram id and language, nothing more."""
        user = update.effective_user
        return {"channel": "telegram", "user_id": user.id if user else None,
                "language": user.language_code if user else None}

    async def _over_limit(self, bot: Any, chat_id: int) -> bool:
        if self.limiter.allow(chat_id):
            return False
        if self.limiter.first_refusal(chat_id):
            await bot.send_message(chat_id, SLOW_DOWN)
        return True

    async def _handed_off(self, bot: Any, chat_id: int, text: str) -> bool:
        """If a person has this conversation, pass ``text`` to them; True when it was passed."""
        try:
            ticket = open_ticket_for(sender_of(chat_id))
        except SQLAlchemyError:
            return False
        if ticket is None or ticket.reason not in PAUSING_REASONS:
            return False
        await self.desk.from_user(bot, ticket, text)
        return True

    async def _forward(self, bot: Any, chat_id: int, shown: str, sent: str, update: Update) -> None:
        """Within the rate limit: ``shown`` (what the user wrote) to staff while a person has the
        conversation, else ``sent`` (the text or payload it stands for) to Rasa."""
        if await self._over_limit(bot, chat_id):
            return
        if await self._handed_off(bot, chat_id, shown):
            return
        await self.to_rasa(bot, chat_id, sent, self.metadata(update))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A user's text message."""
        message = self._admit(update)
        if message is None or not message.text:
            return
        await self._forward(context.bot, message.chat_id, message.text, message.text, update)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed inline button: always answered, then its payload goes on like a message."""
        query = update.callback_query
        if query is None:
            return
        payload = self.payloads.payload(query.data)
        try:
            await query.answer()
        except TelegramError as error:
            logger.info("could not answer a callback query: %s", error)
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        if payload is None:
            await context.bot.send_message(chat.id, STALE_BUTTON)
            return
        await self._forward(context.bot, chat.id, payload, payload, update)

    async def on_attachment(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo or a location: kept for the visit log being filled, else politely declined."""
        message = self._admit(update)
        if message is None:
            return
        chat_id = message.chat_id
        if await self._over_limit(context.bot, chat_id):
            return
        if await self.rasa.active_form(sender_of(chat_id)) != "visit_form":
            await context.bot.send_message(chat_id, NOT_NOW_ATTACHMENT)
            return
        try:
            if message.photo:
                count = add_attachment(sender_of(chat_id), "photo", file_id=message.photo[-1].file_id)
            elif message.location:
                count = add_attachment(sender_of(chat_id), "location", latitude=message.location.latitude,
                                       longitude=message.location.longitude)
            else:
                return
        except NotAllowed as refusal:
            await context.bot.send_message(chat_id, str(refusal))
            return
        except SQLAlchemyError:
            await context.bot.send_message(chat_id, "抱歉，系统暂时保存不了照片，请稍后再发一次。")
            return
        await context.bot.send_message(chat_id, f"收到，已附到这次探访记录（共{count}项），提交时一起保存。")

    # ---- commands -----------------------------------------------------------------------------

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, or /start <invite code> from a deep link a director or staff member was given."""
        message = self._admit(update)
        if message is None:
            return
        code = find_code(" ".join(context.args or []))
        if code:
            text = f'/redeem_invite{{"invite_code": "{code}"}}'
        else:
            text = "/greet"
        await self.to_rasa(context.bot, message.chat_id, text, self.metadata(update))

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help, /human, /cancel: the intents they stand for."""
        message = self._admit(update)
        if message is None or not message.text:
            return
        command = message.text.split()[0].split("@")[0]
        intent = {"/help": "/help", "/human": "/request_human", "/cancel": "/cancel"}.get(command)
        if intent is None:
            return
        await self._forward(context.bot, message.chat_id, message.text, intent, update)

    # ---- pushed notifications -----------------------------------------------------------------

    async def push_outbox(self, bot: Any) -> int:
        """Send waiting notifications (new registrations, reports, reminders) to Telegram users."""
        from records.outbox import mark_delivered, pending, pending_recipients
        from records.worklist import queue_visit_reminders_once_today

        sent = 0
        try:
            queue_visit_reminders_once_today(dt.date.today())
            recipients = [r for r in pending_recipients() if chat_of(r) is not None]
            for recipient in recipients:
                notes = pending(recipient)
                delivered = []
                for note in notes:
                    try:
                        await bot.send_message(chat_of(recipient), note.text)
                    except TelegramError as error:
                        logger.warning("a notification could not be sent: %s", type(error).__name__)
                        break
                    delivered.append(note.id)
                mark_delivered(delivered)
                sent += len(delivered)
        except SQLAlchemyError as error:
            logger.warning("the outbox could not be read: %s", type(error).__name__)
        return sent
