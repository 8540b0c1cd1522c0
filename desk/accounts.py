"""Staff desk accounts: made from an invite code (which sets the password) or by an admin on the command line.

Passwords are kept only as argon2 hashes. Staff, supervisors and admins must add a TOTP second factor
(an authenticator app); for directors it is optional. Wrong passwords or codes lock the account for a while.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desk.config import DeskSettings
from records.audit import record_access
from records.db import as_utc, session_scope, utc_now
from records.models import DeskAccount, DeskSession, Person
from records.people import InviteError, redeem_invite

HASHER = PasswordHasher()
# Roles that may not sign in without the second factor.
SECOND_FACTOR_REQUIRED = frozenset({"staff", "supervisor", "admin"})
DESK_ROLES = frozenset({"director", "supervisor", "staff", "admin"})
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,40}$")
ISSUER = "护童助手工作台"


class AccountError(ValueError):
    """Why an account could not be made, signed in or changed: a polite Chinese sentence for the page."""


@dataclass(frozen=True)
class DeskUser:
    """Who is signed in: the account, and the role and place of their person."""

    account_id: int
    username: str
    display_name: str
    sender_id: str
    role: str
    county: str | None
    township: str | None
    village: str | None

    @property
    def needs_second_factor(self) -> bool:
        """Whether the role requires TOTP."""
        return self.role in SECOND_FACTOR_REQUIRED

    @property
    def name(self) -> str:
        """How the user is named to others (staff group, audit)."""
        return self.display_name or self.username


def check_password_strength(password: str) -> None:
    """Refuse passwords that are short or easy to guess."""
    if len(password) < 10:
        raise AccountError("密码至少要10位。")
    if password.isdigit() or len(set(password)) < 4:
        raise AccountError("密码太简单了，请混合使用字母、数字或符号。")
    if len(password) > 200:
        raise AccountError("密码太长了（最多200位）。")


def _check_username(session: Session, username: str) -> None:
    if not USERNAME.match(username):
        raise AccountError("用户名用3到40位的字母、数字、下划线、点或横线。")
    if session.scalar(select(DeskAccount.id).where(DeskAccount.username == username)):
        raise AccountError("这个用户名已经有人用了，请换一个。")


def user_of(session: Session, account: DeskAccount) -> DeskUser | None:
    """The signed-in view of ``account``; None when its person is gone or has no desk role."""
    person = session.scalar(select(Person).where(Person.sender_id == account.sender_id))
    if person is None or person.role not in DESK_ROLES:
        return None
    return DeskUser(account.id, account.username, account.display_name, account.sender_id, person.role,
                    person.county, person.township, person.village)


def create_admin(username: str, password: str, display_name: str = "") -> DeskUser:
    """An administrator's account, from the command line (``python -m desk create-admin``)."""
    check_password_strength(password)
    with session_scope() as session:
        _check_username(session, username)
        sender_id = f"web:{username}"
        person = session.scalar(select(Person).where(Person.sender_id == sender_id))
        if person is None:
            person = Person(sender_id=sender_id, role="admin")
            session.add(person)
        person.role = "admin"
        account = DeskAccount(username=username, sender_id=sender_id, display_name=display_name[:40],
                              password_hash=HASHER.hash(password))
        session.add(account)
        record_access(session, actor="cli", actor_role="admin", action="invite", record_type="desk_account",
                      record_ref=username[:24], purpose="命令行创建管理员账号")
        session.flush()
        return user_of(session, account)  # type: ignore[return-value]


def sign_up(code: str, username: str, password: str, display_name: str = "") -> DeskUser:
    """An account for the person an invite code was issued to; the code is used up and sets the password."""
    check_password_strength(password)
    with session_scope() as session:
        _check_username(session, username)
    try:
        redeem_invite(f"web:{username}", code)
    except InviteError as problem:
        raise AccountError(str(problem)) from problem
    with session_scope() as session:
        account = DeskAccount(username=username, sender_id=f"web:{username}", display_name=display_name[:40],
                              password_hash=HASHER.hash(password))
        session.add(account)
        session.flush()
        user = user_of(session, account)
    if user is None:
        raise AccountError("这个邀请码不能用于工作台。")
    return user


