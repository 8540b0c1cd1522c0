"""The WeCom adapter against a fake WeCom API on loopback (real HTTP, wechatpy's real client and crypto).

A stand-in Rasa answers at once, so what is tested is the relay: tokens, the
sync cursor, origins, the 5-per-48-h allowance, menus, welcome, media, handoff
to a 接待人员 and back.
"""
from __future__ import annotations

import asyncio
from typing import Any, Iterator

import pytest

from bot.relay.outlets import UserPost
from bot.relay.payloads import PayloadMap
from bot.relay.rasa_gateway import RasaGateway
from bot.wecom.api import WeComApi
from bot.wecom.config import WeComConfig
from bot.wecom.outlet import WeComOutlet, wecom_sender
from bot.wecom.relay import WeComRelay
from bot.wecom.render import split_text, turn_messages
from bot.wecom.servicer import ServicerDesk
from tests.fakes.rasa_echo import EchoRasa
from tests.fakes.wecom_api import FakeWeCom


@pytest.fixture
def wecom() -> Iterator[FakeWeCom]:
    fake = FakeWeCom().start()
    yield fake
    fake.stop()


@pytest.fixture
def echo() -> Iterator[EchoRasa]:
    rasa = EchoRasa()
    yield rasa
    rasa.stop()


class NoDesk:
    """No staff side: nothing is handed off in these tests unless a ServicerDesk is given."""

    async def after_bot_turn(self, sender: str) -> None:
        pass

    async def from_user(self, ticket: Any, text: str) -> None:
        pass


def make_relay(wecom: FakeWeCom, echo: EchoRasa, tmp_path, desk: Any = None, **settings: Any) -> WeComRelay:
    config = WeComConfig(corp_id=wecom.corp_id, secret=wecom.secret, token=wecom.token,
                         encoding_aes_key=wecom.encoding_aes_key, api_base=wecom.api_base_url,
                         rasa_url=f"http://127.0.0.1:{echo.port}", rasa_jwt_secret="jwt", relay_token="relay",
                         media_dir=tmp_path / "media", **settings)
    api = WeComApi(config.corp_id, config.secret, config.api_base)
    rasa = RasaGateway(config.rasa_url, config.rasa_jwt_secret, config.relay_token)
    return WeComRelay(config, api, rasa, desk or NoDesk())


def run(coroutine):
    return asyncio.run(coroutine)


def test_the_access_token_is_kept_and_fetched_again_when_wecom_says_it_expired(wecom: FakeWeCom) -> None:
    api = WeComApi(wecom.corp_id, wecom.secret, wecom.api_base_url)

    async def calls() -> None:
        await api.service_state(wecom.open_kfid, "u1")
        await api.service_state(wecom.open_kfid, "u1")
        assert wecom.token_fetches == 1, "one token for many calls"
        wecom.fail_next_with(42001)
        await api.service_state(wecom.open_kfid, "u1")
        assert wecom.token_fetches == 2, "42001: a new token, and the call repeated"
        wecom.expire_tokens()
        await api.service_state(wecom.open_kfid, "u1")
        assert wecom.token_fetches == 3

    run(calls())


def test_sync_reads_every_page_once_from_the_stored_cursor_and_only_the_customers_own(
        wecom: FakeWeCom, echo: EchoRasa, tmp_path) -> None:
    from records.outbox import pending

    relay = make_relay(wecom, echo, tmp_path)
    for number in range(12):
        wecom.push_text("u1", f"第{number}条", notify=False)
    wecom.servicer_says("u1", "我是接待人员", notify=False)
    wecom.push_text("u1", "系统消息", origin=4, notify=False)
    token = wecom.new_sync_token()

    async def go() -> None:
        original = relay.api.sync_msg

        async def small_pages(open_kfid: str, token: str, cursor: str, limit: int = 1000) -> dict[str, Any]:
            return await original(open_kfid, token, cursor, limit=5)  # has_more must be followed

        relay.api.sync_msg = small_pages
        assert await relay.sync(wecom.open_kfid, token) == 12
        assert await relay.sync(wecom.open_kfid, token) == 0, "read again: nothing new"
        # A restarted relay (a new object, the cursor from the database) reads nothing twice.
        again = make_relay(wecom, echo, tmp_path)
        assert await again.sync(wecom.open_kfid, token) == 0

    run(go())
    sent = [t.split("\n")[0] for t in wecom.texts_to("u1")]
    held = [n.text.split("\n")[0] for n in pending(wecom_sender(wecom.open_kfid, "u1"))]
    # Twelve messages in a burst leave WeCom's allowance of 5 after the last: the rest wait, none is lost.
    assert sent + held == [f"收到：第{n}条" for n in range(12)], (sent, held)
    assert len(sent) <= 5


