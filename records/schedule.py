"""When a child is next due a visit, from the risk level of the last one.

No national rule sets the frequency (policy-facts §4 [R]); the defaults follow
黔西市 (general risk monthly, high risk weekly) with a quarterly check for no
risk. ``VISIT_INTERVAL_DAYS`` (``高=7,一般=30,无=90``) changes them; a child
newly registered is first due after the general interval.
"""
from __future__ import annotations

import datetime as dt
import os

DEFAULT_INTERVALS = {"高": 7, "一般": 30, "无": 90}
INTERVAL_WORDS = {"高": "高风险", "一般": "一般风险", "无": "无风险"}


def visit_intervals() -> dict[str, int]:
    """Days between visits by risk level, from ``VISIT_INTERVAL_DAYS`` over the defaults.

    A malformed setting is ignored entry by entry rather than stopping the bot.
    """
    intervals = dict(DEFAULT_INTERVALS)
    for part in (os.environ.get("VISIT_INTERVAL_DAYS") or "").split(","):
        level, _, days = part.partition("=")
        level, days = level.strip(), days.strip()
        if level in intervals and days.isdigit() and 0 < int(days) <= 366:
            intervals[level] = int(days)
    return intervals


def interval_words(risk: str) -> str:
    """'高风险每7天一次' for a risk level, from the configured intervals."""
    days = visit_intervals()[risk]
    every = {7: "每周", 14: "每两周", 30: "每月", 90: "每季度"}.get(days, f"每{days}天")
    return f"{INTERVAL_WORDS[risk]}{every}一次"


def next_visit_due(risk: str | None, visited: dt.date | None, today: dt.date) -> dt.date:
    """The date the next visit is due: the risk level's interval after the visit, never before today."""
    start = visited or today
    days = visit_intervals().get(risk or "一般", visit_intervals()["一般"])
    return max(start + dt.timedelta(days=days), today)


def first_visit_due(registered: dt.date) -> dt.date:
    """A newly registered child's first visit: the general interval after registration."""
    return registered + dt.timedelta(days=visit_intervals()["一般"])


def end_of_week(today: dt.date) -> dt.date:
    """The Sunday of ``today``'s week: 'this week' as a director means it."""
    return today + dt.timedelta(days=6 - today.weekday())
