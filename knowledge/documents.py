"""Read the text out of a document a deployer adds: .txt, .md, .docx or .pdf.

Only well-kept libraries parse the binary formats (python-docx, pypdf); this
module just picks the reader, decodes plain text the way Chinese files are
really encoded (UTF-8, else GB18030, the superset of GBK/GB2312 that older
government sites and Windows editors write), and turns every failure into one
``DocumentError`` so ``python -m knowledge add`` and the index build can say
which file is bad instead of crashing.
"""
from __future__ import annotations

import re
from pathlib import Path

TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf")

# Characters no real text document contains; many of them mean "this is binary".
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


class DocumentError(Exception):
    """A document that cannot be read: unknown type, missing, corrupt or not text."""


def is_supported(path: Path) -> bool:
    """Whether ``path`` has a type we can read (by its suffix, case-insensitively)."""
    return path.suffix.lower() in SUFFIXES


def read_text(path: Path) -> str:
    """The document's text, paragraphs separated by newlines; "" for an empty file.

    Raises DocumentError for unknown types and for files that are missing,
    unreadable or not what their suffix claims.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(f"{path.name}: unsupported document type {suffix or '(none)'}; "
                            f"use one of {', '.join(SUFFIXES)}")
    if not path.is_file():
        raise DocumentError(f"{path}: no such file")
    try:
        if suffix in TEXT_SUFFIXES:
            return _read_plain(path)
        if suffix == ".docx":
            return _read_docx(path)
        return _read_pdf(path)
    except DocumentError:
        raise
    except OSError as error:
        raise DocumentError(f"{path.name}: cannot read ({error})") from error
    except Exception as error:  # the parsers raise many types for corrupt files
        raise DocumentError(f"{path.name}: not a readable {suffix[1:]} file ({type(error).__name__}: {error})") from error


def _read_plain(path: Path) -> str:
    """Decode a .txt/.md file: UTF-8 (with or without BOM), else GB18030."""
    data = path.read_bytes()
    if not data.strip():
        return ""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if len(_BINARY.findall(text)) > max(2, len(text) // 200):
            break  # decodes, but it is binary data, not text
        return text
    raise DocumentError(f"{path.name}: not a text file (neither UTF-8 nor GB18030 text)")


def _read_docx(path: Path) -> str:
    """Body paragraphs and table cells in document order (headers and footers are page furniture)."""
    import docx
    from docx.table import Table

    lines: list[str] = []

    def walk(container) -> None:
        for item in container.iter_inner_content():
            if isinstance(item, Table):
                for row in item.rows:
                    seen: set[int] = set()
                    for cell in row.cells:
                        if id(cell._tc) in seen:  # a merged cell repeats across the columns it spans
                            continue
                        seen.add(id(cell._tc))
                        walk(cell)
            else:
                lines.append(item.text)

    walk(docx.Document(str(path)))
    return "\n".join(lines)


def _read_pdf(path: Path) -> str:
    """Each page's extracted text, pages separated by a newline."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted and not reader.decrypt(""):
        raise DocumentError(f"{path.name}: the PDF is password-protected")
    pages = [page.extract_text() or "" for page in reader.pages]
    return "\n".join(pages)
