"""A process answering questions picks up an index another process saved, without a restart and without a
read per question; saving an index never leaves a half-written one where a reader looks.

In-process: one retriever is loaded, a document is added and the index rebuilt (as the desk does), and after
the check interval the same ``get_retriever()`` call finds the new document's passage.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import knowledge.index as index
import knowledge.retrieve as retrieve
from knowledge.ingest import add

ROOT = Path(__file__).resolve().parents[2]
REAL_CACHE = ROOT / "var" / "knowledge" / "vectors-cache.npz"
FIRST = """# 某县流浪儿童临时救助办法

第一条 为做好流浪儿童临时救助工作，制定本办法。

第二条 发现流浪儿童的，村（居）民委员会应当在二十四小时内护送到救助保护机构。

第三条 救助保护机构应当为流浪儿童提供临时住处和饮食。
"""
SECOND = """# 某县儿童游泳安全管理办法

第一条 为防止儿童溺水，制定本办法。

第二条 每年六月至九月，村（居）民委员会应当在河塘边设立警示牌，并安排人员巡查水库和河塘。

第三条 本办法自发布之日起施行。
"""
NEW_FACT = "警示牌"


@pytest.fixture
def knowledge_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A documents folder with one document and an empty index folder (the card vectors cached, if built)."""
    documents, index_folder = tmp_path / "documents", tmp_path / "index"
    documents.mkdir()
    index_folder.mkdir()
    (documents / "流浪儿童临时救助办法.md").write_text(FIRST, encoding="utf-8")
    if REAL_CACHE.is_file():
        shutil.copyfile(REAL_CACHE, index_folder / REAL_CACHE.name)
    monkeypatch.setenv("KNOWLEDGE_DOCUMENTS_DIR", str(documents))
    monkeypatch.setenv("KNOWLEDGE_INDEX_DIR", str(index_folder))
    monkeypatch.setattr(retrieve, "RELOAD_SECONDS", 0.3)
    monkeypatch.delenv("KNOWLEDGE_RELOAD_SECONDS", raising=False)
    retrieve.forget_retriever()
    yield {"documents": documents, "index": index_folder}
    retrieve.forget_retriever()


def _has_new_fact(retriever: retrieve.Retriever) -> bool:
    return any(NEW_FACT in p.text for p in retriever.passages.values())


def test_a_new_index_is_used_without_a_restart(knowledge_dirs, tmp_path, monkeypatch):
    monkeypatch.setattr(retrieve, "RELOAD_SECONDS", 3600)
    before = retrieve.get_retriever()
    assert not _has_new_fact(before)

    source = tmp_path / "游泳安全管理办法.md"
    source.write_text(SECOND, encoding="utf-8")
    add([source], knowledge_dirs["documents"], issuer="某县教育局", region="全国")
    _knowledge, rebuilt = index.ensure_index()  # what the desk's rebuild (another process) does
    assert rebuilt

    assert retrieve.get_retriever() is before, "within the interval the loaded retriever answers, unchecked"
    monkeypatch.setattr(retrieve, "RELOAD_SECONDS", 0.3)
    time.sleep(0.35)
    after = retrieve.get_retriever()
    assert after is not before and _has_new_fact(after)
    top = after.search("河塘边要不要设警示牌", k=3)[0]
    assert top.kind == "passage" and top.unit.document == "某县儿童游泳安全管理办法"
    assert retrieve.get_retriever() is after, "an unchanged index is not loaded again"


