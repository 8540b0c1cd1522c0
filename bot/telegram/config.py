"""The relay's settings, from the environment (documented in ``.env.example``)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from bot.relay.settings import CoreSettings, env_float, env_int

# Telegram allows 1–256 characters A-Z a-z 0-9 _ -; we ask for at least 32 (a random token_urlsafe(32) is 43).
_SECRET = re.compile(r"[A-Za-z0-9_-]{32,256}")


@dataclass(frozen=True)
class RelayConfig(CoreSettings):
    """Everything the relay needs to run; each field's default works for a local run."""

    token: str = field(default_factory=lambda: os.environ.get("TELEGRAM_BOT_TOKEN", ""))
    # Telegram's Bot API; the tests point it at a fake server on loopback.
    api_url: str = field(default_factory=lambda: os.environ.get("TELEGRAM_API_URL") or "https://api.telegram.org")
    staff_chat_id: int | None = field(
        default_factory=lambda: int(os.environ["TELEGRAM_STAFF_CHAT_ID"]) if os.environ.get("TELEGRAM_STAFF_CHAT_ID") else None
    )
    webhook_url: str = field(default_factory=lambda: os.environ.get("TELEGRAM_WEBHOOK_URL", ""))
    webhook_secret: str = field(default_factory=lambda: os.environ.get("TELEGRAM_WEBHOOK_SECRET", ""))
    webhook_port: int = field(default_factory=lambda: env_int("TELEGRAM_WEBHOOK_PORT", 8443))
    # A ticket nobody claims within this many minutes re-alerts the group and gives the user the hotlines.
    unclaimed_minutes: float = field(default_factory=lambda: env_float("HANDOFF_UNCLAIMED_MINUTES", 10.0))
    # Channels whose handoffs a person takes inside the channel itself (WeCom's 接待人员 when
    # WECOM_HANDOFF=servicer): the staff group opens no topic for them.
    own_desk_channels: frozenset[str] = field(default_factory=lambda: frozenset(
        {"wecom"} if os.environ.get("WECOM_HANDOFF", "").strip().lower() == "servicer" else set()))
    # How often the background jobs run (outbox, new tickets, unclaimed tickets, retries).
    tick_seconds: float = field(default_factory=lambda: env_float("TELEGRAM_TICK_SECONDS", 2.0))

    @property
    def webhook(self) -> bool:
        """Run as a webhook (else long polling)."""
        return bool(self.webhook_url)

    def refusal(self) -> str | None:
        """Why the relay must not start with these settings, in Chinese; None when it may.

        A webhook without a long random secret would accept any POST as an update from Telegram: a forger
        could write to parents as "工作人员" or close urgent tickets.
        """
        if self.webhook and not _SECRET.fullmatch(self.webhook_secret):
            return ("Webhook 模式必须设置 TELEGRAM_WEBHOOK_SECRET：至少32个字符，只能用字母、数字、下划线和连字符"
                    "（例如 python -c 'import secrets; print(secrets.token_urlsafe(32))' 生成）。中继不启动。")
        return None
