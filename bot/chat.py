"""Terminal chat with the running bot: ``python -m bot.chat`` (``make run`` opens it).

Talks to Rasa's REST channel like any other front end. Buttons are shown as
numbers: typing ``2`` sends the second button's payload. Nothing here needs a
Telegram token or the internet. It is also a channel that can reach its
user: notifications waiting in the records outbox (a new registration for a
director, a visit reminder) are shown after each reply.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

import httpx

logger = logging.getLogger(__name__)

QUIT_WORDS = {"/quit", "/exit", "退出"}
Inbox = Callable[[str], list[str]]
MAX_CHARS = 4000  # as on Telegram; the server refuses far longer messages outright
TOO_LONG = f"消息太长了（超过{MAX_CHARS}字），没有发送。请分几次发，或者只说最要紧的部分。"
UNREACHABLE = "（暂时连不上护童助手，您的话没有发出去。请稍后再发一次；孩子有危险请马上拨打110。）"


@dataclass
class Conversation:
    """One conversation with the bot over the REST channel; remembers the last buttons shown."""

    url: str
    sender: str = field(default_factory=lambda: "cli-" + uuid.uuid4().hex[:10])
    timeout: float = 30.0
    buttons: list[dict[str, Any]] = field(default_factory=list)
    client: httpx.Client = field(default_factory=httpx.Client, repr=False)

    def send(self, text: str) -> list[dict[str, Any]]:
        """Send what the user typed (a button number becomes its payload); the bot's replies."""
        payload = self.resolve(text)
        response = self.client.post(
            f"{self.url.rstrip('/')}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": payload},
            timeout=self.timeout,
        )
        response.raise_for_status()
        replies = response.json() or []
        shown = [b for r in replies for b in r.get("buttons") or []]
        if shown:
            self.buttons = shown
        return replies

    def resolve(self, text: str) -> str:
        """A typed number picks a button shown last; anything else is sent as typed."""
        stripped = text.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self.buttons):
            return str(self.buttons[int(stripped) - 1].get("payload") or "")
        return text


def render(replies: list[dict[str, Any]]) -> str:
    """The bot's replies as terminal text, buttons numbered from 1."""
    lines: list[str] = []
    number = 0
    for reply in replies:
        if reply.get("text"):
            lines.append(f"护童助手：{reply['text']}")
        if reply.get("image"):
            lines.append(f"  [图片] {reply['image']}")
        for button in reply.get("buttons") or []:
            number += 1
            lines.append(f"  {number}. {button.get('title', '')}")
    return "\n".join(lines) if lines else "护童助手：（没有回复）"


def records_inbox(sender: str) -> list[str]:
    """Notifications waiting for ``sender`` in the records outbox, marked delivered once read.

    Today's visit reminders are queued first (once a day, however often this runs).
    A records database that can't be reached means no notifications now, not a broken chat.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from records.outbox import mark_delivered, pending
    from records.worklist import queue_visit_reminders_once_today

    try:
        queue_visit_reminders_once_today(dt.date.today())
        waiting = pending(sender)
        mark_delivered([n.id for n in waiting])
    except SQLAlchemyError as error:
        logger.warning("could not read notifications: %s", type(error).__name__)
        return []
    return [n.text for n in waiting]


def _show_notifications(inbox: Inbox | None, sender: str, out: TextIO) -> None:
    for text in inbox(sender) if inbox else []:
        print(f"【通知】{text}", file=out)


def chat(
    conversation: Conversation,
    read: Callable[[str], str] = input,
    out: TextIO = sys.stdout,
    inbox: Inbox | None = None,
) -> None:
    """The read–send–print loop; ends on 退出, /quit or end of input."""
    print("护童助手 · 本地对话（输入数字选择按钮，输入“退出”结束）", file=out)
    first = "/greet"
    while True:
        if first:
            text, first = first, ""
        else:
            try:
                text = read("您：")
            except (EOFError, KeyboardInterrupt):
                print("", file=out)
                return
            if text.strip() in QUIT_WORDS:
                return
            if not text.strip():
                continue
            if len(text) > MAX_CHARS:
                print(TOO_LONG, file=out)
                continue
        try:
            print(render(conversation.send(text)), file=out)
        except httpx.HTTPError:
            print(UNREACHABLE, file=out)
        _show_notifications(inbox, conversation.sender, out)


def main(argv: list[str] | None = None) -> int:
    """Open a chat with the bot at ``--url`` (default: the local Rasa server)."""
    parser = argparse.ArgumentParser(prog="python -m bot.chat", description=__doc__.splitlines()[0])
    default_url = f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}"
    parser.add_argument("--url", default=default_url)
    parser.add_argument("--sender", default=None, help="continue a conversation by its sender id")
    args = parser.parse_args(argv)
    conversation = Conversation(url=args.url)
    if args.sender:
        conversation.sender = args.sender
    chat(conversation, inbox=records_inbox)
    return 0


if __name__ == "__main__":
    sys.exit(main())