def test_an_index_built_by_another_process_is_picked_up(knowledge_dirs, tmp_path):
    before = retrieve.get_retriever()
    source = tmp_path / "游泳安全管理办法.md"
    source.write_text(SECOND, encoding="utf-8")
    for command in (["add", str(source), "--issuer", "某县教育局"], ["build"]):  # as `make index` would
        done = subprocess.run([sys.executable, "-m", "knowledge", *command], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    time.sleep(0.35)
    after = retrieve.get_retriever()
    assert after is not before and _has_new_fact(after)


def test_the_check_is_one_stat_at_most_every_interval(knowledge_dirs, monkeypatch):
    retrieve.get_retriever()
    looks: list[Path] = []
    real = retrieve.manifest_stamp
    monkeypatch.setattr(retrieve, "manifest_stamp", lambda directory: looks.append(directory) or real(directory))
    monkeypatch.setattr(retrieve, "load", lambda *a, **k: pytest.fail("an unchanged index is never read"))
    for _ in range(200):
        retrieve.get_retriever()
    assert looks == []
    time.sleep(0.35)
    for _ in range(200):
        retrieve.get_retriever()
    assert len(looks) == 1


def test_the_interval_is_configurable(monkeypatch):
    monkeypatch.setenv("KNOWLEDGE_RELOAD_SECONDS", "12")
    assert retrieve.reload_seconds() == 12.0
    monkeypatch.setenv("KNOWLEDGE_RELOAD_SECONDS", "soon")
    assert retrieve.reload_seconds() == retrieve.RELOAD_SECONDS


def test_an_index_that_does_not_match_the_sources_is_not_loaded(knowledge_dirs, tmp_path):
    before = retrieve.get_retriever()
    source = tmp_path / "游泳安全管理办法.md"
    source.write_text(SECOND, encoding="utf-8")
    add([source], knowledge_dirs["documents"])
    index.ensure_index()
    (knowledge_dirs["documents"] / "游泳安全管理办法.md").write_text(SECOND + "\n第四条 补充。\n", encoding="utf-8")
    assert retrieve.get_retriever(check_now=True) is before, "built from other sources: keep the one loaded"


def test_a_save_writes_a_new_generation_and_swaps_the_manifest(knowledge_dirs, monkeypatch, tmp_path):
    folder = knowledge_dirs["index"]
    first, _ = index.ensure_index()
    manifest = json.loads((folder / index.MANIFEST).read_text(encoding="utf-8"))
    generation = manifest["generation"]
    assert (folder / f"vectors-{generation}.faiss").is_file() and (folder / f"rows-{generation}.json").is_file()

    monkeypatch.setattr(index, "STALE_SECONDS", -1)  # remove old generations at once
    index.save(first, folder)
    second = json.loads((folder / index.MANIFEST).read_text(encoding="utf-8"))["generation"]
    index.save(first, folder)
    third = json.loads((folder / index.MANIFEST).read_text(encoding="utf-8"))["generation"]
    names = {p.name for p in folder.iterdir()}
    assert f"rows-{third}.json" in names and f"rows-{second}.json" in names, "the previous generation stays"
    assert f"rows-{generation}.json" not in names, "an older one is removed"
    assert not [n for n in names if n.endswith(".tmp")]
    cards, fingerprint = index.current_fingerprint(retrieve.get_embedder().name)
    assert index.load(folder, fingerprint, cards) is not None


def test_an_index_saved_the_old_way_still_loads(knowledge_dirs):
    folder = knowledge_dirs["index"]
    built, _ = index.ensure_index()
    generation = json.loads((folder / index.MANIFEST).read_text(encoding="utf-8"))["generation"]
    for name, suffix in index.DATA_FILES:
        (folder / f"{name}-{generation}{suffix}").rename(folder / f"{name}{suffix}")
    manifest = json.loads((folder / index.MANIFEST).read_text(encoding="utf-8"))
    del manifest["generation"]
    (folder / index.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    again, rebuilt = index.ensure_index()
    assert not rebuilt and len(again.passages) == len(built.passages)


def test_build_reports_its_progress(knowledge_dirs):
    heard: list[tuple[str, int, int]] = []
    index.ensure_index(on_progress=lambda stage, done, total: heard.append((stage, done, total)))
    stages = [stage for stage, _, _ in heard]
    assert stages[0] == "reading" and stages[-1] == "saving"
    assert "embedding passages" in stages
    passages = [(done, total) for stage, done, total in heard if stage == "embedding passages"]
    assert passages[-1][0] == passages[-1][1] > 0, "the last report says every passage row is embedded"
