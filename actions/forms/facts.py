"""Facts a parent gives before they are asked: "孩子叫周杰，12岁，住静观镇集真村，跟他奶奶，奶奶叫王秀兰…".

The departure form would otherwise ask all of it again. Each fact is found by
a small pattern that says whose it is (the child's name after 孩子叫, the
carer's after 奶奶叫, a phone number after 我的电话 or 奶奶电话) and then goes
through the same parser as the form's own answer, so a fact taken from a
sentence is exactly as clean as one typed at its question. Anything ambiguous
(two ages, a phone number without an owner) is left for the form to ask, and
the parent checks everything at the summary.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any, Callable

from actions.parsing import (
    BadAnswer,
    clean,
    digits_read_out,
    parse_age,
    parse_city,
    parse_child_id_number,
    parse_name,
    parse_phone,
    parse_relation,
    parse_return_time,
    parse_text,
    parse_village,
    person_names,
    relation_words,
)
from knowledge.gazetteer import places_in

_CLAUSE = re.compile(r"[，,。；;！!？?\n\s]+")  # a space is a comma in a chat message
_NAME = r"([\u4e00-\u9fff·]{2,5}?)(?=$|[，,。；;、\s\d（(]|今年|岁|电话|手机|住|在|是|过|带|一起|生活|照顾|看)"
_CHILD = r"(孩子|娃娃|娃儿|娃|小孩|儿子|女儿|闺女|孙子|孙女|外孙|外孙女|小的|大的|老大|老二|老三)"
_CHILD_NAME = re.compile(_CHILD + r"(的)?(名字|大名)?(叫做|叫|是)\s*" + _NAME)
AGE_SAID = re.compile(r"(?<![一二两三四五六七八九十\d])(\d{1,2}|[一二两三四五六七八九十]{1,3})(周岁|岁|歲)")
# An age said without 岁, as of someone named just before it ("他哥16了"): read only with ``age_of_a_carer``.
AGE_SAID_LOOSELY = re.compile(r"(?<![一二两三四五六七八九十\d])(\d{1,2}|[一二两三四五六七八九十]{1,3})(周岁|岁|歲|了)")
_ID = re.compile(r"\d{17}[\dXx]")
_VILLAGE = re.compile(r"([\u4e00-\u9fff]{2,14}?(村|社区))")
_VILLAGE_END = re.compile(r"(村|社区)")
# Whose age it is: a carer or a sibling named just before it ("奶奶今年70岁了") or just after ("70岁的奶奶").
_AGE_OWNER_BEFORE = 6
_AGE_OWNER_AFTER = 4
_CITY = re.compile(r"(去|到|在)([\u4e00-\u9fff]{2,6}?)(那边|那儿|那里)?(打工|务工|上班|干活|进厂|做工|做事|搞建筑|打零工|打短工|做生意|摆摊|送外卖|跑外卖|工地)")
_NOWHERE = re.compile(r"(外地|外面|外头|外边|外省|外面地方|城里|南方|北方|大城市|别处|那边)")  # "我在外地打工": no city
_HERE = re.compile(r"^(我|俺|我们|俺们)(现在|目前|如今|人)?(在|去了)([\u4e00-\u9fff]{2,6}?)(呢|了|啊|这边|那边)?$")  # "我在宁波"
_GOING = re.compile(r"(?<![回来])(去|到)([\u4e00-\u9fff]{2,4}?)(?=$|[了，,。 ]|打工|务工|上班|干活|进厂|那|了|啦|找|做|打零工|打短工|摆摊|送外卖|跑外卖|工地)")  # "要去深圳"
_BACK = re.compile(r"([^，,。；\s]{1,10}?)(才)?(回来|回家|回老家|返乡|回(?=$|[，,。；\s]))")  # "春节回"
_PHONE = re.compile(r"1[3-9]\d[\s\-]?\d{4}[\s\-]?\d{4}")
_NOT_A_NAME = re.compile(r"(一起|一块|生活|在家|住|过|带|照顾|看着|管)")
_MINE = re.compile(r"((我的|我|本人|自己|俺|俺的)(的)?(电话|手机|号码|号)?[^，,。；]{0,3}"
                   r"|(我的|俺的|我|俺)(电话|手机号|手机|号码|号)(就是|是|为)?(这个|这)?[^，,。；]{0,2})$")


def _carer_words() -> str:
    return "|".join(sorted(relation_words(), key=len, reverse=True))


def _try(parse: Callable[[], Any]) -> Any:
    try:
        return parse()
    except BadAnswer:
        return None


# A name said just before an age ("张小宝9岁", "看了王浩 8岁", "陈小雨，十岁"): the child's, as a director or parent
# tells it. jieba's person-name tags pick the name out of the words before it ("看了王浩" → 王浩).
_NAME_THEN_AGE = re.compile(r"([\u4e00-\u9fff]{2,6})[，,、\s]*(\d{1,2}|[一二两三四五六七八九十]{1,3})(周)?(岁|歲)")


def name_before_age(text: str) -> str | None:
    """The child's name said just before their age, when jieba reads it as a person's name; None otherwise."""
    for found in _NAME_THEN_AGE.finditer(clean(text)):
        if (_try(lambda f=found: parse_age(f.group(0)[len(f.group(1)):])) or 99) >= 18:
            continue  # "李秀英65岁 是他外婆": a grown-up's name
        before = found.group(1)
        names = [name for name, end in person_names(before) if end == len(before)]
        if names:
            return _try(lambda n=names[-1]: parse_name(n))
    return None


def more_children(text: str) -> list[str]:
    """The names of the children told after the first ("…小的叫李明悦 7岁"): one registration is one child."""
    names = [_try(lambda m=m: parse_name(m.group(5))) for m in list(_CHILD_NAME.finditer(clean(text)))[1:]]
    return [n for n in names if n]


def clauses_of(value: str) -> list[str]:
    """A cleaned message cut into its clauses: commas, full stops and the spaces voice-to-text puts for them."""
    return [c.strip() for c in _CLAUSE.split(value) if c.strip()]


def age_of_a_carer(clause: str, age: re.Match[str], carers: str) -> bool:
    """Whether an age said in a clause is a carer's or a sibling's: their word just before or just after it.
    ``age`` is a match of ``AGE_SAID`` or ``AGE_SAID_LOOSELY``."""
    before = clause[max(0, age.start() - _AGE_OWNER_BEFORE):age.start()]
    after = clause[age.end():age.end() + _AGE_OWNER_AFTER]
    return bool(re.search(rf"({carers}|哥|姐)", before) or re.match(rf"(了)?(的)?({carers}|哥|姐)", after))


def _village_in(value: str, clauses: list[str]) -> str | None:
    """The directory's village a message names: the words before each 村/社区 tried in turn ("我们村是大磨滩村":
    not "我们村", but "大磨滩村"), so a run-on message without commas finds it too."""
    said = next((c for c in clauses if _VILLAGE.search(c)), "")
    first = _VILLAGE.search(re.sub(r"^.*?(住在|住|家在|在)", "", said))
    if first:
        village = _try(lambda: parse_village(first.group(1)))
        if village:
            return village
    for end in _VILLAGE_END.finditer(value):
        village = _try(lambda e=end: parse_village(value[max(0, e.end() - 16):e.end()]))
        if village:
            return village
    return None


def departure_facts(text: str, today: dt.date) -> dict[str, Any]:
    """The departure form's slots this message fills, each value as its own parser returns it."""
    return dict(_departure_facts(text, today))


