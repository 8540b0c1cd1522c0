"""WeCom's callback URL: the GET check (echostr) and the POSTed events, with WeCom's crypto from wechatpy.

A bad signature gets 403. A good POST is answered ``success`` at once and read in
the background (WeCom waits 5 s and then retries, three times); a callback
replayed byte for byte is read once.
"""
from __future__ import annotations

import logging
from collections import OrderedDict

import xmltodict
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from wechatpy.exceptions import WeChatException
from wechatpy.work.crypto import WeChatCrypto

from bot.wecom.relay import WeComRelay

logger = logging.getLogger(__name__)

PATH = "/wecom/callback"
SEEN_KEPT = 5_000


def callback_app(crypto: WeChatCrypto, relay: WeComRelay) -> Starlette:
    """The ASGI app WeCom calls."""
    seen: OrderedDict[tuple[str, str, str], None] = OrderedDict()

    def signed(request: Request) -> tuple[str, str, str]:
        query = request.query_params
        return query.get("msg_signature", ""), query.get("timestamp", ""), query.get("nonce", "")

    async def check_url(request: Request) -> Response:
        signature, timestamp, nonce = signed(request)
        try:
            echo = crypto.check_signature(signature, timestamp, nonce, request.query_params.get("echostr", ""))
        except (WeChatException, ValueError, TypeError):
            return PlainTextResponse("forbidden", status_code=403)
        return PlainTextResponse(echo.decode() if isinstance(echo, bytes) else str(echo))

    async def receive(request: Request) -> Response:
        key = signed(request)
        body = await request.body()
        try:
            plain = crypto.decrypt_message(body, *key)
            event = (xmltodict.parse(plain) or {}).get("xml") or {}
        except (WeChatException, ValueError, TypeError, Exception):  # noqa: BLE001 - any bad body is refused
            return PlainTextResponse("forbidden", status_code=403)
        if key in seen:  # WeCom's retry of a callback we already took
            return PlainTextResponse("success")
        seen[key] = None
        while len(seen) > SEEN_KEPT:
            seen.popitem(last=False)
        if event.get("Event") == "kf_msg_or_event" and event.get("OpenKfId"):
            relay.on_callback(str(event["OpenKfId"]), str(event.get("Token") or ""))
        return PlainTextResponse("success")

    return Starlette(routes=[Route(PATH, check_url, methods=["GET"]), Route(PATH, receive, methods=["POST"])])
