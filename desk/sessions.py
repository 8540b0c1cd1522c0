"""Signed-in browsers: a random cookie whose SHA-256 is stored, with its CSRF token, expiry and revocation."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from desk.accounts import DeskUser, user_of
from desk.config import DeskSettings
from records.db import as_utc, session_scope, utc_now
from records.models import DeskAccount, DeskSession

COOKIE = "hutong_desk"


@dataclass(frozen=True)
class SignedIn:
    """A live session: whose, its CSRF token, and whether the second factor was given."""

    user: DeskUser
    csrf_token: str
    second_factor_done: bool


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(account_id: int, settings: DeskSettings, second_factor_done: bool) -> str:
    """A new session for the account; returns the cookie value (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    with session_scope() as session:
        session.add(DeskSession(token_hash=_hash(token), account_id=account_id, csrf_token=secrets.token_urlsafe(32),
                                second_factor_done=second_factor_done,
                                expires_at=utc_now() + dt.timedelta(hours=settings.session_hours)))
    return token


def current(token: str | None, settings: DeskSettings) -> SignedIn | None:
    """The live session the cookie names; None when unknown, expired, idle too long or revoked."""
    if not token or len(token) > 100:
        return None
    now = utc_now()
    with session_scope() as session:
        row = session.get(DeskSession, _hash(token))
        if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now:
            return None
        if as_utc(row.last_seen_at) + dt.timedelta(minutes=settings.idle_minutes) <= now:
            row.revoked_at = now
            return None
        account = session.get(DeskAccount, row.account_id)
        user = user_of(session, account) if account is not None else None
        if user is None:
            return None
        if (now - as_utc(row.last_seen_at)).total_seconds() > 30:  # not a write on every poll
            row.last_seen_at = now
        return SignedIn(user, row.csrf_token, row.second_factor_done)


def end(token: str | None) -> None:
    """Revoke the session (sign-out)."""
    if not token:
        return
    with session_scope() as session:
        row = session.get(DeskSession, _hash(token))
        if row is not None and row.revoked_at is None:
            row.revoked_at = utc_now()


def end_all(account_id: int) -> None:
    """Revoke every session of an account."""
    with session_scope() as session:
        for row in session.scalars(select(DeskSession).where(DeskSession.account_id == account_id,
                                                             DeskSession.revoked_at.is_(None))):
            row.revoked_at = utc_now()


def same_token(expected: str, given: str | None) -> bool:
    """A constant-time comparison of CSRF tokens."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
