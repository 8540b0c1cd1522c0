"""The labelled bank of danger descriptions and calm look-alikes (``nlu/danger/*.yml``).

``danger*.yml`` hold what people write when a child is in danger now
(``now``), has been seriously harmed (``serious``) or worries them
(``concern``); ``calm.yml`` holds questions about rules, the past, the news
and everyday talk that use the same words (``none``); ``calm*.yml`` hold those. The danger assessor
learns from the tune half; the evaluation measures on the test half
(``holdout.half_of``).

Pure standard library and PyYAML: both runtimes read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

from nlu.components.holdout import half_of

NOW, SERIOUS, CONCERN, NONE = "now", "serious", "concern", "none"
LEVELS: tuple[str, ...] = (NONE, CONCERN, SERIOUS, NOW)  # ascending gravity; the classifier's class order
SELF_HARM_KINDS = frozenset({"suicide", "self_harm"})
DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "danger"


class BankError(ValueError):
    """A bank file that does not follow the format."""


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    text: str
    level: str
    kind: str = "other"
    hurt: bool = False

    @property
    def self_harm(self) -> bool:
        """A child talking of suicide or harming themselves."""
        return self.kind in SELF_HARM_KINDS

    @property
    def alarming(self) -> bool:
        """Whether the first reply must say 110 (danger now, or serious harm that goes to a report)."""
        return self.level in (NOW, SERIOUS)

    @property
    def half(self) -> str:
        """``tune`` or ``test``."""
        return half_of(self.text)


def _examples(path: Path, section: str, default_level: str | None) -> list[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for i, item in enumerate(data.get(section) or []):
        where = f"{path.name}[{i}]"
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            raise BankError(f"{where}: needs a text")
        level = default_level or str(item.get("level"))
        if level not in LEVELS:
            raise BankError(f"{where}: level must be one of {LEVELS}")
        found.append(Example(str(item["text"]).strip(), level, str(item.get("kind") or "other"), bool(item.get("hurt"))))
    return found


def load_bank(directory: Path | str | None = None) -> list[Example]:
    """Every example of the bank (``danger*.yml``, then ``calm*.yml``); duplicates dropped."""
    directory = Path(directory) if directory else DEFAULT_DIRECTORY
    examples: list[Example] = []
    for path in sorted(directory.glob("danger*.yml")):
        examples += _examples(path, "danger", None)
    for path in sorted(directory.glob("calm*.yml")):
        examples += _examples(path, "calm", NONE)
    seen: set[str] = set()
    unique = []
    for example in examples:
        if example.text not in seen:
            seen.add(example.text)
            unique.append(example)
    return unique


def in_half(examples: Iterable[Example], half: str) -> list[Example]:
    """The examples of one half (``tune`` or ``test``)."""
    return [e for e in examples if e.half == half]
