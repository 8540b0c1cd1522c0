"""Rasa's replies into WeChat through ``kf/send_msg``, within WeCom's allowance; nothing dropped.

Each message takes one of the user's 5 messages per 48 hours (``records.wecom``).
What cannot go now (allowance used up, the chat with a 接待人员, WeCom down) is
kept in the outbox as text and sent when the user writes again; staff are told.
"""
from __future__ import annotations

import logging
import mimetypes
from typing import Any, Awaitable, Callable

import httpx
from sqlalchemy.exc import SQLAlchemyError

from bot.relay.ids import WECOM, sender_id
from bot.relay.payloads import PayloadMap
from bot.wecom.api import QUOTA_EXCEEDED, WeComApi, WeComError
from bot.wecom.render import as_text, split_text, text_message, turn_messages
from records import outbox
from records.wecom import allowance_left, give_back, take_allowance

logger = logging.getLogger(__name__)

HELD_FOR_STAFF = ("微信用户 {who} 有 {count} 条回复因微信客服“用户发消息后48小时内最多5条”的限制暂未送达，"
                  "已保存，用户再发消息时自动补发。")


def wecom_sender(open_kfid: str, external_userid: str) -> str:
    """The Rasa conversation id of a WeChat user of one customer-service account."""
    return sender_id(WECOM, open_kfid, external_userid)


def wecom_parts(sender: str) -> tuple[str, str]:
    """(open_kfid, external_userid) of a ``wecom:`` conversation id."""
    _, open_kfid, external_userid = sender.split(":", 2)
    return open_kfid, external_userid


class WeComOutlet:
    """``bot.relay.outlets.Outlet`` for WeChat users."""

    channel = WECOM

    def __init__(self, api: WeComApi, payloads: PayloadMap,
                 tell_staff: Callable[[str], Awaitable[None]] | None = None) -> None:
        self.api, self.payloads, self._tell_staff = api, payloads, tell_staff

    async def _send(self, sender: str, message: dict[str, Any]) -> bool:
        """Send one message if the allowance has room and WeCom takes it."""
        open_kfid, user = wecom_parts(sender)
        try:
            if not take_allowance(sender):
                return False
        except SQLAlchemyError:
            return False
        try:
            if "image" in message:
                message = await self._image(message["image"])
            await self.api.send_msg(open_kfid, user, message)
        except WeComError as error:
            logger.warning("WeCom did not take a message (errcode %s)", error.errcode)
            if error.errcode != QUOTA_EXCEEDED:
                give_back(sender)
            return False
        return True

    async def _image(self, url: str) -> dict[str, Any]:
        """An image reply uploaded to WeCom; its link as text when it cannot be fetched."""
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.get(url)
                response.raise_for_status()
            mime = response.headers.get("content-type") or mimetypes.guess_type(url)[0] or "image/png"
            return {"msgtype": "image", "image": {"media_id": await self.api.upload_image("reply.png", response.content, mime)}}
        except (httpx.HTTPError, WeComError):
            return text_message(f"图片：{url}")

    async def deliver(self, sender: str, replies: list[dict[str, Any]]) -> None:
        """One turn as few messages as possible; what cannot go now waits in the outbox, in order."""
        held = 0
        for message in turn_messages(replies, self.payloads):
            if held or not await self._send(sender, message):
                held += 1
                outbox.post(sender, "reply", as_text(message))
        if held:
            await self._held(sender, held)

    async def notify(self, sender: str, text: str) -> bool:
        """One plain text (in parts beyond 2,048 bytes); False, with nothing sent, when it cannot all go now."""
        parts = split_text(text)
        try:
            if allowance_left(sender) < len(parts):
                return False
        except SQLAlchemyError:
            return False
        for part in parts:
            if not await self._send(sender, text_message(part)):
                return False
        return True

    async def _held(self, sender: str, count: int) -> None:
        if self._tell_staff is None:
            return
        try:  # the user's WeCom id is opaque; its end is enough for staff to find the chat
            await self._tell_staff(HELD_FOR_STAFF.format(who="…" + wecom_parts(sender)[1][-6:], count=count))
        except Exception:  # noqa: BLE001 - telling staff must not lose the user's turn
            logger.warning("staff could not be told of held replies")
