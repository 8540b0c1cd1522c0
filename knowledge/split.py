"""Split a cleaned document into passages at its own structure, each keeping its citation.

A passage is what the bot can quote and cite: one statute article
(``《未成年人保护法》第22条``), one section of a policy (``一``, ``二（三）``), or
a few paragraphs of a news report (``第3段``). Splitting where the document
itself does keeps an article's paragraphs and items together and never mixes
the end of one article into the next.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.passages import NATIONAL, Passage
from nlu.components.text_normaliser import chinese_int

NEWS_CHARS = 400  # a news passage holds 1–3 paragraphs up to about this many characters
NEWS_PARAGRAPHS = 3
LONG_PARAGRAPH = 600  # a news paragraph longer than this is cut at sentence ends

_NUMERAL = "零〇一二三四五六七八九十百千两"
_ARTICLE = re.compile(rf"^第([{_NUMERAL}]+|\d+)条(之[{_NUMERAL}]+)?(?:[ \u3000]+|$)")
_CHAPTER = re.compile(rf"^(第[{_NUMERAL}\d]+章)\s*(.*)$")
_SECTION = re.compile(rf"^(第[{_NUMERAL}\d]+节)\s*(.*)$")
_PART = re.compile(rf"^(第[{_NUMERAL}\d]+编)\s*(.*)$")
_TOP = re.compile(r"^([一二三四五六七八九十]{1,3})[、.．]\s*(.*)$")
_SUB = re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[）)]\s*(.*)$")
_NUMBERED = re.compile(r"^(\d{1,2})[.．、]\s*(?=\D)(.*)$")
_DATE_IN_NAME = re.compile(r"[（(](\d{4}-\d{2}-\d{2})[）)]")
_TERMINAL = "。！？；：…”’」』"


@dataclass(frozen=True)
class DocumentMeta:
    """Where a document comes from: what its passages cite."""

    title: str
    issuer: str | None = None
    date: str | None = None
    region: str = NATIONAL
    number: str | None = None  # the 文号, e.g. 国发〔2016〕13号


def sidecar_path(path: Path) -> Path:
    """``<file>.meta.yml`` beside the document (``未成年人保护法(2024-04-26).md.meta.yml``)."""
    return path.with_name(path.name + ".meta.yml")


def meta_for(path: Path, text: str | None = None) -> DocumentMeta:
    """The document's citation: from its sidecar when there is one, else from the file itself.

    Without a sidecar the title is the first ``# `` heading (minus 中华人民共和国,
    as people cite laws), else the file name; the date is the ``(2024-04-26)``
    in the file name; the region is 全国.
    """
    path = Path(path)
    data: dict = {}
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        try:
            loaded = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            loaded = None
        data = loaded if isinstance(loaded, dict) else {}
    title = _text(data.get("title")) or _title_from_file(path, text)
    date = _text(data.get("date"))
    if date is None:
        match = _DATE_IN_NAME.search(path.name)
        date = match.group(1) if match else None
    return DocumentMeta(title=title, issuer=_text(data.get("issuer")), date=date,
                        region=_text(data.get("region")) or NATIONAL,
                        number=_text(data.get("number")) or _number_from_text(text))


_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}〔\d{4}〕\d{1,4}号")
_NUMBER_LINE = re.compile(r"^\s*[-*]?\s*文号[：:]\s*(.+)$", re.M)


def _number_from_text(text: str | None) -> str | None:
    """The 文号 a file's own record card gives (「- 文号：国发〔2016〕13号」), if any."""
    match = _NUMBER_LINE.search(text[:3000]) if text else None
    found = _NUMBER.search(match.group(1)) if match else None
    return found.group(0) if found else None


def _text(value: object) -> str | None:
    """A sidecar value as text (YAML reads 2024-04-26 as a date)."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    value = str(value).strip()
    return value or None


def _title_from_file(path: Path, text: str | None) -> str:
    """The first markdown ``# `` heading, else the file name without its date."""
    if text is None and path.suffix.lower() in (".md", ".txt") and path.is_file():
        try:
            from knowledge.documents import read_text

            text = read_text(path)
        except Exception:  # the title is a nicety; reading errors surface in ingest
            text = None
    for line in (text or "").splitlines():
        match = re.match(r"^#\s+(.+?)\s*#*\s*$", line.strip())
        if match:
            return _short_title(match.group(1))
    stem = _DATE_IN_NAME.sub("", path.stem).strip(" _-")
    return _short_title(stem or path.stem)


