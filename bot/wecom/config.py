"""The WeCom relay's settings, from the environment (documented in ``.env.example``)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.relay.settings import CoreSettings, env_float, env_int
from records.retention import media_dir

_AES_KEY = re.compile(r"[A-Za-z0-9+/]{43}")
DEFAULT_API = "https://qyapi.weixin.qq.com/cgi-bin/"


def _env(name: str, default: str = "") -> str:
    return (os.environ.get(name) or default).strip()


@dataclass(frozen=True)
class WeComConfig(CoreSettings):
    """Everything the WeCom relay needs; without ``corp_id`` it does not start."""

    corp_id: str = field(default_factory=lambda: _env("WECOM_CORP_ID"))
    # The secret of the self-built app that has the 微信客服 API enabled.
    secret: str = field(default_factory=lambda: _env("WECOM_SECRET"))
    # The callback's Token and EncodingAESKey, as set on the app's 接收消息 page.
    token: str = field(default_factory=lambda: _env("WECOM_TOKEN"))
    encoding_aes_key: str = field(default_factory=lambda: _env("WECOM_ENCODING_AES_KEY"))
    # WeCom's API; the tests point it at a fake on loopback.
    api_base: str = field(default_factory=lambda: _env("WECOM_API_BASE", DEFAULT_API).rstrip("/") + "/")
    listen: str = field(default_factory=lambda: _env("WECOM_LISTEN", "127.0.0.1"))
    port: int = field(default_factory=lambda: env_int("WECOM_PORT", 8090))
    # group: staff answer from the staff desk (the Telegram group); servicer: hand the chat to a 接待人员.
    handoff: str = field(default_factory=lambda: _env("WECOM_HANDOFF", "group").lower())
    servicers: tuple[str, ...] = field(default_factory=lambda: tuple(
        s for s in re.split(r"[,\s]+", _env("WECOM_SERVICERS")) if s))
    # Where voice notes and photos are kept (WeCom's media ids expire after 3 days).
    media_dir: Path = field(default_factory=media_dir)
    tick_seconds: float = field(default_factory=lambda: env_float("WECOM_TICK_SECONDS", 2.0))

    @property
    def servicer_handoff(self) -> bool:
        """A handoff goes to a WeCom 接待人员 (else to the staff desk)."""
        return self.handoff == "servicer"

    def refusal(self) -> str | None:
        """Why the relay must not start with these settings, in Chinese; None when it may."""
        missing = [name for name, value in (("WECOM_CORP_ID", self.corp_id), ("WECOM_SECRET", self.secret),
                                            ("WECOM_TOKEN", self.token),
                                            ("WECOM_ENCODING_AES_KEY", self.encoding_aes_key)) if not value]
        if missing:
            return f"企业微信中继缺少设置：{'、'.join(missing)}。中继不启动。"
        if not _AES_KEY.fullmatch(self.encoding_aes_key):
            return "WECOM_ENCODING_AES_KEY 应为企业微信后台生成的43位字符。中继不启动。"
        if self.handoff not in ("group", "servicer"):
            return "WECOM_HANDOFF 只能是 group（工作人员在工作群回复）或 servicer（转给接待人员）。中继不启动。"
        if self.servicer_handoff and not self.servicers:
            return "WECOM_HANDOFF=servicer 时必须用 WECOM_SERVICERS 列出接待人员的 userid。中继不启动。"
        return None
