"""Knowledge cards: one question-sized fact each, written by us, with its citation.

Cards live in ``knowledge/cards/*.yml`` under a top-level ``cards:`` list.
Loading checks every card, so a broken card fails the build, not a user's question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

CARDS_DIR = Path(__file__).parent / "cards"
AUDIENCES = {"parent", "director", "all"}
SOURCES = {"T", "D", "S", "R"}
# A card may offer a task after its answer ("也可以在这里报备"): the intent that starts it.
TASKS = {"register_departure", "report_concern", "log_visit"}
NATIONAL = "全国"


class CardError(ValueError):
    """A card file that does not follow the schema."""


@dataclass(frozen=True)
class Citation:
    """Where a fact comes from."""

    document: str
    article: str | None = None
    issuer: str | None = None
    number: str | None = None
    year: int | None = None

    def render(self) -> str:
        """'《未成年人保护法》第二十二条' or '《…意见》（民发〔2019〕62号）' or a local report with its issuer."""
        title = self.document if self.document.startswith("《") else f"《{self.document}》"
        text = title + (self.article or "")
        extra = [part for part in (self.number,) if part]
        if not self.number and self.issuer and not self.article:
            extra.append(f"{self.issuer}{'，' + str(self.year) + '年' if self.year else ''}")
        return text + (f"（{'，'.join(extra)}）" if extra else "")


@dataclass(frozen=True)
class Card:
    """One fact the assistant can state, with where it applies and where it comes from."""

    id: str
    title: str
    audience: str
    region: str
    source: str
    answer: str
    citations: tuple[Citation, ...]
    questions: tuple[str, ...]
    offers: str | None = None
    declines: str | None = None  # a task the card says is not needed here ("孩子跟着爸妈，不用报备"): its form does not open
    # Words that show the card's case is not the one asked (a regular expression): "他爸在坐牢" is no parent
    # away at work. The card gives way to its neighbours when the question holds one.
    not_when: str | None = None
    # Words the question must hold for the card's case to be the one asked (a regular expression): "孩子跟着我们"
    # for the card that says no registration is needed. Without them the card gives way as for ``not_when``.
    only_when: str | None = None

    def misfits(self, text: str) -> bool:
        """Whether the (normalised) question's words say this card's case is not the one asked."""
        return bool((self.not_when and re.search(self.not_when, text))
                    or (self.only_when and not re.search(self.only_when, text)))

    @property
    def is_local(self) -> bool:
        """True when the fact holds only for one place."""
        return self.region != NATIONAL

    def basis(self) -> str:
        """The line that names the source: '依据：《…》第X条；《…》'."""
        return "依据：" + "；".join(c.render() for c in self.citations)


def _card(raw: dict, where: str) -> Card:
    missing = {"id", "title", "audience", "region", "source", "answer", "citations", "questions"} - raw.keys()
    if missing:
        raise CardError(f"{where}: missing {sorted(missing)}")
    if raw["audience"] not in AUDIENCES or raw["source"] not in SOURCES:
        raise CardError(f"{where}: bad audience or source")
    if not raw["questions"] or not raw["citations"]:
        raise CardError(f"{where}: needs questions and citations")
    if raw.get("offers") not in (None, *TASKS):
        raise CardError(f"{where}: offers must be one of {sorted(TASKS)}")
    if raw.get("declines") not in (None, *TASKS):
        raise CardError(f"{where}: declines must be one of {sorted(TASKS)}")
    for key in ("not_when", "only_when"):
        try:
            re.compile(raw.get(key) or "")
        except re.error as problem:
            raise CardError(f"{where}: {key} is no regular expression ({problem})") from problem
    citations = tuple(
        Citation(
            document=str(c["document"]).strip("《》"),
            article=c.get("article"),
            issuer=c.get("issuer"),
            number=c.get("number"),
            year=c.get("year"),
        )
        for c in raw["citations"]
    )
    return Card(
        id=str(raw["id"]),
        title=str(raw["title"]),
        audience=raw["audience"],
        region=str(raw["region"]),
        source=raw["source"],
        answer=" ".join(str(raw["answer"]).split()) if "\n" not in str(raw["answer"]).strip() else str(raw["answer"]).strip(),
        citations=citations,
        questions=tuple(str(q) for q in raw["questions"]),
        offers=raw.get("offers"),
        declines=raw.get("declines"),
        not_when=raw.get("not_when") or None,
        only_when=raw.get("only_when") or None,
    )


def card_files(directory: Path = CARDS_DIR) -> list[Path]:
    """The card files, in a stable order."""
    return sorted(directory.glob("*.yml"))


def load_cards(files: Iterable[Path] | None = None) -> list[Card]:
    """Every card of ``files`` (default: all of ``knowledge/cards``), checked; ids unique."""
    cards: list[Card] = []
    for path in files if files is not None else card_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for i, raw in enumerate(data.get("cards") or []):
            cards.append(_card(raw, f"{path.name}[{i}]"))
    ids = [c.id for c in cards]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise CardError(f"duplicate card ids: {sorted(duplicates)}")
    return cards