def test_a_turn_is_one_message_and_replies_beyond_the_allowance_wait_for_the_user(
        wecom: FakeWeCom, echo: EchoRasa, tmp_path) -> None:
    relay = make_relay(wecom, echo, tmp_path)
    sender = wecom_sender(wecom.open_kfid, "u2")

    async def go() -> None:
        wecom.push_text("u2", "你好", notify=False)
        await relay.sync(wecom.open_kfid)
        assert len(wecom.sent(touser="u2")) == 1, "text and button in one msgmenu"
        for number in range(6):  # six more sends with no new customer message: 4 go, 2 wait
            await relay.outlet.deliver(sender, [{"text": f"通知{number}"}])
        assert len(wecom.sent(touser="u2")) == 5
        assert not [c for c in wecom.calls("kf/send_msg") if c.errcode], "the relay never runs into WeCom's refusal"
        wecom.push_text("u2", "我回来了", notify=False)
        await relay.sync(wecom.open_kfid)

    run(go())
    texts = wecom.texts_to("u2")
    assert [t.split("\n")[0] for t in texts[5:8]] == ["通知4", "通知5", "收到：我回来了"], "held replies first, in order"


def test_buttons_become_a_menu_whose_clicks_carry_the_payload(wecom: FakeWeCom, echo: EchoRasa, tmp_path) -> None:
    relay = make_relay(wecom, echo, tmp_path)

    async def go() -> None:
        wecom.push_text("u3", "你好", notify=False)
        await relay.sync(wecom.open_kfid)
        item = wecom.sent(touser="u3")[-1].buttons[0]
        assert item["content"] == "好的" and len(item["id"].encode()) <= 128
        wecom.click("u3", item["id"], item["content"], notify=False)
        await relay.sync(wecom.open_kfid)
        wecom.click("u3", "b:forgotten", "旧按钮", notify=False)
        await relay.sync(wecom.open_kfid)

    run(go())
    texts = wecom.texts_to("u3")
    assert texts[1].startswith("收到：/affirm"), "the click's payload went to Rasa"
    assert "过期" in texts[2]


def test_long_text_and_many_buttons_fit_wecoms_limits() -> None:
    parts = split_text("孩子的情况。" * 800)
    assert len(parts) > 1 and all(len(p.encode()) <= 2048 for p in parts) and "接下条" in parts[0]
    buttons = [{"title": f"第{i}类", "payload": f"/choose{{\"n\": {i}}}"} for i in range(12)]
    messages = turn_messages([{"text": "属于哪一类？", "buttons": buttons}], PayloadMap())
    menus = [m for m in messages if m["msgtype"] == "msgmenu"]
    assert [len(m["msgmenu"]["list"]) for m in menus] == [10, 2]


def test_the_welcome_goes_on_the_welcome_code_with_task_buttons(wecom: FakeWeCom, echo: EchoRasa, tmp_path) -> None:
    relay = make_relay(wecom, echo, tmp_path)
    wecom.enter_session("u4", notify=False)
    run(relay.sync(wecom.open_kfid))
    welcome = wecom.calls("kf/send_msg_on_event")
    assert len(welcome) == 1 and welcome[0].ok and welcome[0].buttons, "one welcome, with buttons, accepted"


def test_voice_is_kept_and_answered_kindly_images_outside_a_visit_are_declined(
        wecom: FakeWeCom, echo: EchoRasa, tmp_path) -> None:
    relay = make_relay(wecom, echo, tmp_path)
    wecom.push_voice("u5", notify=False)
    wecom.push_image("u5", notify=False)
    wecom.push_location("u5", 29.85, 106.43, notify=False)
    run(relay.sync(wecom.open_kfid))
    texts = wecom.texts_to("u5")
    assert "听不懂语音" in texts[0] and "打字" in texts[0] and "110" in texts[0]
    assert "探访记录" in texts[1] and "探访记录" in texts[2]
    assert [p.suffix for p in (tmp_path / "media").iterdir()] == [".amr"], "the voice note is kept, the photo not"


def test_kept_media_older_than_the_retention_period_is_deleted_unless_filed_with_a_visit(tmp_path) -> None:
    import os
    import time

    from records.db import session_scope
    from records.models import VisitAttachment
    from records.retention import purge_media

    media = tmp_path / "media"
    media.mkdir()
    for name in ("old.amr", "filed.jpg", "new.amr"):
        (media / name).write_bytes(b"x")
    long_ago = time.time() - 200 * 86_400
    for name in ("old.amr", "filed.jpg"):
        os.utime(media / name, (long_ago, long_ago))
    with session_scope() as session:
        session.add(VisitAttachment(sender_id="wecom:k:u", kind="photo", file_id="file:filed.jpg", visit_ref="FV1"))
    assert purge_media(media, days=180) == 1
    assert sorted(p.name for p in media.iterdir()) == ["filed.jpg", "new.amr"]


