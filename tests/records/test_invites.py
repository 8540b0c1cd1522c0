"""Invite codes: an administrator issues one for a role at a place; the person redeems it once, in time."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from sqlalchemy import select, update

from records.db import session_scope
from records.models import AuditEntry, Invite, Person
from records import people
from records.people import Actor, InviteError, actor_for, issue_invite, redeem_invite

from records_support import audit_log, count, make_person, notifications_for, rows

CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}$")


@pytest.mark.parametrize(
    ("role", "place", "expected"),
    [
        ("director", {"village": "大磨滩村"}, ("北碚区", "歇马街道", "大磨滩村")),
        ("director", {"village": "东升村", "township": "柳荫镇"}, ("北碚区", "柳荫镇", "东升村")),
        ("director", {"village": "东升村", "township": "澄江镇"}, ("北碚区", "澄江镇", "东升村")),
        ("director", {"village": "东升村", "township": "澄江"}, ("北碚区", "澄江镇", "东升村")),
        ("director", {"village": "龙凤"}, ("北碚区", "歇马街道", "龙凤社区")),
        ("supervisor", {"township": "静观镇"}, ("北碚区", "静观镇", None)),
        ("staff", {"county": "北碚区"}, ("北碚区", None, None)),
        ("admin", {}, (None, None, None)),
    ],
)
def test_issue_and_redeem_binds_the_person_to_the_role_and_place(db_url, role, place, expected) -> None:
    code, invite = issue_invite(role, **place)
    assert CODE.match(code)
    assert (invite.county, invite.township, invite.village) == expected

    actor = redeem_invite("tg:1001", f"验证身份 {code}")

    assert actor == Actor("tg:1001", role, *expected)
    assert actor_for("tg:1001") == actor
    assert actor.verified


@pytest.mark.parametrize(
    ("role", "place", "says"),
    [
        ("director", {}, "--village"),
        ("director", {"village": "不存在村"}, "没有"),
        ("director", {"village": "东升村"}, "--township"),
        ("supervisor", {}, "--township"),
        ("supervisor", {"township": "不存在镇"}, "--township"),
        ("supervisor", {"township": "歇马"}, "--township"),
        ("staff", {}, "--county"),
        ("staff", {"county": "渝北区"}, "--county"),
        ("parent", {}, "角色"),
        ("mayor", {}, "角色"),
    ],
)
def test_an_invite_for_an_unknown_place_or_role_is_refused(db_url, role, place, says) -> None:
    with pytest.raises(InviteError) as refused:
        issue_invite(role, **place)
    assert says in str(refused.value)
    assert count(Invite) == 0


def test_the_two_dongsheng_villages_need_a_township(db_url) -> None:
    with pytest.raises(InviteError, match="有2个“东升村”"):
        issue_invite("director", village="东升村")


def test_a_director_invite_names_the_village_in_the_township_given(db_url) -> None:
    """虎头村 is in 歇马街道, not in 澄江镇: a code for "澄江镇虎头村" must not bind to 歇马街道虎头村."""
    with pytest.raises(InviteError):
        issue_invite("director", village="虎头村", township="澄江镇")
    with pytest.raises(InviteError):
        issue_invite("director", village="东升村", township="歇马街道")
    assert count(Invite) == 0


def test_validity_must_be_between_an_hour_and_thirty_days(db_url) -> None:
    for hours in (0, -1, 24 * 30 + 1):
        with pytest.raises(InviteError, match="有效期"):
            issue_invite("staff", county="北碚区", hours=hours)
    _, invite = issue_invite("staff", county="北碚区", hours=24 * 30)
    with session_scope() as session:
        stored = session.get(Invite, invite.id)
        expires = stored.expires_at if stored.expires_at.tzinfo else stored.expires_at.replace(tzinfo=dt.timezone.utc)
    left = expires - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(days=29, hours=23) < left <= dt.timedelta(days=30)


def test_a_code_works_once(db_url) -> None:
    code, _ = issue_invite("director", village="大磨滩村")
    redeem_invite("tg:first", code)

    with pytest.raises(InviteError) as refused:
        redeem_invite("tg:second", code)

    assert "用过了" in str(refused.value)
    assert actor_for("tg:second") == Actor("tg:second")
    assert actor_for("tg:first").role == "director"
    invite = rows(Invite)[0]
    assert invite.used_by == "tg:first" and invite.used_at is not None


def test_a_code_sent_by_two_people_at_the_same_moment_works_once(db_url, monkeypatch, request) -> None:
    """Both read the unused invite before either writes (forced with a barrier after the read)."""
    code, _ = issue_invite("staff", county="北碚区")
    both_read = threading.Barrier(2, timeout=3)
    aware = people.as_utc

    def aware_once_both_have_read(moment):
        try:
            both_read.wait()
        except threading.BrokenBarrierError:  # PostgreSQL: the other one waits for the row lock meanwhile
            pass
        return aware(moment)

    monkeypatch.setattr(people, "as_utc", aware_once_both_have_read)
    verified: list[str] = []
    refused: list[str] = []

    def send(sender_id: str) -> None:
        try:
            verified.append(redeem_invite(sender_id, code).sender_id)
        except InviteError as error:
            refused.append(str(error))

    threads = [threading.Thread(target=send, args=(f"tg:racer-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(verified) == 1, f"verified by one code: {verified}"
    assert len(refused) == 1 and "用过了" in refused[0]
    assert count(Person) == 1


def test_an_expired_code_is_refused(db_url) -> None:
    code, invite = issue_invite("supervisor", township="歇马街道")
    with session_scope() as session:
        session.execute(update(Invite).where(Invite.id == invite.id).values(
            expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)))

    with pytest.raises(InviteError, match="过期"):
        redeem_invite("tg:late", code)
    assert count(Person) == 0
    assert rows(Invite)[0].used_at is None


def test_a_wrong_code_is_refused(db_url) -> None:
    issue_invite("staff", county="北碚区")
    with pytest.raises(InviteError, match="不对"):
        redeem_invite("tg:guess", "验证身份 ABCD-EFGH")
    with pytest.raises(InviteError, match="没有看到邀请码"):
        redeem_invite("tg:guess", "验证身份")
    assert count(Person) == 0


def _age_denials(sender_id: str, minutes: int) -> None:
    with session_scope() as session:
        session.execute(update(AuditEntry).where(AuditEntry.actor == sender_id, AuditEntry.action == "denied")
                        .values(at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes)))


def test_five_wrong_tries_lock_the_sender_out_for_fifteen_minutes(db_url) -> None:
    code, _ = issue_invite("director", village="素心村")
    for attempt in range(5):
        with pytest.raises(InviteError, match="不对"):
            redeem_invite("tg:guesser", f"ABCD-EF{'GHJKM'[attempt]}{'NPQRS'[attempt]}")

    with pytest.raises(InviteError, match="太多") as locked:
        redeem_invite("tg:guesser", code)
    assert "15分钟" in str(locked.value)
    assert actor_for("tg:guesser") == Actor("tg:guesser")
    assert rows(Invite)[0].used_at is None

    # Someone else is not locked out by it.
    other_code, _ = issue_invite("director", village="集真村")
    assert redeem_invite("tg:someone-else", other_code).village == "集真村"

    # 14 minutes later still locked; 16 minutes later the right code works.
    _age_denials("tg:guesser", 14)
    with pytest.raises(InviteError, match="太多"):
        redeem_invite("tg:guesser", code)
    _age_denials("tg:guesser", 16)
    assert redeem_invite("tg:guesser", code).village == "素心村"


def test_four_wrong_tries_do_not_lock_out(db_url) -> None:
    code, _ = issue_invite("staff", county="北碚区")
    for _ in range(4):
        with pytest.raises(InviteError):
            redeem_invite("tg:typo", "ABCD-EFGH")
    assert redeem_invite("tg:typo", code).role == "staff"


@pytest.mark.parametrize(
    "typed",
    [
        "{code}",
        "{lower}",
        "{plain}",
        "{plain_lower}",
        "验证身份 {code}",
        "验证身份{lower}",
        "  {first} {second}  ",
        "我的邀请码是 {first}－{second}，谢谢",
        "/start {plain}",
    ],
)
def test_the_code_may_be_typed_loosely(db_url, typed) -> None:
    code, _ = issue_invite("director", village="万全村")
    first, second = code.split("-")
    message = typed.format(code=code, lower=code.lower(), plain=first + second, plain_lower=(first + second).lower(),
                           first=first, second=second)
    assert redeem_invite("tg:loose", message).village == "万全村"


def test_only_the_hash_of_a_code_is_stored(db_url) -> None:
    code, _ = issue_invite("director", village="石院村")
    redeem_invite("tg:hash", code.lower())
    plain = code.replace("-", "")
    with session_scope() as session:
        stored = [row for row in session.execute(select(Invite.__table__)).all()]
        audit = [row for row in session.execute(select(AuditEntry.__table__)).all()]
    assert len(stored) == 1
    for row in stored + audit:
        for value in row:
            text = str(value).upper()
            assert code not in text and plain not in text, f"the code's text is stored: {row}"
    assert len(stored[0].code_hash) == 64


def test_every_issue_redeem_and_denial_is_audited(db_url) -> None:
    code, invite = issue_invite("director", village="大磨滩村", issued_by="cli:admin")
    with pytest.raises(InviteError):
        redeem_invite("tg:wrong", "ZZZZ-ZZZZ")
    redeem_invite("tg:right", code)
    with pytest.raises(InviteError):
        redeem_invite("tg:again", code)

    entries = audit_log()
    assert [(e.actor, e.action, e.record_type) for e in entries] == [
        ("cli:admin", "invite", "invite"),
        ("tg:wrong", "denied", "invite"),
        ("tg:right", "redeem", "invite"),
        ("tg:again", "denied", "invite"),
    ]
    assert entries[0].record_ref == entries[2].record_ref == f"invite-{invite.id}"
    assert entries[0].actor_role == "admin" and entries[2].actor_role == "director"
    assert all(e.purpose for e in entries)
    assert "用过了" in entries[3].purpose


def test_redeeming_a_new_code_moves_a_person_to_the_new_role_and_place(db_url) -> None:
    first, _ = issue_invite("director", village="虎头村")
    second, _ = issue_invite("supervisor", township="澄江镇")
    redeem_invite("tg:moved", first)
    redeem_invite("tg:moved", second)
    assert actor_for("tg:moved") == Actor("tg:moved", "supervisor", "北碚区", "澄江镇", None)
    assert count(Person) == 1


def test_the_invite_command_prints_a_code_that_works(db_url, capsys) -> None:
    from records.__main__ import main

    assert main(["invite", "--role", "director", "--village", "东升村", "--township", "澄江镇"]) == 0
    out = capsys.readouterr().out
    code = re.search(r"邀请码：(\S+)", out).group(1)
    assert CODE.match(code)
    assert "澄江镇东升村" in out
    assert redeem_invite("tg:cli", f"验证身份 {code}") == Actor("tg:cli", "director", "北碚区", "澄江镇", "东升村")
    assert audit_log()[0].actor.startswith("cli:")


def test_the_invite_command_refuses_an_unknown_village(db_url, capsys) -> None:
    from records.__main__ import main

    assert main(["invite", "--role", "director", "--village", "不存在村"]) == 2
    captured = capsys.readouterr()
    assert "不存在村" in captured.err and "邀请码：" not in captured.out
    assert count(Invite) == 0


def test_guessing_from_many_sender_ids_alerts_the_admins_and_then_stops_redemption(db_url) -> None:
    """Issue 12: the lockout was per sender id only, and a guesser changes sender id at will."""
    from records.people import GLOBAL_ALERT_FAILURES, GLOBAL_STOP_FAILURES

    make_person("tg:admin", "admin")
    code, _invite = issue_invite("director", village="大磨滩村")
    for n in range(GLOBAL_ALERT_FAILURES):
        with pytest.raises(InviteError):
            redeem_invite(f"tg:guesser-{n}", "ABCD-EFGH")
    alerts = [n for n in notifications_for("tg:admin") if "邀请码" in n.text]
    assert len(alerts) == 1 and "可能有人在猜" in alerts[0].text
    for n in range(GLOBAL_ALERT_FAILURES, GLOBAL_STOP_FAILURES):
        with pytest.raises(InviteError):
            redeem_invite(f"tg:guesser-{n}", "ABCD-EFGH")
    assert len([n for n in notifications_for("tg:admin") if "邀请码" in n.text]) == 1  # once an hour, not 100 times
    with pytest.raises(InviteError, match="暂时停止"):
        redeem_invite("tg:real-director", code)  # even the right code waits until the hour has passed
