"""The tables: people and their invites, children, what is filed about them, tickets, audit, outbox.

Each record a user files gets a reference number (``ref``) they can quote, and a
``submission_key`` that makes a resent submission save only once. The schema
is created and changed only by the Alembic migrations in ``records/migrations``.
"""
from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Optional

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Role(str, Enum):
    """Who someone is to the bot; a parent is anyone not verified by an invite code."""

    PARENT = "parent"
    DIRECTOR = "director"
    SUPERVISOR = "supervisor"
    STAFF = "staff"
    ADMIN = "admin"


class TicketReason(str, Enum):
    """Why a person was asked for; stored as its value."""

    USER_REQUEST = "user_request"
    FALLBACK = "fallback"
    COMPLAINT = "complaint"
    REPORT = "report"
    URGENT = "urgent"


class TicketStatus(str, Enum):
    """Where a ticket stands: waiting, taken by someone, done."""

    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"


ROLES = tuple(role.value for role in Role)
ROLE_NAMES = {
    "parent": "家长",
    "director": "儿童主任",
    "supervisor": "儿童督导员",
    "staff": "民政工作人员",
    "admin": "管理员",
}


class Base(DeclarativeBase):
    """Declarative base of every records table."""


def _now_column() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class Person(Base):
    """Someone the bot knows in a role beyond "parent": verified by a one-time invite code.

    ``sender_id`` is the conversation id (``tg:<chat id>`` on Telegram). A director
    is bound to one village, a supervisor to a township, staff to a county.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(12))
    county: Mapped[Optional[str]] = mapped_column(String(40))
    township: Mapped[Optional[str]] = mapped_column(String(40))
    village: Mapped[Optional[str]] = mapped_column(String(40))
    verified_at: Mapped[dt.datetime] = _now_column()


class Invite(Base):
    """A one-time code an administrator issues; only its SHA-256 is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(12))
    county: Mapped[Optional[str]] = mapped_column(String(40))
    township: Mapped[Optional[str]] = mapped_column(String(40))
    village: Mapped[Optional[str]] = mapped_column(String(40))
    issued_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = _now_column()
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    used_by: Mapped[Optional[str]] = mapped_column(String(128))


class Child(Base):
    """One child's file in a village: who they are and when the next visit is due."""

    __tablename__ = "children"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    id_number: Mapped[Optional[str]] = mapped_column(String(18))
    county: Mapped[str] = mapped_column(String(40))
    township: Mapped[str] = mapped_column(String(40))
    village: Mapped[str] = mapped_column(String(40), index=True)
    risk_level: Mapped[Optional[str]] = mapped_column(String(10))
    last_visit_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    next_visit_due: Mapped[Optional[dt.date]] = mapped_column(Date, index=True)
    created_at: Mapped[dt.datetime] = _now_column()


class _Filed:
    """Columns every filed record has."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True, index=True)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    created_at: Mapped[dt.datetime] = _now_column()


class Registration(_Filed, Base):
    """A parent's departure registration (报备), routed to the child's village director."""

    __tablename__ = "registrations"

    child_id: Mapped[Optional[int]] = mapped_column(ForeignKey("children.id"))
    child_name: Mapped[str] = mapped_column(String(40))
    child_age: Mapped[int] = mapped_column(Integer)
    village: Mapped[str] = mapped_column(String(80))
    township: Mapped[Optional[str]] = mapped_column(String(40))
    county: Mapped[Optional[str]] = mapped_column(String(40))
    carer_name: Mapped[str] = mapped_column(String(40))
    carer_relation: Mapped[str] = mapped_column(String(20))
    carer_phone: Mapped[str] = mapped_column(String(20))
    work_city: Mapped[str] = mapped_column(String(60))
    parent_phone: Mapped[str] = mapped_column(String(20))
    expected_return: Mapped[str] = mapped_column(String(20))
    consent_to_share: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10), default="new", server_default="new")


class VisitLog(_Filed, Base):
    """A child director's record of one visit (探访记录)."""

    __tablename__ = "visit_logs"

    child_id: Mapped[Optional[int]] = mapped_column(ForeignKey("children.id"))
    child_name: Mapped[str] = mapped_column(String(40))
    village: Mapped[Optional[str]] = mapped_column(String(40))
    visit_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    findings: Mapped[str] = mapped_column(Text)
    risk_level: Mapped[str] = mapped_column(String(10))
    next_visit_date: Mapped[dt.date] = mapped_column(Date)


