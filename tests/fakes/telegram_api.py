"""A fake Telegram Bot API server on loopback, for testing the relay without Telegram.

It answers the methods the relay calls (getMe, deleteWebhook, getUpdates with
long polling, sendMessage, sendPhoto, answerCallbackQuery, createForumTopic,
…) the way the real API does, records every call, and lets a test push
updates as if users had written: ``push_text``, ``press`` (a callback query),
``push_photo``, ``push_location``.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from tests.fakes import RecordingFake

BOT_ID = 7000001
STAFF_USER = {"id": 9001, "is_bot": False, "first_name": "小李"}


@dataclass
class Call:
    """One method the bot called, with its parameters and when."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


def _decode(value: str) -> Any:
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeTelegram(RecordingFake["Call"]):
    """The fake server; ``url`` is what the relay takes as ``TELEGRAM_API_URL``."""

    def __init__(self, token: str, first_topic: int = 500) -> None:
        """``first_topic``: the id of the first forum topic it creates. Tickets live in one database across
        test modules, so a second fake group starts elsewhere: two open tickets must not share a topic."""
        self.token = token
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._thread_ids = itertools.count(first_topic)
        self._changed = threading.Condition()
        self.forum = True
        self._serve(self._handler())

    @property
    def recorded(self) -> list[Call]:
        return self.calls

    @staticmethod
    def describe(call: Call) -> str:
        return f"{call.method} {call.chat_id} {call.text[:60]}"

    # ---- what users do ------------------------------------------------------------------------

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._changed:
            update["update_id"] = next(self._update_ids)
            self._updates.append(update)
            self._changed.notify_all()
        return update

    @staticmethod
    def user(chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": f"用户{chat_id}", "language_code": "zh-hans"}

    def _message(self, chat_id: int, chat_type: str, sender: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat.update(title="群", is_forum=self.forum)
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat, "from": sender, **extra}

    def push_text(self, chat_id: int, text: str, *, chat_type: str = "private", sender: dict[str, Any] | None = None,
                  thread_id: int | None = None, reply_to: int | None = None) -> dict[str, Any]:
        """A text message from a user (or, with ``chat_type`` and ``sender``, from staff in a group)."""
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if thread_id is not None:
            extra.update(message_thread_id=thread_id, is_topic_message=True)
        if reply_to is not None:
            extra["reply_to_message"] = self._message(chat_id, chat_type, {"id": BOT_ID, "is_bot": True,
                                                                          "first_name": "护童助手"})
            extra["reply_to_message"]["message_id"] = reply_to
        message = self._message(chat_id, chat_type, sender or self.user(chat_id), **extra)
        return self._push({"message": message})

    def press(self, chat_id: int, button: dict[str, Any]) -> dict[str, Any]:
        """The user presses an inline button the bot sent."""
        message = self._message(chat_id, "private", {"id": BOT_ID, "is_bot": True, "first_name": "护童助手"},
                                text="…")
        return self._push({"callback_query": {"id": str(next(self._update_ids) * 7), "from": self.user(chat_id),
                                              "chat_instance": str(chat_id), "message": message,
                                              "data": button["callback_data"]}})

    def push_photo(self, chat_id: int) -> dict[str, Any]:
        photo = [{"file_id": f"photo-{chat_id}-small", "file_unique_id": "s", "width": 90, "height": 90},
                 {"file_id": f"photo-{chat_id}-large", "file_unique_id": "l", "width": 1280, "height": 960}]
        return self._push({"message": self._message(chat_id, "private", self.user(chat_id), photo=photo)})

    def push_location(self, chat_id: int, latitude: float, longitude: float) -> dict[str, Any]:
        location = {"latitude": latitude, "longitude": longitude}
        return self._push({"message": self._message(chat_id, "private", self.user(chat_id), location=location)})

    # ---- what the bot did ---------------------------------------------------------------------

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        """Calls of ``method`` (to ``chat_id``), oldest first."""
        return [c for c in list(self.calls) if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    # ---- the HTTP side ------------------------------------------------------------------------

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "护童助手", "username": "hutong_test_bot",
                    "can_join_groups": True, "can_read_all_group_messages": True, "supports_inline_queries": False}
        if method == "getUpdates":
            return self._get_updates(params)
        if method in ("sendMessage", "sendPhoto"):
            chat_id = int(params["chat_id"])
            extra: dict[str, Any] = {"text": params.get("text", "")} if method == "sendMessage" else {
                "photo": [{"file_id": "x", "file_unique_id": "x", "width": 1, "height": 1}],
                "caption": params.get("caption")}
            if params.get("message_thread_id"):
                extra["message_thread_id"] = int(params["message_thread_id"])
            chat_type = "private" if chat_id > 0 else "supergroup"
            return self._message(chat_id, chat_type, {"id": BOT_ID, "is_bot": True, "first_name": "护童助手"}, **extra)
        if method == "createForumTopic":
            if not self.forum:
                return None
            return {"message_thread_id": next(self._thread_ids), "name": params.get("name", ""), "icon_color": 7322096}
        if method in ("answerCallbackQuery", "deleteWebhook", "setWebhook", "setMyCommands", "sendChatAction",
                      "close", "logOut"):
            return True
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 5.0)
        deadline = time.monotonic() + timeout
        with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())
            return list(self._updates)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                self._answer()

            def do_GET(self) -> None:  # noqa: N802
                self._answer()

            def _answer(self) -> None:
                path = self.path.split("?")[0]
                prefix = f"/bot{fake.token}/"
                if not path.startswith(prefix):
                    self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                method = path[len(prefix):]
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                kind = self.headers.get("Content-Type", "")
                if "json" in kind and body:
                    params = json.loads(body)
                else:
                    params = {k: _decode(v[-1]) for k, v in parse_qs(body, keep_blank_values=True).items()}
                if method not in ("getUpdates",):
                    with fake._changed:
                        fake.calls.append(Call(method, params))
                        fake._changed.notify_all()
                result = fake._result(method, params)
                if result is None:
                    self._send(400, {"ok": False, "error_code": 400,
                                     "description": "Bad Request: the chat is not a forum"})
                    return
                self._send(200, {"ok": True, "result": result})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the relay stopped polling mid-answer
                    pass

        return Handler
