"""Reference numbers people can read out over the phone.

``BB20261123-7KQ2``: a two-letter kind, the date, and four characters from an
alphabet without look-alikes (no 0/O, 1/I/L).
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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


def unused_reference(session: Session, model: Any, kind: str, today: dt.date | None = None) -> str:
    """A fresh reference number no row of ``model`` has yet (four characters give ~920,000 a day per kind:
    a busy day would otherwise meet a number already given, and the save would fail)."""
    for _ in range(50):
        ref = new_reference(kind, today)
        if session.scalar(select(model.id).where(model.ref == ref)) is None:
            return ref
    raise RuntimeError(f"no unused {kind} reference number left today")
