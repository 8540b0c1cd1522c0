"""The WeCom relay's state in the records: the sync cursor, messages already handled, each user's allowance.

WeCom (微信客服) lets an organisation send a user at most 5 messages in the 48 hours after that user's
last message; ``take_allowance`` counts them so that a reply beyond is held back, not refused by WeCom
and lost.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from records.db import as_utc, session_scope, utc_now
from records.models import WeComCursor, WeComSeen, WeComSession

MESSAGES_PER_WINDOW = 5
WINDOW = dt.timedelta(hours=48)


def cursor_of(open_kfid: str) -> str:
    """Where reading ``open_kfid``'s messages goes on from ('' at the start)."""
    with session_scope() as session:
        row = session.get(WeComCursor, open_kfid)
        return row.cursor if row else ""


def save_cursor(open_kfid: str, cursor: str) -> None:
    """Remember how far ``open_kfid``'s messages were read and handled."""
    with session_scope() as session:
        row = session.get(WeComCursor, open_kfid)
        if row is None:
            session.add(WeComCursor(open_kfid=open_kfid, cursor=cursor, updated_at=utc_now()))
        else:
            row.cursor, row.updated_at = cursor, utc_now()


def first_sighting(msgid: str) -> bool:
    """True the first time a message id is seen (it is then recorded); False for a message read again."""
    try:
        with session_scope() as session:
            if session.get(WeComSeen, msgid) is not None:
                return False
            session.add(WeComSeen(msgid=msgid))
    except IntegrityError:  # another reader recorded it in between
        return False
    return True


def customer_wrote(sender_id: str, at: dt.datetime | None = None) -> None:
    """The user wrote: a fresh allowance of 5 messages for the next 48 hours."""
    with session_scope() as session:
        row = session.get(WeComSession, sender_id)
        if row is None:
            session.add(WeComSession(sender_id=sender_id, customer_at=at or utc_now(), sent=0))
        else:
            row.customer_at, row.sent = at or utc_now(), 0


def _left(row: WeComSession | None, now: dt.datetime) -> int:
    """Messages left in a user's allowance: none without a customer message in the last 48 h."""
    if row is None or row.customer_at is None or now - as_utc(row.customer_at) > WINDOW:
        return 0
    return max(0, MESSAGES_PER_WINDOW - row.sent)


def take_allowance(sender_id: str, now: dt.datetime | None = None) -> bool:
    """Use one of the user's messages; False when none is left (nothing written in 48 h, or 5 sent)."""
    with session_scope() as session:
        row = session.get(WeComSession, sender_id)
        if not _left(row, now or utc_now()):
            return False
        row.sent += 1
        return True


def allowance_left(sender_id: str, now: dt.datetime | None = None) -> int:
    """How many messages may still be sent to the user now."""
    with session_scope() as session:
        return _left(session.get(WeComSession, sender_id), now or utc_now())


def give_back(sender_id: str) -> None:
    """WeCom refused a message after all: its place in the allowance is not used."""
    with session_scope() as session:
        row = session.get(WeComSession, sender_id)
        if row is not None and row.sent > 0:
            row.sent -= 1


def set_servicer(sender_id: str, servicer: str | None) -> None:
    """Record (or clear, with None) the 接待人员 who has the user's chat."""
    with session_scope() as session:
        row = session.get(WeComSession, sender_id)
        if row is None:
            session.add(WeComSession(sender_id=sender_id, sent=0, servicer=servicer))
        else:
            row.servicer = servicer


def servicer_of(sender_id: str) -> str | None:
    """The 接待人员 who has the user's chat, if one has it."""
    with session_scope() as session:
        row = session.get(WeComSession, sender_id)
        return row.servicer if row else None


def known_accounts() -> list[str]:
    """The accounts read before: a relay that was down reads on from their cursors at start."""
    with session_scope() as session:
        return list(session.scalars(select(WeComCursor.open_kfid)))
