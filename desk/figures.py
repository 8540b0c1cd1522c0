"""The county figures behind the dashboard, each counted only over what the signed-in user may see.

Every query goes through ``Scope.where``. SQLite and PostgreSQL share no date functions, so the SQL uses
none: a row's month is found by comparing its timestamp with the months' first moments (a CASE over bound
values), and the minutes between two timestamps by a small construct compiled for each database. Medians
and percentiles, and the few hundred unanswered questions, are worked out in Python. Months and weeks are
the server's local calendar, as ``date.today()`` is everywhere else in the records.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from desk.scopes import Scope
from records.db import as_utc
from records.directory import villages
from records.models import Child, ConcernReport, HandoffTicket, Registration, UnansweredQuestion
from records.situations import SITUATION_NAMES
from records.schedule import end_of_week

logger = logging.getLogger(__name__)
MONTHS = 12
WEEKS = 12
NO_TOWNSHIP = "未填乡镇"
VISIT_BUCKETS = ("已逾期", "本周到期", "本月到期", "以后", "未排期")
URGENCY = ("紧急", "一般")


@dataclass
class Grid:
    """Counts by row (a month, a township, a situation) and column (a series): one stacked chart and its table."""

    rows: list[str]
    columns: list[str]
    values: dict[str, list[int]]
    row_notes: list[str] = field(default_factory=list)  # a longer name for each row, for the table

    def cell(self, row: int, column: str) -> int:
        """One count."""
        return self.values[column][row]

    def row_total(self, row: int) -> int:
        """A row's count over every column."""
        return sum(self.values[column][row] for column in self.columns)

    def column_total(self, column: str) -> int:
        """A column's count over every row."""
        return sum(self.values[column])

    @property
    def total(self) -> int:
        """Everything counted."""
        return sum(self.column_total(column) for column in self.columns)


@dataclass(frozen=True)
class HandoffMonth:
    """How fast the tickets opened in one month were taken and closed (minutes; None: none yet)."""

    month: str
    opened: int
    claimed: int
    claim_median: float | None
    claim_p90: float | None
    closed: int
    close_median: float | None
    close_p90: float | None


@dataclass(frozen=True)
class QuestionWeek:
    """The questions the bot was unsure about in one week (from its Monday)."""

    week: str
    new: int      # questions first asked that week
    asked: int    # times asked that week (estimated when a question was asked over several weeks)


@dataclass
class Figures:
    """Everything the dashboard shows, as of ``today``."""

    today: dt.date
    registrations: Grid
    visits: Grid
    reports: Grid
    handoffs: list[HandoffMonth]
    questions: list[QuestionWeek] | None  # None: not the user's to see (county-level data)


def local(moment: dt.datetime) -> dt.datetime:
    """A stored timestamp on the server's local clock."""
    return as_utc(moment).astimezone()


