"""The terminal chat: buttons shown as numbers, a number sends that button's payload."""
from __future__ import annotations

import io

import httpx

from bot.chat import UNREACHABLE, Conversation, chat, render

REPLIES = [
    {"text": "您好！您可以：", "buttons": [{"title": "外出务工报备", "payload": "/register_departure"},
                                          {"title": "转人工", "payload": "/request_human"}]},
    {"text": "孩子有危险请拨打110。"},
]


def test_buttons_are_numbered_under_the_text():
    shown = render(REPLIES)
    assert "护童助手：您好！您可以：" in shown
    assert "  1. 外出务工报备" in shown and "  2. 转人工" in shown
    assert shown.index("2. 转人工") < shown.index("拨打110")


def test_a_number_sends_the_payload_of_the_button_shown_last():
    conversation = Conversation(url="http://127.0.0.1:9")
    conversation.buttons = REPLIES[0]["buttons"]
    assert conversation.resolve("2") == "/request_human"
    assert conversation.resolve(" 1 ") == "/register_departure"
    assert conversation.resolve("3") == "3", "a number with no button is sent as typed (an age, say)"
    assert conversation.resolve("我要报备") == "我要报备"


def test_bot_down_gets_a_polite_line_and_the_chat_goes_on(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise httpx.ConnectError("refused")

    monkeypatch.setattr(httpx.Client, "post", refuse)
    typed = iter(["你好", "退出"])
    out = io.StringIO()
    chat(Conversation(url="http://127.0.0.1:9"), read=lambda _prompt: next(typed), out=out)
    assert out.getvalue().count(UNREACHABLE) == 2, "the greeting and the message each get the notice"
