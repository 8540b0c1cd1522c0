"""The relay's small parts: button ids within Telegram's 64 bytes, the rate limit, chat ids."""
from __future__ import annotations

from bot.relay.payloads import PayloadMap
from bot.telegram.keyboards import keyboard
from bot.relay.limits import RateLimiter
from bot.telegram.ids import chat_of, sender_of


def test_every_button_fits_telegrams_64_bytes_and_maps_back_to_its_payload():
    payloads = PayloadMap()
    long_payload = '/redeem_invite{"invite_code": "K7QM2XPA", "note": "' + "很长" * 40 + '"}'
    buttons = [{"title": "确认提交", "payload": "/affirm"}, {"title": "修改照顾人和孩子的关系", "payload": long_payload}]
    markup = keyboard(buttons, payloads)
    ids = [row[0].callback_data for row in markup.inline_keyboard]
    assert all(len(i.encode()) <= 64 for i in ids)
    assert [payloads.payload(i) for i in ids] == ["/affirm", long_payload]
    assert payloads.payload("b:unknown") is None and payloads.payload(None) is None


def test_no_buttons_no_keyboard():
    assert keyboard([], PayloadMap()) is None


def test_old_button_ids_are_forgotten_beyond_the_limit():
    payloads = PayloadMap(limit=3)
    ids = [payloads.short_id(f"/p{n}") for n in range(5)]
    assert payloads.payload(ids[0]) is None and payloads.payload(ids[-1]) == "/p4"


def test_the_rate_limit_is_per_user_and_slides():
    now = [0.0]
    limiter = RateLimiter(3, 10.0, clock=lambda: now[0])
    assert [limiter.allow(1) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow(2), "another user is not held back"
    assert limiter.first_refusal(1) and not limiter.first_refusal(1), "told to slow down once per flood"
    now[0] = 10.5
    assert limiter.allow(1), "the window slides"


def test_chat_ids_and_sender_ids():
    assert sender_of(12345) == "tg:12345" and chat_of("tg:12345") == 12345
    assert chat_of("tg:-100123") == -100123
    assert chat_of("cli-abc") is None and chat_of("tg:abc") is None


class RecordingBot:
    """Stands in for telegram.Bot: records what the relay sends."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    async def send_message(self, *args, **kwargs):
        self.calls.append(("send_message", args, kwargs))

    async def send_photo(self, *args, **kwargs):
        self.calls.append(("send_photo", args, kwargs))


def test_replies_render_as_text_keyboards_and_photos():
    import asyncio

    from bot.telegram.config import RelayConfig
    from bot.telegram.relay import Relay

    bot = RecordingBot()
    relay = Relay(RelayConfig(token="1:x"), rasa=None, desk=None, bot=lambda: bot)
    replies = [
        {"text": "您好", "buttons": [{"title": "转人工", "payload": "/request_human"}]},
        {"image": "https://example.org/flow.png", "text": "强制报告流程"},
        {"text": "孩子有危险请拨打110。"},
    ]
    asyncio.run(relay.outlet.deliver("tg:42", replies))
    kinds = [c[0] for c in bot.calls]
    assert kinds == ["send_message", "send_photo", "send_message"]
    markup = bot.calls[0][2]["reply_markup"]
    assert relay.payloads.payload(markup.inline_keyboard[0][0].callback_data) == "/request_human"
    assert bot.calls[1][1] == (42, "https://example.org/flow.png") and bot.calls[1][2]["caption"] == "强制报告流程"
    assert bot.calls[2][2]["reply_markup"] is None


def test_webhook_mode_without_a_long_secret_does_not_start(monkeypatch):
    """A webhook that took any POST as Telegram's would let a forger write to parents as staff (issue 12)."""
    import subprocess
    import sys

    from bot.telegram.config import RelayConfig

    hook = "https://example.org/telegram"
    assert RelayConfig(token="1:x", webhook_url=hook, webhook_secret="").refusal()
    assert RelayConfig(token="1:x", webhook_url=hook, webhook_secret="short-secret").refusal()
    assert RelayConfig(token="1:x", webhook_url=hook, webhook_secret="a" * 31 + "!").refusal()
    assert RelayConfig(token="1:x", webhook_url=hook, webhook_secret="A1_-" * 8).refusal() is None
    assert RelayConfig(token="1:x", webhook_url="", webhook_secret="").refusal() is None  # long polling

    env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_URL": hook,
           "TELEGRAM_WEBHOOK_SECRET": ""}
    done = subprocess.run([sys.executable, "-m", "bot.telegram"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "TELEGRAM_WEBHOOK_SECRET" in done.stderr


def test_the_staff_summary_leaves_out_a_forms_answers():
    """Issue 12: staff summaries posted to the group carried users' form answers (a child's name, a village)."""
    import asyncio

    from bot.relay.rasa_gateway import ANSWER_HIDDEN, SUMMARY_HIDDEN, RasaGateway

    def user(text, intent):
        return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}

    events = [user("孤儿补贴多少", "ask_policy"), {"event": "bot", "text": "散居孤儿每月…"},
              user("我要报备", "register_departure"), {"event": "active_loop", "name": "departure_form"},
              {"event": "bot", "text": "孩子叫什么名字？"}, user("周杰", "inform"),
              {"event": "bot", "text": "请核对一下：孩子姓名：周杰"}, user("转人工", "request_human")]
    gateway = RasaGateway("http://127.0.0.1:9", "jwt-secret", "relay-token")

    async def tracker(_sender):
        return {"events": events}

    gateway.tracker = tracker
    lines = asyncio.run(gateway.recent_lines("tg:1"))
    assert "用户：孤儿补贴多少" in lines and "用户：转人工" in lines and "护童助手：孩子叫什么名字？" in lines
    assert ANSWER_HIDDEN in lines and SUMMARY_HIDDEN in lines
    assert not any("周杰" in line for line in lines)
