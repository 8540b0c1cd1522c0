"""Ask the running bot the project's own evaluation, and print per-kind accuracy for each half: ``make eval-all``.

Cases, each checked as ``../shared/eval/run_eval.py`` checks them (one fresh
conversation per case, over the REST channel, tracker read over the HTTP API):

- ``tests/eval/*.yml``: ``policy`` (every ``expect`` in the replies and a
  ``cite``; ``before`` turns are said first in the same conversation;
  ``absent`` must not appear), ``routing`` (intent and form), ``unknown``
  (a ``/request_human`` button, and no ``absent`` figure), ``urgent``, ``calm``;
- the danger bank (``nlu/danger``): every ``now`` or ``serious`` description
  is an ``urgent`` case (110 in the first reply; 120 too when someone is
  hurt), every calm message a ``calm`` case (no emergency raised).

Every case belongs to the ``tune`` or the ``test`` half (``holdout.half_of`` of
its question). Tune on the first; the second is the figure to report, and its
failures are listed only with ``--show-test``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from bot.rasa_auth import api_headers
from knowledge.labels import contains, squeeze
from nlu.components.danger_bank import load_bank
from nlu.components.holdout import TEST, TUNE, half_of

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("policy", "routing", "urgent", "calm", "unknown")
@dataclass(frozen=True)
class Case:
    """One question and what its answer must show."""

    kind: str
    q: str
    source: str
    expect: tuple[str, ...] = ()
    cite: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    intent: str | None = None
    form: str | None = None

    @property
    def half(self) -> str:
        """``tune`` or ``test``."""
        return half_of(self.q)


@dataclass
class Result:
    """What happened to one case."""

    case: Case
    problems: list[str]
    seen: str
    latency: float = 0.0


@dataclass
class Bot:
    """The running bot's REST channel and tracker API."""

    url: str
    # Rasa's HTTP API: a JWT valid 10 minutes (bot/rasa_auth.py), no token in the URL; made afresh per call,
    # since a whole evaluation takes longer than one JWT lives (its last cases got 401 Unauthorized).
    headers: Callable[[], dict[str, str]]
    timeout: float = 30.0
    latencies: list[float] = field(default_factory=list)

    def _call(self, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data,
                                         headers={"Content-Type": "application/json", **self.headers()})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.loads(response.read() or b"null")

    def say(self, sender: str, text: str) -> list[dict]:
        """The bot's replies to one message."""
        return self._call("/webhooks/rest/webhook", {"sender": sender, "message": text}) or []

    def tracker(self, sender: str) -> dict:
        """The conversation's tracker."""
        return self._call(f"/conversations/{urllib.parse.quote(sender)}/tracker") or {}


def reply_text(replies: list[dict]) -> str:
    """Every reply's text and button titles, squeezed."""
    parts = []
    for reply in replies:
        parts.append(reply.get("text") or "")
        parts.extend(b.get("title", "") for b in reply.get("buttons") or [])
    return squeeze("".join(parts))