class ConcernReport(_Filed, Base):
    """A mandatory report (强制报告) of a child harmed, suspected harmed, or in danger."""

    __tablename__ = "concern_reports"

    description: Mapped[str] = mapped_column(Text)
    situation: Mapped[int] = mapped_column(Integer)
    child: Mapped[str] = mapped_column(String(80))
    place: Mapped[str] = mapped_column(String(120))
    occurred: Mapped[str] = mapped_column(String(60))
    police_called: Mapped[bool] = mapped_column(Boolean)
    reporter_role: Mapped[str] = mapped_column(String(20))
    township: Mapped[Optional[str]] = mapped_column(String(40))
    county: Mapped[Optional[str]] = mapped_column(String(40))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The reporter asked that their identity be kept from the family (高检发〔2020〕9号: reporters are protected).
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class HandoffTicket(Base):
    """A request for a person: opened by the user, an emergency, a report, or repeated misunderstanding."""

    __tablename__ = "handoff_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True, index=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=TicketStatus.OPEN.value, index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = _now_column()
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    # The staff side (bot/telegram/handoff.py): the group topic, who took it, when the group was last alerted.
    topic_id: Mapped[Optional[int]] = mapped_column(Integer)
    claimed_by: Mapped[Optional[str]] = mapped_column(String(128))
    claimed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    alerted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    realerted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    # Where the user is, as far as the records know (their verified place, or their last registration or
    # report): what decides which staff desk accounts see the ticket (desk/scopes.py). Empty: county level.
    county: Mapped[Optional[str]] = mapped_column(String(40))
    township: Mapped[Optional[str]] = mapped_column(String(40))
    village: Mapped[Optional[str]] = mapped_column(String(80))


class HandoffMessage(Base):
    """One message of a handoff, either way, kept with its ticket."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("handoff_tickets.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(16))  # user, staff, bot
    author_id: Mapped[Optional[str]] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = _now_column()


class VisitAttachment(Base):
    """A photo or location a director sent while filling a visit log; linked to the log when it is filed."""

    __tablename__ = "visit_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # photo, location, voice
    file_id: Mapped[Optional[str]] = mapped_column(String(200))
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    visit_ref: Mapped[Optional[str]] = mapped_column(String(24), index=True)
    created_at: Mapped[dt.datetime] = _now_column()


class AuditEntry(Base):
    """Who read or wrote which child's record, when and why (《未成年人网络保护条例》第36条).

    Holds references, never the personal data itself.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = _now_column()
    actor: Mapped[str] = mapped_column(String(128), index=True)
    actor_role: Mapped[str] = mapped_column(String(12))
    action: Mapped[str] = mapped_column(String(16))
    record_type: Mapped[str] = mapped_column(String(20))
    record_ref: Mapped[Optional[str]] = mapped_column(String(24), index=True)
    child_ref: Mapped[Optional[str]] = mapped_column(String(24), index=True)
    purpose: Mapped[str] = mapped_column(String(200))


class Notification(Base):
    """A message waiting for a channel that can reach its recipient (the outbox).

    ``dedupe_key`` makes a reminder or alert queue once however often it is raised.
    """

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[dt.datetime] = _now_column()
    delivered_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))


class WeComCursor(Base):
    """Where the WeCom relay stopped reading a customer-service account's messages (``kf/sync_msg``).

    Kept in the database so that a restarted relay reads on from there: nothing lost, nothing twice.
    """

    __tablename__ = "wecom_cursors"

    open_kfid: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(256), default="")
    updated_at: Mapped[dt.datetime] = _now_column()


class WeComSeen(Base):
    """A WeCom message already handled (by ``msgid``): a message read twice is acted on once."""

    __tablename__ = "wecom_seen"

    msgid: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[dt.datetime] = _now_column()


class WeComSession(Base):
    """One WeChat user's send allowance: WeCom lets us send 5 messages in the 48 h after their last message."""

    __tablename__ = "wecom_sessions"

    sender_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    customer_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    sent: Mapped[int] = mapped_column(Integer, default=0)
    # The 接待人员 who has the chat (WECOM_HANDOFF=servicer), while they have it.
    servicer: Mapped[Optional[str]] = mapped_column(String(64))


class HeldMessage(Base):
    """A user's message waiting for Rasa (it was down): kept here so that a relay restart loses none.

    Deleted once Rasa has answered it; the relays retry them in order.
    """

    __tablename__ = "held_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(160), index=True)
    text: Mapped[str] = mapped_column(Text)
    metadata_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = _now_column()


class TicketNote(Base):
    """A private note staff keep on a ticket in the staff desk: never sent to the user."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("handoff_tickets.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = _now_column()


class DeskAccount(Base):
    """A sign-in to the browser staff desk (desk/), for a person verified by an invite code or an admin.

    ``sender_id`` (``web:<username>``) is the person's row in ``people``, which holds the role and place.
    Only an argon2 hash of the password is kept; the TOTP secret is kept to check codes.
    """

    __tablename__ = "desk_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    sender_id: Mapped[str] = mapped_column(String(128), unique=True)
    display_name: Mapped[str] = mapped_column(String(40), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[Optional[str]] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[dt.datetime] = _now_column()
    last_login_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = _now_column()


class DeskSession(Base):
    """A signed-in browser: only the SHA-256 of its cookie is stored; revoked on sign-out or password change."""

    __tablename__ = "desk_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("desk_accounts.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    # False until the second factor was given (accounts that need one): such a session opens no page.
    second_factor_done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = _now_column()
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = _now_column()
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))


class UnansweredQuestion(Base):
    """A question the knowledge base was not sure about, masked, counted: staff write new cards from these."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_hash: Mapped[str] = mapped_column(String(64), unique=True)
    question: Mapped[str] = mapped_column(String(300))
    best_score: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    first_at: Mapped[dt.datetime] = _now_column()
    last_at: Mapped[dt.datetime] = _now_column()
    dismissed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
