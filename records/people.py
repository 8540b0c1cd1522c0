"""Who someone is: parents by default; directors, supervisors, staff and administrators by invite code.

An administrator issues a one-time code from the command line
(``python -m records invite --role director --village 大磨滩村``); the person
redeems it in the chat, which binds their conversation id to the role and place.
Codes expire, work once, and only their hash is stored.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from records.audit import record_access
from records.db import as_utc, session_scope, utc_now
from records.keys import invite_hash
from records.outbox import queue
from records.directory import county_exists, find_villages, township_exists, township_of
from records.models import ROLES, AuditEntry, Invite, Person
from records.refs import ALPHABET

CODE_LENGTH = 8
DEFAULT_VALID_HOURS = 72
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
# Across all senders (a guesser can change sender id at will): an hour with this many wrong codes alerts the
# administrators, and with the second number stops all redemptions until the hour has passed.
GLOBAL_WINDOW = dt.timedelta(hours=1)
GLOBAL_ALERT_FAILURES = 20
GLOBAL_STOP_FAILURES = 100


@dataclass(frozen=True)
class Actor:
    """The person behind a conversation, as the records layer needs to know them."""

    sender_id: str
    role: str = "parent"
    county: str | None = None
    township: str | None = None
    village: str | None = None

    @property
    def verified(self) -> bool:
        """Anyone but a parent has been verified by an invite code."""
        return self.role != "parent"


class NotAllowed(PermissionError):
    """The person may not file, read or send this; ``str(error)`` is what to tell them."""


class InviteError(ValueError):
    """An invite can't be issued or redeemed; ``str(error)`` is what to tell the person."""


def normalise_code(text: str) -> str:
    """The code's characters without dashes or spaces, upper case (what people type varies)."""
    return re.sub(r"[\s\-－—_]", "", text or "").upper()


def _hash(code: str) -> str:
    return invite_hash(normalise_code(code))


def find_code(text: str) -> str | None:
    """The invite code in a message (XXXX-XXXX, with or without the dash, any case), or None."""
    letters = ALPHABET + ALPHABET.lower()
    match = re.search(rf"(?<![A-Za-z0-9])([{letters}]{{4}})[\s\-－—]?([{letters}]{{4}})(?![A-Za-z0-9])", text or "")
    return (match.group(1) + match.group(2)).upper() if match else None


def actor_for(sender_id: str) -> Actor:
    """The verified person behind ``sender_id``, or a parent."""
    with session_scope() as session:
        person = session.scalar(select(Person).where(Person.sender_id == sender_id))
        if person is None:
            return Actor(sender_id)
        return Actor(sender_id, person.role, person.county, person.township, person.village)


def issue_invite(
    role: str,
    *,
    village: str | None = None,
    township: str | None = None,
    county: str | None = None,
    hours: int = DEFAULT_VALID_HOURS,
    issued_by: str = "cli",
) -> tuple[str, Invite]:
    """Create a one-time code for ``role`` at a place; returns the code (shown once) and the invite.

    A director needs a village, a supervisor a township, staff a county, each
    known to the village directory.
    """
    if role not in ROLES or role == "parent":
        raise InviteError(f"角色只能是 director、supervisor、staff 或 admin，不是 {role!r}。")
    if hours <= 0 or hours > 24 * 30:
        raise InviteError("有效期要在1小时到30天之间。")
    if role == "director":
        if not village:
            raise InviteError("儿童主任的邀请码要指定村（--village）。")
        matches = find_villages(f"{township or ''}{village}")
        matches = [m for m in matches if m.name == village or m.name.startswith(village)] or matches
        matches = [m for m in matches if not township or township in m.township]
        if not matches:
            raise InviteError(f"村名录里没有“{village}”。请先把它加进村名录（VILLAGE_DIRECTORY）。")
        if len(matches) > 1:
            raise InviteError(f"有{len(matches)}个“{village}”，请用 --township 指定乡镇。")
        place = matches[0]
        county, township, village = place.county, place.township, place.name
    elif role == "supervisor":
        if not township or not township_exists(township):
            raise InviteError("儿童督导员的邀请码要指定村名录里有的乡镇（--township）。")
        county, village = township_of(township), None
    elif role == "staff":
        if not county or not county_exists(county):
            raise InviteError("民政工作人员的邀请码要指定村名录里有的县（--county）。")
        township = village = None
    else:
        county = township = village = None
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    code = f"{raw[:4]}-{raw[4:]}"
    with session_scope() as session:
        invite = Invite(
            code_hash=_hash(code), role=role, county=county, township=township, village=village,
            issued_by=issued_by, expires_at=utc_now() + dt.timedelta(hours=hours),
        )
        session.add(invite)
        session.flush()
        record_access(session, actor=issued_by, actor_role="admin", action="invite", record_type="invite",
                      record_ref=f"invite-{invite.id}", purpose=f"发放{role}邀请码")
    return code, invite


