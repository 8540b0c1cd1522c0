"""Knowledge base command line.

Usage:
    python -m knowledge add PATH… [--title T] [--number 文号] [--issuer I] [--date D] [--region R]
                                        add regulation or local policy files (txt, md, docx, pdf)
    python -m knowledge build           build the index if a card or document changed (progress bar)
    python -m knowledge ask QUESTION    the best cards and passages for a question, with scores
    python -m knowledge eval [--calibrate]   hit@1, hit@3, MRR per retrieval mode on tests/knowledge
    python -m knowledge calibrate       answer floors for cards and passages from the labelled tune half
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run the knowledge command line."""
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add documents to the knowledge base (then run build)")
    add.add_argument("paths", nargs="+", type=Path)
    for option in ("title", "number", "issuer", "date", "region"):
        add.add_argument(f"--{option}")
    sub.add_parser("build", help="build the index if it is stale")
    ask = sub.add_parser("ask", help="show the best cards and passages for a question")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--mode", default="hybrid", choices=("hybrid", "dense", "bm25"))
    ask.add_argument("--region", default=None, help="a place the user named earlier")
    sub.add_parser("calibrate", help="answer floors for cards and passages, from the labelled tune half")
    evaluate = sub.add_parser("eval", help="retrieval quality on the labelled questions")
    evaluate.add_argument("--file", type=Path, default=None)
    evaluate.add_argument("--calibrate", action="store_true", help="also print answer rates per floor")
    args = parser.parse_args(argv)

    if args.command == "add":
        from knowledge.documents import DocumentError
        from knowledge.ingest import add as add_documents, documents_dir, ingest

        try:
            copied = add_documents(args.paths, documents_dir(), title=args.title, issuer=args.issuer,
                                   date=args.date, region=args.region, number=args.number)
        except (DocumentError, OSError) as error:
            print(f"could not add: {error}", file=sys.stderr)
            return 1
        for path in copied:
            print(f"added {path.name}: {len(ingest(path))} passages")
        print("run `python -m knowledge build` (or `make index`) to index them")
        return 0
    if args.command == "calibrate":
        from knowledge.calibrate import main as calibrate

        return calibrate()
    if args.command == "build":
        from knowledge.index import ensure_index, index_dir

        start = time.perf_counter()
        knowledge, rebuilt = ensure_index(progress=True)
        state = "built" if rebuilt else "up to date"
        print(f"knowledge index {state}: {len(knowledge.cards)} cards, {len(knowledge.passages)} passages, "
              f"{knowledge.vectors.ntotal} vectors in {index_dir()} ({time.perf_counter() - start:.1f}s)")
        return 0
    if args.command == "ask":
        from knowledge.retrieve import get_retriever

        retriever = get_retriever()
        question = " ".join(args.question)
        article = retriever.find_article(question)
        if article is not None:
            print(f"article asked for: {article.key}")
        hits = retriever.search(question, k=8, mode=args.mode, region=args.region)
        answer = retriever.confident(hits)
        for rank, hit in enumerate(hits):
            mark = "✓" if answer and rank == 0 else " "
            title = hit.unit.title if hit.kind == "card" else hit.unit.text[:40]
            print(f"{mark} {hit.score:7.3f}  {hit.kind:7s} {hit.key}  [{hit.region}]  {title}")
        return 0
    if args.command == "eval":
        from knowledge.evaluate import main_eval

        return main_eval(args.file, calibrate=args.calibrate)
    return 2


if __name__ == "__main__":
    sys.exit(main())
