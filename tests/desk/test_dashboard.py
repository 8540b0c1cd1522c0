"""The county figures page: each chart and its table count the seeded rows right, only within the user's scope,
and the page fetches nothing from outside the app (no CDN, no script, pygal's web links stripped)."""
from __future__ import annotations

import datetime as dt
import itertools
import re
import uuid

import lxml.html
import pytest

from tests.desk.conftest import COUNTY, OTHER_TOWNSHIP, OTHER_VILLAGE, TOWNSHIP, VILLAGE

FAR_COUNTY, FAR_TOWNSHIP, FAR_VILLAGE = "合川区", "钱塘镇", "某某村"  # not in the example directory
CHART_IDS = ("chart-registrations", "chart-visits", "chart-reports", "chart-handoff-times", "chart-unanswered")
_numbers = itertools.count(1)


# --- seeding: plain rows, straight into the records -------------------------------------------------------

def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """Local ``day`` at ``hour`` as the UTC timestamp the records store."""
    return dt.datetime.combine(day, dt.time(hour, minute)).astimezone().astimezone(dt.timezone.utc)


def months_ago(count: int, today: dt.date | None = None) -> dt.date:
    """The 10th of the month ``count`` months before this one (well inside it, whatever the time zone)."""
    from desk.figures import month_starts

    return month_starts(today or dt.date.today(), 24)[23 - count] + dt.timedelta(days=9)


def add(*rows) -> None:
    from records.db import session_scope

    with session_scope() as session:
        session.add_all(rows)


def registration(created: dt.datetime, township: str | None = TOWNSHIP, county: str | None = COUNTY,
                 village: str = VILLAGE):
    from records.models import Registration

    n = next(_numbers)
    return Registration(ref=f"BB{n:06d}", submission_key=f"reg-{n}", sender_id=f"tg:{n}", created_at=created,
                        child_name="张小明", child_age=8, village=village, township=township, county=county,
                        carer_name="张奶奶", carer_relation="祖母", carer_phone="13800000000", work_city="广州",
                        parent_phone="13900000000", expected_return="春节", consent_to_share=True)


def child(due: dt.date | None, township: str = TOWNSHIP, county: str = COUNTY, village: str = VILLAGE):
    from records.models import Child

    n = next(_numbers)
    return Child(ref=f"ET{n:06d}", name="李小红", county=county, township=township, village=village,
                 risk_level="一般", next_visit_due=due)


def report(situation: int, urgent: bool, township: str = TOWNSHIP, county: str = COUNTY,
           created: dt.datetime | None = None):
    from records.models import ConcernReport

    n = next(_numbers)
    return ConcernReport(ref=f"QB{n:06d}", submission_key=f"rep-{n}", sender_id=f"tg:{n}", description="……",
                         situation=situation, child="某某", place="村口", occurred="昨天", police_called=False,
                         reporter_role="儿童主任", township=township, county=county, urgent=urgent,
                         created_at=created or at(months_ago(0)))


def ticket(created: dt.datetime, claim_after: float | None = None, close_after: float | None = None,
           county: str | None = COUNTY, township: str | None = TOWNSHIP):
    from records.models import HandoffTicket

    n = next(_numbers)
    claimed = created + dt.timedelta(minutes=claim_after) if claim_after is not None else None
    closed = created + dt.timedelta(minutes=close_after) if close_after is not None else None
    status = "closed" if closed else "claimed" if claimed else "open"
    return HandoffTicket(ref=f"GD{n:06d}", sender_id=f"tg:{n}", reason="user_request", urgent=False, status=status,
                         summary="", created_at=created, claimed_at=claimed, claimed_by="tg:9" if claimed else None,
                         closed_at=closed, county=county, township=township)


def question(first: dt.datetime, last: dt.datetime, count: int):
    from records.models import UnansweredQuestion

    n = next(_numbers)
    return UnansweredQuestion(question_hash=f"{n:064d}", question=f"问题{n}", best_score=0.2, count=count,
                              first_at=first, last_at=last)


# --- reading the page ---------------------------------------------------------------------------------------

