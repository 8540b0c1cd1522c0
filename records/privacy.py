"""Keeping personal data out of logs and out of pushed messages.

``mask_text`` hides phone numbers, ID numbers and names after the words
that introduce them; ``MaskingFilter`` applies it to every log record a
handler writes, whatever module logged it. Both servers install it at start.
"""
from __future__ import annotations

import logging
import re

_ID_NUMBER = re.compile(r"(?<![0-9])([1-8]\d{2})\d{11}(\d{3}[0-9Xx])(?![0-9])")
_OLD_ID = re.compile(r"(?<![0-9])([1-8]\d{2})\d{8}(\d{4})(?![0-9])")
_MOBILE = re.compile(r"(?:(?<![0-9])|(?<=86))(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])\(?(0\d{2,3})[)）]?[ -]?(?:\d{3,4}[ -]?)?\d{1,4}(\d{3})(?![0-9])")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# A name after the words that introduce one: 叫王小明 / 姓名：王小明 / 孩子姓名：王小明.
_NAMED = re.compile(
    r"((?:名字|姓名|名叫|叫做|(?<=[我他她娃儿女子])叫|照顾人|child_name|carer_name|name)[\"'”]?\s*"
    r"(?:是|为|:|：|=|\"\s*:\s*)?\s*[\"'“]?)"
    r"(?![叫是为的名姓])([\u4e00-\u9fff·]{2,4})"
)


def mask_name(name: str | None) -> str:
    """王小明 → 王**: the surname stays, so a director can still tell children apart in a list."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str | None) -> str:
    """13812345678 → 138****5678."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 7 else "****"


def mask_id_number(number: str | None) -> str:
    """An 18-digit ID number with only its first 3 and last 4 characters shown."""
    if not number:
        return ""
    return number[:3] + "*" * (len(number) - 7) + number[-4:] if len(number) > 7 else "****"


def mask_text(text: str) -> str:
    """``text`` with ID numbers, phone numbers, e-mail addresses and introduced names masked."""
    text = text.translate(_FULL_WIDTH_DIGITS)
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * 11 + m.group(2), text)
    text = _OLD_ID.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    text = _LANDLINE.sub(lambda m: m.group(1) + "-****" + m.group(2), text)
    text = _EMAIL.sub(lambda m: m.group(1) + "***@" + m.group(2), text)
    return _NAMED.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)


class MaskingFilter(logging.Filter):
    """Rewrites each record's message with personal data masked (it never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a badly formatted record: its parts, masked, instead
            message = f"{record.msg} {record.args!r}"
        masked = mask_text(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        record.msg, record.args = masked, None
        return True


def install_log_masking(logger: logging.Logger | None = None) -> None:
    """Put a ``MaskingFilter`` on every handler of ``logger`` (default: the root logger), once.

    Call it after logging is set up: handlers added later are not covered.
    """
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
