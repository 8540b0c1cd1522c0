"""Small helpers the unit tests share (fixtures are in conftest.py)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

TODAY = dt.date(2026, 12, 1)
SENDER = "unit-test-user"

REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def ref_pattern(prefix: str) -> re.Pattern[str]:
    """A reference number as records/refs.py makes them: BB20261201-7KQ2."""
    return re.compile(prefix + r"\d{8}-[" + REF_ALPHABET + r"]{4}")


# Traceback text and Python exception names must never reach a user.
_LEAK = re.compile(
    r"(Traceback|File \"|line \d+|[A-Z][a-z]+Error|Exception|None|self\.|sqlalchemy|sqlite|\{|\})"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_polite_chinese(text: str) -> None:
    """A message a user may see: Chinese, short, and no programmer's words in it."""
    assert text, "the user got an empty message"
    assert _CJK.search(text), f"no Chinese in {text!r}"
    assert not _LEAK.search(text), f"technical text leaked to the user: {text!r}"
    assert len(text) < 400, f"message too long for a phone screen: {text!r}"


def texts(messages: list[dict[str, Any]]) -> list[str]:
    """The texts of the dispatcher's messages."""
    return [m.get("text") or "" for m in messages]


def buttons(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every button of the dispatcher's messages."""
    return [b for m in messages for b in (m.get("buttons") or [])]


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    """The payloads of every button of the dispatcher's messages."""
    return [b["payload"] for b in buttons(messages)]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The SlotSet events as slot → value (last one wins)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# A departure registration answered in full (as the validators leave the slots), before confirming.
DEPARTURE_ANSWERS = {
    "dep_consent": True,
    "dep_child_name": "王小明",
    "dep_child_id": "不填",
    "dep_child_age": 12,
    "dep_village": "歇马街道大磨滩村",
    "dep_carer_name": "张秀英",
    "dep_carer_relation": "奶奶",
    "dep_carer_phone": "13812345678",
    "dep_work_city": "广州",
    "dep_parent_phone": "13900001111",
    "dep_return_date": "2027-02",
}


# Confirmed forms, as the submit actions receive them.
CONFIRMED_DEPARTURE = {**DEPARTURE_ANSWERS, "dep_confirmed": True}
CONFIRMED_VISIT = {
    "visit_director": "director",
    "visit_child_name": "李娜",
    "visit_date": "2026-11-30",
    "visit_kind": "入户",
    "visit_findings": "孩子精神不错，奶奶腿脚不便",
    "visit_risk": "一般",
    "visit_next_date": "2026-12-30",
    "visit_confirmed": True,
}
CONFIRMED_REPORT = {
    "rep_description": "孩子身上有很多淤青，说是被他爸打的",
    "rep_situation": 4,
    "rep_child": "小明，10岁",
    "rep_place": "歇马街道大磨滩村",
    "rep_time": "2026-11-30",
    "rep_police_called": False,
    "rep_reporter_role": "教师",
    "rep_confirmed": True,
}
