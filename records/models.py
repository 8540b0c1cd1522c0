"""The tables: departure registrations, visit logs, mandatory reports, handoff tickets.

Each record a user files gets a reference number (``ref``) they can quote, and a
``submission_key`` that makes a resent submission save only once.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every records table."""


class _Filed:
    """Columns every filed record has."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True, index=True)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Registration(_Filed, Base):
    """A parent's departure registration (报备) for their child's village director."""

    __tablename__ = "registrations"

    child_name: Mapped[str] = mapped_column(String(40))
    child_age: Mapped[int] = mapped_column(Integer)
    village: Mapped[str] = mapped_column(String(80))
    carer_name: Mapped[str] = mapped_column(String(40))
    carer_relation: Mapped[str] = mapped_column(String(20))
    carer_phone: Mapped[str] = mapped_column(String(20))
    work_city: Mapped[str] = mapped_column(String(60))
    parent_phone: Mapped[str] = mapped_column(String(20))
    expected_return: Mapped[str] = mapped_column(String(20))
    consent_to_share: Mapped[bool] = mapped_column(Boolean)


class VisitLog(_Filed, Base):
    """A child director's record of one visit (探访记录)."""

    __tablename__ = "visit_logs"

    child_name: Mapped[str] = mapped_column(String(40))
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


class HandoffTicket(Base):
    """A request for a person: opened by the user, an emergency, or repeated misunderstanding."""

    __tablename__ = "handoff_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True, index=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))
