"""1,000 form submissions through the action server against PostgreSQL, duplicates injected: ``make bench-records``.

Starts a PostgreSQL server on loopback (the tests' own) and an action server
on its own port with a fresh database, then posts what Rasa posts when a
confirmed form is submitted: departure registrations, visit logs (from
verified directors) and mandatory reports. One in five submissions is sent
again — some later (a resend), some at the same moment (a double tap). It
prints rows saved, duplicates refused, submissions lost, and the time a
submission adds to a reply (the submit action against the summary action,
which reads no database, on the same tracker).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import random
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from bot.domain_files import merged_domain
from bench.stats import percentile
from bot.stack import ROOT
from tests.services.postgres import PostgresServer

ACTION_PORT = 15155
REFERENCE = re.compile(r"[A-Z]{2}\d{8}-[2-9A-HJKMNP-Z]{4}")
FORMS = {
    "departure": ("action_submit_departure", "action_ask_dep_confirmed", "registrations"),
    "visit": ("action_submit_visit", "action_ask_visit_confirmed", "visit_logs"),
    "report": ("action_submit_report", "action_ask_rep_confirmed", "concern_reports"),
}
VILLAGES = ("歇马街道大磨滩村", "歇马街道虎头村", "澄江镇东升村", "静观镇素心村", "柳荫镇石院村")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "小明红军华丽强芳军敏静磊洋艳勇涛超秀娟"



def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def slots_for(kind: str, rng: random.Random) -> dict[str, Any]:
    """The slots of one confirmed form of ``kind`` with made-up answers."""
    if kind == "departure":
        return {
            "dep_consent": True, "dep_child_name": _name(rng), "dep_child_id": "不填", "dep_child_age": rng.randint(1, 17),
            "dep_village": rng.choice(VILLAGES), "dep_carer_name": _name(rng), "dep_carer_relation": "奶奶",
            "dep_carer_phone": f"138{rng.randint(0, 99999999):08d}", "dep_work_city": "广州",
            "dep_parent_phone": f"139{rng.randint(0, 99999999):08d}", "dep_return_date": "2027-02",
            "dep_confirmed": True,
        }
    if kind == "visit":
        return {
            "visit_director": "director", "visit_child_name": _name(rng), "visit_date": "2026-11-30",
            "visit_kind": "入户", "visit_findings": f"孩子状况良好，第{rng.randint(1, 10**6)}次记录",
            "visit_risk": rng.choice(("无", "一般", "高")), "visit_next_date": "2026-12-30", "visit_confirmed": True,
        }
    return {
        "rep_description": f"孩子身上有伤，编号{rng.randint(1, 10**6)}", "rep_situation": 4, "rep_child": "不清楚",
        "rep_place": rng.choice(VILLAGES), "rep_time": "2026-11-30", "rep_police_called": True,
        "rep_reporter_role": "邻居或其他群众", "rep_confirmed": True,
    }


def action_call(action: str, sender: str, slots: dict[str, Any], domain: dict[str, Any]) -> dict[str, Any]:
    """The JSON Rasa posts to the action server's webhook for ``action``."""
    all_slots = {name: None for name in domain["slots"]} | {"requested_slot": None} | slots
    latest = {"text": "/affirm", "intent": {"name": "affirm", "confidence": 1.0}, "entities": []}
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": domain,
        "tracker": {
            "sender_id": sender, "slots": all_slots, "latest_message": latest,
            "events": [{"event": "action", "name": "action_session_start"},
                       {"event": "user", "text": "/affirm", "parse_data": latest}],
            "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
        },
    }


def _post(client: httpx.Client, payload: dict[str, Any]) -> tuple[float, str]:
    start = time.perf_counter()
    response = client.post(f"http://127.0.0.1:{ACTION_PORT}/webhook", json=payload, timeout=60)
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    return elapsed, "\n".join(r.get("text") or "" for r in response.json().get("responses", []))