def table(html: str, testid: str) -> dict[str, dict[str, str]]:
    """A figures table as {row heading: {column heading: cell}}."""
    tree = lxml.html.fromstring(html)
    found = tree.xpath(f'//table[@data-testid="{testid}"]')
    assert found, f"no table {testid}"
    heads = [th.text_content().strip() for th in found[0].xpath("./thead/tr/th")]
    rows = {}
    for tr in found[0].xpath("./tbody/tr | ./tfoot/tr"):
        cells = [cell.text_content().strip() for cell in tr.xpath("./th | ./td")]
        rows[cells[0].split("：")[0]] = dict(zip(heads[1:], cells[1:]))
    return rows


@pytest.fixture
def seeded() -> dt.date:
    """Rows in the staff's county (two townships), in another county, and too old to count."""
    return seed_all()


def seed_all() -> dt.date:
    """The rows of ``seeded``; returns today."""
    this, last = months_ago(0), months_ago(1)
    add(*(registration(at(this)) for _ in range(3)),
        *(registration(at(last), township=OTHER_TOWNSHIP, village=OTHER_VILLAGE) for _ in range(2)),
        registration(at(this), township=FAR_TOWNSHIP, county=FAR_COUNTY, village=FAR_VILLAGE),
        registration(at(months_ago(13))))
    today = dt.date.today()
    add(child(today - dt.timedelta(days=3)), child(today - dt.timedelta(days=40)), child(today), child(None),
        child(today + dt.timedelta(days=200)),
        child(today - dt.timedelta(days=1), township=OTHER_TOWNSHIP, village=OTHER_VILLAGE),
        child(today - dt.timedelta(days=1), township=FAR_TOWNSHIP, county=FAR_COUNTY, village=FAR_VILLAGE))
    add(report(4, True), report(4, True), report(4, False), report(7, True, township=OTHER_TOWNSHIP),
        report(2, True, township=FAR_TOWNSHIP, county=FAR_COUNTY), report(6, False, created=at(months_ago(13))))
    opened = at(months_ago(0), 9)
    add(*(ticket(opened, claim_after=minutes, close_after=minutes * 10) for minutes in range(1, 11)),
        ticket(opened), ticket(opened, claim_after=1000, county=FAR_COUNTY, township=FAR_TOWNSHIP))
    monday = today - dt.timedelta(days=today.weekday())
    add(question(at(monday), at(monday), 3),
        question(at(monday - dt.timedelta(weeks=2)), at(monday), 6),
        question(at(monday - dt.timedelta(weeks=30)), at(monday - dt.timedelta(weeks=29)), 4))
    return today


# --- the page -----------------------------------------------------------------------------------------------

def test_staff_see_every_chart_with_their_countys_numbers(desk_client, seeded):
    from desk.figures import month_label, month_starts

    page = desk_client("staff", county=COUNTY).get("/dashboard")
    assert page.status_code == 200
    html = page.text
    for testid in CHART_IDS:
        block = lxml.html.fromstring(html).xpath(f'//*[@data-testid="{testid}"]')
        assert block, testid
        assert block[0].xpath(".//svg"), f"{testid} has no chart"
        assert block[0].xpath(".//table"), f"{testid} has no table"

    this, last = month_label(month_starts(seeded)[-1]), month_label(month_starts(seeded)[-2])
    registrations = table(html, "table-registrations")
    assert len(registrations) == 13  # twelve months and the total
    assert registrations[this][TOWNSHIP] == "3" and registrations[this][OTHER_TOWNSHIP] == "0"
    assert registrations[last][OTHER_TOWNSHIP] == "2"
    assert registrations["合计"]["合计"] == "5"  # not the other county's, not the one 13 months ago
    assert FAR_TOWNSHIP not in registrations["合计"]
    assert "静观镇" in registrations["合计"]  # every township of the county, even with nothing filed

    visits = table(html, "table-visits")
    assert visits[TOWNSHIP]["已逾期"] == "2" and visits[TOWNSHIP]["本周到期"] == "1"
    assert visits[TOWNSHIP]["以后"] == "1" and visits[TOWNSHIP]["未排期"] == "1"
    assert visits[OTHER_TOWNSHIP]["已逾期"] == "1"
    assert visits["合计"]["合计"] == "6"

    reports = table(html, "table-reports")
    assert len(reports) == 10  # the nine situations and the total
    assert reports["第4类"] == {"紧急": "2", "一般": "1", "合计": "3"}
    assert reports["第7类"]["紧急"] == "1" and reports["第2类"]["合计"] == "0"
    assert reports["合计"] == {"紧急": "3", "一般": "1", "合计": "4"}
    assert "多处损伤、严重营养不良" in html and "被组织乞讨" in html  # the legal names, from the report form

    handoffs = table(html, "table-handoff-times")
    assert handoffs[this] == {"新工单": "11", "已认领": "10", "认领用时中位数": "5.5分钟", "认领用时P90": "9.0分钟",
                              "已关闭": "10", "关闭用时中位数": "55分钟", "关闭用时P90": "1.5小时"}
    assert handoffs[last]["新工单"] == "0" and handoffs[last]["认领用时中位数"] == "—"

    weeks = table(html, "table-unanswered")
    rows = list(weeks.values())
    assert rows[-1] == {"新出现的问题": "1", "被问次数": "5"}  # 3 asks of the new one, 2 of the other's 6
    assert rows[-3] == {"新出现的问题": "1", "被问次数": "2"}
    assert sum(int(row["被问次数"]) for row in rows) == 9  # the question of 29 weeks ago is out of range