@lru_cache(maxsize=64)
def _departure_facts(text: str, today: dt.date) -> dict[str, Any]:
    """Read once per message: the consent step and the form's shared validation both ask what a message holds."""
    value = clean(text)
    clauses = clauses_of(value)
    carers = _carer_words()
    found: dict[str, Any] = {}

    named = list(_CHILD_NAME.finditer(value))
    if named:
        found["dep_child_name"] = _try(lambda: parse_name(named[0].group(5)))
    elif before_age := name_before_age(value):
        found["dep_child_name"] = before_age
    number = _ID.search(value)
    if number:
        found["dep_child_id"] = _try(lambda: parse_child_id_number(number.group(), today))
    if len(named) > 1:  # "大的叫李明轩 11岁 小的叫李明悦 7岁": the first child's age is the one said before the next name
        clauses = [value[named[0].start():named[1].start()]]
    ages = [m.group(0) for c in clauses for m in AGE_SAID.finditer(c) if not age_of_a_carer(c, m, carers)]
    if len(ages) == 1:  # the one age not said of a carer ("奶奶70岁了，孩子9岁"); two ages are asked about
        found["dep_child_age"] = _try(lambda: parse_age(ages[0]))
    village = _village_in(value, clauses)
    if village:
        found["dep_village"] = village

    carer = (re.search(rf"(跟|跟着|交给|托给|留给|扔给|放|放在|放到|让|由)(他|她|孩子)?的?({carers})", value)
             # "孩子给我大姐带着", "我姐帮我带娃": who looks after the child, said with 给 or 帮
             or re.search(rf"(给)(他|她|孩子)?的?({carers})(帮忙|帮我)?(带|照顾|看|管)", value)
             or re.search(rf"()()({carers})(帮我|帮忙)(带|照顾|看|管)", value))
    carer_named = re.search(rf"({carers})[^。；]{{0,3}}?(叫做|叫|是)\s*" + _NAME, value)
    said = re.match(rf"^(他|她|孩子|娃)?的?({carers})", value)  # an answer that starts with who: "她外婆，叫陈淑芬"
    if carer or carer_named or said:
        relation = carer.group(3) if carer else (carer_named or said).group(1 if carer_named else 2)
        found["dep_carer_relation"] = _try(lambda: parse_relation(relation))
    carer_then_name = re.search(rf"(跟|跟着|交给|托给|留给|让|由)(他|她|孩子)?的?({carers})" + _NAME, value)
    if carer_named:
        found["dep_carer_name"] = _try(lambda: parse_name(carer_named.group(3)))
    elif carer_then_name and not _NOT_A_NAME.match(carer_then_name.group(4)):  # "跟外婆陈淑芬"
        found["dep_carer_name"] = _try(lambda: parse_name(carer_then_name.group(4)))

    carer_first = re.search(rf"(孩子|娃娃|娃儿|娃|他|她)的?({carers})" + _NAME + r"(在)?(照顾|带|看着|管)", value)
    if carer_first and "dep_carer_name" not in found:  # "孩子爷爷王德明照顾"
        found.setdefault("dep_carer_relation", _try(lambda: parse_relation(carer_first.group(2))))
        found["dep_carer_name"] = _try(lambda: parse_name(carer_first.group(3)))

    value = digits_read_out(value)  # "电话一三九一二三四五六七八", said by voice
    for match in _PHONE.finditer(value):
        phone = _try(lambda: parse_phone(match.group()))
        if _MINE.search(value[max(0, match.start() - 8):match.start()]):
            found["dep_parent_phone"] = phone
        elif re.search(rf"({carers}|照顾人|她|他)", value[max(0, match.start() - 16):match.start()]):
            found["dep_carer_phone"] = phone

    city = _CITY.search(value)
    if city and not re.search(carers, city.group(2)) and not _NOWHERE.fullmatch(city.group(2)):
        found["dep_work_city"] = _try(lambda: parse_city(city.group(2)))
    going = next((m for m in _GOING.finditer(value) if places_in(m.group(2))), None)
    if going and "dep_work_city" not in found:  # "过两天要去深圳": in a registration, where the parent goes to work
        places = places_in(going.group(2))  # "去浙江义乌": 义乌, the city rather than its province
        found["dep_work_city"] = next((p.name for p in places if p.level != "province"), places[0].name)
    here = next((m for m in map(_HERE.match, clauses) if m), None)
    if here and "dep_work_city" not in found and places_in(here.group(4)):  # a place the gazetteer knows, not "家里"
        found["dep_work_city"] = _try(lambda: parse_text(here.group(4), "城市", min_len=2))
    # "回来时间写错了 是明年五一回来": the field's own name ("回来时间") holds no time; the return said after it does
    value = _PHONE.sub("，", value)  # "…13912345678过年才回来": no digit of a phone is a return time
    back = next((m for m in _BACK.finditer(value) if not re.match(r"(的)?(时间|日子|日期)", value[m.end():])), None)
    if back:  # "过年才回来"; "啥时候回来说不准 可能过年": the time said after, else "未定"
        times = [_try(lambda t=t: parse_return_time(t, today)) for t in (back.group(1), value[back.end():], value) if t.strip()]
        found["dep_return_date"] = next((t for t in times if t and t != "未定"), next((t for t in times if t), None))
    return {slot: v for slot, v in found.items() if v is not None}