def _start_action_server(database_url: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "SANIC_HOST": "127.0.0.1", "PYTHONPATH": str(ROOT),
           "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(ACTION_PORT)],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{ACTION_PORT}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"the action server did not start; see {log}")


def _directors(database_url: str, count: int) -> list[str]:
    """Verified directors, made the way real ones are: an invite issued, then redeemed."""
    os.environ["DATABASE_URL"] = database_url
    from records.people import issue_invite, redeem_invite

    villages = ("大磨滩村", "虎头村", "素心村", "集真村", "石院村")
    senders = []
    for number in range(count):
        code, _invite = issue_invite("director", village=villages[number % len(villages)], issued_by="bench")
        sender = f"bench-director-{number}"
        redeem_invite(sender, code)
        senders.append(sender)
    return senders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--duplicate-share", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args(argv)
    rng = random.Random(20261201)

    PostgresServer.install()
    server = PostgresServer()
    was_running = server.running()
    server.start()
    database_url = server.create_database("hutong_bench")
    log = ROOT / "var" / "log" / "bench-actions.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    directors = _directors(database_url, 10)
    process = _start_action_server(database_url, log)
    domain = merged_domain()
    try:
        unique_count = int(args.submissions * (1 - args.duplicate_share))
        originals: list[tuple[str, dict[str, Any]]] = []
        for number in range(unique_count):
            kind = rng.choice(("departure", "departure", "visit", "report"))
            sender = rng.choice(directors) if kind == "visit" else f"bench-user-{uuid.uuid4().hex[:12]}"
            originals.append((kind, action_call(FORMS[kind][0], sender, slots_for(kind, rng), domain)))
        # Duplicates: half sent right after their original (a double tap, racing it), half at the end (a resend).
        plan: list[tuple[str, dict[str, Any], bool]] = [(k, p, False) for k, p in originals]
        for _ in range(args.submissions - unique_count):
            kind, payload = rng.choice(originals)
            position = plan.index((kind, payload, False)) + 1 if rng.random() < 0.5 else len(plan)
            plan.insert(position, (kind, payload, True))

        with httpx.Client() as warm:
            _post(warm, action_call("action_ask_dep_confirmed", "bench-warm", slots_for("departure", rng), domain))
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.workers) as pool, httpx.Client(
            limits=httpx.Limits(max_connections=args.workers)
        ) as client:
            results = list(pool.map(lambda item: (item[0], item[2], *_post(client, item[1])), plan))
        wall = time.perf_counter() - started

        refs_by_payload: dict[int, set[str]] = {}
        for (kind, payload, _dup), (_k, _d, _elapsed, reply) in zip(plan, results):
            refs_by_payload.setdefault(id(payload), set()).update(REFERENCE.findall(reply.split("工单")[0])[:1])
        told_twice = sum(1 for _k, dup, _e, reply in results if dup and "已经提交过了" in reply)
        refused_silently = sum(1 for _k, _dup, _e, reply in results if "保存不了" in reply or "抱歉" in reply)
        engine = create_engine(database_url)
        with engine.connect() as connection:
            rows = {kind: connection.execute(text(f"select count(*) from {table}")).scalar_one()
                    for kind, (_a, _b, table) in FORMS.items()}
            saved_refs = set()
            for _kind, (_a, _b, table) in FORMS.items():
                saved_refs |= {r[0] for r in connection.execute(text(f"select ref from {table}"))}
        engine.dispose()
        one_ref_each = sum(1 for refs in refs_by_payload.values() if len(refs) == 1)
        lost = sum(1 for refs in refs_by_payload.values() if not refs or not refs <= saved_refs)

        # The time a submission adds: the same tracker, submit action vs. the summary action.
        added: list[float] = []
        with httpx.Client() as client:
            for number in range(200):
                kind = ("departure", "visit", "report")[number % 3]
                sender = directors[number % len(directors)] if kind == "visit" else f"bench-timing-{number}"
                slots = slots_for(kind, rng)
                baseline, _ = _post(client, action_call(FORMS[kind][1], sender, slots, domain))
                submit, _ = _post(client, action_call(FORMS[kind][0], sender, slots, domain))
                added.append(submit - baseline)

        total_rows = sum(rows.values())
        print(f"submissions sent: {len(plan)} ({unique_count} distinct, {len(plan) - unique_count} duplicates; "
              f"{args.workers} at a time) in {wall:.1f} s = {len(plan) / wall:.0f}/s")
        print(f"rows saved: {total_rows} (registrations {rows['departure']}, visit logs {rows['visit']}, "
              f"reports {rows['report']}); expected {unique_count}")
        print(f"duplicates refused (one row, same reference): {len(plan) - unique_count - (total_rows - unique_count)}; "
              f"told 'already filed': {told_twice}")
        print(f"distinct submissions answered with one reference each: {one_ref_each}/{unique_count}; "
              f"lost: {lost}; apologies: {refused_silently}")
        print(f"time a submission adds to a reply (200 pairs): p50 {statistics.median(added) * 1000:.1f} ms, "
              f"p95 {percentile(added, 0.95) * 1000:.1f} ms")
        ok = total_rows == unique_count and lost == 0 and one_ref_each == unique_count
        print("OK: nothing lost, nothing saved twice" if ok else "PROBLEM: see the figures above")
        return 0 if ok else 1
    finally:
        process.terminate()
        process.wait(timeout=30)
        server.drop_database("hutong_bench")
        if not was_running:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
