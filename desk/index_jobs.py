"""Rebuilding the knowledge index from the desk: one build at a time, in a background thread, with its progress.

The page that starts a build answers at once; the status fragment polls ``current_job()`` every second or
two. The build is ``knowledge.index.ensure_index`` (it saves the new index atomically); afterwards the
desk's own retriever looks at the manifest at once, and the action server picks the index up within a few
seconds on its next question (``knowledge.retrieve.get_retriever``).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace

logger = logging.getLogger(__name__)

STAGES = {  # what ``ensure_index`` reports, in words
    "starting": "准备中",
    "reading": "读取文档",
    "embedding cards": "向量化知识卡片",
    "embedding passages": "向量化文档段落",
    "saving": "保存索引",
}


@dataclass(frozen=True)
class RebuildJob:
    """One rebuild of the index, as the status fragment shows it."""

    state: str = "idle"  # idle, running, done, failed
    stage: str = ""
    done: int = 0
    total: int = 0
    started_by: str = ""
    started: float = field(default_factory=time.time)
    seconds: float = 0.0
    cards: int = 0
    passages: int = 0
    rebuilt: bool = False
    error: str = ""
    again: bool = False  # a document was added while this build ran: build once more when it ends

    @property
    def running(self) -> bool:
        """Whether the build is still going."""
        return self.state == "running"

    @property
    def stage_label(self) -> str:
        """The stage in words."""
        return STAGES.get(self.stage, self.stage)

    @property
    def percent(self) -> int | None:
        """How far the current stage is, when it counts anything."""
        return int(100 * self.done / self.total) if self.total else None


_lock = threading.Lock()
_job = RebuildJob()
_done = threading.Event()
_done.set()


def current_job() -> RebuildJob:
    """The running build, or the last one (``state`` idle when none has run in this process)."""
    return _job


def _set(**changes: object) -> None:
    global _job
    with _lock:
        _job = replace(_job, **changes)  # type: ignore[arg-type]


def start_rebuild(started_by: str = "", again_if_running: bool = False) -> tuple[RebuildJob, bool]:
    """Start a build unless one is running; returns (the job, whether this call started it).

    A build already running may have read the documents before a new one was added: with
    ``again_if_running`` (after an upload) it is followed by one more build instead.
    """
    global _job
    with _lock:
        if _job.running:
            if again_if_running and not _job.again:
                _job = replace(_job, again=True)
            return _job, False
        _job = RebuildJob(state="running", stage="starting", started_by=started_by)
        _done.clear()
        threading.Thread(target=_run, name="knowledge-rebuild", daemon=True).start()
        return _job, True


def wait(timeout: float | None = None) -> RebuildJob:
    """Wait for the running build (and one queued after it) to end; returns the job as it stands."""
    _done.wait(timeout)
    return _job


def _progress(stage: str, done: int, total: int) -> None:
    _set(stage=stage, done=done, total=total)


def _run() -> None:
    """Build, and build again while an upload asked for it during the build; then publish the outcome."""
    global _job
    while True:
        outcome = _build()
        with _lock:
            if _job.again:
                _job = RebuildJob(state="running", stage="starting", started_by=_job.started_by)
                continue
            _job = replace(_job, **outcome)  # type: ignore[arg-type]
            _done.set()
            return


def _build() -> dict[str, object]:
    """The build itself; never raises: a failure becomes a polite message."""
    start = time.perf_counter()
    try:
        from knowledge.index import ensure_index
        from knowledge.retrieve import get_retriever, loaded_retriever

        knowledge, rebuilt = ensure_index(on_progress=_progress)
        logger.info("knowledge index %s from the desk: %d cards, %d passages",
                    "rebuilt" if rebuilt else "up to date", len(knowledge.cards), len(knowledge.passages))
        if loaded_retriever() is not None:
            get_retriever(check_now=True)  # the desk's "try a question" box uses it from now on
        return {"state": "done", "stage": "", "seconds": time.perf_counter() - start, "cards": len(knowledge.cards),
                "passages": len(knowledge.passages), "rebuilt": rebuilt}
    except Exception as error:  # noqa: BLE001 - shown to staff as a message, logged in full
        logger.error("knowledge index rebuild failed: %s", type(error).__name__, exc_info=error)
        return {"state": "failed", "stage": "", "seconds": time.perf_counter() - start, "error": _polite(error)}


def _polite(error: Exception) -> str:
    """What went wrong, in words staff can act on."""
    import yaml

    from knowledge.cards import CardError

    if isinstance(error, (CardError, yaml.YAMLError)):
        return f"知识卡片文件有错误，请修改后再重建：{error}"
    if isinstance(error, OSError):
        return "读写索引文件时出错（磁盘已满或没有权限？），请联系管理员。"
    return "重建索引时出了问题，已经记录下来。请稍后再试，或联系管理员。"
