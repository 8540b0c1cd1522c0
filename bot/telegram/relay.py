"""Telegram's adapter on the relay core (``bot.relay``): updates in, Rasa's replies out.

- Each private message goes to the core as sender ``tg:<chat id>`` with the
  user's id and language in the metadata; replies come back as text, inline
  keyboards (short ids, ``bot.relay.payloads``) and photos.
- Messages in groups other than the staff group are ignored.
- Rate limit, handoff routing and the queue while Rasa is down are the core's
  (``bot.relay.conversations``).
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.relay.conversations import Conversations, Desk
from bot.relay.ids import TELEGRAM
from bot.relay.limits import RateLimiter
from bot.relay.outlets import push_outbox
from bot.relay.payloads import PayloadMap
from bot.relay.rasa_gateway import RasaGateway
from bot.telegram.config import RelayConfig
from bot.telegram.ids import chat_of, sender_of
from bot.telegram.keyboards import keyboard
from records.attachments import add_attachment
from records.people import find_code

logger = logging.getLogger(__name__)

STALE_BUTTON = "这个按钮已经过期了，请直接告诉我您要做什么。"


class TelegramOutlet:
    """Rasa's replies and plain texts into Telegram chats (``bot.relay.outlets.Outlet``)."""

    channel = TELEGRAM

    def __init__(self, bot: Callable[[], Any], payloads: PayloadMap) -> None:
        self._bot, self.payloads = bot, payloads

    async def deliver(self, sender: str, replies: list[dict[str, Any]]) -> None:
        """Text with its buttons as an inline keyboard, images as photos."""
        chat_id, bot = chat_of(sender), self._bot()
        for reply in replies:
            markup = keyboard(reply.get("buttons") or [], self.payloads)
            if reply.get("image"):
                await bot.send_photo(chat_id, reply["image"], caption=reply.get("text"), reply_markup=markup)
            elif reply.get("text"):
                await bot.send_message(chat_id, reply["text"], reply_markup=markup)

    async def notify(self, sender: str, text: str) -> bool:
        """One plain text; False when Telegram refused it (it then waits in the outbox)."""
        try:
            await self._bot().send_message(chat_of(sender), text)
        except TelegramError as error:
            logger.warning("a message could not be sent: %s", type(error).__name__)
            return False
        return True


class Relay:
    """The private-chat side of the Telegram relay; ``desk`` is the staff side."""

    def __init__(self, config: RelayConfig, rasa: RasaGateway, desk: Desk, bot: Callable[[], Any] = lambda: None) -> None:
        self.config, self.rasa, self.desk = config, rasa, desk
        self.payloads = PayloadMap()
        self.outlet = TelegramOutlet(bot, self.payloads)
        self.conversations = Conversations(
            rasa, desk, self.outlet, RateLimiter(config.rate_limit_messages, config.rate_limit_seconds))

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

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A user's text message."""
        message = self._admit(update)
        if message is None or not message.text:
            return
        await self.conversations.forward(sender_of(message.chat_id), message.text, message.text, self.metadata(update))

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
            await self.outlet.notify(sender_of(chat.id), STALE_BUTTON)
            return
        await self.conversations.forward(sender_of(chat.id), payload, payload, self.metadata(update))

    async def on_attachment(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo or a location: kept for the visit log being filled, else politely declined."""
        message = self._admit(update)
        if message is None or not (message.photo or message.location):
            return
        sender = sender_of(message.chat_id)

        async def keep() -> int:
            if message.photo:
                return add_attachment(sender, "photo", file_id=message.photo[-1].file_id)
            return add_attachment(sender, "location", latitude=message.location.latitude,
                                  longitude=message.location.longitude)

        await self.conversations.attach(sender, "（照片）" if message.photo else "（位置）", keep)

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, or /start <invite code> from a deep link a director or staff member was given."""
        message = self._admit(update)
        if message is None:
            return
        code = find_code(" ".join(context.args or []))
        text = f'/redeem_invite{{"invite_code": "{code}"}}' if code else "/greet"
        await self.conversations.to_rasa(sender_of(message.chat_id), text, self.metadata(update))

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help, /human, /cancel: the intents they stand for."""
        message = self._admit(update)
        if message is None or not message.text:
            return
        command = message.text.split()[0].split("@")[0]
        intent = {"/help": "/help", "/human": "/request_human", "/cancel": "/cancel"}.get(command)
        if intent is None:
            return
        await self.conversations.forward(sender_of(message.chat_id), message.text, intent, self.metadata(update))

    async def retry_waiting(self) -> None:
        """Retry what waits for Rasa (the core's queue)."""
        await self.conversations.retry_waiting()

    async def push_outbox(self) -> int:
        """Send waiting notifications and staff replies to Telegram users."""
        return await push_outbox(self.outlet)
