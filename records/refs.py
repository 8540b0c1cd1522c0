"""Reference numbers people can read out over the phone.

``BB20261123-7KQ2``: a two-letter kind, the date, and four characters from an
alphabet without look-alikes (no 0/O, 1/I/L).
"""
from __future__ import annotations

import datetime as dt
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

PREFIXES = {
    "registration": "BB",  # 报备
    "visit": "TF",  # 探访
    "report": "BG",  # 报告
    "ticket": "RG",  # 人工
    "child": "ET",  # 儿童档案
}


def new_reference(kind: str, today: dt.date | None = None) -> str:
    """A fresh reference number for a record of ``kind`` (see ``PREFIXES``)."""
    day = (today or dt.date.today()).strftime("%Y%m%d")
    tail = "".join(secrets.choice(ALPHABET) for _ in range(4))
    return f"{PREFIXES[kind]}{day}-{tail}"
