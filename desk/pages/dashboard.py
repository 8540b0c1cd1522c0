"""County figures (统计): five charts drawn on the server, each with its numbers in a table under it.

Open to supervisors (their township), staff (their county) and admins (everywhere); a director gets 404.
The counting (desk/figures.py) and drawing (desk/charts.py) run in a worker thread so that a large county
does not hold up other requests.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desk import charts
from desk.accounts import DeskUser
from desk.figures import VISIT_BUCKETS, Figures, county_figures
from desk.scopes import Scope
from desk.web import page, render
from records.db import session_scope

LOG_FLOOR = 0.1  # minutes: the lowest a log-scale axis can draw (a ticket claimed at once)


@dataclass(frozen=True)
class Charts:
    """The SVG of each chart, ready to inline."""

    registrations: Markup
    visits: Markup
    reports: Markup
    handoffs: Markup
    questions: Markup | None


def duration(minutes: float | None) -> str:
    """Minutes in words a reader takes in at a glance: 分钟 under an hour, 小时 under two days, then 天."""
    if minutes is None:
        return "—"
    if minutes < 60:
        return f"{minutes:.0f}分钟" if minutes >= 10 else f"{minutes:.1f}分钟"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f}小时"
    return f"{minutes / 1440:.1f}天"


def _rotation(labels: list[str]) -> int:
    return 30 if len(labels) > 6 else 0


def draw(figures: Figures) -> Charts:
    """Every chart of ``figures``."""
    reg, visits, reports = figures.registrations, figures.visits, figures.reports
    registrations = charts.stacked_bars("近12个月每月报备数（按乡镇）", reg.rows,
                                        [(name, reg.values[name]) for name in reg.columns], rotate=30)
    visit_colors = {VISIT_BUCKETS[0]: charts.URGENT_RED, VISIT_BUCKETS[1]: "#d97706",
                    VISIT_BUCKETS[2]: "#0f766e", VISIT_BUCKETS[3]: "#2563eb", VISIT_BUCKETS[4]: charts.GREY}
    visit_chart = charts.stacked_bars("儿童下次探访时间（按乡镇）", visits.rows,
                                      [(name, visits.values[name]) for name in visits.columns],
                                      colors=[visit_colors[name] for name in visits.columns],
                                      rotate=_rotation(visits.rows))
    report_chart = charts.stacked_bars("近12个月强制报告（按情形和紧急程度）", reports.rows,
                                       [(name, reports.values[name]) for name in reports.columns],
                                       colors=[charts.URGENT_RED, charts.GREY])
    months = [month.month for month in figures.handoffs]

    def floor(value: float | None) -> float | None:
        return None if value is None else max(LOG_FLOOR, value)

    handoff_chart = charts.lines(
        "转人工工单：认领和关闭用时（对数刻度）", months,
        [("认领用时中位数", [floor(m.claim_median) for m in figures.handoffs]),
         ("认领用时P90", [floor(m.claim_p90) for m in figures.handoffs]),
         ("关闭用时中位数", [floor(m.close_median) for m in figures.handoffs]),
         ("关闭用时P90", [floor(m.close_p90) for m in figures.handoffs])],
        colors=["#0f766e", "#5eead4", "#1d4ed8", "#93c5fd"], rotate=30, durations=True)
    questions = None
    if figures.questions is not None:
        weeks = [week.week for week in figures.questions]
        questions = charts.grouped_bars("机器人没把握的问题（每周）", weeks,
                                        [("新出现的问题", [w.new for w in figures.questions]),
                                         ("被问次数", [w.asked for w in figures.questions])],
                                        colors=["#d97706", "#7c3aed"], rotate=30)
    return Charts(registrations, visit_chart, report_chart, handoff_chart, questions)


_drawn: OrderedDict[str, Charts] = OrderedDict()
_drawn_lock = threading.Lock()
DRAWN_KEPT = 64


def drawn(figures: Figures) -> Charts:
    """The charts of ``figures``, drawn once per distinct set of numbers (pygal takes ~20 ms a chart; a
    dashboard is mostly reloaded with nothing changed). Keyed on every number shown, so never stale."""
    key = repr(figures)
    with _drawn_lock:
        if key in _drawn:
            _drawn.move_to_end(key)
            return _drawn[key]
    result = draw(figures)
    with _drawn_lock:
        _drawn[key] = result
        while len(_drawn) > DRAWN_KEPT:
            _drawn.popitem(last=False)
    return result


def _compute(scope: Scope) -> tuple[Figures, Charts]:
    with session_scope() as session:
        figures = county_figures(session, scope)
    return figures, drawn(figures)


@page("supervisor", "staff", "admin")
async def dashboard(request: Request, user: DeskUser) -> Response:
    """The figures of the user's township, county, or everywhere."""
    figures, drawn = await run_in_threadpool(_compute, Scope(user))
    return render(request, "dashboard/index.html", figures=figures, charts=drawn, duration=duration)


routes = [Route("/dashboard", dashboard)]