def _short_title(title: str) -> str:
    """How people cite it: 未成年人保护法, not 中华人民共和国未成年人保护法."""
    title = re.sub(r"\s+", " ", title.replace("《", "").replace("》", "")).strip()
    return title.removeprefix("中华人民共和国").strip() or title


def split_document(text: str, meta: DocumentMeta, source_path: str = "") -> list[Passage]:
    """The passages of a cleaned document (one paragraph per line), by its kind of structure."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return []
    if sum(1 for line in lines if _ARTICLE.match(line)) >= 3:
        pieces = _statute(lines, meta)
    elif (top := sum(1 for line in lines if _TOP.match(line))) >= 2 or sum(1 for line in lines if _SUB.match(line)) >= 2:
        pieces = _policy(lines, meta, use_top=top >= 2)
    elif _numbered_count(lines) >= 3:
        pieces = _numbered(lines, meta)
    else:
        pieces = _news(lines, meta)
    return _passages(pieces, meta, source_path)


# A piece before it becomes a Passage: (article label, chapter, paragraphs).
Piece = tuple[str, "str | None", list[str]]


def _passages(pieces: list[Piece], meta: DocumentMeta, source_path: str) -> list[Passage]:
    """Passages with keys unique within the document (a repeated label gets （第2处）)."""
    seen: dict[str, int] = {}
    out: list[Passage] = []
    for label, chapter, paragraphs in pieces:
        body = "\n".join(p for p in paragraphs if p).strip()
        if not body:
            continue
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label}（第{seen[label]}处）"
        out.append(Passage(key=f"{meta.title}#{label}", document=meta.title, article=label, text=body,
                           chapter=chapter, issuer=meta.issuer, date=meta.date, region=meta.region, number=meta.number,
                           source_path=source_path))
    return out


def _is_title_line(line: str, meta: DocumentMeta) -> bool:
    """The document's own title or issuer line, already in its citation."""
    def squeeze(value: str | None) -> str:
        return re.sub(r"[\s《》]", "", value or "").removeprefix("中华人民共和国")

    bare_title = re.sub(r"（[^（）]*）$", "", meta.title)  # 未成年人保护法（2020年修订） → 未成年人保护法
    return squeeze(line) in {squeeze(meta.title), squeeze(bare_title), squeeze(meta.issuer)} - {""}


def _is_heading(line: str) -> bool:
    """A short line without sentence punctuation: a (sub)heading, not a paragraph."""
    return len(line) <= 30 and not re.search(rf"[{_TERMINAL}，,]$", line) and "。" not in line


def _statute(lines: list[str], meta: DocumentMeta) -> list[Piece]:
    """One piece per 第X条, labelled 第22条, with the 章 (and 节) it stands in."""
    pieces: list[Piece] = []
    preamble: list[str] = []
    chapter: str | None = None
    chapter_count = 0
    section: str | None = None
    current: list[str] | None = None
    label = ""
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if match := _CHAPTER.match(line):
            chapter, section, chapter_count = _join(match.group(1), match.group(2)), None, chapter_count + 1
            current = None
            continue
        if match := _SECTION.match(line):
            section, current = _join(match.group(1), match.group(2)), None
            continue
        if _PART.match(line):
            current = None
            continue
        if match := _ARTICLE.match(line):
            number = chinese_int(match.group(1))
            label = f"第{number}条" + (match.group(2) or "")
            current = [line[match.end():].strip()]
            where = " ".join(part for part in (chapter, section) if part) or None
            pieces.append((label, where, current))
            continue
        if (chapter_count and _is_heading(line) and not _SUB.match(line)
                and (_ARTICLE.match(following) or _SECTION.match(following))):
            # A chapter heading that lost its 第X章 (未成年人网络保护条例): number it after the last one.
            chapter_count += 1
            chapter, section, current = f"第{_to_chinese(chapter_count)}章 {line}", None, None
            continue
        if current is None:
            if not pieces:
                if not _is_title_line(line, meta):
                    preamble.append(line)
            else:
                pieces[-1][2].append(line)  # text after a heading that is not an article: keep it, cited
            continue
        current.append(line)
    if preamble:
        pieces.insert(0, ("题注", None, preamble))
    return pieces


def _join(label: str, name: str) -> str:
    name = re.sub(r"\s+", "", name)
    return f"{label} {name}".strip()


