"""One turn of Rasa's replies as few WeCom messages as possible, within WeCom's limits.

WeCom allows 5 messages in the 48 hours after a customer's message, so a turn's
texts are merged into one; its buttons become the click items of a ``msgmenu``
(at most 10 a menu, ids and titles at most 128 bytes), the merged text its head.
Text beyond 2,048 bytes (a menu's head beyond 1,024) is split at line ends, each
part but the last saying that more follows.
"""
from __future__ import annotations

from typing import Any

from bot.relay.payloads import PayloadMap

TEXT_BYTES = 2048
HEAD_BYTES = 1024
ITEM_BYTES = 128
MENU_ITEMS = 10
MORE = "\n（未完，接下条）"
CHOOSE = "请选择："


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(text: str, limit: int) -> str:
    """The longest start of ``text`` within ``limit`` bytes, on a character boundary."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def split_text(text: str, limit: int = TEXT_BYTES) -> list[str]:
    """``text`` in parts of at most ``limit`` bytes, cut at line ends where it can be, then at 。, then anywhere."""
    room = limit - _size(MORE)
    parts: list[str] = []
    rest = text.strip()
    while _size(rest) > limit:
        head = _cut(rest, room)
        for mark in ("\n", "。", "；", "，"):
            at = head.rfind(mark)
            if at > len(head) // 3:
                head = head[:at + (0 if mark == "\n" else 1)]
                break
        parts.append(head.rstrip() + MORE)
        rest = rest[len(head):].strip()
    if rest:
        parts.append(rest)
    return parts


def text_message(content: str) -> dict[str, Any]:
    """A ``kf/send_msg`` text message."""
    return {"msgtype": "text", "text": {"content": content}}


def menu_message(head: str, items: list[tuple[str, str]]) -> dict[str, Any]:
    """A ``msgmenu`` with click items (id, title)."""
    return {"msgtype": "msgmenu", "msgmenu": {
        "head_content": head,
        "list": [{"type": "click", "click": {"id": key, "content": _cut(title, ITEM_BYTES)}} for key, title in items],
    }}


def turn_messages(replies: list[dict[str, Any]], payloads: PayloadMap) -> list[dict[str, Any]]:
    """The messages (text, ``msgmenu``, ``{"image": url}`` for an image to upload) of one turn, in order."""
    texts: list[str] = []
    buttons: list[dict[str, Any]] = []
    images: list[dict[str, Any]] = []
    for reply in replies:
        if reply.get("image"):
            images.append({"image": reply["image"]})
        if reply.get("text"):
            texts.append(str(reply["text"]).strip())
        buttons.extend(reply.get("buttons") or [])
    text = "\n".join(t for t in texts if t)
    messages: list[dict[str, Any]] = []
    if not buttons:
        messages.extend(text_message(part) for part in split_text(text))
        return messages + images
    items = [(payloads.short_id(str(b.get("payload") or b.get("title") or "")), str(b.get("title") or b.get("payload")))
             for b in buttons]
    parts = split_text(text, HEAD_BYTES) if text else [CHOOSE]
    messages.extend(text_message(part) for part in parts[:-1])
    groups = [items[i:i + MENU_ITEMS] for i in range(0, len(items), MENU_ITEMS)]
    messages.append(menu_message(parts[-1], groups[0]))
    messages.extend(menu_message(CHOOSE, group) for group in groups[1:])
    return messages + images


def as_text(message: dict[str, Any]) -> str:
    """What a message says, as plain text (a menu's items listed): kept in the outbox when it cannot go now."""
    if message.get("msgtype") == "msgmenu":
        menu = message["msgmenu"]
        titles = "、".join(item["click"]["content"] for item in menu["list"] if item.get("type") == "click")
        return f"{menu['head_content']}\n（可以直接回复：{titles}）"
    if message.get("msgtype") == "text":
        return message["text"]["content"]
    return str(message.get("image") or "")
