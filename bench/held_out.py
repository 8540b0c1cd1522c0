"""Any document in: add two documents the knowledge base has never seen, then ask about them: ``make bench-documents``.

The two documents in ``tests/fixtures/held_out`` (国办发〔2011〕39号 on children
living on the streets, 国发〔2018〕20号 on rehabilitation for disabled
children) are not in ``knowledge/documents`` and no card was written for
them. This copies the knowledge base to a scratch folder, adds them with
``python -m knowledge add`` exactly as a deployer would, builds the index
there, and asks the questions of ``tests/fixtures/held_out/questions.yml``
(the test set, never tuned on; ``--tune`` asks ``tune_questions.yml``, written
separately, which the ranking may be adjusted on) through the policy action's own answering (``actions.policy.answer_question``).
A question counts as right when the reply holds every ``expect`` string, names
the document and cites the section the fact is in.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = ROOT / "tests" / "fixtures" / "held_out"
DOCUMENTS = {
    "流浪未成年人救助保护意见(国办发〔2011〕39号).md": ("国务院办公厅", "2011-08-15"),
    "残疾儿童康复救助制度意见(国发〔2018〕20号).md": ("国务院", "2018-06-21"),
}


def add_documents(documents_dir: Path, env: dict[str, str]) -> None:
    """``python -m knowledge add`` each held-out document into ``documents_dir``."""
    for name, (issuer, date) in DOCUMENTS.items():
        subprocess.run([sys.executable, "-m", "knowledge", "add", str(HELD_OUT / name), "--issuer", issuer, "--date", date],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    """Add, index, ask; print the accuracy (and each miss with -v)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--tune", action="store_true", help="ask the tune questions instead of the test set")
    args = parser.parse_args(argv)
    questions_file = "tune_questions.yml" if args.tune else "questions.yml"
    questions = yaml.safe_load((HELD_OUT / questions_file).read_text(encoding="utf-8"))["questions"]
    with tempfile.TemporaryDirectory(prefix="held-out-") as scratch:
        documents_dir, index_dir = Path(scratch) / "documents", Path(scratch) / "index"
        shutil.copytree(ROOT / "knowledge" / "documents", documents_dir)
        cache = ROOT / "var" / "knowledge" / "vectors-cache.npz"
        if cache.is_file():  # vectors of unchanged rows need not be computed again
            index_dir.mkdir(parents=True)
            shutil.copy(cache, index_dir / cache.name)
        env = {**os.environ, "KNOWLEDGE_DOCUMENTS_DIR": str(documents_dir), "KNOWLEDGE_INDEX_DIR": str(index_dir)}
        add_documents(documents_dir, env)
        os.environ.update(KNOWLEDGE_DOCUMENTS_DIR=str(documents_dir), KNOWLEDGE_INDEX_DIR=str(index_dir))
        from actions.policy import answer_question
        from knowledge.labels import contains, squeeze
        from knowledge.retrieve import get_retriever

        retriever = get_retriever()
        right = sure = 0
        for item in questions:
            reply = answer_question(retriever, item["q"])
            text = squeeze(reply.text if reply else "")
            problems = [e for e in item["expect"] if not contains(text, e)]
            if not any(contains(text, c) for c in item["cite"]):
                problems.append("document not cited")
            if squeeze(item["section"]) not in text:
                problems.append(f"section {item['section']} not cited")
            right += not problems
            sure += bool(reply and reply.answered and "我找到的最接近" not in reply.text)
            if problems and args.verbose:
                print(f"MISS {item['q']} | {'; '.join(problems)} | {text[:140]}")
    print(f"held-out documents ({questions_file}): {right}/{len(questions)} questions answered right with the section cited "
          f"({right / len(questions):.0%}); {sure} answered as sure, the rest hedged or declined")
    return 0


if __name__ == "__main__":
    sys.exit(main())
