"""What the staff desk does with handoff tickets: list, read, claim, reply, note, close — within the user's scope.

Every query is limited by ``Scope(user).where(HandoffTicket)``; a ticket outside it raises ``NotInScope`` (the
page answers 404, as if it did not exist). A reply reaches the user through the outbox (their channel's relay
pushes it); claims, replies and closes are also queued for the ticket's staff group topic (``staffgroup:<ref>``,
posted by the Telegram relay's sweep), so the group and the desk show the same work. Notes stay in the desk.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import yaml
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from bot.relay.ids import TELEGRAM, WECOM, channel_of
from desk.accounts import DeskUser
from desk.scopes import Scope
from records import outbox
from records.db import as_utc, session_scope, utc_now
from records.models import DeskAccount, HandoffMessage, HandoffTicket, TicketNote, TicketStatus
from records.privacy import mask_text
from records.tickets import (
    CLOSED_FOR_USER,
    PAUSING_REASONS,
    REASON_NAMES,
    STAFF_REPLY,
    close_ticket,
    staff_group_recipient,
)

if TYPE_CHECKING:
    from bot.relay.rasa_gateway import RasaGateway

logger = logging.getLogger(__name__)

VIEWS = {"open": "未关闭", "mine": "我认领的", "unclaimed": "待认领", "closed": "已关闭"}
STATUS_NAMES = {TicketStatus.OPEN.value: "待认领", TicketStatus.CLAIMED.value: "处理中", TicketStatus.CLOSED.value: "已关闭"}
CHANNEL_NAMES = {TELEGRAM: "Telegram", WECOM: "企业微信", "web": "网页"}
MAX_TEXT = 2000  # a reply or note; Telegram takes 4096, WeCom 2048
LIST_LIMIT = 200  # rows in one inbox view (the oldest urgent ones first; counts show the rest)
RASA_TIMEOUT = 3.0  # seconds: a page never waits long on Rasa
CANNED_FILE = Path(__file__).resolve().parent / "data" / "canned_replies.yml"


class NotInScope(LookupError):
    """No such ticket in the user's scope."""


class TicketError(ValueError):
    """Why an action on a ticket was refused: a polite Chinese sentence for the page."""


@dataclass(frozen=True)
class TicketRow:
    """One ticket as the inbox and the ticket page show it (summary masked)."""

    ref: str
    reason: str
    urgent: bool
    status: str
    status_name: str
    channel: str
    waited: str
    claimed_by: str
    summary: str
    place: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    sender_id: str
    reason_code: str


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a ticket's timeline: a message (user, staff, bot), a private note, or an event."""

    at: dt.datetime
    kind: str  # user, staff, bot, note, event
    who: str
    text: str


@dataclass(frozen=True)
class CannedReply:
    """A ready-made reply staff can put in the reply box."""

    key: str
    title: str
    text: str


# ---- labels ------------------------------------------------------------------------------------

def channel_name(sender_id: str) -> str:
    """The user's channel from their conversation id's prefix."""
    return CHANNEL_NAMES.get(channel_of(sender_id), "其他")


