"""Latency and memory of the running stack: ``make bench`` (it starts the stack first).

Prints p50/p95 of a greeting and of a policy question over REST (50 requests
each, a fresh sender per request so every one is a whole conversation turn),
and the resident memory of each server's process tree.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

from bench.stats import percentile
from bot.stack import Stack

POLICY_QUESTIONS = (
    "孤儿基本生活费国家最低标准是多少",
    "外出打工的父母多久要和孩子联系一次",
    "哪些情况必须强制报告",
    "黔西散居孤儿每月补贴多少",
    "儿童主任不报告要担什么责任",
)



def timed(stack: Stack, messages: list[str]) -> list[float]:
    """Seconds each message took, one fresh conversation per message."""
    durations = []
    for text in messages:
        start = time.perf_counter()
        replies = stack.say("bench-" + uuid.uuid4().hex[:10], text)
        durations.append(time.perf_counter() - start)
        if not replies:
            raise RuntimeError(f"no reply to {text!r}")
    return durations


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(status.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def main(argv: list[str] | None = None) -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="requests per kind")
    args = parser.parse_args(argv)
    stack = Stack()
    timed(stack, ["/greet", POLICY_QUESTIONS[0]])  # warm both servers
    kinds = {
        "greeting": ["你好"] * args.n,
        "policy question": [POLICY_QUESTIONS[i % len(POLICY_QUESTIONS)] for i in range(args.n)],
    }
    for kind, messages in kinds.items():
        durations = timed(stack, messages)
        print(f"{kind:16s} n={len(durations)}  p50 {1000 * statistics.median(durations):6.1f} ms"
              f"  p95 {1000 * percentile(durations, 0.95):6.1f} ms  max {1000 * max(durations):6.1f} ms")
    for name in ("rasa", "actions"):
        pid = int((stack.var_dir / "run" / f"{name}.pid").read_text())
        print(f"resident memory  {name:8s} {tree_rss_mb(pid):7.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
