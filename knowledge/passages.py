"""A passage: one article or section of an ingested document, with the citation it keeps.

Documents (statutes, local policies, reports a deployer adds) are split at their
own structure into passages; each passage is indexed beside the cards and can
be shown to a user in full ("未成年人保护法第22条怎么说").
"""
from __future__ import annotations

from dataclasses import dataclass

NATIONAL = "全国"


@dataclass(frozen=True)
class Passage:
    """One searchable piece of a document.

    ``key`` is stable across rebuilds: ``<document title>#<article or section>``,
    e.g. ``未成年人保护法#第22条`` or ``黔西市…#3``.
    """

    key: str
    document: str
    article: str | None
    text: str
    chapter: str | None = None
    issuer: str | None = None
    date: str | None = None
    region: str = NATIONAL
    source_path: str = ""
    number: str | None = None  # the document's 文号 (国发〔2016〕13号), when it has one

    @property
    def is_local(self) -> bool:
        """True when the document holds only for one place."""
        return self.region != NATIONAL

    def citation(self) -> str:
        """'《未成年人保护法》第22条', '《国务院关于…意见》（国发〔2016〕13号）二（三）' or '《黔西市…》（黔西市，2022年）'."""
        title = f"《{self.document}》"
        if self.number:
            title += f"（{self.number}）"
        if self.article:
            return title + self.article
        extra = "，".join(part for part in (self.issuer, self.date) if part)
        return title + (f"（{extra}）" if extra else "")
