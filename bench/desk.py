"""How fast the staff desk's pages render with a county's worth of records: ``python -m bench.desk``.

Seeds a fresh SQLite database (in a temporary directory) with 10,000 handoff tickets (open, claimed and
closed, some urgent, spread over the villages of the directory, ~3 messages each), 10,000 registrations and
their children, visit logs, reports and unanswered questions; starts the real desk (``python -m desk``) on a
free port; signs in over HTTP as county staff and as an admin (password, then a TOTP code); and times N
sequential GETs of each page. A page that answers 404 (not built yet) is skipped with a note.
"""
from __future__ import annotations

import argparse
import itertools
import datetime as dt
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import httpx
import pyotp

from bench.stats import percentile

ROOT = Path(__file__).resolve().parent.parent
COUNTY = "北碚区"
PASSWORD = "a-long-pass-phrase-1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGES = ("/inbox", "/inbox/list", "/dashboard", "/records", "/records/children", "/records/overdue")
ADMIN_PAGES = ("/inbox", "/dashboard")
SITUATIONS = range(1, 10)
LINES = ("孩子爸爸打他，身上青一块紫一块", "我想找人工", "补贴怎么申请", "谢谢，知道了", "孩子一个人在家好几天了")


def _seed(tickets: int, registrations: int, rng: random.Random) -> dict[str, int]:
    """Bulk-insert the rows (SQLAlchemy Core executemany: seconds, not minutes)."""
    from sqlalchemy import insert

    from records.db import session_scope
    from records.directory import villages
    from records.models import (Child, ConcernReport, HandoffMessage, HandoffTicket, Registration,
                                UnansweredQuestion, VisitLog)

    places = villages()
    now = dt.datetime.now(dt.timezone.utc)
    today = dt.date.today()

    def ago(days: float) -> dt.datetime:
        return now - dt.timedelta(days=days)

    ticket_rows, message_rows = [], []
    for n in range(1, tickets + 1):
        created = ago(rng.uniform(0, 365))
        place = rng.choice(places) if rng.random() > 0.05 else None  # a few tickets of unknown place
        roll = rng.random()
        status = "open" if roll < 0.15 else "claimed" if roll < 0.30 else "closed"
        claimed = created + dt.timedelta(minutes=rng.lognormvariate(2.0, 1.0)) if status != "open" else None
        closed = (claimed or created) + dt.timedelta(minutes=rng.lognormvariate(4.0, 1.2)) \
            if status == "closed" else None
        ticket_rows.append(dict(id=n, ref=f"RG{n:08d}", sender_id=f"tg:{100000 + n % 4000}",
                                reason=rng.choice(("user_request", "fallback", "report", "urgent")),
                                urgent=rng.random() < 0.1, status=status, summary="用户请求人工",
                                created_at=created, claimed_at=claimed, claimed_by="tg:9" if claimed else None,
                                closed_at=closed, county=place.county if place else None,
                                township=place.township if place else None, village=place.name if place else None))
        for k in range(3):
            message_rows.append(dict(ticket_id=n, author=("user", "bot", "staff")[k], author_id=None,
                                     text=rng.choice(LINES), at=created + dt.timedelta(minutes=k)))
    child_rows, registration_rows = [], []
    for n in range(1, registrations + 1):
        place = rng.choice(places)
        created = ago(rng.uniform(0, 365))
        child_rows.append(dict(id=n, ref=f"ET{n:08d}", name=f"张{n}", county=place.county,
                               township=place.township, village=place.name,
                               risk_level=rng.choice(("高", "一般", "无")),
                               last_visit_date=today - dt.timedelta(days=rng.randint(1, 90)),
                               next_visit_due=today + dt.timedelta(days=rng.randint(-60, 90)), created_at=created))
        registration_rows.append(dict(ref=f"BB{n:08d}", submission_key=f"bench-reg-{n}", sender_id=f"tg:{n}",
                                      created_at=created, child_id=n, child_name=f"张{n}", child_age=rng.randint(1, 16),
                                      village=place.name, township=place.township, county=place.county,
                                      carer_name="李奶奶", carer_relation="祖母", carer_phone="13800000000",
                                      work_city="广州", parent_phone="13900000000", expected_return="春节",
                                      consent_to_share=True, status=rng.choice(("new", "seen"))))
    visit_rows = [dict(ref=f"TF{n:08d}", submission_key=f"bench-visit-{n}", sender_id="tg:5",
                       created_at=ago(rng.uniform(0, 365)), child_id=rng.randint(1, registrations),
                       child_name="张小明", village=rng.choice(places).name,
                       visit_date=today - dt.timedelta(days=rng.randint(0, 365)), kind="入户", findings="情况正常",
                       risk_level="一般", next_visit_date=today + dt.timedelta(days=30))
                  for n in range(1, registrations // 5 + 1)]
    report_rows = []
    for n in range(1, tickets // 20 + 1):
        place = rng.choice(places)
        report_rows.append(dict(ref=f"BG{n:08d}", submission_key=f"bench-rep-{n}", sender_id="tg:6",
                                created_at=ago(rng.uniform(0, 365)), description="……", situation=rng.choice(SITUATIONS),
                                child="某某", place=place.label, occurred="昨天", police_called=False,
                                reporter_role="儿童主任", township=place.township, county=place.county,
                                urgent=rng.random() < 0.3, anonymous=False))
    question_rows = []
    for n in range(1, 301):
        first = ago(rng.uniform(0, 120))
        question_rows.append(dict(question_hash=f"{n:064x}", question=f"问题{n}", best_score=0.2,
                                  count=rng.randint(1, 20), first_at=first,
                                  last_at=first + dt.timedelta(days=rng.uniform(0, 30)), dismissed=False))
    with session_scope() as session:
        for model, rows in ((HandoffTicket, ticket_rows), (HandoffMessage, message_rows), (Child, child_rows),
                            (Registration, registration_rows), (VisitLog, visit_rows),
                            (ConcernReport, report_rows), (UnansweredQuestion, question_rows)):
            for start in range(0, len(rows), 5000):
                session.execute(insert(model), rows[start:start + 5000])
    return {"tickets": len(ticket_rows), "messages": len(message_rows), "children": len(child_rows),
            "registrations": len(registration_rows), "visit logs": len(visit_rows), "reports": len(report_rows),
            "unanswered questions": len(question_rows)}


def _account(role: str, username: str, county: str | None) -> str:
    """A desk account with a TOTP secret already set up; returns the secret."""
    from desk.accounts import HASHER
    from records.db import session_scope
    from records.models import DeskAccount, Person

    secret = pyotp.random_base32()
    with session_scope() as session:
        session.add(Person(sender_id=f"web:{username}", role=role, county=county))
        session.add(DeskAccount(username=username, sender_id=f"web:{username}", display_name=username,
                                password_hash=HASHER.hash(PASSWORD), totp_secret=secret, totp_enabled=True))
    return secret


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise RuntimeError("the page has no CSRF token")
    return match.group(1)


def sign_in(base: str, username: str, secret: str) -> httpx.Client:
    """A client signed in through the real pages: the password, then the TOTP code."""
    client = httpx.Client(base_url=base, timeout=60)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": _csrf(client.get("/login").text)})
    if response.status_code != 303:
        raise RuntimeError(f"sign-in refused ({response.status_code})")
    page = client.get("/login/totp")
    response = client.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": _csrf(page.text)})
    if response.status_code != 303:
        raise RuntimeError(f"TOTP refused ({response.status_code})")
    client.headers["X-CSRF-Token"] = _csrf(client.get("/account").text)
    return client


def _wait_up(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the desk exited at start-up")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the desk did not come up")


def time_page(client: httpx.Client, path: str, count: int,
              before: Callable[[], None] | None = None) -> tuple[list[float], float, int] | str:
    """Seconds each of ``count`` GETs took (after 3 untimed; ``before`` runs untimed before each), the first
    GET's seconds and the page size; or why it was skipped."""
    started = time.perf_counter()
    first = client.get(path)
    cold = time.perf_counter() - started
    if first.status_code == 404:
        return "404 (not built yet, or not this role's)"
    if first.status_code != 200:
        return f"answered {first.status_code}"
    for _ in range(2):
        client.get(path)
    durations = []
    for _ in range(count):
        if before:
            before()
        started = time.perf_counter()
        response = client.get(path)
        durations.append(time.perf_counter() - started)
        if response.status_code != 200:
            return f"answered {response.status_code} during the run"
    return durations, cold, len(first.content)


def report_line(who: str, label: str, result: tuple[list[float], float, int] | str) -> str:
    """One page's figures, or why it was skipped."""
    if isinstance(result, str):
        return f"  {who:6s} {label:22s} skipped: {result}"
    durations, cold, size = result
    return (f"  {who:6s} {label:22s} p50 {1000 * statistics.median(durations):7.1f} ms   "
            f"p95 {1000 * percentile(durations, 0.95):7.1f} ms   max {1000 * max(durations):7.1f} ms   "
            f"first {1000 * cold:7.1f} ms   {size / 1024:5.0f} KB")


_filed = itertools.count(1)


def new_registration() -> Callable[[], None]:
    """A function filing one more registration (now, in 歇马街道): the dashboard's numbers change, so its
    charts are drawn afresh on the next GET instead of coming from the drawn-charts cache."""
    from records.db import session_scope
    from records.models import Registration

    def add() -> None:
        n = next(_filed)
        with session_scope() as session:
            session.add(Registration(ref=f"BX{n:08d}", submission_key=f"bench-new-{n}", sender_id="tg:7",
                                     child_name="王小", child_age=7, village="大磨滩村", township="歇马街道",
                                     county=COUNTY, carer_name="王奶奶", carer_relation="祖母",
                                     carer_phone="13800000000", work_city="深圳", parent_phone="13900000000",
                                     expected_return="春节", consent_to_share=True))

    return add


def main(argv: list[str] | None = None) -> int:
    """Seed, serve, sign in, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--registrations", type=int, default=10_000)
    parser.add_argument("-n", "--requests", type=int, default=50, help="timed GETs per page")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)

    from tests.fakes import free_port

    workdir = Path(tempfile.mkdtemp(prefix="hutong-desk-bench-"))
    url = f"sqlite:///{workdir}/records.db"
    os.environ["DATABASE_URL"] = url
    started = time.perf_counter()
    counts = _seed(args.tickets, args.registrations, random.Random(args.seed))
    seeded = time.perf_counter() - started
    staff_secret = _account("staff", "bench-staff", COUNTY)
    admin_secret = _account("admin", "bench-admin", None)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "DESK_HOST": "127.0.0.1", "DESK_PORT": str(port),
           "DESK_COOKIE_SECURE": "off", "PYTHONPATH": str(ROOT)}
    log = (workdir / "desk.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "desk"], cwd=ROOT, env=env, stdout=log, stderr=log)
    failed = True
    try:
        _wait_up(base, process)
        print(f"seeded in {seeded:.1f} s: " + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
        print(f"desk: python -m desk (uvicorn, one process) on {base}, SQLite at {workdir}/records.db")
        print(f"each page: {args.requests} sequential GETs after 3 untimed, signed in over HTTP (password + TOTP); "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print("  (first: the first GET, untimed in the figures; it pays for one-off imports and warm-up)")
        for who, secret, paths in (("staff", staff_secret, PAGES), ("admin", admin_secret, ADMIN_PAGES)):
            client = sign_in(base, f"bench-{who}", secret)
            try:
                for path in paths:
                    print(report_line(who, path, time_page(client, path, args.requests)), flush=True)
                print(report_line(who, "/dashboard (new data)", time_page(client, "/dashboard", args.requests,
                                                                         before=new_registration())), flush=True)
            finally:
                client.close()
        print("  (new data: one registration filed before each GET, so the charts are drawn afresh, not cached)")
        failed = False
        return 0
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        if failed:
            print(f"the desk's log: {workdir / 'desk.log'}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
