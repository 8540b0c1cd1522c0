"""The village directory: which villages exist, and the township and county each belongs to.

Routing needs the place a registration or report is about; a village the
directory does not know is not guessed at. The directory is a YAML file
(``VILLAGE_DIRECTORY``; the bundled example under ``records/data``) of
county → township → villages.
"""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "data" / "villages.yml"
_SUFFIX = re.compile(r"(村委会|村民委员会|居委会|社区居委会|村|社区)$")
_TOWNSHIP_SUFFIX = re.compile(r"(街道办事处|街道办|街道|镇|乡)$")


@dataclass(frozen=True)
class Village:
    """One village (or community) and where it belongs."""

    county: str
    township: str
    name: str

    @property
    def label(self) -> str:
        """How the bot names it back: 歇马街道大磨滩村."""
        return f"{self.township}{self.name}"


def directory_path() -> Path:
    """The configured directory file."""
    return Path(os.environ.get("VILLAGE_DIRECTORY") or DEFAULT_DIRECTORY)


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Village, ...]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return tuple(
        Village(str(county), str(township), str(name))
        for county, townships in data.items()
        for township, names in (townships or {}).items()
        for name in names or ()
    )


def villages() -> tuple[Village, ...]:
    """Every village in the configured directory."""
    return _load(str(directory_path()))


def _stem(name: str) -> str:
    return _SUFFIX.sub("", name)


def find_villages(text: str) -> list[Village]:
    """The villages ``text`` names (with or without 村/社区, optionally with its township).

    More than one means the name is ambiguous (two townships have a 东升村):
    the caller asks which, unless the text also names the township.
    """
    value = re.sub(r"\s+", "", text or "")
    if not value:
        return []
    named = [v for v in villages() if v.name in value or (len(_stem(v.name)) >= 2 and _stem(v.name) in value)]
    if len(named) > 1:
        in_township = [v for v in named if _TOWNSHIP_SUFFIX.sub("", v.township) in value]
        if in_township:
            named = in_township
    # the longest name wins when one village's name contains another's
    if named:
        longest = max(len(v.name) for v in named)
        named = [v for v in named if len(v.name) == longest]
    return named


def similar_villages(text: str, limit: int = 3) -> list[Village]:
    """Villages whose names look like ``text``: suggestions for a typo."""
    value = _stem(re.sub(r"\s+", "", text or ""))
    if not value:
        return []
    pool = villages()
    township = next((t for t in sorted({v.township for v in pool}, key=len, reverse=True) if value.startswith(t)), None)
    if township and len(value) > len(township):  # "澄江镇北全村": only 澄江镇's villages, compared without the township
        value = value[len(township):]
        pool = [v for v in pool if v.township == township]
    by_stem: dict[str, list[Village]] = {}
    for village in pool:
        by_stem.setdefault(_stem(village.name), []).append(village)
    close = difflib.get_close_matches(value[-4:], list(by_stem), n=limit, cutoff=0.5)
    return [village for stem in close for village in by_stem[stem]][:limit]


def township_exists(name: str) -> bool:
    """Whether the directory has a township (乡镇/街道) called ``name``."""
    return any(v.township == name for v in villages())


def county_exists(name: str) -> bool:
    """Whether the directory has a county called ``name``."""
    return any(v.county == name for v in villages())


def township_of(name: str) -> str | None:
    """The county of a township, or None."""
    return next((v.county for v in villages() if v.township == name), None)
