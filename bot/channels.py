"""The Rasa input channels of this project (loaded by Rasa from ``credentials.yml``, in the rasa runtime).

- ``relay`` (``/webhooks/relay/webhook``): for our relays (Telegram now, WeCom next). It refuses every call
  without the shared ``X-Relay-Token`` (``RELAY_TOKEN``, generated into ``var/secrets`` by ``bot/stack.py``),
  so only a relay speaks for a Telegram or WeCom user.
- ``rest`` (``/webhooks/rest/webhook``): Rasa's REST channel for the terminal chat, the tests and evaluation on
  this machine. It refuses a sender id of a messaging channel (``tg:…``, ``wecom:…``): a local process cannot
  write as a parent or a director who uses Telegram. A deployment turns it off (``REST_CHANNEL=off``; the
  stack then starts Rasa with ``credentials.deploy.yml``).
"""
from __future__ import annotations

import hmac
import os
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

RELAY_HEADER = "X-Relay-Token"
RELAY_TOKEN_ENV = "RELAY_TOKEN"
# Sender ids that belong to a messaging channel: only that channel's relay may use them.
CHANNEL_PREFIXES = ("tg:", "wecom:")


MAX_SENDER_CHARS = 128  # the records keep sender ids of at most this length


def malformed(request: Request) -> Optional[HTTPResponse]:
    """A 400 for a message call whose body is not ``{"sender": "<id>", "message": "<text>"}``; None when it is.

    Rasa's REST handler assumes that shape and fails with a server error on anything else.
    """
    if request.method != "POST" or not request.path.endswith("/webhook"):
        return None
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error types for a body that is not JSON
        body = None
    sender = body.get("sender") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return response.json({"error": "sender must be a non-empty string"}, status=400)
    if not isinstance(message, str):
        return response.json({"error": "message must be a string"}, status=400)
    return None


def _sender_of(request: Request) -> str:
    body = request.json
    return str(body.get("sender") or "")


class RelayInput(RestInput):
    """The REST channel for our relays, behind a shared secret."""

    @classmethod
    def name(cls) -> str:
        return "relay"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST endpoints, each call checked for the relay's token first."""
        blueprint = super().blueprint(on_new_message)
        expected = os.environ.get(RELAY_TOKEN_ENV, "").encode()

        @blueprint.middleware("request")
        async def require_relay_token(request: Request) -> Optional[HTTPResponse]:
            given = request.headers.get(RELAY_HEADER, "").encode()
            if expected and hmac.compare_digest(given, expected):
                return malformed(request)
            return response.json({"error": "forbidden"}, status=403)

        return blueprint


class LocalRestInput(RestInput):
    """Rasa's REST channel (same name and URL) that may not speak for a messaging channel's user."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST endpoints, refusing a malformed call and a sender id that belongs to Telegram or WeCom."""
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def refuse_channel_senders(request: Request) -> Optional[HTTPResponse]:
            refused = malformed(request)
            if refused is not None:
                return refused
            if request.method == "POST" and _sender_of(request).startswith(CHANNEL_PREFIXES):
                return response.json({"error": "this sender id belongs to a messaging channel"}, status=403)
            return None

        return blueprint