def test_in_a_visit_log_voice_photo_and_location_attach_to_it(wecom: FakeWeCom, echo: EchoRasa, tmp_path,
                                                               director) -> None:
    from records.db import session_scope
    from records.models import VisitAttachment

    relay = make_relay(wecom, echo, tmp_path)
    sender = director(wecom_sender(wecom.open_kfid, "u6"))

    async def in_visit(_sender: str) -> str:
        return "visit_form"

    relay.rasa.active_form = in_visit
    wecom.push_voice("u6", notify=False)
    wecom.push_image("u6", notify=False)
    wecom.push_location("u6", 29.85, 106.43, notify=False)
    run(relay.sync(wecom.open_kfid))
    assert "共3项" in wecom.texts_to("u6")[-1]
    with session_scope() as session:
        kinds = [a.kind for a in session.query(VisitAttachment).filter_by(sender_id=sender).order_by(VisitAttachment.id)]
    assert kinds == ["voice", "photo", "location"]
    assert len(list((tmp_path / "media").iterdir())) == 2, "the voice note and the photo are stored"


def test_a_handoff_to_a_servicer_stays_silent_and_the_bot_resumes_when_wecom_ends_it(
        wecom: FakeWeCom, echo: EchoRasa, tmp_path) -> None:
    from records.tickets import open_ticket, open_ticket_for

    sender = wecom_sender(wecom.open_kfid, "u7")
    holder: dict[str, Any] = {}

    def build() -> WeComRelay:
        api = WeComApi(wecom.corp_id, wecom.secret, wecom.api_base_url)
        outlet = WeComOutlet(api, PayloadMap())
        rasa = RasaGateway(f"http://127.0.0.1:{echo.port}", "jwt", "relay")
        desk = ServicerDesk(api, rasa, UserPost(outlet), ("zhangsan",))
        relay = WeComRelay(WeComConfig(corp_id="x", media_dir=tmp_path), api, rasa, desk, outlet)
        holder["desk"] = desk
        return relay

    relay = build()
    answer = relay.rasa.send

    async def rasa_with_handoff(who: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        if text == "转人工":  # what the bot's handoff action does on that turn
            open_ticket(who, "user_request", "用户要求转人工")
        return await answer(who, text, metadata)

    relay.rasa.send = rasa_with_handoff

    async def go() -> None:
        wecom.push_text("u7", "转人工", notify=False)
        await relay.sync(wecom.open_kfid)
        assert wecom.state("u7") == 3 and wecom.servicer("u7") == "zhangsan"
        mark = len(wecom.sent(touser="u7"))
        wecom.push_text("u7", "孩子最近不肯上学", notify=False)
        await relay.sync(wecom.open_kfid)
        assert len(wecom.sent(touser="u7")) == mark, "silent while the 接待人员 has the chat"
        wecom.end_session("u7", notify=False)
        await relay.sync(wecom.open_kfid)
        assert open_ticket_for(sender) is None, "WeCom ended it: the ticket is closed"
        wecom.push_text("u7", "你好", notify=False)
        await relay.sync(wecom.open_kfid)

    run(go())
    texts = wecom.texts_to("u7")
    assert any("转接" in t for t in texts)
    assert texts[-2].startswith("工作人员已结束") and texts[-1].startswith("收到：你好"), texts[-3:]


def test_messages_waiting_for_rasa_survive_a_relay_restart_and_are_answered_in_order(
        wecom: FakeWeCom, echo: EchoRasa, tmp_path) -> None:
    down = EchoRasa()
    down.stop()  # a port nobody answers on: Rasa is down
    relay = make_relay(wecom, down, tmp_path)
    for number in range(3):
        wecom.push_text("u8", f"等待{number}", notify=False)
    run(relay.sync(wecom.open_kfid))
    told = wecom.texts_to("u8")
    assert len(told) == 1 and "记下了" in told[0], "told once that the bot is busy"

    restarted = make_relay(wecom, echo, tmp_path)  # a new process: nothing in memory, Rasa back
    wecom.push_text("u8", "新消息", notify=False)
    run(restarted.sync(wecom.open_kfid))
    run(restarted.tick())
    answers = [t.split("\n")[0] for t in wecom.texts_to("u8")[1:]]
    assert answers == ["收到：等待0", "收到：等待1", "收到：等待2", "收到：新消息"], answers