def month_starts(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last ``count`` months, oldest first, this month last."""
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def week_starts(today: dt.date, count: int = WEEKS) -> list[dt.date]:
    """The Mondays of the last ``count`` weeks, oldest first, this week last."""
    monday = today - dt.timedelta(days=today.weekday())
    return [monday - dt.timedelta(weeks=back) for back in range(count - 1, -1, -1)]


def since(day: dt.date) -> dt.datetime:
    """Local midnight of ``day`` in UTC: what stored timestamps are compared with."""
    return dt.datetime.combine(day, dt.time()).astimezone().astimezone(dt.timezone.utc)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_case(column: Any, starts: list[dt.date]) -> Any:
    """The number of the month (0 = the oldest of ``starts``) a timestamp column falls in, in SQL: a CASE
    over the months' first moments, the same SQL on SQLite and PostgreSQL; -1 after the last."""
    edges = [since(day) for day in [*starts[1:], next_month(starts[-1])]]
    return case(*((column < edge, number) for number, edge in enumerate(edges)), else_=-1)


def month_label(day: dt.date) -> str:
    """2026-03."""
    return f"{day.year}-{day.month:02d}"


def townships_in_scope(scope: Scope) -> list[str]:
    """The townships the user's scope covers, in the directory's order (every one, for an admin)."""
    user, seen = scope.user, {}
    for village in villages():
        if (scope.everything or (user.role == "staff" and village.county == user.county)
                or (user.role == "supervisor" and village.township == user.township)):
            seen.setdefault(village.township, None)
    return list(seen)


def _ordered(known: list[str], found: set[str]) -> list[str]:
    """The directory's townships, then any others the records name, then the unplaced."""
    extra = sorted(found - set(known) - {NO_TOWNSHIP})
    return known + extra + ([NO_TOWNSHIP] if NO_TOWNSHIP in found else [])


def registrations_by_month(session: Session, scope: Scope, today: dt.date) -> Grid:
    """Departure registrations filed per month in the last twelve, by township.

    The month is found in SQL by comparing with the months' first moments (a CASE over twelve bound
    timestamps: the same SQL on SQLite and PostgreSQL), so only the counts come back, not 10,000 rows.
    """
    starts = month_starts(today)
    filed = (select(month_case(Registration.created_at, starts).label("month"), Registration.township.label("township"))
             .where(scope.where(Registration), Registration.created_at >= since(starts[0])).subquery())
    # Grouped outside: PostgreSQL would not match a GROUP BY CASE whose bound parameters are numbered anew.
    rows = session.execute(select(filed.c.month, filed.c.township, func.count())
                           .group_by(filed.c.month, filed.c.township)).all()
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(starts))
    for number, township, count in rows:
        if 0 <= number < len(starts):
            counts[township or NO_TOWNSHIP][number] += count
    columns = _ordered(townships_in_scope(scope), set(counts))
    return Grid([month_label(day) for day in starts], columns, {name: counts[name] for name in columns})


def visit_bucket(due: dt.date | None, today: dt.date) -> str:
    """Where a child's next visit stands: overdue, this week, later this month, later, or not planned."""
    if due is None:
        return VISIT_BUCKETS[4]
    if due < today:
        return VISIT_BUCKETS[0]
    if due <= end_of_week(today):
        return VISIT_BUCKETS[1]
    month_end = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return VISIT_BUCKETS[2] if due <= month_end else VISIT_BUCKETS[3]


def visits_due(session: Session, scope: Scope, today: dt.date) -> Grid:
    """Children by when their next visit is due, per township (grouped by due date in SQL)."""
    rows = session.execute(
        select(Child.township, Child.next_visit_due, func.count())
        .where(scope.where(Child)).group_by(Child.township, Child.next_visit_due)
    ).all()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for township, due, number in rows:
        counts[township or NO_TOWNSHIP][visit_bucket(due, today)] += number
    townships = _ordered(townships_in_scope(scope), set(counts))
    columns = [name for name in VISIT_BUCKETS if name != VISIT_BUCKETS[4]
               or any(c[name] for c in counts.values())]
    return Grid(townships, columns, {name: [counts[t][name] for t in townships] for name in columns})


def reports_by_situation(session: Session, scope: Scope, today: dt.date) -> Grid:
    """Mandatory reports of the last twelve months by legal situation and urgency."""
    rows = session.execute(
        select(ConcernReport.situation, ConcernReport.urgent, func.count())
        .where(scope.where(ConcernReport), ConcernReport.created_at >= since(month_starts(today)[0]))
        .group_by(ConcernReport.situation, ConcernReport.urgent)
    ).all()
    names = SITUATION_NAMES
    numbers = sorted(set(names) | {number for number, _urgent, _count in rows})
    values = {name: [0] * len(numbers) for name in URGENCY}
    for number, urgent, count in rows:
        values[URGENCY[0] if urgent else URGENCY[1]][numbers.index(number)] += count
    return Grid([f"第{number}类" for number in numbers], list(URGENCY), values,
                row_notes=[names.get(number, "（未知情形）") for number in numbers])


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least ``share`` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class minutes_between(FunctionElement):  # noqa: N801 - named as the SQL function it stands for
    """Minutes from the first timestamp to the second, computed by the database (None if either is NULL).

    SQLite and PostgreSQL have no common way to subtract timestamps; this compiles to each one's.
    """

    type = Float()
    name = "minutes_between"
    inherit_cache = True