def _to_chinese(number: int) -> str:
    """3 → 三, 12 → 十二 (chapter numbers only go so far)."""
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    if number < 20:
        return "十" + (digits[number % 10] if number % 10 else "")
    return digits[number // 10] + "十" + (digits[number % 10] if number % 10 else "")


def _policy(lines: list[str], meta: DocumentMeta, use_top: bool) -> list[Piece]:
    """Pieces at 一、 and （一）: ``一`` for a part's own text, ``二（三）`` for its items."""
    pieces: list[Piece] = []
    preamble: list[str] = []
    top_label: str | None = None
    top_heading: str | None = None
    current: list[str] | None = None
    for line in lines:
        if use_top and (match := _TOP.match(line)):
            top_label = match.group(1)
            top_heading = line
            current = [match.group(2)] if match.group(2) else []
            pieces.append((top_label, None, current))
            continue
        if match := _SUB.match(line):
            label = f"（{match.group(1)}）"
            if top_label:
                label = f"{top_label}{label}"
                if pieces and pieces[-1][0] == top_label and len(pieces[-1][2]) <= 1:
                    pieces.pop()  # the part is only a heading: it becomes its items' chapter
            current = [match.group(2)]
            pieces.append((label, top_heading, current))
            continue
        if current is None:
            if not _is_title_line(line, meta):
                preamble.append(line)
            continue
        current.append(line)
    if preamble:
        pieces.insert(0, ("前言", None, preamble))
    return pieces


def _numbered_count(lines: list[str]) -> int:
    """How many numbered paragraphs 1. 2. 3. … run in order."""
    expected = 1
    for line in lines:
        match = _NUMBERED.match(line)
        if match and int(match.group(1)) == expected:
            expected += 1
    return expected - 1


def _numbered(lines: list[str], meta: DocumentMeta) -> list[Piece]:
    """Pieces at numbered paragraphs 1. 2. 3., labelled 第3段."""
    pieces: list[Piece] = []
    preamble: list[str] = []
    expected = 1
    current: list[str] | None = None
    for line in lines:
        match = _NUMBERED.match(line)
        if match and int(match.group(1)) == expected:
            current = [match.group(2)]
            pieces.append((f"第{expected}段", None, current))
            expected += 1
        elif current is None:
            if not _is_title_line(line, meta):
                preamble.append(line)
        else:
            current.append(line)
    if preamble:
        pieces.insert(0, ("前言", None, preamble))
    return pieces


def _news(lines: list[str], meta: DocumentMeta) -> list[Piece]:
    """Pieces of 1–3 paragraphs (about 400 characters), labelled 第N段; a subheading opens a new one.

    Subheadings stay in the text (they say what the paragraphs are about) but
    are not made chapters: in a report they are as often a byline as a topic.
    """
    paragraphs: list[str] = []
    for index, line in enumerate(lines):
        if index < 5 and _is_title_line(line, meta):
            continue
        paragraphs.extend(_sentences_chunks(line) if len(line) > LONG_PARAGRAPH else [line])
    pieces: list[Piece] = []
    current: list[str] = []

    def body(part: list[str]) -> list[str]:
        return [p for p in part if not _is_heading(p)]

    for paragraph in paragraphs:
        if _is_heading(paragraph):
            if body(current):
                pieces.append((f"第{len(pieces) + 1}段", None, current))
                current = []
            current.append(paragraph)
            continue
        texts = body(current)
        if texts and (sum(map(len, texts)) + len(paragraph) > NEWS_CHARS or len(texts) >= NEWS_PARAGRAPHS):
            pieces.append((f"第{len(pieces) + 1}段", None, current))
            current = []
        current.append(paragraph)
    if current and not body(current) and pieces:
        pieces[-1][2].extend(current)  # headings left at the very end stay with the last passage
    elif current:
        pieces.append((f"第{len(pieces) + 1}段", None, current))
    return pieces


def _sentences_chunks(paragraph: str) -> list[str]:
    """A very long paragraph cut at sentence ends into pieces of about NEWS_CHARS."""
    sentences = re.findall(r"[^。！？]+[。！？]?[”’」』]?", paragraph)
    chunks: list[str] = []
    for sentence in sentences:
        if chunks and len(chunks[-1]) + len(sentence) <= NEWS_CHARS:
            chunks[-1] += sentence
        else:
            chunks.append(sentence)
    return chunks or [paragraph]