def _locked(account: DeskAccount) -> bool:
    return account.locked_until is not None and as_utc(account.locked_until) > utc_now()


def _failed(session: Session, account: DeskAccount, settings: DeskSettings) -> None:
    account.failed_logins += 1
    if account.failed_logins >= settings.max_failed_logins:
        account.locked_until = utc_now() + dt.timedelta(minutes=settings.lockout_minutes)
        account.failed_logins = 0
    record_access(session, actor=account.sender_id, actor_role="staff", action="denied",
                  record_type="desk_signin", purpose="工作台登录失败")


LOCKED = "这个账号暂时锁定了（密码或验证码输错次数太多）。请{minutes}分钟后再试，或联系管理员。"
WRONG = "用户名或密码不对。"


def check_password(username: str, password: str, settings: DeskSettings) -> DeskUser:
    """The user whose password this is; AccountError when it is wrong or the account is locked."""
    with session_scope() as session:
        account = session.scalar(select(DeskAccount).where(DeskAccount.username == username))
        if account is None:
            HASHER.hash(password)  # as slow as a real check: no telling which usernames exist
            raise AccountError(WRONG)
        if _locked(account):
            raise AccountError(LOCKED.format(minutes=f"{settings.lockout_minutes:g}"))
        try:
            HASHER.verify(account.password_hash, password)
        except (VerificationError, InvalidHashError):
            _failed(session, account, settings)
            session.commit()
            if _locked(account):
                raise AccountError(LOCKED.format(minutes=f"{settings.lockout_minutes:g}")) from None
            raise AccountError(WRONG) from None
        if HASHER.check_needs_rehash(account.password_hash):
            account.password_hash = HASHER.hash(password)
        user = user_of(session, account)
        if user is None:
            raise AccountError("这个账号已经停用了。")
        account.failed_logins = 0
        return user


def check_second_factor(account_id: int, code: str, settings: DeskSettings) -> bool:
    """Whether ``code`` is the account's current TOTP code (one step of clock drift allowed)."""
    code = re.sub(r"\s", "", code or "")
    with session_scope() as session:
        account = session.get(DeskAccount, account_id)
        if account is None or not account.totp_secret or _locked(account):
            return False
        if re.fullmatch(r"\d{6}", code) and pyotp.TOTP(account.totp_secret).verify(code, valid_window=1):
            account.failed_logins = 0
            account.totp_enabled = True
            account.last_login_at = utc_now()
            return True
        _failed(session, account, settings)
        return False


def totp_enrolment(account_id: int) -> tuple[str, str]:
    """(secret, otpauth URI) for setting up an authenticator; a new secret until the first code is accepted."""
    with session_scope() as session:
        account = session.get(DeskAccount, account_id)
        if account is None:
            raise AccountError("账号不存在。")
        if account.totp_enabled and account.totp_secret:
            raise AccountError("这个账号已经设置了动态验证码。")
        if not account.totp_secret:
            account.totp_secret = pyotp.random_base32()
        return account.totp_secret, pyotp.TOTP(account.totp_secret).provisioning_uri(name=account.username,
                                                                                       issuer_name=ISSUER)


def has_second_factor(account_id: int) -> bool:
    """Whether the account has a working TOTP set up."""
    with session_scope() as session:
        account = session.get(DeskAccount, account_id)
        return bool(account and account.totp_enabled and account.totp_secret)


def change_password(account_id: int, current: str, new: str) -> None:
    """Change the password (the current one is asked again); every session of the account is revoked."""
    check_password_strength(new)
    with session_scope() as session:
        account = session.get(DeskAccount, account_id)
        if account is None:
            raise AccountError("账号不存在。")
        try:
            HASHER.verify(account.password_hash, current)
        except (VerificationError, InvalidHashError):
            raise AccountError("现在的密码不对。") from None
        account.password_hash = HASHER.hash(new)
        account.password_changed_at = utc_now()
        session.execute(update(DeskSession).where(DeskSession.account_id == account_id,
                                                  DeskSession.revoked_at.is_(None)).values(revoked_at=utc_now()))