@compiles(minutes_between)
def _minutes_postgresql(element: minutes_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 60.0)"


@compiles(minutes_between, "sqlite")
def _minutes_sqlite(element: minutes_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 1440.0)"


def handoff_times(session: Session, scope: Scope, today: dt.date) -> list[HandoffMonth]:
    """Per month a ticket was opened: median and p90 minutes until it was claimed, and until it was closed.

    The database gives each ticket's month and its two durations as plain numbers (no timestamps to parse);
    the medians and p90s are taken here.
    """
    starts = month_starts(today)
    rows = session.execute(
        select(month_case(HandoffTicket.created_at, starts),
               minutes_between(HandoffTicket.created_at, HandoffTicket.claimed_at),
               minutes_between(HandoffTicket.created_at, HandoffTicket.closed_at))
        .where(scope.where(HandoffTicket), HandoffTicket.created_at >= since(starts[0]))
    ).all()
    opened = [0] * len(starts)
    claims: list[list[float]] = [[] for _ in starts]
    closes: list[list[float]] = [[] for _ in starts]
    for number, claim, close in rows:
        if not 0 <= number < len(starts):
            continue
        opened[number] += 1
        if claim is not None:
            claims[number].append(max(0.0, round(float(claim), 3)))
        if close is not None:
            closes[number].append(max(0.0, round(float(close), 3)))

    def middle(values: list[float]) -> float | None:
        return statistics.median(values) if values else None

    def high(values: list[float]) -> float | None:
        return percentile(values, 0.9) if values else None

    return [HandoffMonth(month_label(day), opened[n], len(claims[n]), middle(claims[n]), high(claims[n]),
                         len(closes[n]), middle(closes[n]), high(closes[n])) for n, day in enumerate(starts)]


def _spread(total: int, parts: int) -> list[int]:
    """``total`` split over ``parts`` as evenly as whole numbers allow, the remainder to the latest parts."""
    share, left = divmod(total, parts)
    return [share + (1 if part >= parts - left else 0) for part in range(parts)]


def unanswered_by_week(session: Session, scope: Scope, today: dt.date) -> list[QuestionWeek] | None:
    """Per week: questions first asked, and times asked (a question's asks spread over its first to last week)."""
    mondays = week_starts(today)
    if scope.user.role not in {"staff", "admin"}:  # the questions are not placed: county-level data
        return None
    rows = session.execute(
        select(UnansweredQuestion.first_at, UnansweredQuestion.last_at, UnansweredQuestion.count)
        .where(scope.where(UnansweredQuestion), UnansweredQuestion.last_at >= since(mondays[0]))
    ).all()
    index = {monday: number for number, monday in enumerate(mondays)}
    new, asked = [0] * len(mondays), [0] * len(mondays)

    def week_of(moment: dt.datetime) -> dt.date:
        day = local(moment).date()
        return day - dt.timedelta(days=day.weekday())

    for first_at, last_at, count in rows:
        first, last = week_of(first_at), week_of(last_at or first_at)
        if first in index:
            new[index[first]] += 1
        weeks = max(1, (last - first).days // 7 + 1)
        for back, share in enumerate(_spread(max(1, count or 1), weeks)):
            number = index.get(first + dt.timedelta(weeks=back))
            if number is not None:
                asked[number] += share
    return [QuestionWeek(f"{monday.month:02d}-{monday.day:02d}", new[n], asked[n]) for n, monday in enumerate(mondays)]


def county_figures(session: Session, scope: Scope, today: dt.date | None = None) -> Figures:
    """Every figure of the dashboard for ``scope``, as of ``today`` (default: the server's date)."""
    today = today or dt.date.today()
    return Figures(today, registrations_by_month(session, scope, today), visits_due(session, scope, today),
                   reports_by_situation(session, scope, today), handoff_times(session, scope, today),
                   unanswered_by_week(session, scope, today))
