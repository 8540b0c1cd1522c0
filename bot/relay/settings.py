"""Reading the relays' settings from the environment: a malformed number falls back to its default."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def env_int(name: str, default: int) -> int:
    """``name`` as an integer, or ``default`` when unset or malformed."""
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        return default


def env_float(name: str, default: float) -> float:
    """``name`` as a number, or ``default`` when unset or malformed."""
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


def _relay_token() -> str:
    from records.server_secrets import shared_secret

    return os.environ.get("RELAY_TOKEN") or shared_secret("RELAY_TOKEN", Path(__file__).resolve().parents[2] / "var")


def _jwt_secret() -> str:
    from bot.rasa_auth import jwt_secret

    return jwt_secret()


@dataclass(frozen=True)
class CoreSettings:
    """What every relay needs: how to reach Rasa, and the per-user rate limit."""

    rasa_url: str = field(default_factory=lambda: f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}")
    # The key of the short-lived JWTs a relay sends Rasa's HTTP API in a header (bot/rasa_auth.py).
    rasa_jwt_secret: str = field(default_factory=_jwt_secret)
    # The secret of Rasa's relay channel (bot/channels.py); the stack passes it, else the installation's own.
    relay_token: str = field(default_factory=_relay_token)
    # Per user: at most this many messages in this many seconds; more gets one "slow down".
    rate_limit_messages: int = field(default_factory=lambda: env_int("TELEGRAM_RATE_LIMIT", 20))
    rate_limit_seconds: float = field(default_factory=lambda: env_float("TELEGRAM_RATE_WINDOW", 10.0))