def waited(since: dt.datetime, until: dt.datetime | None = None) -> str:
    """How long from ``since`` to ``until`` (now), in minutes, hours or days."""
    minutes = max(0, int(((as_utc(until) if until else utc_now()) - as_utc(since)).total_seconds() // 60))
    if minutes < 1:
        return "不到1分钟"
    if minutes < 60:
        return f"{minutes}分钟"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}小时{rest}分钟" if rest else f"{hours}小时"
    days, hours = divmod(hours, 24)
    return f"{days}天{hours}小时" if hours else f"{days}天"


def staff_names(session: Session, ids: set[str]) -> dict[str, str]:
    """How staff ids read: a desk account's display name, "Telegram 工作人员" for the staff group."""
    names = {i: "Telegram 工作人员" for i in ids if i.startswith("tgstaff:")}
    web = [i for i in ids if i.startswith("web:")]
    if web:
        for sender_id, display, username in session.execute(
                select(DeskAccount.sender_id, DeskAccount.display_name, DeskAccount.username)
                .where(DeskAccount.sender_id.in_(web))):
            names[sender_id] = display or username
    return {i: names.get(i, "工作人员") for i in ids}


def _row(ticket: HandoffTicket, names: dict[str, str]) -> TicketRow:
    closed = ticket.status == TicketStatus.CLOSED.value
    place = "".join(p for p in (ticket.township, ticket.village) if p) or ticket.county or "（地区不详）"
    return TicketRow(
        ref=ticket.ref, reason=REASON_NAMES.get(ticket.reason, ticket.reason), urgent=bool(ticket.urgent),
        status=ticket.status, status_name=STATUS_NAMES.get(ticket.status, ticket.status),
        channel=channel_name(ticket.sender_id),
        waited=waited(ticket.created_at, ticket.closed_at if closed else None),
        claimed_by=names.get(ticket.claimed_by, "") if ticket.claimed_by else "",
        summary=mask_text(ticket.summary or ""), place=place, created_at=as_utc(ticket.created_at),
        closed_at=as_utc(ticket.closed_at) if ticket.closed_at else None, sender_id=ticket.sender_id,
        reason_code=ticket.reason,
    )


# ---- the inbox ---------------------------------------------------------------------------------

def _view_condition(user: DeskUser, view: str) -> ColumnElement[bool]:
    status = HandoffTicket.status
    if view == "closed":
        return status == TicketStatus.CLOSED.value
    if view == "mine":
        return and_(status != TicketStatus.CLOSED.value, HandoffTicket.claimed_by == user.sender_id)
    if view == "unclaimed":
        return and_(status == TicketStatus.OPEN.value, HandoffTicket.claimed_by.is_(None))
    return status != TicketStatus.CLOSED.value


def ticket_rows(user: DeskUser, view: str) -> list[TicketRow]:
    """The tickets of ``view`` in scope: urgent first, then oldest (closed ones: latest closed first)."""
    order = ((HandoffTicket.closed_at.desc(), HandoffTicket.id.desc()) if view == "closed"
             else (HandoffTicket.urgent.desc(), HandoffTicket.created_at, HandoffTicket.id))
    with session_scope() as session:
        tickets = session.scalars(
            select(HandoffTicket).where(Scope(user).where(HandoffTicket), _view_condition(user, view))
            .order_by(*order).limit(LIST_LIMIT)
        ).all()
        names = staff_names(session, {t.claimed_by for t in tickets if t.claimed_by})
        return [_row(t, names) for t in tickets]


def view_counts(user: DeskUser) -> dict[str, int]:
    """How many tickets in scope each view holds."""
    with session_scope() as session:
        return {view: int(session.scalar(
            select(func.count(HandoffTicket.id))
            .where(Scope(user).where(HandoffTicket), _view_condition(user, view))) or 0)
            for view in VIEWS}


def unclaimed_overdue(user: DeskUser, minutes: float) -> int:
    """Tickets in scope that have waited unclaimed longer than ``minutes``."""
    cutoff = utc_now() - dt.timedelta(minutes=minutes)
    with session_scope() as session:
        return int(session.scalar(
            select(func.count(HandoffTicket.id)).where(
                Scope(user).where(HandoffTicket), _view_condition(user, "unclaimed"),
                HandoffTicket.created_at <= cutoff)) or 0)


# ---- one ticket --------------------------------------------------------------------------------

def _ticket_in(session: Session, user: DeskUser, ref: str) -> HandoffTicket:
    ticket = session.scalar(select(HandoffTicket).where(HandoffTicket.ref == ref,
                                                        Scope(user).where(HandoffTicket)))
    if ticket is None:
        raise NotInScope(ref)
    return ticket


def ticket_row(user: DeskUser, ref: str) -> TicketRow:
    """One ticket in scope (NotInScope otherwise)."""
    with session_scope() as session:
        ticket = _ticket_in(session, user, ref)
        return _row(ticket, staff_names(session, {ticket.claimed_by} if ticket.claimed_by else set()))


def _message_entry(message: HandoffMessage, names: dict[str, str]) -> TimelineEntry:
    at = as_utc(message.at)
    if message.author == "user":
        return TimelineEntry(at, "user", "用户", mask_text(message.text))
    if message.author == "staff":
        who = names.get(message.author_id or "", "工作人员")
        command = message.text.strip().split()[0] if message.text.strip() else ""
        if command == "/claim":
            return TimelineEntry(at, "event", who, "认领了工单")
        if command == "/close":
            return TimelineEntry(at, "event", who, "关闭了工单")
        return TimelineEntry(at, "staff", who, mask_text(message.text))
    return TimelineEntry(at, "bot", "护童助手", mask_text(message.text))


def timeline(user: DeskUser, ref: str) -> list[TimelineEntry]:
    """The ticket's messages (masked) and private notes, in time order, after the ticket's opening."""
    with session_scope() as session:
        ticket = _ticket_in(session, user, ref)
        messages = session.scalars(select(HandoffMessage).where(HandoffMessage.ticket_id == ticket.id)
                                   .order_by(HandoffMessage.id)).all()
        notes = session.scalars(select(TicketNote).where(TicketNote.ticket_id == ticket.id)
                                .order_by(TicketNote.id)).all()
        names = staff_names(session, {m.author_id for m in messages if m.author_id} | {n.author for n in notes})
        opened = TimelineEntry(as_utc(ticket.created_at), "event", "护童助手",
                               f"转人工：{REASON_NAMES.get(ticket.reason, ticket.reason)}")
        entries = [_message_entry(m, names) for m in messages]
        entries += [TimelineEntry(as_utc(n.at), "note", names.get(n.author, "工作人员"), mask_text(n.text))
                    for n in notes]
    # Stable: rows stamped in the same second (SQLite keeps seconds) keep their order, messages before notes.
    return [opened, *sorted(entries, key=lambda e: e.at)]


# ---- actions -----------------------------------------------------------------------------------

def _post(session: Session, recipient: str, kind: str, text: str) -> None:
    """Queue one message in ``session`` (as ``records.outbox.post`` does, but in the action's transaction)."""
    outbox.queue(session, recipient, kind, text, f"{kind}:{uuid.uuid4().hex}")


def _mirror(session: Session, ref: str, text: str) -> None:
    """A line for the ticket's staff group topic."""
    _post(session, staff_group_recipient(ref), "desk", f"【工作台】{text}")


def _take(session: Session, ticket: HandoffTicket, user: DeskUser) -> None:
    ticket.claimed_by, ticket.claimed_at, ticket.status = user.sender_id, utc_now(), TicketStatus.CLAIMED.value
    session.add(HandoffMessage(ticket_id=ticket.id, author="staff", author_id=user.sender_id, text="/claim"))
    _mirror(session, ticket.ref, f"{user.name} 已认领工单 {ticket.ref}。")


def claim(user: DeskUser, ref: str) -> None:
    """Take the ticket; refused when it is closed or someone else has it."""
    with session_scope() as session:
        ticket = _ticket_in(session, user, ref)
        if ticket.status == TicketStatus.CLOSED.value:
            raise TicketError("这个工单已经关闭了。")
        if ticket.claimed_by == user.sender_id:
            return
        if ticket.claimed_by:
            holder = staff_names(session, {ticket.claimed_by})[ticket.claimed_by]
            raise TicketError(f"这个工单已经由{holder}认领了。")
        _take(session, ticket, user)


def _clean(text: str | None, what: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise TicketError(f"{what}不能是空的，请写几句话再提交。")
    if len(text) > MAX_TEXT:
        raise TicketError(f"{what}太长了（最多{MAX_TEXT}字），请删短一些或分几次发送。")
    return text


def reply(user: DeskUser, ref: str, text: str | None) -> None:
    """Send ``text`` to the user in their channel (through the outbox) and keep it with the ticket; a reply on an
    unclaimed ticket claims it."""
    text = _clean(text, "回复")
    with session_scope() as session:
        ticket = _ticket_in(session, user, ref)
        if ticket.status == TicketStatus.CLOSED.value:
            raise TicketError("这个工单已经关闭，不能再回复了。用户再次求助时会有新的工单。")
        if not ticket.claimed_by:
            _take(session, ticket, user)
        session.add(HandoffMessage(ticket_id=ticket.id, author="staff", author_id=user.sender_id, text=text))
        _post(session, ticket.sender_id, "handoff", STAFF_REPLY.format(text=text))
        _mirror(session, ticket.ref, f"{user.name} 回复用户：{text}")


def add_note(user: DeskUser, ref: str, text: str | None) -> None:
    """A private note on the ticket: kept in the desk, never sent to the user or the staff group."""
    text = _clean(text, "备注")
    with session_scope() as session:
        ticket = _ticket_in(session, user, ref)
        session.add(TicketNote(ticket_id=ticket.id, author=user.sender_id, text=text))


async def close(user: DeskUser, ref: str) -> bool:
    """Close the ticket, tell the user (when the bot was paused for them), and give the conversation back to
    the bot; False when Rasa could not be told. Routing follows open tickets (bot/relay/conversations.py), so
    the user's next message goes to the bot either way."""
    with session_scope() as session:
        ticket = _ticket_in(session, user, ref)
        if ticket.status == TicketStatus.CLOSED.value:
            raise TicketError("这个工单已经关闭了。")
        ticket_id, sender, pausing = ticket.id, ticket.sender_id, ticket.reason in PAUSING_REASONS
    if not close_ticket(ref):
        raise TicketError("这个工单已经关闭了。")
    with session_scope() as session:
        session.add(HandoffMessage(ticket_id=ticket_id, author="staff", author_id=user.sender_id, text="/close"))
        if pausing:
            session.add(HandoffMessage(ticket_id=ticket_id, author="bot", text=CLOSED_FOR_USER))
            _post(session, sender, "handoff", CLOSED_FOR_USER)
        _mirror(session, ref, f"{user.name} 关闭了工单 {ref}。")
    return await resume_bot(sender)


# ---- Rasa --------------------------------------------------------------------------------------

def rasa_gateway() -> RasaGateway:
    """A short-timeout client to Rasa's API, with the relays' settings (imported late: the desk runs without Rasa)."""
    from bot.relay.rasa_gateway import RasaGateway
    from bot.relay.settings import CoreSettings

    settings = CoreSettings()
    return RasaGateway(settings.rasa_url, settings.rasa_jwt_secret, settings.relay_token, timeout=RASA_TIMEOUT)


async def resume_bot(sender: str) -> bool:
    """Tell Rasa to answer ``sender`` again; False when it could not be reached."""
    from bot.relay.rasa_gateway import RasaUnavailable

    try:
        gateway = rasa_gateway()
    except (OSError, ValueError) as error:
        logger.warning("no Rasa settings for the desk: %s", type(error).__name__)
        return False
    try:
        await gateway.resume(sender)
        return True
    except RasaUnavailable:
        logger.warning("could not resume a conversation; routing gives it back to the bot anyway")
        return False
    finally:
        await gateway.close()


async def recent_lines(user: DeskUser, ref: str) -> list[str]:
    """The conversation's last lines with the bot, masked as in the staff topic; empty when Rasa can't say."""
    sender = ticket_row(user, ref).sender_id
    try:
        gateway = rasa_gateway()
    except (OSError, ValueError):
        return []
    try:
        return [mask_text(line) for line in await gateway.recent_lines(sender)]
    finally:
        await gateway.close()


# ---- canned replies ----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def canned_replies() -> tuple[CannedReply, ...]:
    """The ready-made replies of ``desk/data/canned_replies.yml``."""
    entries: Sequence[dict] = yaml.safe_load(CANNED_FILE.read_text(encoding="utf-8")) or []
    return tuple(CannedReply(str(e["key"]), str(e["title"]), str(e["text"]).strip()) for e in entries)


def canned_text(key: str | None) -> str:
    """The text of canned reply ``key`` ('' when there is none)."""
    return next((c.text for c in canned_replies() if c.key == key), "")
