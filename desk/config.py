"""The staff desk's settings, from the environment (documented in ``.env.example``)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.relay.settings import env_float, env_int
from records.retention import media_dir

ROOT = Path(__file__).resolve().parent.parent  # the project (var/ and the staging of uploads live under it)



def _secure_cookies() -> str:
    value = (os.environ.get("DESK_COOKIE_SECURE") or "auto").strip().lower()
    return value if value in {"auto", "on", "off"} else "auto"


@dataclass(frozen=True)
class DeskSettings:
    """Where the desk listens and how long what it grants lasts."""

    host: str = field(default_factory=lambda: os.environ.get("DESK_HOST") or "127.0.0.1")
    port: int = field(default_factory=lambda: env_int("DESK_PORT", 8300))
    # A signed-in session ends after this many hours, and after this many idle minutes.
    session_hours: float = field(default_factory=lambda: env_float("DESK_SESSION_HOURS", 12.0))
    idle_minutes: float = field(default_factory=lambda: env_float("DESK_IDLE_MINUTES", 60.0))
    # Wrong passwords (or codes) before an account is locked, and for how long.
    max_failed_logins: int = field(default_factory=lambda: env_int("DESK_MAX_FAILED_LOGINS", 5))
    lockout_minutes: float = field(default_factory=lambda: env_float("DESK_LOCKOUT_MINUTES", 15.0))
    # Sign-in attempts per client address per minute, whatever the account.
    signin_per_minute: int = field(default_factory=lambda: env_int("DESK_SIGNIN_PER_MINUTE", 10))
    # auto: Secure cookies when the request came over HTTPS (as a reverse proxy tells uvicorn); on / off force it.
    secure_cookies: str = field(default_factory=_secure_cookies)
    # A ticket unclaimed this long is flagged in the inbox (the Telegram group is re-alerted at the same mark).
    unclaimed_minutes: float = field(default_factory=lambda: env_float("HANDOFF_UNCLAIMED_MINUTES", 10.0))
    # Where uploaded photos of visit logs are looked for (WeCom keeps its media here).
    media_dir: Path = field(default_factory=media_dir)
