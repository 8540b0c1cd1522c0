"""Knowledge base command line.

Usage:
    python -m knowledge build          build the card index if a card changed (progress bar)
    python -m knowledge ask QUESTION   show the best cards for a question, with scores
"""
from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    """Run the knowledge command line."""
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build the index of knowledge/cards if it is stale")
    ask = sub.add_parser("ask", help="show the best cards for a question")
    ask.add_argument("question", nargs="+")
    args = parser.parse_args(argv)

    if args.command == "build":
        from knowledge.index import ensure_index, index_dir

        start = time.perf_counter()
        cards, card_index, rebuilt = ensure_index(progress=True)
        state = "built" if rebuilt else "up to date"
        print(f"knowledge index {state}: {len(cards)} cards, {card_index.index.ntotal} rows "
              f"in {index_dir()} ({time.perf_counter() - start:.1f}s)")
        return 0
    if args.command == "ask":
        from knowledge.retrieve import get_retriever, min_score

        retriever = get_retriever()
        for hit in retriever.search(" ".join(args.question), k=5):
            mark = "✓" if hit.score >= min_score() else " "
            print(f"{mark} {hit.score:.3f}  {hit.card.id}  [{hit.card.region}]  {hit.card.title}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
