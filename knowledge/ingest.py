"""Ingest documents into passages: read → clean → split, with the document's citation.

The documents directory (``KNOWLEDGE_DOCUMENTS_DIR``, default
``knowledge/documents``) holds every regulation and local policy the bot may
quote, each beside a ``<file>.meta.yml`` sidecar that says its title, issuer,
date and region. ``add`` puts new files there (``python -m knowledge add``);
the index is rebuilt from ``ingest_all`` when a file or sidecar changes.
"""
from __future__ import annotations

import logging
import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Iterable

import yaml

from knowledge.clean import clean_text
from knowledge.documents import DocumentError, is_supported, read_text
from knowledge.passages import NATIONAL, Passage
from knowledge.split import DocumentMeta, meta_for, sidecar_path, split_document

log = logging.getLogger(__name__)

DEFAULT_DOCUMENTS_DIR = Path(__file__).resolve().parent / "documents"


def documents_dir() -> Path:
    """Where the documents live: ``KNOWLEDGE_DOCUMENTS_DIR`` or ``knowledge/documents``."""
    configured = os.environ.get("KNOWLEDGE_DOCUMENTS_DIR")
    return Path(configured) if configured else DEFAULT_DOCUMENTS_DIR


def _source_path(path: Path) -> str:
    """The path a passage records: relative to the working directory when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def ingest(path: Path) -> list[Passage]:
    """The passages of one document; [] when it holds no text. Raises DocumentError if unreadable."""
    path = Path(path)
    raw = read_text(path)
    meta = meta_for(path, raw)
    return split_document(clean_text(raw), meta, source_path=_source_path(path))


def document_files(directory: Path) -> list[Path]:
    """The documents in ``directory`` (sidecars, hidden and unsupported files left out), in name order."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir()
                  if p.is_file() and not p.name.startswith(".") and is_supported(p))


def ingest_all(directory: Path) -> list[Passage]:
    """The passages of every document in ``directory``.

    A file that cannot be read is logged and skipped, so one bad upload does
    not stop the index from building. Two documents with the same title would
    give the same keys; the later one is renamed with its date and a warning.
    """
    passages: list[Passage] = []
    titles: set[str] = set()
    for path in document_files(Path(directory)):
        try:
            found = ingest(path)
        except DocumentError as error:
            log.warning("skipping document: %s", error)
            continue
        if not found:
            log.warning("skipping document %s: no text", path.name)
            continue
        title = found[0].document
        if title in titles:
            renamed = f"{title}（{found[0].date or path.stem}）"
            log.warning("two documents are titled %s; citing %s as %s (give it a title in %s)",
                        title, path.name, renamed, sidecar_path(path).name)
            found = [replace(p, document=renamed, key=f"{renamed}#{p.article}") for p in found]
            title = renamed
        titles.add(title)
        passages.extend(found)
    return passages


def add(
    paths: Iterable[Path],
    directory: Path,
    title: str | None = None,
    issuer: str | None = None,
    date: str | None = None,
    region: str | None = None,
    number: str | None = None,
) -> list[Path]:
    """Copy documents into ``directory`` and write their sidecars; returns the copies.

    Every file is checked (type, readable, has text) before anything is
    copied, so a bad file in the list leaves the directory untouched. Options
    given here win over a sidecar next to the source file, which wins over
    what the file itself says. A title names one document, so it may only be
    given with a single file.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise DocumentError("no files to add")
    if title and len(paths) > 1:
        raise DocumentError("--title names one document; add the files one at a time")
    metas: list[DocumentMeta] = []
    for path in paths:
        raw = read_text(path)  # raises DocumentError for unknown types, missing or unreadable files
        if not clean_text(raw).strip():
            raise DocumentError(f"{path.name}: no text to index")
        found = meta_for(path, raw)
        metas.append(DocumentMeta(
            title=title or found.title,
            issuer=issuer or found.issuer,
            date=date or found.date,
            region=region or found.region or NATIONAL,
            number=number or found.number,
        ))
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    copied: list[Path] = []
    for path, meta in zip(paths, metas):
        target = directory / path.name
        if path.resolve() != target.resolve():
            shutil.copyfile(path, target)
        write_sidecar(target, meta)
        copied.append(target)
    return copied


def write_sidecar(path: Path, meta: DocumentMeta) -> Path:
    """Write ``<file>.meta.yml`` with the document's title, 文号, issuer, date and region."""
    data = {"title": meta.title, "number": meta.number, "issuer": meta.issuer, "date": meta.date,
            "region": meta.region}
    sidecar = sidecar_path(path)
    sidecar.write_text(yaml.safe_dump({k: v for k, v in data.items() if v is not None},
                                      allow_unicode=True, sort_keys=False), encoding="utf-8")
    return sidecar
