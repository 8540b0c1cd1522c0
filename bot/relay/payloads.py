"""Short ids for button payloads, for channels whose buttons carry only a few bytes.

Telegram's ``callback_data`` holds at most 64 bytes and a WeCom menu item's id
128, while a Rasa payload may be longer (``/redeem_invite{"invite_code": …}``,
修改照顾人和孩子的关系): each button carries a short id and the relay keeps the
payload it stands for.
"""
from __future__ import annotations

import secrets
from collections import OrderedDict

MAX_KEPT = 20_000


class PayloadMap:
    """Short ids for button payloads, the most recent ``MAX_KEPT`` kept."""

    def __init__(self, limit: int = MAX_KEPT) -> None:
        self._payloads: OrderedDict[str, str] = OrderedDict()
        self._limit = limit

    def short_id(self, payload: str) -> str:
        """A fresh id of 10 characters standing for ``payload``."""
        key = "b:" + secrets.token_urlsafe(6)
        self._payloads[key] = payload
        while len(self._payloads) > self._limit:
            self._payloads.popitem(last=False)
        return key

    def payload(self, key: str | None) -> str | None:
        """The payload a button's id stands for; None for an unknown or forgotten id."""
        return self._payloads.get(key or "")
