"""Talking to Rasa for the relay: messages over the relay channel (with its secret), pause and resume over the
HTTP API."""
from __future__ import annotations

import logging
from typing import Any

import httpx

from bot.rasa_auth import api_headers

logger = logging.getLogger(__name__)

RELAY_HEADER = "X-Relay-Token"  # checked by bot/channels.py (RelayInput) in the Rasa server
# In the staff summary, a message said inside a form is shown only when it is not an answer.
SHOWN_IN_FORMS = frozenset({"request_human", "ask_policy", "out_of_scope", "report_emergency", "cancel", "complain"})
ANSWER_HIDDEN = "用户：（填写表单的回答，已隐去；需要时请在记录里查看）"
SUMMARY_HIDDEN = "护童助手：（核对摘要，已隐去）"


class RasaUnavailable(RuntimeError):
    """Rasa could not be reached or failed; the message should be retried later."""


class RasaGateway:
    """One kept-alive HTTP client to the Rasa server."""

    def __init__(self, url: str, jwt_secret: str, relay_token: str, timeout: float = 30.0) -> None:
        self.url, self._jwt_secret = url.rstrip("/"), jwt_secret
        self._client = httpx.AsyncClient(timeout=timeout)
        self._relay_headers = {RELAY_HEADER: relay_token}

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """The bot's replies to ``text`` from ``sender``; RasaUnavailable when it can't answer now."""
        try:
            response = await self._client.post(
                f"{self.url}/webhooks/relay/webhook",
                json={"sender": sender, "message": text, "metadata": metadata}, headers=self._relay_headers,
            )
            response.raise_for_status()
            return response.json() or []
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from error

    async def _event(self, sender: str, event: dict[str, Any]) -> None:
        try:
            response = await self._client.post(
                f"{self.url}/conversations/{sender}/tracker/events", headers=api_headers(self._jwt_secret),
                json=event,
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RasaUnavailable(type(error).__name__) from error

    async def pause(self, sender: str) -> None:
        """Pause the bot for this conversation (a person has taken over)."""
        await self._event(sender, {"event": "pause"})

    async def resume(self, sender: str) -> None:
        """Give the conversation back to the bot."""
        await self._event(sender, {"event": "resume"})

    async def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation as Rasa keeps it (empty when it can't be read)."""
        try:
            response = await self._client.get(f"{self.url}/conversations/{sender}/tracker",
                                              headers=api_headers(self._jwt_secret))
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError):
            return {}

    async def active_form(self, sender: str) -> str | None:
        """The form the user is filling, if any."""
        return ((await self.tracker(sender)).get("active_loop") or {}).get("name")

    async def recent_lines(self, sender: str, count: int = 10) -> list[str]:
        """The last ``count`` lines of the conversation, user and bot, for the staff summary.

        A form's answers (and the summary that reads them back) are not shown: staff see them in the records,
        where each read is audited, not in a group chat. What the user asked or said outside the answers
        (a question, a request for a person, a danger) is shown.
        """
        lines, form = [], None
        for event in (await self.tracker(sender)).get("events", []):
            kind, text = event.get("event"), event.get("text")
            if kind == "active_loop":
                form = event.get("name")
            elif kind == "user" and text:
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
                lines.append(ANSWER_HIDDEN if form and intent not in SHOWN_IN_FORMS else f"用户：{text}")
            elif kind == "bot" and text:
                lines.append(SUMMARY_HIDDEN if form and "核对" in text else f"护童助手：{text}")
        return lines[-count:]