def check(case: Case, bot: Bot) -> Result:
    """Ask one case in a fresh conversation and list what is wrong with the answer."""
    sender = "eval-" + uuid.uuid4().hex[:12]
    for earlier in case.before:
        bot.say(sender, earlier)
    start = time.perf_counter()
    replies = bot.say(sender, case.q)
    latency = time.perf_counter() - start
    text = reply_text(replies)
    first = squeeze((replies[0].get("text") or "") if replies else "")
    problems: list[str] = []
    found = [a for a in case.absent if contains(text, a)]
    if found:
        problems.append(f"says {found}")
    if case.kind == "policy":
        missing = [e for e in case.expect if not contains(text, e)]
        if missing:
            problems.append(f"missing {missing}")
        if case.cite and not any(contains(text, c) for c in case.cite):
            problems.append("no source cited")
        return Result(case, problems, text, latency)
    if case.kind == "urgent":
        missing = [e for e in case.expect if not contains(first, e)]
        if missing:
            problems.append(f"first reply lacks {missing}")
        return Result(case, problems, first, latency)
    if case.kind == "unknown":
        payloads = [b.get("payload", "") for r in replies for b in r.get("buttons") or []]
        if not any(p.startswith("/request_human") for p in payloads):
            problems.append("no /request_human button")
        return Result(case, problems, text, latency)
    tracker = bot.tracker(sender)
    intent = ((tracker.get("latest_message") or {}).get("intent") or {}).get("name")
    if case.kind == "calm":
        if intent == "report_emergency":
            problems.append("false alarm")
        return Result(case, problems, first, latency)
    loop = (tracker.get("active_loop") or {}).get("name")
    if intent != case.intent:
        problems.append(f"intent {intent}, wanted {case.intent}")
    if case.form and loop != case.form:
        problems.append(f"form {loop}, wanted {case.form}")
    return Result(case, problems, f"intent={intent} form={loop}", latency)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def load_file(path: Path) -> list[Case]:
    """The cases of one eval file (the run_eval.py format, with ``before`` and ``absent``)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cases = []
    for kind in KINDS:
        for item in data.get(kind) or []:
            cases.append(Case(kind, str(item["q"]), path.name, _strings(item.get("expect")), _strings(item.get("cite")),
                              _strings(item.get("absent")), _strings(item.get("before")), item.get("intent"),
                              item.get("form")))
    return cases


def bank_cases() -> list[Case]:
    """The danger bank as urgent and calm cases."""
    cases = []
    for example in load_bank():
        if example.alarming:
            expect = ("110", "120") if example.hurt else ("110",)
            cases.append(Case("urgent", example.text, f"bank:{example.kind}", expect))
        elif example.level == "none":
            cases.append(Case("calm", example.text, f"bank:{example.kind}"))
    return cases


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation; 0 when it ran (whatever the scores)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="eval files (default: tests/eval/*.yml and the bank)")
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--only", default=",".join(KINDS), help="kinds to run")
    parser.add_argument("--half", choices=(TUNE, TEST, "all"), default="all")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("-v", "--verbose", action="store_true", help="list the tune half's failures")
    parser.add_argument("--show-test", action="store_true", help="also list the test half's failures (do not tune on them)")
    args = parser.parse_args(argv)
    bot = Bot(args.url.rstrip("/"), api_headers)
    files = args.files or sorted((ROOT / "tests" / "eval").glob("*.yml"))
    cases = [c for path in files for c in load_file(path)] + ([] if args.files else bank_cases())
    kinds = set(args.only.split(","))
    cases = [c for c in cases if c.kind in kinds and (args.half == "all" or c.half == args.half)]
    with ThreadPoolExecutor(args.workers) as pool:
        results = list(pool.map(lambda c: _safe_check(c, bot), cases))
    table: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for result in results:
        table[(result.case.kind, result.case.half)].append(not result.problems)
        shown = args.show_test if result.case.half == TEST else args.verbose
        if result.problems and shown:
            print(f"FAIL {result.case.half:<4} {result.case.kind:<8} {result.case.q} | {'; '.join(result.problems)} | "
                  f"{result.seen[:150]}")
    print(f"{'kind':<9} {'tune':>16} {'test':>16}")
    for kind in KINDS:
        row = []
        for half in (TUNE, TEST):
            outcomes = table.get((kind, half), [])
            row.append(f"{sum(outcomes)}/{len(outcomes)} {sum(outcomes) / len(outcomes):6.1%}" if outcomes else "-")
        if any(r != "-" for r in row):
            print(f"{kind:<9} {row[0]:>16} {row[1]:>16}")
    latencies = sorted(r.latency for r in results if r.latency)
    if latencies:
        p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
        print(f"latency ms ({args.workers} at a time; not a benchmark): p50 {1000 * statistics.median(latencies):.0f} "
              f"p95 {1000 * p95:.0f} (n={len(latencies)})")
    return 0


def _safe_check(case: Case, bot: Bot) -> Result:
    try:
        return check(case, bot)
    except Exception as error:  # noqa: BLE001 - a dead bot fails the case, it does not stop the run
        return Result(case, [f"error: {error}"], "")


if __name__ == "__main__":
    sys.exit(main())
