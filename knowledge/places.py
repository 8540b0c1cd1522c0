"""Places the knowledge base knows local facts for, and finding them in a question."""
from __future__ import annotations

import re
from typing import Iterable

# Extra names people use for a region (a county's prefecture or province is not enough:
# a 贵州 figure is not a 黔西 figure, so only the place itself and its short name count).
ALIASES: dict[str, tuple[str, ...]] = {
    "黔西市": ("黔西", "黔溪"),
    "滕州市": ("滕州", "藤州"),
    "重庆市": ("重庆", "渝"),
    "北碚区": ("北碚",),
    "佛冈县": ("佛冈",),
    "安徽省": ("安徽",),
}
_SUFFIX = re.compile(r"(省|市|县|区|镇|乡)$")


def names_for(region: str) -> tuple[str, ...]:
    """All the ways a region may be written in a question."""
    short = _SUFFIX.sub("", region)
    return tuple(dict.fromkeys((region, short, *ALIASES.get(region, ()))))


def places_in(text: str, regions: Iterable[str]) -> set[str]:
    """The regions of ``regions`` that ``text`` names."""
    return {region for region in regions if any(name and name in text for name in names_for(region))}


def without_places(text: str, regions: Iterable[str]) -> str:
    """``text`` with every way of writing ``regions`` taken out ("北碚散居孤儿多少钱" → "散居孤儿多少钱").

    The words of a place make every card of that place look close to any question
    that names it; scored without them, the question is matched on its subject.
    A text that is nothing but the place is returned as it is.
    """
    names = sorted({n for region in regions for n in names_for(region) if n}, key=len, reverse=True)
    stripped = text
    for name in names:
        stripped = stripped.replace(name, " ")
    stripped = re.sub(r"\s+", " ", stripped).strip()
    return stripped if re.search(r"[\u4e00-\u9fffA-Za-z]{2}", stripped) else text
