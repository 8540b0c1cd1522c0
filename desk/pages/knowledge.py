"""The knowledge base in the desk: documents and cards, uploading a document, rebuilding the index, trying a
question as the bot would answer it, and the questions the bot was unsure about (staff and admins only).

An upload goes to a staging folder first and is shown as the passages the bot would quote; only when staff
confirm is it added to the documents, exactly as ``python -m knowledge add`` does, and the index rebuilt.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import shutil
import time
import unicodedata
from urllib.parse import quote
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desk import index_jobs
from desk.accounts import DeskUser
from desk.config import ROOT
from desk.scopes import Scope
from desk.web import form_of, not_found, page, redirect, render
from knowledge.cards import Card, card_files, load_cards
from knowledge.documents import SUFFIXES, DocumentError
from knowledge.split import meta_for, sidecar_path
from records.db import as_utc, session_scope
from records.models import UnansweredQuestion
from records.unanswered import dismiss, open_questions

logger = logging.getLogger(__name__)

ROLES = ("staff", "admin")
MAX_UPLOAD = 20 * 1024 * 1024
PREVIEW_PASSAGES = 30
PREVIEW_CHARS = 400
STAGING_HOURS = 24  # an upload not confirmed within a day is removed
MAX_QUESTION = 300
CARDS_SHOWN = 50  # a page of cards; the search finds the others
LOCAL = ZoneInfo("Asia/Shanghai")
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
FIELDS = {"title": ("标题", 100), "number": ("文号", 60), "issuer": ("发布机关", 100), "date": ("日期", 10),
          "region": ("适用地区", 30)}
TYPES = "、".join(s.lstrip(".") for s in SUFFIXES)


def staging_dir() -> Path:
    """Where uploads wait for confirmation (``KNOWLEDGE_STAGING_DIR``, default ``var/knowledge_uploads``)."""
    import os

    configured = os.environ.get("KNOWLEDGE_STAGING_DIR")
    return Path(configured) if configured else ROOT / "var" / "knowledge_uploads"


def local_time(moment: dt.datetime | float | None) -> str:
    """A time as staff read it (Beijing time)."""
    if moment is None:
        return ""
    if isinstance(moment, (int, float)):
        moment = dt.datetime.fromtimestamp(moment, dt.timezone.utc)
    return as_utc(moment).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- the documents, the cards, the index


@dataclass(frozen=True)
class DocumentRow:
    """One document as listed: its file and how it is cited."""

    name: str
    title: str
    number: str
    issuer: str
    date: str
    region: str
    size_kb: int
    modified: str


def documents() -> list[DocumentRow]:
    """Every document of the knowledge base with its sidecar's metadata."""
    from knowledge.ingest import document_files, documents_dir

    rows = []
    for path in document_files(documents_dir()):
        try:
            meta, stat = meta_for(path), path.stat()
        except OSError:
            continue
        rows.append(DocumentRow(path.name, meta.title, meta.number or "", meta.issuer or "", meta.date or "",
                                meta.region, max(1, stat.st_size // 1024), local_time(stat.st_mtime)))
    return rows


@dataclass(frozen=True)
class CardFile:
    """One card file: its name, its cards, or what is wrong with it."""

    name: str
    cards: list[Card]
    error: str = ""


def card_groups() -> list[CardFile]:
    """The cards of each ``knowledge/cards/*.yml`` file (a broken file is shown as such, not as a crash)."""
    groups = []
    for path in card_files():
        try:
            groups.append(CardFile(path.name, load_cards([path])))
        except (ValueError, OSError, yaml.YAMLError) as error:
            groups.append(CardFile(path.name, [], f"这个文件有错误：{error}"))
    return groups


def matching_cards(groups: list[CardFile], query: str) -> list[tuple[str, Card]]:
    """The cards whose title (or one of whose questions) holds ``query``; every card when it is empty."""
    query = query.strip().lower()
    return [(group.name, card) for group in groups for card in group.cards
            if not query or query in card.title.lower() or query in card.id.lower()
            or any(query in q.lower() for q in card.questions)]


def index_status() -> dict:
    """What the saved index holds, when it was built, and whether a source changed since."""
    from knowledge.index import MANIFEST, index_dir, read_manifest, source_files

    directory = index_dir()
    manifest = read_manifest(directory)
    if manifest is None:
        return {"built": False, "stale": True}
    try:
        built = (directory / MANIFEST).stat().st_mtime
        cards, docs = source_files()
        newest = max((p.stat().st_mtime for p in (*cards, *docs)), default=0.0)
    except OSError:  # a file replaced while we looked: say nothing is stale rather than fail the page
        return {"built": True, "when": "", "cards": manifest.get("cards", 0),
                "passages": manifest.get("passages", 0), "stale": False}
    return {"built": True, "when": local_time(built), "cards": manifest.get("cards", 0),
            "passages": manifest.get("passages", 0), "stale": newest > built}


def _query(request: Request) -> str:
    return (request.query_params.get("q") or "").strip()[:50]


@page(*ROLES)
async def knowledge_home(request: Request, user: DeskUser) -> Response:
    """The documents, the cards (searchable), the index and its rebuild, the try box."""
    query = _query(request)
    groups = await run_in_threadpool(card_groups)
    context = {"documents": await run_in_threadpool(documents), "groups": groups, "query": query,
               "cards": matching_cards(groups, query), "shown": CARDS_SHOWN, "status": await run_in_threadpool(index_status),
               "job": index_jobs.current_job(), "added": request.query_params.get("added", "")[:120]}
    return render(request, "knowledge/index.html", **context)


@page(*ROLES)
async def card_list(request: Request, user: DeskUser) -> Response:
    """The card table for a title search (the fragment htmx swaps in as staff type)."""
    query = _query(request)
    groups = await run_in_threadpool(card_groups)
    return render(request, "knowledge/_cards.html", cards=matching_cards(groups, query), query=query,
                  shown=CARDS_SHOWN)


# ---------------------------------------------------------------- upload, preview, confirm


class UploadError(Exception):
    """An upload we refuse, with the sentence to show."""


def safe_file_name(filename: str) -> str:
    """The uploaded file's own name without folders or characters a file system dislikes; type checked."""
    name = unicodedata.normalize("NFC", Path((filename or "").replace("\\", "/")).name)
    name = _UNSAFE.sub("_", name).strip(" .")
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES or name.lower().endswith(".meta.yml"):
        raise UploadError(f"只能上传 {TYPES} 格式的文件。请把文件另存为其中一种格式再上传。")
    stem = Path(name).stem.strip(" .")[:60] or "文档"
    return f"{stem}{suffix}"


def metadata_of(form) -> dict[str, str]:
    """The metadata fields as typed, checked (lengths, a date like 2024-04-26)."""
    values: dict[str, str] = {}
    for key, (label, limit) in FIELDS.items():
        value = " ".join(str(form.get(key) or "").split())
        if len(value) > limit:
            raise UploadError(f"「{label}」太长了，最多{limit}个字。")
        if value:
            values[key] = value
    if "date" in values and not _DATE.match(values["date"]):
        raise UploadError("「日期」请写成 2024-04-26 这样的格式（也可以只写年份或年月）。")
    return values


async def _save_upload(upload: UploadFile, target: Path) -> None:
    """Copy the upload to ``target`` in pieces, refusing one over ``MAX_UPLOAD``."""
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD:
                raise UploadError(f"文件太大了（最大 {MAX_UPLOAD // 1024 // 1024} MB）。请把文件拆开或压缩图片后再上传。")
            out.write(chunk)
    if size == 0:
        raise UploadError("这个文件是空的。")


def _clear_old_uploads(directory: Path) -> None:
    """Remove uploads nobody confirmed."""
    cutoff = time.time() - STAGING_HOURS * 3600
    for folder in directory.glob("*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


@dataclass(frozen=True)
class Staged:
    """An upload waiting for confirmation."""

    token: str
    path: Path
    meta: dict[str, str]
    uploader: str


def _staged(token: str, user: DeskUser) -> Staged:
    """The upload ``token`` made by ``user``; 404 otherwise (another person's upload is not theirs to add)."""
    if not _TOKEN.match(token or ""):
        raise not_found()
    folder = staging_dir() / token
    try:
        info = json.loads((folder / "upload.json").read_text(encoding="utf-8"))
        path = folder / info["file"]
    except (OSError, ValueError, KeyError, TypeError):
        raise not_found() from None
    if info.get("uploader") != user.sender_id or not path.is_file():
        raise not_found()
    return Staged(token, path, dict(info.get("meta") or {}), info["uploader"])


def preview_of(staged: Staged) -> dict:
    """What the preview page shows: the citation, the first passages with their labels, warnings."""
    from knowledge.ingest import documents_dir, ingest

    passages = ingest(staged.path)
    meta = meta_for(staged.path)
    existing = documents_dir() / staged.path.name
    same_title = [row.name for row in documents() if row.title == meta.title and row.name != staged.path.name]
    shown = [{"label": " ".join(p for p in (p.chapter, p.article) if p) or "（无标题）",
              "text": p.text if len(p.text) <= PREVIEW_CHARS else p.text[:PREVIEW_CHARS] + "…",
              "citation": p.citation()} for p in passages[:PREVIEW_PASSAGES]]
    return {"staged": staged, "meta": meta, "count": len(passages), "passages": shown,
            "replaces": existing.exists(), "same_title": same_title}


@page(*ROLES)
async def upload_form(request: Request, user: DeskUser) -> Response:
    """The upload form."""
    return render(request, "knowledge/upload.html", values={}, error="", types=TYPES,
                  max_mb=MAX_UPLOAD // 1024 // 1024)


@page(*ROLES)
async def upload(request: Request, user: DeskUser) -> Response:
    """Stage an uploaded document and preview its passages (nothing is added yet)."""
    form = await form_of(request)
    values = {key: str(form.get(key) or "") for key in FIELDS}
    folder: Path | None = None
    try:
        upload_file = form.get("file")
        if not isinstance(upload_file, UploadFile) or not upload_file.filename:
            raise UploadError("请选择要上传的文件。")
        name = safe_file_name(upload_file.filename)
        meta = metadata_of(form)
        root = staging_dir()
        root.mkdir(parents=True, exist_ok=True)
        _clear_old_uploads(root)
        token = secrets.token_hex(16)
        folder = root / token
        folder.mkdir()
        target = folder / name
        await _save_upload(upload_file, target)
        sidecar = {k: meta[k] for k in ("title", "number", "issuer", "date", "region") if k in meta}
        if sidecar:  # the preview cites the document as it will be cited once added
            sidecar_path(target).write_text(yaml.safe_dump(sidecar, allow_unicode=True, sort_keys=False),
                                            encoding="utf-8")
        (folder / "upload.json").write_text(json.dumps({"file": name, "meta": meta, "uploader": user.sender_id,
                                                        "at": time.time()}, ensure_ascii=False), encoding="utf-8")
        staged = Staged(token, target, meta, user.sender_id)
        preview = await run_in_threadpool(preview_of, staged)
        if not preview["count"]:
            raise UploadError("这个文件里没有读到文字。如果是扫描的PDF（图片），请先转成文字版再上传。")
    except UploadError as error:
        _discard(folder)
        return render(request, "knowledge/upload.html", status_code=400, values=values, error=str(error),
                      types=TYPES, max_mb=MAX_UPLOAD // 1024 // 1024)
    except DocumentError as error:
        _discard(folder)
        logger.info("an uploaded document could not be read: %s", error)
        return render(request, "knowledge/upload.html", status_code=400, values=values, types=TYPES,
                      max_mb=MAX_UPLOAD // 1024 // 1024,
                      error="这个文件打不开：可能已损坏、有密码，或者内容和扩展名不符。请检查后再上传。")
    logger.info("document %s staged for the knowledge base by %s", name, user.sender_id)
    return render(request, "knowledge/preview.html", **preview)


def _discard(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@page(*ROLES)
async def confirm(request: Request, user: DeskUser) -> Response:
    """Add the staged document as ``python -m knowledge add`` does, then rebuild the index."""
    from knowledge.ingest import add, documents_dir

    form = await form_of(request)
    staged = _staged(str(form.get("token") or ""), user)
    if form.get("cancel"):
        _discard(staged.path.parent)
        return redirect(request, "/knowledge/upload")
    meta = staged.meta
    try:
        copied = await run_in_threadpool(
            lambda: add([staged.path], documents_dir(), title=meta.get("title"), issuer=meta.get("issuer"),
                        date=meta.get("date"), region=meta.get("region"), number=meta.get("number")))
    except (DocumentError, OSError) as error:
        logger.warning("could not add an uploaded document: %s", error)
        preview = await run_in_threadpool(preview_of, staged)
        return render(request, "knowledge/preview.html", status_code=400, **preview,
                      error="添加文件时出错了，请稍后再试，或联系管理员。")
    _discard(staged.path.parent)
    logger.info("document %s added to the knowledge base by %s", copied[0].name, user.sender_id)
    index_jobs.start_rebuild(user.sender_id, again_if_running=True)
    return redirect(request, f"/knowledge?added={quote(copied[0].name)}")


# ---------------------------------------------------------------- rebuild


@page(*ROLES)
async def rebuild(request: Request, user: DeskUser) -> Response:
    """Start a rebuild (or show the one running)."""
    job, _started = index_jobs.start_rebuild(user.sender_id)
    if request.headers.get("HX-Request"):
        return render(request, "knowledge/_rebuild_status.html", job=job)
    return redirect(request, "/knowledge")


@page(*ROLES)
async def rebuild_status(request: Request, user: DeskUser) -> Response:
    """The rebuild's stage and progress (polled while it runs), or its result."""
    return render(request, "knowledge/_rebuild_status.html", job=index_jobs.current_job())


# ---------------------------------------------------------------- try a question


def try_question(question: str) -> dict:
    """The bot's answer to ``question`` and the top hits with their scores (not noted as unanswered)."""
    from actions.policy import answer_question
    from knowledge.retrieve import get_retriever
    from nlu.components.text_normaliser import normalise

    retriever = get_retriever()
    reply = answer_question(retriever, question)
    hits = retriever.search(normalise(question), k=5)
    rows = [{"kind": "卡片" if h.kind == "card" else "段落", "key": h.key, "score": f"{h.evidence:.3f}",
             "title": h.unit.title if h.kind == "card" else h.unit.citation(), "region": h.region} for h in hits]
    verdict = reply.verdict.value if reply is not None else retriever.judge(hits).value
    return {"question": question, "answer": reply.text if reply is not None else "",
            "buttons": [b["title"] for b in (reply.buttons if reply is not None else [])],
            "verdict": verdict, "hits": rows}


VERDICTS = {"sure": ("有把握", "ok"), "likely": ("可能是", ""), "unsure": ("没把握", "urgent")}


@page(*ROLES)
async def try_box(request: Request, user: DeskUser) -> Response:
    """What the bot would answer, with the scores of its best five hits."""
    from knowledge.retrieve import loaded_retriever

    form = await form_of(request)
    question = " ".join(str(form.get("question") or "").split())[:MAX_QUESTION]
    template = "knowledge/_try_answer.html" if request.headers.get("HX-Request") else "knowledge/try.html"
    if not question:
        return render(request, template, error="请先输入一个问题。", question="")
    if loaded_retriever() is None and index_jobs.current_job().running:
        return render(request, template, error="知识库正在重建，请等重建完成后再试。", question=question)
    try:
        result = await run_in_threadpool(try_question, question)
    except Exception as error:  # noqa: BLE001 - a polite line instead of a stack trace
        logger.error("trying a question failed: %s", type(error).__name__, exc_info=error)
        return render(request, template, error="暂时无法查询知识库，请稍后再试。", question=question)
    return render(request, template, result=result, verdicts=VERDICTS, question=question)


# ---------------------------------------------------------------- unsure questions


@page(*ROLES)
async def unanswered(request: Request, user: DeskUser) -> Response:
    """The questions the bot was unsure about, most often asked first."""
    with session_scope() as session:
        rows = [{"id": q.id, "question": q.question, "count": q.count, "score": f"{q.best_score:.3f}",
                 "last": local_time(q.last_at), "first": local_time(q.first_at)}
                for q in open_questions(session, Scope(user).where(UnansweredQuestion))]
    return render(request, "knowledge/unanswered.html", rows=rows)


@page(*ROLES)
async def dismiss_question(request: Request, user: DeskUser) -> Response:
    """Take a question off the list."""
    try:
        question_id = int(request.path_params["question_id"])
    except ValueError:
        raise not_found() from None
    with session_scope() as session:
        if not dismiss(session, question_id, Scope(user).where(UnansweredQuestion)):
            raise not_found()
    if request.headers.get("HX-Request"):
        return Response("", media_type="text/html")
    return redirect(request, "/knowledge/unanswered")


routes = [
    Route("/knowledge", knowledge_home),
    Route("/knowledge/cards", card_list),
    Route("/knowledge/upload", upload_form, methods=["GET"]),
    Route("/knowledge/upload", upload, methods=["POST"]),
    Route("/knowledge/upload/confirm", confirm, methods=["POST"]),
    Route("/knowledge/rebuild", rebuild, methods=["POST"]),
    Route("/knowledge/rebuild/status", rebuild_status),
    Route("/knowledge/try", try_box, methods=["POST"]),
    Route("/knowledge/unanswered", unanswered),
    Route("/knowledge/unanswered/{question_id}/dismiss", dismiss_question, methods=["POST"]),
]
