"""Retrieval latency as the action server sees it: ``python -m bench.retrieval`` (part of ``make bench``).

Runs the labelled questions of ``tests/knowledge/questions.yml`` (cycled to
500 queries) through the process-wide retriever, embedding included, and
prints p50/p95 per mode, the index build figures and the process's memory.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

from bench.stats import percentile
from knowledge.evaluate import load_questions
from knowledge.index import index_dir
from knowledge.retrieve import get_retriever


def main(argv: list[str] | None = None) -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="queries per mode")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    retriever = get_retriever()
    print(f"retriever ready in {time.perf_counter() - started:.1f}s "
          f"({len(retriever.cards)} cards, {len(retriever.passages)} passages)")
    questions = [q.q for q in load_questions()]
    queries = [questions[i % len(questions)] for i in range(args.n)]
    for mode in ("hybrid", "dense", "bm25"):
        retriever.search(queries[0], k=8, mode=mode)  # warm
        durations = []
        for query in queries:
            start = time.perf_counter()
            retriever.search(query, k=8, mode=mode)
            durations.append(time.perf_counter() - start)
        print(f"search {mode:6s} n={len(durations)}  p50 {1000 * statistics.median(durations):5.1f} ms"
              f"  p95 {1000 * percentile(durations, 0.95):5.1f} ms  max {1000 * max(durations):6.1f} ms")
    size = sum(p.stat().st_size for p in Path(index_dir()).glob("*") if p.is_file())
    print(f"index on disk    {size / 1e6:.1f} MB in {index_dir()}")
    print(f"peak resident    {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (this process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