def test_a_supervisor_counts_only_their_township(desk_client, seeded):
    html = desk_client("supervisor", county=COUNTY, township=TOWNSHIP).get("/dashboard").text
    registrations = table(html, "table-registrations")
    assert list(registrations["合计"]) == [TOWNSHIP, "合计"]
    assert registrations["合计"]["合计"] == "3"
    assert list(table(html, "table-visits")) == [TOWNSHIP, "合计"]
    assert table(html, "table-reports")["合计"]["合计"] == "3"  # not the other township's situation-7 report
    assert table(html, "table-handoff-times")[next(iter(table(html, "table-handoff-times")))]["新工单"] == "0"
    unanswered = lxml.html.fromstring(html).xpath('//*[@data-testid="chart-unanswered"]')[0]
    assert not unanswered.xpath(".//svg") and "只有民政工作人员和管理员能看" in unanswered.text_content()


def test_another_townships_supervisor_does_not_see_these_registrations(desk_client, seeded):
    html = desk_client("supervisor", county=COUNTY, township=OTHER_TOWNSHIP).get("/dashboard").text
    registrations = table(html, "table-registrations")
    assert TOWNSHIP not in registrations["合计"] and registrations["合计"]["合计"] == "2"


def test_an_admin_counts_everywhere(desk_client, seeded):
    html = desk_client("admin").get("/dashboard").text
    registrations = table(html, "table-registrations")
    assert registrations["合计"][FAR_TOWNSHIP] == "1" and registrations["合计"]["合计"] == "6"
    assert table(html, "table-reports")["合计"]["合计"] == "5"


def test_directors_get_404(desk_client, seeded):
    client = desk_client("director", county=COUNTY, township=TOWNSHIP, village=VILLAGE)
    assert client.get("/dashboard").status_code == 404


def test_the_page_fetches_nothing_from_outside(desk_client, seeded):
    from desk.charts import NAMESPACES

    html = desk_client("staff", county=COUNTY).get("/dashboard").text
    text = html
    for namespace in NAMESPACES:
        text = text.replace(namespace, "")
    assert "http" not in text  # no CDN script, no pygal comment or tooltip script
    assert "<script" not in html.split("</head>", 1)[1]  # no script in the body, inline or linked
    assert re.findall(r'<script[^>]*src="([^"]+)"', html) == ["/static/htmx.min.js"]
    assert html.count("<svg") == 5
    assert 'font-family:"Noto Sans CJK SC"' in html  # Chinese labels get a CJK font


def test_an_empty_county_says_there_is_nothing_yet(desk_client):
    html = desk_client("staff", county=COUNTY).get("/dashboard").text
    assert html.count("暂无数据") >= 4
    assert table(html, "table-registrations")["合计"]["合计"] == "0"


@pytest.fixture(params=["sqlite", "postgresql"])
def either_database(request: pytest.FixtureRequest, desk_database: str, monkeypatch: pytest.MonkeyPatch):
    """The test's SQLite database, or a PostgreSQL one of its own on the test server (dropped afterwards)."""
    from records import db

    if request.param == "sqlite":
        yield desk_database
        return
    from tests.services.postgres import session_server

    server = session_server()
    name = f"desk_{uuid.uuid4().hex[:20]}"
    url = server.create_database(name)
    monkeypatch.setenv("DATABASE_URL", url)
    db.get_engine.cache_clear()
    db._session_factory.cache_clear()
    try:
        yield url
    finally:
        db.get_engine(url).dispose()
        db.get_engine.cache_clear()
        db._session_factory.cache_clear()
        server.drop_database(name)


