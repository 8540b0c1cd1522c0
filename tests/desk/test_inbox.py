"""The ticket inbox: views and order, waiting time, the unclaimed alert, claim, reply, notes, canned replies, close,
the mirror lines for the Telegram staff group, scope per role, CSRF, and polite refusals."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select

from tests.desk.conftest import COUNTY, OTHER_TOWNSHIP, OTHER_VILLAGE, TOWNSHIP, VILLAGE

ROW = re.compile(r'data-testid="ticket-row" data-ref="([^"]+)"')


# ---- seeding and reading the records -----------------------------------------------------------

def seed_ticket(*, sender: str = "tg:1001", reason: str = "user_request", urgent: bool = False, summary: str = "",
                county: str | None = COUNTY, township: str | None = TOWNSHIP, village: str | None = VILLAGE,
                minutes_ago: float = 0, claimed_by: str | None = None, closed: bool = False) -> str:
    """A ticket at a place, opened ``minutes_ago``; returns its reference number."""
    from records.db import session_scope, utc_now
    from records.models import HandoffTicket
    from records.refs import unused_reference

    opened = utc_now() - dt.timedelta(minutes=minutes_ago)
    with session_scope() as session:
        ref = unused_reference(session, HandoffTicket, "ticket")
        status = "closed" if closed else "claimed" if claimed_by else "open"
        session.add(HandoffTicket(ref=ref, sender_id=sender, reason=reason, urgent=urgent, summary=summary,
                                  county=county, township=township, village=village, created_at=opened,
                                  claimed_by=claimed_by, claimed_at=opened if claimed_by else None, status=status,
                                  closed_at=utc_now() if closed else None))
    return ref


def add_message(ref: str, author: str, text: str, author_id: str | None = None) -> None:
    from records.tickets import add_handoff_message, ticket_by_ref

    add_handoff_message(ticket_by_ref(ref).id, author, text, author_id)


def ticket(ref: str):
    from records.tickets import ticket_by_ref

    return ticket_by_ref(ref)


def queued(recipient: str) -> list[str]:
    """Texts waiting in the outbox for ``recipient``."""
    from records.outbox import pending

    return [n.text for n in pending(recipient)]


def rows(html: str) -> list[str]:
    return ROW.findall(html)


def messages(ref: str) -> list[tuple[str, str]]:
    from records.tickets import handoff_messages

    return handoff_messages(ref)


def notes(ref: str) -> list[str]:
    from records.db import session_scope
    from records.models import HandoffTicket, TicketNote

    with session_scope() as session:
        return list(session.scalars(select(TicketNote.text).join(HandoffTicket, TicketNote.ticket_id == HandoffTicket.id)
                                    .where(HandoffTicket.ref == ref)))


class FakeRasa:
    """Stands in for bot.relay.rasa_gateway.RasaGateway: records resumes; ``down`` makes every call fail."""

    resumed: list[str] = []
    down = False
    lines = ["用户：我要找人，我叫王小明，电话13812345678", "护童助手：好的，正在为您转接。"]

    async def resume(self, sender: str) -> None:
        from bot.relay.rasa_gateway import RasaUnavailable

        if FakeRasa.down:
            raise RasaUnavailable("ConnectError")
        FakeRasa.resumed.append(sender)

    async def recent_lines(self, sender: str, count: int = 10) -> list[str]:
        return [] if FakeRasa.down else list(FakeRasa.lines)

    async def close(self) -> None:
        pass


@pytest.fixture(autouse=True)
def fake_rasa(monkeypatch: pytest.MonkeyPatch) -> type[FakeRasa]:
    """No test talks to a real Rasa."""
    from desk import handoffs

    FakeRasa.resumed, FakeRasa.down = [], False
    monkeypatch.setattr(handoffs, "rasa_gateway", FakeRasa)
    return FakeRasa


@pytest.fixture
def staff(desk_client):
    return desk_client("staff", county=COUNTY)


# ---- the inbox ---------------------------------------------------------------------------------

def test_views_show_urgent_first_then_oldest(desk_client):
    client = desk_client("staff", county=COUNTY)
    me = client.get("/account")  # the account's sender id is web:<username>
    username = re.search(r"<a href=\"/account\">([^<]+)</a>", me.text).group(1)
    new = seed_ticket(minutes_ago=1)
    old = seed_ticket(minutes_ago=30)
    urgent = seed_ticket(minutes_ago=2, urgent=True, reason="urgent")
    mine = seed_ticket(minutes_ago=5, claimed_by=f"web:{username}")
    theirs = seed_ticket(minutes_ago=6, claimed_by="tgstaff:77")
    closed = seed_ticket(minutes_ago=60, closed=True)

    page = client.get("/inbox")
    assert page.status_code == 200
    assert rows(page.text) == [urgent, old, theirs, mine, new]
    assert rows(client.get("/inbox?view=unclaimed").text) == [urgent, old, new]
    assert rows(client.get("/inbox?view=mine").text) == [mine]
    assert rows(client.get("/inbox?view=closed").text) == [closed]
    assert rows(client.get("/inbox?view=nonsense").text) == rows(page.text)
    for view in ("open", "mine", "unclaimed", "closed"):
        assert f'data-testid="view-tab-{view}"' in page.text
    assert "紧急" in page.text and "Telegram 工作人员" in page.text and username in page.text
    fragment = client.get("/inbox/list?view=unclaimed")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert rows(fragment.text) == [urgent, old, new]
    assert 'hx-trigger="every 3s"' in page.text and 'hx-get="/inbox/list?view=open"' in page.text


def test_a_row_shows_reason_channel_waiting_time_and_a_masked_summary(staff):
    seed_ticket(sender="wecom:kf1:user9", minutes_ago=90, reason="fallback",
                summary="我叫王小明，电话13812345678")
    seed_ticket(sender="tg:5", minutes_ago=3)
    html = staff.get("/inbox").text
    assert "企业微信" in html and "Telegram" in html
    assert "1小时30分钟" in html and "3分钟" in html
    assert "多次未能理解" in html and "用户要求转人工" in html
    assert "13812345678" not in html and "138****5678" in html
    assert "王小明" not in html


def test_new_tickets_appear_in_the_polled_list(staff):
    assert rows(staff.get("/inbox/list").text) == []
    ref = seed_ticket()
    assert rows(staff.get("/inbox/list").text) == [ref]


def test_an_alert_when_a_ticket_waits_unclaimed_too_long(staff):
    seed_ticket(minutes_ago=2)
    seed_ticket(minutes_ago=30, claimed_by="tgstaff:1")
    assert 'data-testid="unclaimed-alert"' not in staff.get("/inbox").text
    seed_ticket(minutes_ago=11)  # the default mark is 10 minutes
    page = staff.get("/inbox")
    assert 'data-testid="unclaimed-alert"' in page.text and "1 个工单" in page.text
    assert 'data-testid="unclaimed-alert"' in staff.get("/inbox/list?view=closed").text


# ---- one ticket --------------------------------------------------------------------------------

def test_the_ticket_page_shows_messages_masked_and_notes_in_one_timeline(staff):
    ref = seed_ticket(summary="孩子在家没人管")
    add_message(ref, "bot", "工单摘要")
    add_message(ref, "user", "我的电话是13812345678", "tg:1001")
    add_message(ref, "staff", "我们马上联系您", "tgstaff:9")
    staff.post(f"/tickets/{ref}/note", data={"text": "已电话联系村主任"})
    page = staff.get(f"/tickets/{ref}")
    assert page.status_code == 200
    assert 'data-testid="timeline"' in page.text and 'hx-get="/tickets/%s/timeline"' % ref in page.text
    assert "13812345678" not in page.text and "138****5678" in page.text
    assert "Telegram 工作人员" in page.text and "已电话联系村主任" in page.text and "内部备注" in page.text
    fragment = staff.get(f"/tickets/{ref}/timeline")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    kinds = re.findall(r'data-kind="(\w+)"', fragment.text)
    assert kinds == ["event", "bot", "user", "staff", "note"]


def test_recent_lines_from_rasa_are_masked_and_omitted_when_rasa_is_down(staff, fake_rasa):
    ref = seed_ticket()
    recent = staff.get(f"/tickets/{ref}/recent")
    assert "正在为您转接" in recent.text and "13812345678" not in recent.text and "王**" in recent.text
    fake_rasa.down = True
    recent = staff.get(f"/tickets/{ref}/recent")
    assert recent.status_code == 200 and "暂时读不到" in recent.text


def test_claim_takes_the_ticket_and_tells_the_staff_group(staff):
    ref = seed_ticket()
    page = staff.get(f"/tickets/{ref}")
    assert 'data-testid="claim-button"' in page.text
    response = staff.post(f"/tickets/{ref}/claim", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/tickets/{ref}?done=claimed"
    assert ticket(ref).status == "claimed" and ticket(ref).claimed_by.startswith("web:staff-")
    assert queued(f"staffgroup:{ref}") == [f"【工作台】{ticket(ref).claimed_by[4:]} 已认领工单 {ref}。"]
    assert rows(staff.get("/inbox?view=mine").text) == [ref]
    assert "已认领" in staff.get(f"/tickets/{ref}?done=claimed").text


def test_a_ticket_held_by_another_is_not_taken(staff):
    ref = seed_ticket(claimed_by="tgstaff:5")
    response = staff.post(f"/tickets/{ref}/claim")
    assert response.status_code == 409 and "Telegram 工作人员认领了" in response.text
    assert ticket(ref).claimed_by == "tgstaff:5" and queued(f"staffgroup:{ref}") == []


def test_a_reply_reaches_the_user_through_the_outbox_is_kept_and_mirrored(staff):
    ref = seed_ticket(sender="tg:4242")
    response = staff.post(f"/tickets/{ref}/reply", data={"text": "您好，请问孩子在哪个村？"}, follow_redirects=False)
    assert response.status_code == 303
    assert queued("tg:4242") == ["工作人员：您好，请问孩子在哪个村？"]
    name = ticket(ref).claimed_by[4:]
    assert queued(f"staffgroup:{ref}") == [f"【工作台】{name} 已认领工单 {ref}。",
                                           f"【工作台】{name} 回复用户：您好，请问孩子在哪个村？"]
    assert ("staff", "您好，请问孩子在哪个村？") in messages(ref)
    from records.db import session_scope
    from records.models import HandoffMessage

    with session_scope() as session:
        kept = session.scalar(select(HandoffMessage).where(HandoffMessage.text == "您好，请问孩子在哪个村？"))
        assert kept.author == "staff" and kept.author_id == ticket(ref).claimed_by
    assert ticket(ref).status == "claimed", "a reply on an unclaimed ticket claims it"


def test_a_reply_on_a_ticket_held_in_telegram_keeps_the_holder(staff):
    ref = seed_ticket(claimed_by="tgstaff:5", sender="wecom:kf:u1")
    assert staff.post(f"/tickets/{ref}/reply", data={"text": "好的"}, follow_redirects=False).status_code == 303
    assert ticket(ref).claimed_by == "tgstaff:5" and queued("wecom:kf:u1") == ["工作人员：好的"]


@pytest.mark.parametrize("text, says", [("", "不能是空的"), ("   \n ", "不能是空的"), ("字" * 2001, "太长了")])
def test_an_empty_or_huge_reply_is_refused_politely(staff, text, says):
    ref = seed_ticket(sender="tg:1")
    response = staff.post(f"/tickets/{ref}/reply", data={"text": text})
    assert response.status_code == 400 and says in response.text and 'data-testid="form-error"' in response.text
    assert "Traceback" not in response.text
    assert queued("tg:1") == [] and queued(f"staffgroup:{ref}") == [] and ticket(ref).claimed_by is None


def test_html_in_a_reply_is_sent_as_text_and_shown_escaped(staff):
    ref = seed_ticket(sender="tg:1")
    evil = '<script>alert(1)</script><b onclick="x()">粗</b>'
    assert staff.post(f"/tickets/{ref}/reply", data={"text": evil}, follow_redirects=False).status_code == 303
    assert queued("tg:1") == ["工作人员：" + evil]
    page = staff.get(f"/tickets/{ref}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    refused = staff.post(f"/tickets/{ref}/reply", data={"text": "<script>x</script>" + "长" * 2001}).text
    assert "<script>x</script>" not in refused and "&lt;script&gt;x" in refused


def test_a_note_is_kept_and_never_sent(staff):
    ref = seed_ticket(sender="tg:1")
    response = staff.post(f"/tickets/{ref}/note", data={"text": "奶奶耳背，打电话要大声"}, follow_redirects=False)
    assert response.status_code == 303
    assert notes(ref) == ["奶奶耳背，打电话要大声"]
    assert queued("tg:1") == [] and queued(f"staffgroup:{ref}") == []
    assert ticket(ref).claimed_by is None and messages(ref) == []
    assert staff.post(f"/tickets/{ref}/note", data={"text": ""}).status_code == 400


def test_canned_replies_fill_the_reply_box(staff):
    from desk.handoffs import canned_replies

    canned = canned_replies()
    assert 5 <= len(canned) <= 8
    assert any("110" in c.text for c in canned) and any("12345" in c.text for c in canned)
    assert any("村" in c.text for c in canned) and any("电话" in c.text for c in canned)
    ref = seed_ticket(sender="tg:1")
    page = staff.get(f"/tickets/{ref}").text
    assert page.count('data-testid="canned-reply"') == len(canned)
    village = next(c for c in canned if c.key == "village")
    box = staff.get(f"/tickets/{ref}/reply-box?canned=village")
    assert box.status_code == 200 and 'data-testid="reply-text"' in box.text and village.text in box.text
    assert village.text in staff.get(f"/tickets/{ref}?canned=village").text  # without scripts: the page, filled
    staff.post(f"/tickets/{ref}/reply", data={"text": village.text})
    assert queued("tg:1") == ["工作人员：" + village.text]


def test_close_gives_the_conversation_back_and_tells_the_user(staff, fake_rasa):
    ref = seed_ticket(sender="tg:1")
    response = staff.post(f"/tickets/{ref}/close", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("done=closed")
    assert ticket(ref).status == "closed" and ticket(ref).closed_at is not None
    assert queued("tg:1") == ["工作人员已结束这次对话。护童助手继续为您服务，有需要随时说。"]
    assert fake_rasa.resumed == ["tg:1"]
    assert queued(f"staffgroup:{ref}")[-1].endswith(f"关闭了工单 {ref}。")
    assert rows(staff.get("/inbox?view=closed").text) == [ref] and rows(staff.get("/inbox").text) == []
    again = staff.post(f"/tickets/{ref}/close")
    assert again.status_code == 409 and "已经关闭" in again.text
    refused = staff.post(f"/tickets/{ref}/reply", data={"text": "还在吗"})
    assert refused.status_code == 400 and "已经关闭" in refused.text and queued("tg:1")[-1].startswith("工作人员已结束")


def test_close_works_when_rasa_is_down(staff, fake_rasa):
    fake_rasa.down = True
    ref = seed_ticket(sender="tg:1")
    response = staff.post(f"/tickets/{ref}/close", follow_redirects=False)
    assert response.headers["location"].endswith("done=closed-offline") and ticket(ref).status == "closed"
    assert "联系不上" in staff.get(response.headers["location"]).text
    assert queued("tg:1") == ["工作人员已结束这次对话。护童助手继续为您服务，有需要随时说。"]


def test_closing_a_report_follow_up_does_not_message_the_user(staff):
    ref = seed_ticket(sender="tg:1", reason="report")
    staff.post(f"/tickets/{ref}/close")
    assert ticket(ref).status == "closed" and queued("tg:1") == []


def test_the_real_gateway_failing_fast_still_closes(staff, monkeypatch):
    """With the real RasaGateway pointed at a closed port, closing still works (no stub)."""
    from bot.relay.rasa_gateway import RasaGateway
    from desk import handoffs

    monkeypatch.setattr(handoffs, "rasa_gateway", lambda: RasaGateway("http://127.0.0.1:9", "s" * 32, "t" * 32,
                                                                      timeout=1.0))
    ref = seed_ticket(sender="tg:1")
    assert staff.post(f"/tickets/{ref}/close", follow_redirects=False).headers["location"].endswith("closed-offline")
    assert "暂时读不到" in staff.get(f"/tickets/{ref}/recent").text


# ---- scope and CSRF ----------------------------------------------------------------------------

SCOPE_CASES: list[Any] = [
    # role, the account's place, the ticket's place, visible
    ("director", {"county": COUNTY, "township": TOWNSHIP, "village": VILLAGE}, {}, True),
    ("director", {"county": COUNTY, "township": TOWNSHIP, "village": "虎头村"}, {}, False),
    ("director", {"county": COUNTY, "township": OTHER_TOWNSHIP, "village": OTHER_VILLAGE}, {}, False),
    # Two villages of the same name in different townships (澄江镇东升村, 柳荫镇东升村 in the example directory).
    ("director", {"county": COUNTY, "township": OTHER_TOWNSHIP, "village": OTHER_VILLAGE},
     {"township": "柳荫镇", "village": OTHER_VILLAGE}, False),
    ("director", {"county": COUNTY, "township": TOWNSHIP, "village": VILLAGE},
     {"county": None, "township": None, "village": None}, False),
    ("supervisor", {"county": COUNTY, "township": TOWNSHIP}, {}, True),
    ("supervisor", {"county": COUNTY, "township": OTHER_TOWNSHIP}, {}, False),
    ("staff", {"county": COUNTY}, {}, True),
    ("staff", {"county": "合川区"}, {}, False),
    ("staff", {"county": COUNTY}, {"county": None, "township": None, "village": None}, True),
    ("staff", {"county": "合川区"}, {"county": None, "township": None, "village": None}, True),
    ("admin", {}, {"county": "合川区", "township": "某镇", "village": "某村"}, True),
]


@pytest.mark.parametrize("role, place, ticket_place, visible", SCOPE_CASES)
def test_scope_per_role(desk_client, role, place, ticket_place, visible):
    ref = seed_ticket(sender="tg:1", **ticket_place)
    client = desk_client(role, **place)
    assert (ref in rows(client.get("/inbox").text)) is visible
    assert (ref in rows(client.get("/inbox/list?view=unclaimed").text)) is visible
    expected = 200 if visible else 404
    for path in ("", "/timeline", "/recent", "/reply-box"):
        assert client.get(f"/tickets/{ref}{path}").status_code == expected, path
    if not visible:
        for action, data in (("claim", {}), ("reply", {"text": "你好"}), ("note", {"text": "x"}), ("close", {})):
            assert client.post(f"/tickets/{ref}/{action}", data=data).status_code == 404, action
        assert ticket(ref).status == "open" and queued("tg:1") == [] and notes(ref) == []


def test_an_unknown_ticket_is_404(staff):
    assert staff.get("/tickets/RG20260101-XXXX").status_code == 404
    assert staff.post("/tickets/RG20260101-XXXX/reply", data={"text": "x"}).status_code == 404


@pytest.mark.parametrize("action, data", [("claim", {}), ("reply", {"text": "你好"}), ("note", {"text": "备注"}),
                                          ("close", {})])
def test_every_action_needs_the_csrf_token(staff, action, data):
    ref = seed_ticket(sender="tg:1")
    token = staff.headers.pop("X-CSRF-Token")
    assert staff.post(f"/tickets/{ref}/{action}", data=data).status_code == 403
    assert staff.post(f"/tickets/{ref}/{action}", data={**data, "csrf_token": "wrong"}).status_code == 403
    assert ticket(ref).status == "open" and queued("tg:1") == [] and notes(ref) == []
    response = staff.post(f"/tickets/{ref}/{action}", data={**data, "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, "the form's own token is accepted"


def test_pages_need_sign_in(desk_app):
    from starlette.testclient import TestClient

    ref = seed_ticket()
    client = TestClient(desk_app)
    assert client.get("/inbox", follow_redirects=False).headers["location"].startswith("/login")
    assert client.get(f"/tickets/{ref}", follow_redirects=False).status_code == 303
    assert client.post(f"/tickets/{ref}/close").status_code == 401
