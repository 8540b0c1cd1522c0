"""Keeping personal data out of logs and out of pushed messages.

``mask_text`` hides phone numbers, ID numbers and names after the words
that introduce them; ``MaskingFilter`` applies it to every log record a
handler writes, whatever module logged it. Both servers install it at start.
"""
from __future__ import annotations

import logging
import re
import sys
from typing import Any, TextIO

_ID_NUMBER = re.compile(r"(?<![0-9])([1-8]\d{2})\d{11}(\d{3}[0-9Xx])(?![0-9])")
_OLD_ID = re.compile(r"(?<![0-9])([1-8]\d{2})\d{8}(\d{4})(?![0-9])")
_MOBILE = re.compile(r"(?:(?<![0-9])|(?<=86))(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])\(?(0\d{2,3})[)）]?[ -]?(?:\d{3,4}[ -]?)?\d{1,4}(\d{3})(?![0-9])")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
# Every pattern matches in time linear in the text: each match starts only where a run starts (a lookbehind)
# and its repeats are bounded, so a megabyte of letters or spaces is not scanned again from every position.
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{0,63}@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,5}\.[A-Za-z]{2,12})")
# A name after the words that introduce one: 叫王小明 / 姓名：王小明 / 孩子姓名：王小明.
_NAMED = re.compile(
    r"((?:名字|姓名|名叫|叫做|(?<=[我他她娃儿女子])叫|照顾人|child_name|carer_name|name)[\"'”]?\s{0,3}"
    r"(?:是|为|:|：|=|\"\s{0,3}:)?\s{0,3}[\"'“]?)"
    r"(?![叫是为的名姓])([\u4e00-\u9fff·]{2,4})"
)
# An ID or mobile number written in groups: "1101 0120 1703 0500 11", "138.1234.5678", "138-1234-5678".
_GROUPED_DIGITS = re.compile(r"(?<![0-9])\d(?:[ .\-·]{1,2}\d|\d){9,16}(?:[ .\-·]{0,2}[\dXx])?(?![0-9])")
MAX_LOGGED_CHARS = 4000  # a log line longer than this is cut before it is masked


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


def _grouped(match: re.Match[str]) -> str:
    digits = re.sub(r"[ .\-·]", "", match.group())
    if len(digits) == 18:
        return digits[:3] + "*" * 11 + digits[-4:]
    if len(digits) == 11 and re.fullmatch(r"1[3-9]\d{9}", digits):
        return mask_phone(digits)
    return match.group()


def mask_text(text: str) -> str:
    """``text`` with ID numbers, phone numbers, e-mail addresses and introduced names masked."""
    text = text.translate(_FULL_WIDTH_DIGITS)
    text = _GROUPED_DIGITS.sub(_grouped, text)
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
        if len(message) > MAX_LOGGED_CHARS:
            message = f"{message[:MAX_LOGGED_CHARS]}…（截断，共{len(message)}字）"
        masked = mask_text(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        record.msg, record.args = masked, None
        return True


class MaskingStream:
    """A text stream (``sys.stderr``) that masks what is written to it: what bypasses logging — Python's
    warnings, a traceback printed by the interpreter, a library's ``print`` — is masked too."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(mask_text(text[:MAX_LOGGED_CHARS]) + ("…（截断）\n" if len(text) > MAX_LOGGED_CHARS else ""))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def install_log_masking(logger: logging.Logger | None = None) -> None:
    """Put a ``MaskingFilter`` on every handler of ``logger`` (default: the root logger), once.

    For the root logger (what the servers call), Python's warnings are routed into logging and the
    process's stdout and stderr are masked as well. Call it after logging is set up: handlers added
    later are not covered.
    """
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
    if logger is None:
        logging.captureWarnings(True)
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if not isinstance(stream, MaskingStream):
                setattr(sys, name, MaskingStream(stream))
