"""WeCom's customer-service API through wechatpy's client, for an asyncio relay.

wechatpy keeps the access token, refreshes it before it expires and, on 42001
(expired), 40014 (invalid) or 40001, fetches a new one and repeats the call.
Its blocking HTTP calls run in worker threads. What it lacks we pass ourselves:
``open_kfid`` in ``kf/sync_msg``, and ``gettoken`` and ``media/get`` under the
configured API base (wechatpy writes WeCom's real host there), so tests can
point everything at a fake.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from wechatpy.exceptions import WeChatClientException
from wechatpy.work.client import WeChatClient

logger = logging.getLogger(__name__)

# States of a customer's session (kf/service_state): who has it.
NEW, BOT, QUEUED, SERVICER, ENDED = 0, 1, 2, 3, 4
QUOTA_EXCEEDED = 95001  # 5 messages in the 48 h after the customer's last message were sent
NOT_IN_STATE = 95018  # the session is with a person (or ended): the API may not write


class WeComError(RuntimeError):
    """WeCom refused a call (``errcode``), or could not be reached (``errcode`` None)."""

    def __init__(self, errcode: int | None, errmsg: str = "") -> None:
        super().__init__(f"WeCom error {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


class _Client(WeChatClient):
    """wechatpy's WeCom client, fetching its token from the configured API base too."""

    def __init__(self, corp_id: str, secret: str, api_base: str, timeout: float) -> None:
        super().__init__(corp_id, secret, timeout=timeout)
        self.API_BASE_URL = api_base

    def fetch_access_token(self) -> dict[str, Any]:
        """``gettoken`` under the configured base (wechatpy's own uses WeCom's real host)."""
        return self._fetch_access_token(url=f"{self.API_BASE_URL}gettoken",
                                        params={"corpid": self.corp_id, "corpsecret": self.secret})


class WeComApi:
    """The kf calls the relay makes, as coroutines; every failure is a ``WeComError``."""

    def __init__(self, corp_id: str, secret: str, api_base: str, timeout: float = 10.0) -> None:
        self._client = _Client(corp_id, secret, api_base, timeout)

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        def call() -> Any:
            try:
                return getattr(self._client, method)(path, **kwargs)
            except WeChatClientException as error:
                raise WeComError(error.errcode, str(error.errmsg or "")) from None
            except Exception as error:  # noqa: BLE001 - requests' errors: WeCom unreachable
                raise WeComError(None, type(error).__name__) from None

        return await asyncio.to_thread(call)

    async def sync_msg(self, open_kfid: str, token: str, cursor: str, limit: int = 1000) -> dict[str, Any]:
        """One page of an account's messages after ``cursor`` (``msg_list``, ``next_cursor``, ``has_more``)."""
        return await self._call("post", "kf/sync_msg", data={
            "cursor": cursor, "token": token, "limit": limit, "voice_format": 0, "open_kfid": open_kfid})

    async def send_msg(self, open_kfid: str, touser: str, message: dict[str, Any]) -> dict[str, Any]:
        """Send one message (``{"msgtype": …, <msgtype>: {…}}``) to a customer."""
        return await self._call("post", "kf/send_msg", data={"touser": touser, "open_kfid": open_kfid, **message})

    async def send_msg_on_event(self, code: str, message: dict[str, Any]) -> dict[str, Any]:
        """Send the welcome (``welcome_code`` of an ``enter_session`` event, within 20 s)."""
        return await self._call("post", "kf/send_msg_on_event", data={"code": code, **message})

    async def service_state(self, open_kfid: str, external_userid: str) -> int:
        """Who has the customer's session now (``NEW`` … ``ENDED``)."""
        answer = await self._call("post", "kf/service_state/get",
                                  data={"open_kfid": open_kfid, "external_userid": external_userid})
        return int(answer.get("service_state", NEW))

    async def transfer(self, open_kfid: str, external_userid: str, state: int, servicer: str = "") -> dict[str, Any]:
        """Move the customer's session (to a 接待人员: ``SERVICER`` with their userid)."""
        data: dict[str, Any] = {"open_kfid": open_kfid, "external_userid": external_userid, "service_state": state}
        if servicer:
            data["servicer_userid"] = servicer
        return await self._call("post", "kf/service_state/trans", data=data)

    async def upload_image(self, name: str, content: bytes, mime: str) -> str:
        """Upload an image for sending; its media id."""
        # A (name, bytes, type) tuple, not a file object: wechatpy repeats the request after a token
        # refresh with the same arguments, and a file object read once would upload nothing the second time.
        answer = await self._call("post", "media/upload", params={"type": "image"},
                                  files={"media": (name, content, mime)})
        return str(answer["media_id"])

    async def media(self, media_id: str) -> bytes:
        """The bytes of a customer's image or voice note (media ids expire after 3 days)."""
        answer = await self._call("get", "media/get", params={"media_id": media_id})
        content = getattr(answer, "content", None)
        if content is None:
            raise WeComError(None, "media/get returned no file")
        return content
