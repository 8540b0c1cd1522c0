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


def test_a_director_sees_a_new_registration_and_a_reminder_in_the_chat(monkeypatch, director):
    """The chat is a channel that reaches its user: the outbox is shown once, then marked delivered."""
    import datetime as dt

    from bot.chat import records_inbox
    from records.directory import find_villages
    from records.filing import file_registration
    from records.people import Actor

    import records.worklist

    monkeypatch.setattr(records.worklist, "_queued_on", None)  # as in a fresh process
    director("cli-director")
    [village] = find_villages("歇马街道大磨滩村")
    filed = file_registration(Actor("cli-parent"), "key-1", village=village, child_name="王小明", child_age=8,
                              carer_name="李秀英", carer_relation="奶奶", carer_phone="13812345678", work_city="广州",
                              parent_phone="13900001111", expected_return="2027-02", consent_to_share=True,
                              today=dt.date.today() - dt.timedelta(days=40))  # first visit now overdue
    monkeypatch.setattr(httpx.Client, "post", lambda *_a, **_k: httpx.Response(200, json=[{"text": "好的"}],
                                                                             request=httpx.Request("POST", "http://x")))
    typed = iter(["你好", "退出"])
    out = io.StringIO()
    conversation = Conversation(url="http://127.0.0.1:9", sender="cli-director")
    chat(conversation, read=lambda _prompt: next(typed), out=out, inbox=records_inbox)
    shown = out.getvalue()
    assert shown.count(filed.ref) == 1, "the new registration is shown once"
    assert "王**" in shown and "王小明" not in shown and "13812345678" not in shown
    assert shown.count("走访提醒") == 1 and "逾期" in shown
    assert records_inbox("cli-director") == [], "delivered notifications are not shown again"


def test_a_message_too_long_to_send_is_explained_and_not_sent(monkeypatch):
    from bot.chat import TOO_LONG

    sent = []
    monkeypatch.setattr(Conversation, "send", lambda self, text: sent.append(text) or [])
    typed = iter(["孩" * 5000, "退出"])
    out = io.StringIO()
    chat(Conversation(url="http://127.0.0.1:9"), read=lambda _prompt: next(typed), out=out)
    assert TOO_LONG in out.getvalue() and sent == ["/greet"]
