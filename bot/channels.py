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


def _sender_of(request: Request) -> str:
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - malformed JSON: Rasa's own handler answers it
        return ""
    return str(body.get("sender") or "") if isinstance(body, dict) else ""


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
                return None
            return response.json({"error": "forbidden"}, status=403)

        return blueprint


class LocalRestInput(RestInput):
    """Rasa's REST channel (same name and URL) that may not speak for a messaging channel's user."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST endpoints, refusing a sender id that belongs to Telegram or WeCom."""
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def refuse_channel_senders(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST" and _sender_of(request).startswith(CHANNEL_PREFIXES):
                return response.json({"error": "this sender id belongs to a messaging channel"}, status=403)
            return None

        return blueprint