def test_the_figures_are_counted_alike_on_sqlite_and_postgresql(either_database):
    from desk.accounts import DeskUser
    from desk.figures import county_figures
    from desk.scopes import Scope
    from records.db import session_scope

    today = seed_all()
    staff = Scope(DeskUser(1, "s", "s", "web:s", "staff", COUNTY, None, None))
    with session_scope() as session:
        figures = county_figures(session, staff, today)
    assert figures.registrations.values[TOWNSHIP][-1] == 3 and figures.registrations.values[OTHER_TOWNSHIP][-2] == 2
    assert figures.registrations.total == 5
    assert figures.visits.values["已逾期"][0] == 2 and figures.visits.total == 6
    assert figures.reports.total == 4 and figures.reports.values["紧急"][3] == 2
    month = figures.handoffs[-1]
    assert (month.opened, month.claimed, month.claim_median, month.claim_p90) == (11, 10, 5.5, 9.0)
    assert (month.closed, month.close_median, month.close_p90) == (10, 55.0, 90.0)
    assert [(w.new, w.asked) for w in figures.questions[-3:]] == [(1, 2), (0, 2), (1, 5)]


# --- the parts ---------------------------------------------------------------------------------------------

def test_visit_buckets_at_the_edges():
    from desk.figures import visit_bucket

    wednesday = dt.date(2026, 4, 29)  # the week ends on Sunday 3 May, the month on Thursday 30 April
    assert visit_bucket(wednesday - dt.timedelta(days=1), wednesday) == "已逾期"
    assert visit_bucket(wednesday, wednesday) == "本周到期"
    assert visit_bucket(dt.date(2026, 5, 3), wednesday) == "本周到期"
    assert visit_bucket(dt.date(2026, 5, 4), wednesday) == "以后"
    monday = dt.date(2026, 4, 6)
    assert visit_bucket(dt.date(2026, 4, 13), monday) == "本月到期"
    assert visit_bucket(dt.date(2026, 4, 30), monday) == "本月到期"
    assert visit_bucket(dt.date(2026, 5, 1), monday) == "以后"
    assert visit_bucket(None, monday) == "未排期"


def test_months_and_weeks_roll_over_the_year():
    from desk.figures import month_starts, percentile, week_starts

    months = month_starts(dt.date(2026, 2, 14))
    assert months[0] == dt.date(2025, 3, 1) and months[-1] == dt.date(2026, 2, 1) and len(months) == 12
    weeks = week_starts(dt.date(2026, 1, 1))  # a Thursday
    assert weeks[-1] == dt.date(2025, 12, 29) and weeks[0] == dt.date(2025, 10, 13)
    assert percentile(list(range(1, 11)), 0.9) == 9 and percentile([7.0], 0.9) == 7.0


def test_the_nine_situations_are_the_report_forms():
    from actions.forms.report import SITUATIONS
    from records.situations import SITUATION_NAMES

    assert SITUATION_NAMES == {number: label for number, (label, _words) in SITUATIONS.items()}
    assert len(SITUATION_NAMES) == 9


def test_a_chart_alone_has_no_external_reference():
    from desk.charts import external_references, grouped_bars, lines, stacked_bars

    for svg in (stacked_bars("每月报备", ["2026-01", "2026-02"], [("歇马街道", [1, 2]), ("澄江镇", [0, 3])]),
                grouped_bars("问题", ["01-05"], [("新", [1])]),
                lines("用时", ["2026-01", "2026-02"], [("中位数", [None, 5.0])], durations=True)):
        assert svg.startswith("<svg") and "<?xml" not in svg
        assert external_references(svg) == []
        assert "<script" not in svg and "<!--" not in svg


def test_duration_ticks_frame_the_values_in_words():
    from desk.charts import duration_ticks

    assert [t["label"] for t in duration_ticks([6.0, None, 300.0])] == ["5分钟", "15分钟", "1小时", "4小时", "1天"]
    assert duration_ticks([None]) == []
