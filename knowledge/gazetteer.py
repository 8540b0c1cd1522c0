"""Every Chinese province, city and county, and the world's countries, found in a question.

The knowledge base has local figures for a handful of places; for any other
place the bot must say it does not know that place's figure rather than
hand out 黔西's. To know that a question names another place it must know
every place: the gazetteer comes from jionlp's maintained location data
(``china_location_loader``: full names and short names of every province,
prefecture and county; ``world_location_loader``: countries, their full
names, capitals and main cities), not from a hand list.

A short name that is also an everyday word (公安县 → 公安, 比如县 → 比如,
和平区 → 和平) is matched only with its suffix; jieba's dictionary tells
which two-character names are ordinary words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

CHINA = "中国"
PROVINCE, CITY, COUNTY, COUNTRY = "province", "city", "county", "country"
_RANK = {COUNTRY: 0, PROVINCE: 1, CITY: 2, COUNTY: 3}
_LONGEST = 12
_SHORTEST = 2
# Short names that are ordinary words in these conversations although jieba calls them places.
_NOT_PLACES = frozenset({"城关", "新华", "中山", "东方", "长安", "和平", "前进", "友好", "解放", "通道", "合作", "比如",
                         "公安", "南部", "平原", "港口", "中原", "武功", "白云", "永和", "新城", "铁西", "铁东", "向阳",
                         "红旗", "光明", "民主", "文化", "新兴", "城中", "城北", "城南", "城东", "城西", "市中", "郊区",
                         "矿区", "开发", "高新", "宝山", "金山", "普陀", "朝阳", "海港", "安定", "安居", "大同", "太平",
                         "建设", "团结", "胜利", "东风", "新乡", "兴县", "安县", "和县", "睢县", "沙市", "青山", "长寿",
                         "上街", "新建", "商城", "江山", "安宁", "古城", "河口", "路桥", "天桥", "沿河", "牡丹", "滨海",
                         "大城", "新市", "西市", "山城", "江城", "东山", "无极", "安国", "长乐", "兴隆", "卧龙", "新安",
                         "永安", "永平", "平安", "三河", "江口", "湖口", "新河", "东河", "大东", "南关", "北关", "龙潭",
                         "离岛", "红山", "花山", "玉山", "龙城", "海城", "临江", "长宁", "平山", "上林", "新平",
                         "长岭", "东港", "湾里", "龙湖", "滨江", "滨湖", "湖滨", "江海", "三江", "东安", "西平", "南城"})
# Foreign names that are ordinary Chinese words, or Chinese places, too.
_NOT_FOREIGN = frozenset({"中国", "乍得", "多哥", "几内亚", "不丹", "圭亚那", "北京", "上海", "重庆", "新加坡市"})


@dataclass(frozen=True)
class Place:
    """A place named in a question."""

    name: str  # the words as found in the text
    full: str  # 云南省昭通市镇雄县, or the country's name
    level: str  # province, city, county or country
    province: str | None = None  # the Chinese province (None for a foreign country)

    @property
    def foreign(self) -> bool:
        """True for a country other than China."""
        return self.level == COUNTRY


def _aliases(node: dict) -> list[str]:
    alias = node.get("_alias")
    return [a for a in (alias if isinstance(alias, list) else [alias]) if a]


# jieba's tags of proper nouns: a place it tags as a person's or another proper name (义乌 nz, 石狮 nr, 宝安 nr,
# 萧山 nr) is no ordinary word, and "在浙江义乌打工" names 义乌.
_PROPER_NOUNS = frozenset({"ns", "nr", "nrt", "nrfg", "nz", "nt"})


@lru_cache(maxsize=1)
def _ordinary_words() -> frozenset[str]:
    """Two-character words jieba knows as something other than a place name."""
    import jieba.posseg

    jieba.posseg.initialize() if hasattr(jieba.posseg, "initialize") else None
    tags = jieba.posseg.dt.word_tag_tab
    return frozenset(w for w, tag in tags.items() if len(w) == 2 and tag not in _PROPER_NOUNS)


@lru_cache(maxsize=1)
def _names() -> dict[str, Place]:
    """Every name → its place; a name two places share goes to the larger one (西安: the city, not 吉林's 西安区)."""
    import jionlp

    ordinary = _ordinary_words() | _NOT_PLACES
    found: dict[str, Place] = {}

    def add(name: str, place: Place, short: bool) -> None:
        if len(name) < _SHORTEST or (short and len(name) == 2 and name in ordinary):
            return
        if name not in found or _RANK[place.level] < _RANK[found[name].level]:
            found[name] = place

    levels = (PROVINCE, CITY, COUNTY)

    def walk(node: dict, path: list[str], depth: int, province: str | None) -> None:
        for key, child in node.items():
            if key.startswith("_") or not isinstance(child, dict):
                continue
            place = Place(key, "".join(path + [key]), levels[min(depth, 2)], province or key)
            add(key, place, short=False)
            for alias in _aliases(child):
                add(alias, Place(alias, place.full, place.level, place.province), short=True)
            walk(child, path + [key], depth + 1, province or key)

    walk(jionlp.china_location_loader(), [], 0, None)
    for continent in jionlp.world_location_loader().values():
        for country, info in continent.items():
            if country in _NOT_FOREIGN:
                continue
            place = Place(country, country, COUNTRY)
            add(country, place, short=False)
            if info.get("full_name") and info["full_name"] not in _NOT_FOREIGN:
                add(info["full_name"], place, short=False)
    for extra in ("英国", "美国", "日本", "韩国", "德国", "法国", "俄罗斯", "澳大利亚", "加拿大", "泰国", "越南", "新西兰"):
        found.setdefault(extra, Place(extra, extra, COUNTRY))
    return found


_PRECEDING_TRAVEL = re.compile(r"(在|去|到|从|来自|跑|克|上)$")  # 克: 去 in southwestern speech


def places_in(text: str) -> list[Place]:
    """The places ``text`` names, longest match first, left to right, each once."""
    names = _names()
    found: list[Place] = []
    cuts: set[int] | None = None
    people: list[tuple[int, int]] | None = None
    i = 0
    while i < len(text):
        for size in range(min(_LONGEST, len(text) - i), _SHORTEST - 1, -1):
            place = names.get(text[i : i + size])
            if place is not None and _is_short(place, text[i : i + size]):
                cuts = _word_edges(text) if cuts is None else cuts
                if i not in cuts or (i + size not in cuts and not _LEVEL_NEXT.match(text, i + size)):
                    continue  # 上街 inside 上街头: part of another word (凉山州 is still 凉山)
                people = _name_spans(text) if people is None else people
                if any(start < i and i + size <= end for start, end in people):
                    continue  # 秀英 (海口市秀英区) after the surname of 王秀英, a grandmother's name (黄石 stays a city)
            if place is not None:
                found.append(Place(text[i : i + size], place.full, place.level, place.province))
                i += size
                break
        else:
            i += 1
    unique: dict[str, Place] = {}
    for place in found:
        unique.setdefault(place.full, place)
    return list(unique.values())


_LEVEL_NEXT = re.compile(r"[省市州县区盟旗镇乡]")


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Where people's names stand in ``text`` (start, end), by jieba's person-name tags."""
    from actions.parsing import person_names  # the one reader of names; imported only when a short place is seen

    return [(end - len(name), end) for name, end in person_names(text)]


def _is_short(place: Place, name: str) -> bool:
    """A short name without its suffix (镇雄 for 镇雄县), as opposed to a full name or a country."""
    return place.level != COUNTRY and not place.full.endswith(name)


def _word_edges(text: str) -> set[int]:
    """Where jieba's words of ``text`` start and end: a short place name must be a word of its own."""
    from knowledge.bm25 import dictionary_words

    edges, at = {0}, 0
    for word in dictionary_words(text):
        at += len(word)
        edges.add(at)
    return edges


_WORK_AFTER = re.compile(r"^[^，,。？?！!]{0,8}(打工|务工|进厂|上班|干活|做工|挣钱|做生意|摘棉花|工地|开工|跑车|厂里|厂子|电子厂|"
                         r"公司|送外卖|跑外卖|送快递|当保姆|做保姆|开车|打零工|做事|做活|搞钱|赚钱|上工|找活)")
# A parent said to be in a place ("她爸妈在东莞", "娃他爹去了浙江", "我人在苏州"): that is where they work, not the
# child's home.
_PARENT_THERE = re.compile(r"(我人|人还|我现在人|爸妈|父母|爹妈|爸爸妈妈|爸爸|妈妈|他爸|她爸|他妈|她妈|他爹|她爹|他娘|她娘|孩子爸|孩子妈|娃他爸|娃他妈|"
                           r"娃他爹|娃他娘|儿子|女儿|闺女|媳妇|儿媳|女婿|老公|丈夫|两口子|一家子|他们|我们)"
                           r"(都|也|还|一直|常年|长年)?(在|去了|去|到|跑|克)$")


def where_parent_works(text: str, place: Place) -> bool:
    """True when ``place`` is where the parent goes to work (「去广东进厂」「在深圳打工」), not the child's home:
    its figures are not the ones asked for."""
    start = text.find(place.name)
    while start >= 0:
        if (_PRECEDING_TRAVEL.search(text[max(0, start - 2) : start])
                and _WORK_AFTER.search(text[start + len(place.name) :])) \
                or _PARENT_THERE.search(text[max(0, start - 8) : start]):
            return True
        start = text.find(place.name, start + 1)
    return False


def foreign_subject(text: str) -> Place | None:
    """A foreign country the question is *about* (not one the parent merely works in: 「我在日本打工」)."""
    for match in _foreign_mentions(text):
        place, start = match
        if not _PRECEDING_TRAVEL.search(text[max(0, start - 2) : start]):
            return place
    return None


def _foreign_mentions(text: str) -> Iterator[tuple[Place, int]]:
    names = _names()
    for place in places_in(text):
        if place.foreign:
            yield names[place.name], text.find(place.name)