def _failed_invites(session: Session, within: dt.timedelta, sender_id: str | None = None) -> int:
    """Wrong invite codes in the last ``within``: by one sender, or (None) by everyone."""
    query = select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "denied", AuditEntry.record_type == "invite", AuditEntry.at >= utc_now() - within)
    if sender_id is not None:
        query = query.where(AuditEntry.actor == sender_id)
    return session.scalar(query) or 0


def _alert_admins(session: Session, failures: int) -> None:
    """Tell every administrator, once an hour, that invite codes are being guessed."""
    hour = utc_now().strftime("%Y%m%d%H")
    text = (f"【安全提醒】过去1小时有{failures}次输错邀请码（来自不同账号），可能有人在猜邀请码。"
            f"达到{GLOBAL_STOP_FAILURES}次时系统会暂停验证1小时。请检查发出的邀请码，必要时重新发放。")
    for admin in people_in(session, "admin"):
        queue(session, admin, "security", text, f"invite-guessing:{hour}:{admin}")


def redeem_invite(sender_id: str, text: str) -> Actor:
    """Bind ``sender_id`` to the role and place of the code in ``text``; the person as now verified.

    Raises ``InviteError`` with a polite reason: no code, unknown, used,
    expired, or too many wrong tries (5 in 15 minutes: codes can't be guessed).
    """
    code = find_code(text)
    with session_scope() as session:
        if _failed_invites(session, LOCKOUT, sender_id) >= MAX_FAILED_ATTEMPTS:
            raise InviteError("输错的次数太多了，请15分钟后再试，或联系发给您邀请码的民政工作人员。")
        if _failed_invites(session, GLOBAL_WINDOW) >= GLOBAL_STOP_FAILURES:
            raise InviteError("验证暂时停止了（最近输错的次数太多）。请1小时后再试，或联系发给您邀请码的民政工作人员。")

        def refuse(reason: str) -> InviteError:
            record_access(session, actor=sender_id, actor_role="parent", action="denied", record_type="invite",
                          purpose=reason)
            session.flush()
            failures = _failed_invites(session, GLOBAL_WINDOW)
            if failures >= GLOBAL_ALERT_FAILURES:
                _alert_admins(session, failures)
            return InviteError(reason)

        if code is None:
            raise InviteError("没有看到邀请码。邀请码是8位字母和数字，例如 K7QM-2XPA。")
        invite = session.scalar(select(Invite).where(Invite.code_hash == _hash(code)).with_for_update())
        if invite is None:
            error = refuse("这个邀请码不对，请核对一下（注意没有数字0和1，也没有字母O、I、L）。")
        elif invite.used_at is not None:
            error = refuse("这个邀请码已经用过了。一个邀请码只能用一次，请向民政工作人员要一个新的。")
        elif as_utc(invite.expires_at) < utc_now():
            error = refuse("这个邀请码已经过期了，请向民政工作人员要一个新的。")
        else:
            error = None
        if error is not None:
            session.commit()
            raise error
        # Claim the code with a conditional UPDATE: of two people redeeming it at the same moment
        # only one changes the row (SQLite has no SELECT … FOR UPDATE).
        claimed = session.execute(
            update(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None))
            .values(used_at=utc_now(), used_by=sender_id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            error = refuse("这个邀请码已经用过了。一个邀请码只能用一次，请向民政工作人员要一个新的。")
            session.commit()
            raise error
        person = session.scalar(select(Person).where(Person.sender_id == sender_id))
        if person is None:
            person = Person(sender_id=sender_id, role=invite.role)
            session.add(person)
        person.role, person.county, person.township, person.village = (
            invite.role, invite.county, invite.township, invite.village)
        person.verified_at = utc_now()
        record_access(session, actor=sender_id, actor_role=invite.role, action="redeem", record_type="invite",
                      record_ref=f"invite-{invite.id}", purpose="用邀请码验证身份")
        return Actor(sender_id, invite.role, invite.county, invite.township, invite.village)


def people_in(session: Session, role: str, *, county: str | None = None, township: str | None = None,
              village: str | None = None) -> list[str]:
    """The conversation ids of the verified people in ``role`` at a place (an empty place part: any)."""
    query = select(Person.sender_id).where(Person.role == role)
    for column, value in (("county", county), ("township", township), ("village", village)):
        if value:
            query = query.where(getattr(Person, column) == value)
    return list(session.scalars(query.order_by(Person.id)))
