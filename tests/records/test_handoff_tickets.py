"""The staff side of a ticket, on both databases: topic, claim, messages, re-alert; visit attachments."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from records.attachments import add_attachment, attachments_of
from records.db import session_scope
from records.filing import file_visit
from records.models import HandoffTicket
from records.people import Actor
from records.tickets import (
    add_handoff_message,
    Claim,
    ClaimOutcome,
    claim_ticket,
    close_ticket,
    handoff_messages,
    mark_realerted,
    open_ticket,
    open_ticket_for,
    set_topic,
    ticket_by_topic,
    tickets_without_topic,
    unclaimed_since,
)
from records_support import make_person


def test_a_ticket_gets_one_topic_and_is_found_by_it(db_url):
    ref = open_ticket("tg:1", "user_request", summary="用户要求转人工")
    assert [t.ref for t in tickets_without_topic()] == [ref]
    set_topic(ref, 501)
    assert tickets_without_topic() == []
    assert ticket_by_topic(501).ref == ref and ticket_by_topic(502) is None


def test_claimed_once_and_the_claim_stays_with_the_first(db_url):
    ref = open_ticket("tg:1", "user_request")
    assert claim_ticket(ref, "tgstaff:1") == Claim(ClaimOutcome.CLAIMED, "tgstaff:1")
    assert claim_ticket(ref, "tgstaff:1").taken, "claiming again is harmless"
    assert claim_ticket(ref, "tgstaff:2") == Claim(ClaimOutcome.HELD_BY_ANOTHER, "tgstaff:1")
    close_ticket(ref)
    assert claim_ticket(ref, "tgstaff:2").outcome is ClaimOutcome.CLOSED and open_ticket_for("tg:1") is None


def test_messages_are_kept_in_order_with_their_ticket(db_url):
    ref = open_ticket("tg:1", "user_request")
    ticket = open_ticket_for("tg:1")
    for author, text in (("bot", "已转接"), ("user", "孩子不肯上学"), ("staff", "明天给您打电话")):
        add_handoff_message(ticket.id, author, text)
    assert handoff_messages(ref) == [("bot", "已转接"), ("user", "孩子不肯上学"), ("staff", "明天给您打电话")]


def test_an_unclaimed_ticket_is_realerted_once(db_url):
    ref = open_ticket("tg:1", "user_request")
    set_topic(ref, 501)
    assert unclaimed_since(10) == [], "not yet: shown just now"
    with session_scope() as session:
        session.execute(update(HandoffTicket).values(
            alerted_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=11)))
    assert [t.ref for t in unclaimed_since(10)] == [ref]
    mark_realerted(ref)
    assert unclaimed_since(10) == []
    other = open_ticket("tg:2", "user_request")
    set_topic(other, 502)
    claim_ticket(other, "tgstaff:1")
    with session_scope() as session:
        session.execute(update(HandoffTicket).values(
            alerted_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=11)))
    assert unclaimed_since(10) == [], "a claimed ticket is not re-alerted"


def test_a_report_joining_a_plain_request_makes_it_a_follow_up(db_url):
    open_ticket("tg:1", "user_request")
    open_ticket("tg:1", "report", summary="强制报告 BG…")
    assert open_ticket_for("tg:1").reason == "report"


def test_photos_and_locations_wait_for_the_visit_log_then_carry_its_number(db_url):
    make_person("tg:dir", "director", village_name="大磨滩村")
    director = Actor("tg:dir", "director", "北碚区", "歇马街道", "大磨滩村")
    assert add_attachment("tg:dir", "photo", file_id="photo-1") == 1
    assert add_attachment("tg:dir", "location", latitude=29.8, longitude=106.4) == 2
    make_person("tg:other-dir", "director", village_name="虎头村")
    add_attachment("tg:other-dir", "photo", file_id="photo-x")
    filed = file_visit(director, "k1", child_name="王小明", visit_date=dt.date(2026, 12, 1), kind="入户",
                       findings="孩子很好", risk_level="一般", next_visit_date=dt.date(2026, 12, 31))
    assert [(a.kind, a.file_id) for a in attachments_of(filed.ref)] == [("photo", "photo-1"), ("location", None)]
    assert add_attachment("tg:dir", "photo", file_id="photo-2") == 1, "the next visit starts afresh"


def test_photos_are_kept_only_from_a_verified_director_and_a_cancelled_log_leaves_none(db_url):
    """Issue 12: an unverified user could upload photos; a cancelled log's photos joined the next one."""
    import pytest

    from records.attachments import discard_waiting
    from records.people import NotAllowed

    with pytest.raises(NotAllowed):
        add_attachment("tg:stranger", "photo", file_id="photo-of-a-house")
    make_person("tg:dir", "director", village_name="大磨滩村")
    add_attachment("tg:dir", "photo", file_id="photo-of-the-cancelled-visit")
    assert discard_waiting("tg:dir") == 1
    assert add_attachment("tg:dir", "photo", file_id="photo-of-the-next-visit") == 1


def test_a_reference_number_already_given_is_not_given_again(db_url, monkeypatch):
    """With four characters a busy day meets a number already used; the save must not fail on it."""
    from records import refs

    first = open_ticket("tg:first", "user_request")
    tails = iter([first, first, first.replace(first[-4:], "ZZZZ")])
    monkeypatch.setattr(refs, "new_reference", lambda kind, today=None: next(tails))
    second = open_ticket("tg:second", "user_request")
    assert second != first and second.endswith("ZZZZ")
