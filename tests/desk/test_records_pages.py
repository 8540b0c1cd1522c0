"""The records pages: lists, one record, photos, exports and the audit log — each kept to the user's scope.

The same world is seeded for every test: records in the user's village, in another village of the same
township, in another township of the county, and in another county. Each role must see exactly its part,
on every page and in every export; a record outside it answers 404.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from tests.desk import seed
from tests.desk.conftest import COUNTY, OTHER_TOWNSHIP, OTHER_VILLAGE, TOWNSHIP, VILLAGE, make_account, sign_in

SIBLING_VILLAGE = "虎头村"  # same township as VILLAGE
FAR_COUNTY, FAR_TOWNSHIP, FAR_VILLAGE = "合川区", "钱塘镇", "大石村"  # not in the example directory
PLACES = {"director": dict(county=COUNTY, township=TOWNSHIP, village=VILLAGE),
          "supervisor": dict(county=COUNTY, township=TOWNSHIP),
          "staff": dict(county=COUNTY), "admin": {}}
ROLES = tuple(PLACES)
# Which of the seeded places each role may see.
SEES = {"director": {"own"}, "supervisor": {"own", "sibling"}, "staff": {"own", "sibling", "township"},
        "admin": {"own", "sibling", "township", "county"}}
WHERE = {"own": (COUNTY, TOWNSHIP, VILLAGE), "sibling": (COUNTY, TOWNSHIP, SIBLING_VILLAGE),
         "township": (COUNTY, OTHER_TOWNSHIP, OTHER_VILLAGE), "county": (FAR_COUNTY, FAR_TOWNSHIP, FAR_VILLAGE)}


@dataclass
class World:
    """What was seeded, by place key (own, sibling, township, county)."""

    children: dict[str, str] = field(default_factory=dict)
    overdue: dict[str, str] = field(default_factory=dict)
    registrations: dict[str, str] = field(default_factory=dict)
    visits: dict[str, str] = field(default_factory=dict)
    reports: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "kept.jpg").write_bytes(b"\xff\xd8\xff\xe0 a jpeg")
    return folder


@pytest.fixture
def app(media: Path):
    from desk.app import create_app
    from desk.config import DeskSettings

    return create_app(DeskSettings(media_dir=media))


@pytest.fixture
def world() -> World:
    w = World()
    today = dt.date.today()
    for key, (county, township, village) in WHERE.items():
        w.children[key] = seed.child(f"孩子{key}", county=county, township=township, village=village,
                                     id_number="500109201503050011", next_due=today + dt.timedelta(days=10))
        w.overdue[key] = seed.child(f"逾期{key}", county=county, township=township, village=village, risk="高",
                                    next_due=today - dt.timedelta(days=3))
        w.registrations[key] = seed.registration(w.children[key])
        w.visits[key] = seed.visit_log(w.children[key], photos=["file:kept.jpg", "AgACAgUAAxk-telegram"],
                                       locations=[(29.8, 106.4)], update_child=False)
        w.reports[key] = seed.report(county=county, township=township, place=village, sender_id=f"tg:rep-{key}")
    return w


def client_as(app, role: str, username: str | None = None) -> TestClient:
    """A client signed in as a new account in ``role`` at its place in ``PLACES``."""
    name, secret = make_account(role, username=username, **PLACES[role])
    return sign_in(TestClient(app), name, secret)


def refs_in(html: str, testid: str) -> list[str]:
    """The data-ref of each row of the table ``testid``."""
    match = re.search(rf'data-testid="{testid}".*?</table>', html, re.S)
    return re.findall(r'<tr data-ref="([^"]+)"', match.group(0)) if match else []


def visible(world_part: dict[str, str], role: str) -> set[str]:
    return {ref for key, ref in world_part.items() if key in SEES[role]}


def audit_rows(**where) -> list:
    from sqlalchemy import select

    from records.db import session_scope
    from records.models import AuditEntry

    with session_scope() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEntry, name) == value)
        return list(session.scalars(query))


# ---- lists ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_list_shows_exactly_the_scope(app, world: World, role: str):
    client = client_as(app, role)
    children = client.get("/records/children")
    assert children.status_code == 200
    assert set(refs_in(children.text, "children-table")) == visible(world.children, role) | visible(world.overdue, role)
    assert set(refs_in(client.get("/records/overdue").text, "overdue-table")) == visible(world.overdue, role)
    assert set(refs_in(client.get("/records/registrations").text, "registrations-table")) == \
        visible(world.registrations, role)
    assert set(refs_in(client.get("/records/visits").text, "visits-table")) == visible(world.visits, role)
    reports = set(refs_in(client.get("/records/reports").text, "reports-table"))
    # A director sees only the reports they filed themselves (reports name a township, not a village).
    assert reports == (set() if role == "director" else visible(world.reports, role))
    overview = client.get("/records")
    assert overview.status_code == 200 and 'data-testid="records-overview"' in overview.text


def test_a_director_sees_the_reports_they_filed(app, world: World):
    client = client_as(app, "director", username="dmt-director")
    own = seed.report(sender_id="web:dmt-director")
    assert refs_in(client.get("/records/reports").text, "reports-table") == [own]
    assert client.get(f"/records/reports/{own}").status_code == 200
    assert client.get(f"/records/reports/{world.reports['own']}").status_code == 404


def test_lists_mask_names_and_phones(app, world: World):
    client = client_as(app, "staff")
    registrations = client.get("/records/registrations").text
    assert "13812345678" not in registrations and "138****5678" in registrations
    assert "李桂兰" not in registrations and "李**" in registrations
    children = client.get("/records/children").text
    assert "孩子own" not in children and "孩****" in children


def test_children_filter_by_village_and_risk(app, world: World):
    client = client_as(app, "supervisor")
    by_village = client.get("/records/children", params={"village": f"{TOWNSHIP}/{SIBLING_VILLAGE}"}).text
    assert set(refs_in(by_village, "children-table")) == {world.children["sibling"], world.overdue["sibling"]}
    high = client.get("/records/children", params={"risk": "高"}).text
    assert set(refs_in(high, "children-table")) == {world.overdue["own"], world.overdue["sibling"]}
    # A village outside the scope filters to nothing rather than widening it.
    outside = client.get("/records/children", params={"village": f"{OTHER_TOWNSHIP}/{OTHER_VILLAGE}"}).text
    assert refs_in(outside, "children-table") == []
    assert f"{TOWNSHIP}{SIBLING_VILLAGE}" in by_village and OTHER_TOWNSHIP not in by_village


def test_overdue_list_is_exactly_the_children_due_before_today(app):
    today = dt.date.today()
    late = seed.child("甲", next_due=today - dt.timedelta(days=9))
    later = seed.child("乙", next_due=today - dt.timedelta(days=1))
    seed.child("丙", next_due=today)  # due today: not overdue yet
    seed.child("丁", next_due=today + dt.timedelta(days=1))
    page = client_as(app, "director").get("/records/overdue").text
    assert refs_in(page, "overdue-table") == [late, later]  # longest overdue first
    assert "9 天" in page and "1 天" in page


def test_lists_page_fifty_rows_at_a_time(app):
    seed.many_children(120)
    client = client_as(app, "director")
    first = client.get("/records/children").text
    assert len(refs_in(first, "children-table")) == 50 and "共 120 条" in first and 'data-testid="page-next"' in first
    last = client.get("/records/children", params={"page": 3}).text
    assert len(refs_in(last, "children-table")) == 20 and 'data-testid="page-next"' not in last
    overdue = client.get("/records/overdue").text
    assert "共 24 条" in overdue


def test_reports_show_situation_who_was_told_and_follow_up(app):
    supervisor = seed.person("supervisor", "tg:sup", township=TOWNSHIP)
    staff = seed.person("staff", "tg:staff", county=COUNTY)
    ref = seed.report(situation=7, urgent=True, police_called=True, notify=[supervisor, staff],
                      ticket_status="claimed")
    client = client_as(app, "staff")
    page = client.get("/records/reports").text
    assert refs_in(page, "reports-table") == [ref]
    assert "第7类：来源不明、失踪、被拐卖、被收买" in page
    assert "紧急" in page and f"儿童督导员（{TOWNSHIP}）" in page and f"民政工作人员（{COUNTY}）" in page
    assert "处理中" in page
    detail = client.get(f"/records/reports/{ref}").text
    assert 'data-testid="report-follow-up"' in detail and "处理中" in detail and "待送达" in detail


# ---- one record ----------------------------------------------------------------------------------------


DETAIL = {"children": "children", "visits": "visits", "reports": "reports", "registrations": "registrations"}


@pytest.mark.parametrize("role", ROLES)
def test_a_record_outside_the_scope_is_not_found(app, world: World, role: str):
    client = client_as(app, role)
    for kind in DETAIL:
        for key, ref in getattr(world, kind).items():
            in_scope = key in SEES[role] and not (kind == "reports" and role == "director")
            status = client.get(f"/records/{kind}/{ref}").status_code
            assert status == (200 if in_scope else 404), (kind, key, status)
    assert client.get("/records/children/ET20990101-NONE").status_code == 404


def test_every_read_of_a_child_record_is_audited(app, world: World):
    client = client_as(app, "supervisor", username="sup-reader")
    ref = world.children["sibling"]
    for _ in range(2):
        page = client.get(f"/records/children/{ref}")
        assert 'data-testid="child-record"' in page.text and "孩子sibling" in page.text  # in full to the scope
        assert "500109201503050011" in page.text
    reads = audit_rows(child_ref=ref, action="read", record_type="child")
    assert len(reads) == 2 and all(e.actor == "web:sup-reader" and e.actor_role == "supervisor" for e in reads)
    before = len(audit_rows())
    assert client.get(f"/records/children/{world.children['township']}").status_code == 404
    assert len(audit_rows()) == before  # nothing read, nothing audited


def test_visit_report_and_registration_reads_are_audited(app, world: World):
    client = client_as(app, "staff")
    for kind, record_type in (("visits", "visit"), ("reports", "report"), ("registrations", "registration")):
        ref = getattr(world, kind)["own"]
        assert client.get(f"/records/{kind}/{ref}").status_code == 200
        entries = audit_rows(record_ref=ref, action="read", record_type=record_type)
        assert len(entries) == 1
        if kind != "reports":
            assert entries[0].child_ref == world.children["own"]


def test_the_child_page_shows_visits_photos_locations_and_registrations(app, world: World):
    page = client_as(app, "director").get(f"/records/children/{world.children['own']}").text
    assert world.visits["own"] in page and world.registrations["own"] in page
    assert "13812345678" in page  # in full on the record itself
    assert 'src="/records/attachments/' in page  # the kept photo
    assert "AgACAgUAAxk-telegram" in page  # a photo only Telegram has: its file id
    assert "纬度 29.800000，经度 106.400000" in page and "openstreetmap.org" in page
    assert "<iframe" not in page


def test_photos_are_served_only_within_the_scope(app, world: World):
    from sqlalchemy import select

    from records.db import session_scope
    from records.models import VisitAttachment

    with session_scope() as session:
        ids = {row.visit_ref: row.id for row in session.execute(
            select(VisitAttachment.visit_ref, VisitAttachment.id).where(VisitAttachment.file_id == "file:kept.jpg"))}
        telegram = session.scalar(select(VisitAttachment.id).where(VisitAttachment.file_id.like("AgAC%")))
    director = client_as(app, "director")
    photo = director.get(f"/records/attachments/{ids[world.visits['own']]}")
    assert photo.status_code == 200 and photo.content.startswith(b"\xff\xd8") and photo.headers["content-type"] == "image/jpeg"
    assert audit_rows(record_ref=world.visits["own"], action="read")[-1].purpose == "工作台查看走访照片"
    assert director.get(f"/records/attachments/{ids[world.visits['sibling']]}").status_code == 404
    assert director.get(f"/records/attachments/{telegram}").status_code == 404  # no file here


def test_a_director_opening_a_new_registration_marks_it_seen(app, world: World):
    client = client_as(app, "director")
    ref = world.registrations["own"]
    assert refs_in(client.get("/records/registrations").text, "registrations-table") == [ref]
    client.get(f"/records/registrations/{ref}")
    assert refs_in(client.get("/records/registrations").text, "registrations-table") == []
    assert refs_in(client.get("/records/registrations?status=seen").text, "registrations-table") == [ref]


def test_html_in_a_name_is_escaped(app):
    ref = seed.child("<script>alert(1)</script>")
    client = client_as(app, "director")
    page = client.get(f"/records/children/{ref}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in client.get("/records/children").text.replace('<script src="/static/htmx.min.js"', "")


# ---- exports ---------------------------------------------------------------------------------------------


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [["" if c is None else c for c in row] for row in sheet.iter_rows(values_only=True)]


EXPORTED = {"registrations": "registrations", "children": "children", "overdue": "overdue", "visits": "visits",
            "reports": "reports"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_hold_only_the_scope(app, world: World, role: str, fmt: str):
    client = client_as(app, role)
    expected = {"registrations": visible(world.registrations, role),
                "children": visible(world.children, role) | visible(world.overdue, role),
                "overdue": visible(world.overdue, role), "visits": visible(world.visits, role),
                "reports": set() if role == "director" else visible(world.reports, role)}
    for kind, refs in expected.items():
        response = client.get(f"/records/export/{kind}.{fmt}")
        assert response.status_code == 200, (kind, response.status_code)
        assert "attachment" in response.headers["content-disposition"]
        rows = read_csv(response.content) if fmt == "csv" else read_xlsx(response.content)
        assert rows[0][0].endswith("编号")  # Chinese headers
        assert {row[0] for row in rows[1:]} == refs, kind
        purpose = audit_rows(action="export", child_ref=None)[-1].purpose
        assert f"（{len(refs)}行，{fmt.upper()}）" in purpose


def test_exports_mask_phones_and_ids_below_county_staff(app, world: World):
    def export(client: TestClient, kind: str) -> str:
        return client.get(f"/records/export/{kind}.csv").content.decode("utf-8-sig")

    director, staff = client_as(app, "director"), client_as(app, "staff")
    assert "13812345678" not in export(director, "registrations") and "138****5678" in export(director, "registrations")
    assert "500109201503050011" not in export(director, "children")
    assert "13812345678" in export(staff, "registrations") and "500109201503050011" in export(staff, "children")


def test_an_export_is_audited_for_each_child_it_names(app, world: World):
    client = client_as(app, "director")
    client.get("/records/export/children.xlsx")
    for ref in (world.children["own"], world.overdue["own"]):
        assert [e.action for e in audit_rows(child_ref=ref)] == ["export"]
    assert audit_rows(child_ref=world.children["sibling"]) == []


def test_exports_escape_spreadsheet_formulas(app):
    kid = seed.child("=cmd|' /C calc'!A0")
    seed.registration(kid, carer_name="@SUM(A1)", work_city="+1+2", expected_return="-3")
    client = client_as(app, "staff")
    rows = read_csv(client.get("/records/export/registrations.csv").content)
    row = rows[1]
    assert "'=cmd|' /C calc'!A0" in row and "'@SUM(A1)" in row and "'+1+2" in row and "'-3" in row
    book = load_workbook(io.BytesIO(client.get("/records/export/children.xlsx").content))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert any(c.value == "'=cmd|' /C calc'!A0" for c in cells)
    assert all(c.data_type != "f" for c in cells)


def test_exports_follow_the_list_filters(app, world: World):
    client = client_as(app, "supervisor")
    rows = read_csv(client.get("/records/export/children.csv", params={"village": f"{TOWNSHIP}/{SIBLING_VILLAGE}",
                                                                       "risk": "高"}).content)
    assert [row[0] for row in rows[1:]] == [world.overdue["sibling"]]
    seen = seed.registration(world.children["own"], status="seen")
    new_only = {row[0] for row in read_csv(client.get("/records/export/registrations.csv").content)[1:]}
    everything = {row[0] for row in read_csv(
        client.get("/records/export/registrations.csv", params={"status": "all"}).content)[1:]}
    assert seen not in new_only and seen in everything and new_only < everything


def test_an_unknown_export_is_not_found(app):
    client = client_as(app, "admin")
    assert client.get("/records/export/people.csv").status_code == 404
    assert client.get("/records/export/children.pdf").status_code == 404


# ---- the audit log -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["director", "supervisor"])
def test_the_audit_log_is_for_staff_and_admins_only(app, role: str):
    assert client_as(app, role).get("/audit").status_code == 404


def test_the_audit_log_shows_staff_only_their_county_and_filters(app, world: World):
    from records.audit import record_access
    from records.db import session_scope

    with session_scope() as session:
        for key, ref in world.children.items():
            record_access(session, actor=f"tg:reader-{key}", actor_role="director", action="read",
                          record_type="child", child_ref=ref, purpose="查看走访名单")
        record_access(session, actor="tg:writer", actor_role="director", action="update", record_type="child",
                      child_ref=world.children["own"], purpose="探访后更新")
    staff, admin = client_as(app, "staff"), client_as(app, "admin")
    page = staff.get("/audit").text
    assert 'data-testid="audit-table"' in page
    assert "tg:reader-own" in page and "tg:reader-township" in page and "tg:reader-county" not in page
    assert "tg:reader-county" in admin.get("/audit").text

    by_child = staff.get("/audit", params={"child": world.children["own"]}).text
    assert "tg:reader-own" in by_child and "tg:writer" in by_child and "tg:reader-sibling" not in by_child
    by_actor = staff.get("/audit", params={"actor": "reader-sibling"}).text
    assert "tg:reader-sibling" in by_actor and "tg:reader-own" not in by_actor
    by_action = staff.get("/audit", params={"action": "update"}).text
    assert "tg:writer" in by_action and "tg:reader-own" not in by_action and "修改" in by_action
    today = dt.date.today()
    assert "tg:writer" in staff.get("/audit", params={"from": (today - dt.timedelta(days=1)).isoformat(),
                                                       "to": (today + dt.timedelta(days=1)).isoformat()}).text
    past = staff.get("/audit", params={"to": (today - dt.timedelta(days=3)).isoformat()}).text
    assert 'data-testid="audit-empty"' in past
    assert staff.get("/audit", params={"child": world.children["county"]}).text.count("<tr data-id") == 0


def test_the_audit_log_pages_a_hundred_entries(app, world: World):
    from records.audit import record_access
    from records.db import session_scope

    with session_scope() as session:
        for i in range(130):
            record_access(session, actor=f"tg:{i}", actor_role="staff", action="read", record_type="child",
                          child_ref=world.children["own"], purpose="查看")
    client = client_as(app, "admin")
    assert client.get("/audit").text.count("<tr data-id") == 100
    assert client.get("/audit", params={"page": 2}).text.count("<tr data-id") >= 30


def test_records_pages_need_sign_in(app):
    client = TestClient(app)
    for path in ("/records", "/records/children", "/records/export/children.csv", "/audit"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
