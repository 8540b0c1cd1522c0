"""WeCom's adapter on the relay core: callbacks read with ``kf/sync_msg``, each customer message handled once.

A callback only says "there is something new" (with a token for reading it). The
relay reads every page after the cursor kept in the database, follows
``has_more``, skips what is not the customer's own (origin 3) or was handled
before (``msgid``), and saves the cursor after each page: a restarted relay reads
on from there. Syncs of one account run one at a time.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.relay.conversations import NOT_NOW_ATTACHMENT, Conversations, Desk
from bot.relay.limits import RateLimiter
from bot.relay.outlets import push_outbox
from bot.relay.payloads import PayloadMap
from bot.relay.rasa_gateway import RasaGateway, RasaUnavailable
from bot.wecom.api import WeComApi, WeComError
from bot.wecom.config import WeComConfig
from bot.wecom.outlet import WeComOutlet, wecom_sender
from bot.wecom.render import turn_messages
from records.attachments import add_attachment
from records.wecom import customer_wrote, cursor_of, first_sighting, save_cursor

logger = logging.getLogger(__name__)

CUSTOMER = 3  # origin of a message the WeChat user wrote
STALE_BUTTON = "这个选项已经过期了，请直接告诉我您要做什么。"
VOICE_NOT_YET = "收到您的语音。我暂时还听不懂语音，麻烦您打字告诉我，或者点下面的选项。如果孩子有危险，请马上拨打110。"
NOT_UNDERSTOOD_KIND = "我暂时只能看懂文字、图片和位置，麻烦您打字告诉我。如果孩子有危险，请马上拨打110。"
WELCOME_FALLBACK = "您好，我是护童助手。您可以问政策、外出务工报备、报告孩子的情况，或者转人工。如果孩子有危险，请马上拨打110。"
MEDIA_SUFFIX = {"voice": ".amr", "image": ".jpg"}


class WeComRelay:
    """Customer messages of WeCom accounts into the core; welcome, media and session changes handled here."""

    def __init__(self, config: WeComConfig, api: WeComApi, rasa: RasaGateway, desk: Desk,
                 outlet: WeComOutlet | None = None) -> None:
        self.config, self.api, self.rasa, self.desk = config, api, rasa, desk
        self.payloads = outlet.payloads if outlet else PayloadMap()
        self.outlet = outlet or WeComOutlet(api, self.payloads)
        self.conversations = Conversations(
            rasa, desk, self.outlet, RateLimiter(config.rate_limit_messages, config.rate_limit_seconds))
        self._sync_locks: dict[str, asyncio.Lock] = {}
        self.tasks: set[asyncio.Task] = set()

    # ---- reading ------------------------------------------------------------------------------

    def on_callback(self, open_kfid: str, token: str) -> None:
        """A callback said there is something new: read it in the background (WeCom waits 5 s at most)."""
        task = asyncio.get_running_loop().create_task(self.sync(open_kfid, token))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def sync(self, open_kfid: str, token: str = "") -> int:
        """Read and handle every new message of ``open_kfid``; how many were handled."""
        handled = 0
        async with self._sync_locks.setdefault(open_kfid, asyncio.Lock()):
            try:
                cursor = cursor_of(open_kfid)
                while True:
                    page = await self.api.sync_msg(open_kfid, token, cursor)
                    for message in page.get("msg_list") or []:
                        handled += await self._handle_safely(message)
                    cursor = str(page.get("next_cursor") or cursor)
                    save_cursor(open_kfid, cursor)
                    if not page.get("has_more"):
                        break
            except WeComError as error:
                logger.warning("WeCom messages could not be read (errcode %s); the next callback reads on", error.errcode)
            except SQLAlchemyError as error:
                logger.error("the WeCom cursor could not be kept: %s", type(error).__name__)
        return handled

    async def _handle_safely(self, message: dict[str, Any]) -> int:
        try:
            return await self.handle(message)
        except Exception:  # noqa: BLE001 - one bad message must not stop the others
            logger.exception("a WeCom message could not be handled")
            return 0

    async def handle(self, message: dict[str, Any]) -> int:
        """One synced message: 1 when it was the customer's (or an event) and new, else 0."""
        kind = message.get("msgtype")
        if kind != "event" and message.get("origin") != CUSTOMER:
            return 0  # a servicer's or the system's own message
        if not first_sighting(str(message.get("msgid") or "")):
            return 0
        if kind == "event":
            await self._event(message.get("event") or {})
            return 1
        sender = wecom_sender(str(message.get("open_kfid")), str(message.get("external_userid")))
        customer_wrote(sender)
        await push_outbox(self.outlet, only=sender)  # what was held back goes first, in order
        metadata = {"channel": "wecom", "user_id": message.get("external_userid")}
        if kind == "text":
            await self._text(sender, message.get("text") or {}, metadata)
        elif kind in ("image", "voice", "location"):
            await self._media(sender, kind, message)
        else:
            await self.outlet.notify(sender, NOT_UNDERSTOOD_KIND)
        return 1

    async def _text(self, sender: str, text: dict[str, Any], metadata: dict[str, Any]) -> None:
        content, menu_id = str(text.get("content") or ""), text.get("menu_id")
        if menu_id:  # a click on one of our menu items: its payload
            payload = self.payloads.payload(str(menu_id))
            if payload is None:
                await self.outlet.notify(sender, STALE_BUTTON)
                return
            await self.conversations.forward(sender, content or payload, payload, metadata)
            return
        if content.strip():
            await self.conversations.forward(sender, content, content, metadata)

    # ---- media ----------------------------------------------------------------------------------

    async def _media(self, sender: str, kind: str, message: dict[str, Any]) -> None:
        """An image, voice note or location: kept for the visit log being filled, else answered kindly.

        A voice note is kept in any case (as long as conversations are, ``CONVERSATION_RETENTION_DAYS``): it is
        not understood yet, and staff may need to listen to it; its file name goes to staff during a handoff.
        """
        voice: Path | None = None
        if kind == "voice":
            try:
                voice = await self._keep_media(str((message.get("voice") or {}).get("media_id")), "voice")
            except (WeComError, OSError) as error:
                logger.warning("a voice note could not be kept: %s", type(error).__name__)

        async def keep() -> int:
            if kind == "location":
                place = message.get("location") or {}
                return add_attachment(sender, "location", latitude=float(place.get("latitude")),
                                      longitude=float(place.get("longitude")))
            path = voice or await self._keep_media(str((message.get(kind) or {}).get("media_id")), kind)
            return add_attachment(sender, "photo" if kind == "image" else "voice", file_id=f"file:{path.name}")

        shown = {"image": "（图片）", "voice": f"（语音，已保存为 {voice.name if voice else '—'}）"}.get(kind, "（位置）")
        await self.conversations.attach(sender, shown, keep, VOICE_NOT_YET if kind == "voice" else NOT_NOW_ATTACHMENT)

    async def _keep_media(self, media_id: str, kind: str) -> Path:
        """The media's bytes saved under the media folder (WeCom forgets them after 3 days)."""
        content = await self.api.media(media_id)
        folder = self.config.media_dir
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{uuid.uuid4().hex}{MEDIA_SUFFIX[kind]}"
        path.write_bytes(content)
        return path

    # ---- events ---------------------------------------------------------------------------------

    async def _event(self, event: dict[str, Any]) -> None:
        sender = wecom_sender(str(event.get("open_kfid")), str(event.get("external_userid")))
        kind = event.get("event_type")
        if kind == "enter_session" and event.get("welcome_code"):
            await self.welcome(sender, str(event["welcome_code"]))
        elif kind == "session_status_change" and hasattr(self.desk, "session_changed"):
            await self.desk.session_changed(sender, int(event.get("change_type") or 0),
                                            str(event.get("new_servicer_userid") or ""))

    async def welcome(self, sender: str, code: str) -> None:
        """The greeting with its task buttons, as one message on the welcome code (within 20 s)."""
        try:
            replies = await self.rasa.send(sender, "/greet", {"channel": "wecom"})
        except RasaUnavailable:
            replies = [{"text": WELCOME_FALLBACK}]
        messages = turn_messages(replies, self.payloads)
        message = next((m for m in messages if m.get("msgtype") == "msgmenu"), messages[0] if messages else None)
        if message is None:
            return
        try:
            await self.api.send_msg_on_event(code, message)
        except WeComError as error:
            logger.warning("the welcome could not be sent (errcode %s)", error.errcode)

    # ---- the timer --------------------------------------------------------------------------------

    async def tick(self) -> None:
        """Retry what waits for Rasa; push the outbox (staff replies, held replies) to WeChat users."""
        await self.conversations.retry_waiting()
        await push_outbox(self.outlet)
