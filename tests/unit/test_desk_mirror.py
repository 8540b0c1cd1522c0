"""What staff do in the browser desk shows in the ticket's Telegram staff group topic (issue 14).

The desk queues ``staffgroup:<ref>`` lines in the outbox; the Telegram relay's sweep (``StaffDesk.sweep``) posts
them into the ticket's topic, once it has one, and no user outlet ever takes them for a user.
"""
from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError

STAFF_CHAT = -1001234


class FakeBot:
    """Stands in for telegram.Bot in the staff group: records what is sent; ``down`` refuses everything."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []
        self.down = False
        self.forum = True

    async def create_forum_topic(self, *args: Any, **kwargs: Any) -> SimpleNamespace:
        if self.down or not self.forum:
            raise BadRequest("Bad Request: the chat is not a forum")
        self.calls.append(("create_forum_topic", args, kwargs))
        return SimpleNamespace(message_thread_id=77)

    async def send_message(self, *args: Any, **kwargs: Any) -> SimpleNamespace:
        if self.down:
            raise NetworkError("no network")
        self.calls.append(("send_message", args, kwargs))
        return SimpleNamespace(message_id=500 + len(self.calls))

    def sent(self) -> list[tuple[str, dict]]:
        """(text, where) of every message sent."""
        return [(c[1][1], c[2]) for c in self.calls if c[0] == "send_message"]


class FakeRasa:
    """Rasa's API as the staff side uses it."""

    def __init__(self) -> None:
        self.resumed: list[str] = []

    async def recent_lines(self, sender: str, count: int = 10) -> list[str]:
        return ["用户：我要找工作人员"]

    async def pause(self, sender: str) -> None:
        pass

    async def resume(self, sender: str) -> None:
        self.resumed.append(sender)

    async def close(self) -> None:
        pass


class RecordingOutlet:
    """A Telegram user outlet for push_outbox: records what it is asked to deliver to users."""

    channel = "tg"

    def __init__(self) -> None:
        self.told: list[tuple[str, str]] = []

    async def deliver(self, sender: str, replies: list[dict[str, Any]]) -> None:
        pass

    async def notify(self, sender: str, text: str) -> bool:
        self.told.append((sender, text))
        return True


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch, temp_db: str):
    """The Telegram relay's StaffDesk with a fake bot and Rasa; users reached through the outbox."""
    monkeypatch.setenv("RELAY_TOKEN", "r" * 40)
    monkeypatch.setenv("RASA_JWT_SECRET", "j" * 40)
    from bot.relay.outlets import UserPost
    from bot.telegram.config import RelayConfig
    from bot.telegram.handoff import StaffDesk

    config = RelayConfig(token="1:x", staff_chat_id=STAFF_CHAT, unclaimed_minutes=10.0)
    return StaffDesk(config, FakeRasa(), UserPost(), bot=FakeBot())


@pytest.fixture
def clerk(monkeypatch: pytest.MonkeyPatch):
    """A desk user (an admin sees every ticket); the desk's Rasa client is a fake."""
    from desk import handoffs
    from desk.accounts import DeskUser

    monkeypatch.setattr(handoffs, "rasa_gateway", FakeRasa)
    return DeskUser(account_id=1, username="zhangsan", display_name="张三", sender_id="web:zhangsan", role="admin",
                    county=None, township=None, village=None)


def waiting(ref: str) -> list[str]:
    from records.outbox import pending

    return [n.text for n in pending(f"staffgroup:{ref}")]


def test_desk_claim_reply_and_close_show_in_the_tickets_topic(desk, clerk):
    from desk import handoffs
    from records.tickets import open_ticket, ticket_by_ref

    ref = open_ticket("tg:42", "user_request", "想找工作人员")
    handoffs.claim(clerk, ref)
    handoffs.reply(clerk, ref, "您好，请问孩子在哪个村？")
    handoffs.add_note(clerk, ref, "私下的备注")
    assert waiting(ref) == [f"【工作台】张三 已认领工单 {ref}。", "【工作台】张三 回复用户：您好，请问孩子在哪个村？"]

    desk.bot.down = True  # the group can't be reached: no topic yet, the lines wait
    asyncio.run(desk.sweep())
    assert ticket_by_ref(ref).topic_id is None and len(waiting(ref)) == 2

    desk.bot.down = False
    asyncio.run(desk.sweep())
    assert ticket_by_ref(ref).topic_id == 77 and waiting(ref) == []
    sent = desk.bot.sent()
    assert sent[0][0].startswith(f"工单 {ref}"), "the topic's summary comes first"
    assert [text for text, _ in sent[1:]] == [f"【工作台】张三 已认领工单 {ref}。",
                                             "【工作台】张三 回复用户：您好，请问孩子在哪个村？"]
    assert all(where == {"message_thread_id": 77} for _, where in sent[1:])
    assert not any("私下的备注" in text for text, _ in sent), "notes stay in the desk"

    asyncio.run(handoffs.close(clerk, ref))
    assert ticket_by_ref(ref).status == "closed"
    asyncio.run(desk.sweep())
    assert desk.bot.sent()[-1] == (f"【工作台】张三 关闭了工单 {ref}。", {"message_thread_id": 77})
    assert waiting(ref) == []
    asyncio.run(desk.sweep())
    assert len(desk.bot.sent()) == len(sent) + 1, "each line is posted once"


def test_in_a_group_without_topics_lines_reply_to_the_opening_message(desk, clerk):
    from desk import handoffs
    from records.tickets import open_ticket, ticket_by_ref

    desk.bot.forum = False
    ref = open_ticket("tg:43", "user_request")
    handoffs.claim(clerk, ref)
    asyncio.run(desk.sweep())
    opening = -ticket_by_ref(ref).topic_id
    assert desk.bot.sent()[-1] == (f"【工作台】张三 已认领工单 {ref}。", {"reply_to_message_id": opening})


def test_lines_of_a_ticket_closed_before_it_had_a_topic_are_dropped(desk, clerk):
    from desk import handoffs
    from records.tickets import open_ticket

    ref = open_ticket("tg:44", "user_request")
    asyncio.run(handoffs.close(clerk, ref))
    assert waiting(ref)
    asyncio.run(desk.sweep())
    assert waiting(ref) == [] and desk.bot.sent() == []


def test_the_user_outlet_never_takes_staff_group_lines(desk, clerk):
    from bot.relay.ids import channel_of
    from bot.relay.outlets import push_outbox
    from desk import handoffs
    from records.tickets import open_ticket

    assert channel_of("staffgroup:RG20261201-7KQ2") == "staffgroup"
    ref = open_ticket("tg:45", "user_request")
    handoffs.reply(clerk, ref, "马上联系您")
    outlet = RecordingOutlet()
    asyncio.run(push_outbox(outlet))
    assert outlet.told == [("tg:45", "工作人员：马上联系您")]
    assert len(waiting(ref)) == 2, "the group's lines wait for the sweep"
