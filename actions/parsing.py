"""Read one answer from what a person typed, or say politely why it can't be used.

Every parser takes the user's raw text and returns a clean value, or raises
``BadAnswer`` whose message is the short Chinese sentence the bot says before
asking again. Parsers are pure (today's date is a parameter) so tests can
feed them tables of bad input.
"""
from __future__ import annotations

import calendar
import datetime as dt
import html
import re
import time

from nlu.components.text_normaliser import chinese_int, normalise

MAX_SHORT = 40
MAX_LONG = 2000


class BadAnswer(ValueError):
    """The answer can't be used; ``str(error)`` is what to tell the user."""


_TAG = re.compile(r"<[^>]{0,200}>")


def clean(text: str | None) -> str:
    """Normalised text with HTML tags and entities removed."""
    text = normalise(text or "")
    text = _TAG.sub(" ", html.unescape(text))
    return re.sub(r"\s+", " ", text).strip()


def parse_text(text: str | None, what: str, *, min_len: int = 1, max_len: int = MAX_SHORT) -> str:
    """A free-text answer of sensible length, e.g. a village or a city."""
    value = clean(text)
    if not value or value.startswith("/"):
        raise BadAnswer(f"没有收到{what}，请再说一下。")
    if not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", value):
        raise BadAnswer(f"这个{what}我看不懂，请用文字再说一下。")
    if len(value) < min_len:
        raise BadAnswer(f"{what}太短了，请说得具体一点。")
    if len(value) > max_len:
        raise BadAnswer(f"{what}太长了（最多{max_len}个字），请简短一些。")
    return value


_LOOKS_AFTER = re.compile(r"(在|来|帮忙|帮着)?(带|照顾|管|看|养|照看|看着|守着)?(着)?(孩子|娃|他|她)?[了的呢吧]?")
_CITY_WORDS = re.compile(r"^(我)?(在|去|到|是)|(那边|那儿|那里)?(打工|务工|上班|干活|进厂|做工)(了|的)?$")


def parse_city(text: str | None) -> str:
    """The city a parent works in ("在深圳" → 深圳); a phone number or a sentence is not one."""
    from knowledge.gazetteer import places_in  # the gazetteer loads jionlp's tables: only when a city is parsed

    value = _CITY_WORDS.sub("", clean(text)).strip(" ，。,.!！")
    if len(re.sub(r"\D", "", value)) >= 5 or re.search(r"(电话|手机|号码|名字)", value):
        raise BadAnswer("这一步只要您打工的城市，例如：深圳。")  # "那打我的嘛 138 1234 5678"
    places = places_in(value)
    rest = value
    for place in sorted(places, key=lambda p: len(p.name), reverse=True):
        rest = rest.replace(place.name, "")
    if places and (len(value) > 4 or len(re.sub(r"[省市县区]", "", rest)) > 1):
        # "我们在浙江打工具体在义乌那边": the city, rather than its province; "浙江厂里": the place, not the factory
        # ("广东东莞", all of it places, is kept as said)
        return next((p.name for p in reversed(places) if p.level != "province"), places[-1].name)
    if not places and (_FESTIVALS.search(value) or re.search(r"(回来|回家|返乡)", value)):
        raise BadAnswer("这一步只要您打工的城市，例如：深圳。回来的时间等一下会问。")  # "过年回来"
    return parse_text(value, "城市", min_len=2)


_NAME_PREFIX = re.compile(r"^(他|她|孩子|娃|我|照顾人|老人)?(的)?(名字|姓名)?(叫做|叫|是|为|:)\s*")
_CALLED = re.compile(r"(?:名字叫|名字是|姓名是|叫做|叫)\s*([\u4e00-\u9fffA-Za-z·•. ]{1,20}?)\s*(?:[，,。.;；!！ ]|$)")
_AGE_AFTER_NAME = re.compile(r"[，,\s]*(今年)?(\d{1,3}|[一二两三四五六七八九十]{1,3})(周岁|岁|歲)(半)?(了|多)?$")
# Words of a sentence, not of a name ("我刚才都说了啊", "不知道怎么填").
_SENTENCE = re.compile(r"(我|你|刚才|说了|什么|怎么|知道|不是|就是|吗|呢|啊|吧|哦|嗯|这个|那个)")


# A yes or an okay said to go on, not a name.
_TIME_ONLY = re.compile(r"(今天|昨天|前天|明天|后天|刚才|现在|上午|下午|晚上|早上|中午|今早|昨晚)+[了的啊吧]?")
_AGREEING = re.compile(r"(好|好的|好啊|好吧|好嘞|行|行的|可以|嗯+|对|对的|是|是的|中|成|同意|没问题|ok|OK|Ok|收到|知道了)")


# What jieba's person-name tags take for a name but is none: times of day ("今天下午" is tagged nr), kin, titles.
_NOT_A_NAME = re.compile(r"(今天|昨天|前天|明天|后天|上午|下午|中午|晚上|早上|今早|孩子|娃|小孩|儿子|女儿|闺女|孙|今年|"
                         r"才|已经|大概|差不多|都|他|她|我|俺|老大|老二|老三|老幺|大的|小的|老师|阿姨|叔|婶|爷|奶|哥|姐|"
                         r"弟|妹|家|主任|园|校|班|级|学|医院|村|镇|乡|厂|店|公司)")  # "幼儿园", "大班": no names


def person_names(text: str) -> list[tuple[str, int]]:
    """The people's names in ``text`` by jieba's person-name tags, each with where it ends.

    jieba tags a whole name ("张小明"/nr) or only the surname ("李"/nr, then "小花"/n, "浩然"/a): a surname with
    the one or two characters after it is a name too. Times, kin words and titles it tags nr are left out.
    """
    import jieba.posseg

    words = list(jieba.posseg.cut(text))
    found: list[tuple[str, int]] = []
    at, i = 0, 0
    while i < len(words):
        word = words[i]
        at += len(word.word)
        i += 1
        if not word.flag.startswith("nr"):
            continue
        name = word.word
        if len(name) == 1 and i < len(words) and not words[i].flag.startswith(("u", "x", "p", "q", "v")) \
                and 1 <= len(words[i].word) <= 2:  # the surname and what follows it ("陈"+"小雨", "李"+"小花")
            name += words[i].word
            at += len(words[i].word)
            i += 1
        end = at
        if 2 <= len(name) <= 4 and not _NOT_A_NAME.search(name) and name not in _RELATIONS \
                and re.fullmatch(r"[\u4e00-\u9fff]+", name):
            found.append((name, end))
    return found


# A name said first, then more ("孩子叫孙一诺今年五岁了在上幼儿园大班"): the name ends where the age or place begins.
_CALLED_THEN_MORE = re.compile(r"叫(做)?([\u4e00-\u9fff]{2,4}?)(?=今年|今天|岁|\d|[一二两三四五六七八九十]{1,2}岁|在|是|住|跟|上|读|小名|乳名)")
_INSTITUTION = re.compile(r"(幼儿园|学校|小学|中学|大班|中班|小班|年级|医院|卫生院|村委会)$")
# A pet name after the full one ("王浩宇 小名叫豆豆"): the form wants the full name.
_PET_NAME = re.compile(r"[，,\s]*(小名|乳名|外号|昵称|我们都叫他|我们都叫她|平时叫).*$")


def parse_name(text: str | None, what: str = "姓名") -> str:
    """A person's name: 1–20 characters of Chinese or Latin letters, no digits."""
    text = _PET_NAME.sub("", clean(text)) or clean(text)
    more = _CALLED_THEN_MORE.search(text)
    if more and len(text) > more.end() and not re.search(r"(今天|昨天|明天|孩子|娃|小孩|什么|啥)", more.group(2)):
        text = more.group(2)
    called = _CALLED.search(text)  # "她外婆，叫陈淑芬" → 陈淑芬
    value = (called.group(1) if called else _NAME_PREFIX.sub("", text)).strip(" ，。,.!！")
    value = _AGE_AFTER_NAME.sub("", value)  # "王秀兰，65岁了" → 王秀兰
    who = re.match(r"^(他|她|孩子|娃)?的?(" + "|".join(sorted(_RELATIONS, key=len, reverse=True)) + r")[，,\s]*", value)
    if who and _LOOKS_AFTER.fullmatch(value[who.end():]):  # "他奶奶带", "外婆" → who, not the name
        raise BadAnswer(f"好的，是{who.group(2)}。")  # the form then asks for this relative's name
    first_after = re.split(r"[\s，,]+", value[who.end():])[0] if who else ""
    if who and 2 <= len(first_after) <= 5 and re.fullmatch(r"[\u4e00-\u9fff·]+", first_after):
        value = value[who.end():]  # "邻居刘桂芳", "她外婆陈淑芬", "他外婆 李秀英 电话139…" → the name (then the rest)
    named_after = re.search(r"的(" + "|".join(sorted(_RELATIONS, key=len, reverse=True)) + r")[，,\s]*(叫|是)?"
                            r"([\u4e00-\u9fff]{2,4})$", value)
    if named_after and not who:  # "陈思雨的爷爷陈国强": the name after the relation
        value = named_after.group(3)
    if value and _is_a_place(value):  # "浙江义乌" said at a name question answers another one
        raise BadAnswer(f"“{value}”是地名吧？这一步要{what}，例如：王小明。")
    if not value or value.startswith("/"):
        raise BadAnswer(f"没有收到{what}，请再说一下。")
    if _AGREEING.fullmatch(value):  # "好" said to go on is no child called 好
        raise BadAnswer(f"好的。请告诉我{what}，例如：王小明。")
    if _NOT_A_NAME.fullmatch(value) or _TIME_ONLY.fullmatch(value) or _INSTITUTION.search(value):
        # "今天" or "幼儿园" said at the name question is no name
        raise BadAnswer(f"这一步只要{what}，例如：王小明。")
    if " " in value and not re.search(r"[A-Za-z]", value):
        tokens = value.split()
        first = tokens[0]
        if len("".join(tokens)) <= 4:
            if any(_NOT_A_NAME.fullmatch(t) or _TIME_ONLY.fullmatch(t) for t in tokens):
                raise BadAnswer(f"这一步只要{what}，例如：王小明。")  # "今天 入户"
            value = "".join(tokens)  # "王 小明"
        elif re.fullmatch(r"[\u4e00-\u9fff]{2,4}", first) and first not in _RELATIONS and not _INSTITUTION.search(first) \
                and not _NOT_A_NAME.fullmatch(first) and not _TIME_ONLY.fullmatch(first) and not _SENTENCE.search(first):
            return first  # "孙小雨 今天 入户": the name, then the other answers (the form reads those itself)
    if _SENTENCE.search(value) or (len(value) > 6 and not re.search(r"[·•. A-Za-z]", value)):
        named = {name for name, _end in person_names(value)}
        if len(named) == 1:  # "李小红 我刚才不是说了嘛", "今天下午去的张小明屋头入户走访…": the one name said
            return named.pop()
        raise BadAnswer(f"这一步只要{what}，例如：王小明。有别的想说的，填完后可以再告诉我，或回复“转人工”。")
    if re.search(r"\d", value):
        raise BadAnswer(f"{what}里不应该有数字，请只写名字，例如：王小明。")
    if len(value) > 20:
        raise BadAnswer(f"{what}太长了，请只写名字，例如：王小明。")
    if not re.fullmatch(r"[\u4e00-\u9fffA-Za-z·•. ]+", value):
        raise BadAnswer(f"{what}里有看不懂的符号，请只写名字，例如：王小明。")
    return value


def _is_a_place(text: str) -> bool:
    """Whether the whole text is place names ("浙江义乌", "广东深圳", "张家口"), by the gazetteer; a lone two-character
    place ("黄山") may be a person's name too, and is not."""
    from knowledge.gazetteer import places_in  # the gazetteer loads jionlp's tables: only when a name is parsed

    places = places_in(text)
    return sum(len(p.name) for p in places) >= len(text) and (len(places) >= 2 or len(text) >= 3)


def parse_age(text: str | None) -> int:
    """A child's age in whole years, 0–17 ('8岁', '十二歲', '6个月' → 0)."""
    value = clean(text)
    refuse = "请告诉我孩子几岁，用数字就行，例如：8。"
    if re.search(r"[A-Za-z]", value) or re.search(r"[-−]\s*\d", value):
        raise BadAnswer(refuse)
    if re.search(r"(个月|月大|刚出生|婴儿|满月)", value) and "岁" not in value:
        return 0
    value = re.sub(r"\d{5,}", " ", value)  # a phone or ID number said at this question holds no age
    match = re.search(r"(\d{1,3}|[零一二两三四五六七八九十百]{1,4})\s*(周岁|岁|歲)?", value)
    age = chinese_int(match.group(1)) if match else None
    if age is None:
        raise BadAnswer(refuse)
    if age > 17:
        raise BadAnswer("这里登记的是未满18岁的孩子，请再确认一下孩子的年龄（0到17岁）。")
    return age


_PHONE_RUN = re.compile(r"\+?\d[\d\s\-()（）]{5,}\d")
# A number read out digit by digit ("一三九一二三四五六七八", 幺 for 1): seven digits or more.
_CHINESE_DIGIT_RUN = re.compile(r"[零〇幺一二两三四五六七八九](?:[\s\-]?[零〇幺一二两三四五六七八九]){6,}")
_CHINESE_DIGITS = str.maketrans("零〇幺一二两三四五六七八九", "0011223456789")


def digits_read_out(text: str) -> str:
    """Numbers read out digit by digit in words ("一三九一二三四五六七八", voice typing) in Arabic digits."""
    return _CHINESE_DIGIT_RUN.sub(lambda m: m.group().translate(_CHINESE_DIGITS), text)


def parse_phone(text: str | None) -> str:
    """A mainland mobile (11 digits starting 1[3-9]) or a landline with area code, words around it allowed."""
    value = digits_read_out(clean(text))
    runs = _PHONE_RUN.findall(value) or [value]
    digits = re.sub(r"[\s\-()（）+]", "", runs[0])
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(runs) == 1 and (re.fullmatch(r"1[3-9]\d{9}", digits) or re.fullmatch(r"0\d{2,3}\d{7,8}", digits)):
        return digits
    if len(runs) == 1 and re.fullmatch(r"\d+", digits):
        if len(digits) == 11:
            raise BadAnswer("这个号码不像有效的手机号（手机号以13到19开头），请再核对一下。")
        raise BadAnswer(f"这个号码是{len(digits)}位，手机号应该是11位，请再核对一下。")
    raise BadAnswer("这个电话号码好像不对，请输入一个11位手机号，例如：13812345678。")


_RELATIONS = {
    "爷爷": "爷爷", "祖父": "爷爷", "奶奶": "奶奶", "祖母": "奶奶",
    "外公": "外公", "姥爷": "外公", "外婆": "外婆", "姥姥": "外婆", "嫲嫲": "奶奶", "阿嫲": "奶奶", "阿爷": "爷爷",
    "叔叔": "叔叔", "伯伯": "伯伯", "大伯": "伯伯", "姑姑": "姑姑", "姑妈": "姑姑",
    "舅舅": "舅舅", "姨妈": "姨妈", "阿姨": "阿姨", "小姨": "姨妈", "婶婶": "婶婶", "舅妈": "舅妈",
    "哥哥": "哥哥", "姐姐": "姐姐", "爸爸": "父亲", "父亲": "父亲", "妈妈": "母亲", "母亲": "母亲",
    "邻居": "邻居", "老师": "老师", "朋友": "朋友", "亲戚": "其他亲属",
    "大姑": "姑姑", "小姑": "姑姑", "大姨": "姨妈", "二姨": "姨妈", "幺爸": "叔叔", "二叔": "叔叔", "三叔": "叔叔",
    # said by the parent of their own parents ("俩娃放我妈那"): whose side is not said, so both are named
    "我妈妈": "奶奶或外婆", "我妈": "奶奶或外婆", "俺妈": "奶奶或外婆", "我老妈": "奶奶或外婆",
    "我爸爸": "爷爷或外公", "我爸": "爷爷或外公", "俺爸": "爷爷或外公", "我老爸": "爷爷或外公",
    "我婆婆": "奶奶", "我公公": "爷爷", "丈母娘": "外婆", "岳母": "外婆", "老丈人": "外公", "岳父": "外公",
    # the parent's own brothers and sisters ("孩子给我大姐带着"): the child's aunt or uncle, on a side not said
    "我大姐": "姑姑或姨妈", "我二姐": "姑姑或姨妈", "我姐姐": "姑姑或姨妈", "我姐": "姑姑或姨妈", "我妹妹": "姑姑或姨妈",
    "我妹": "姑姑或姨妈", "我大哥": "伯伯或舅舅", "我哥哥": "伯伯或舅舅", "我哥": "伯伯或舅舅", "我弟弟": "叔叔或舅舅",
    "我弟": "叔叔或舅舅", "大姐": "姐姐", "大哥": "哥哥",
}


def relation_words() -> tuple[str, ...]:
    """Every word for a carer's relation to the child that ``parse_relation`` knows."""
    return tuple(_RELATIONS)


def parse_relation(text: str | None) -> str:
    """The carer's relation to the child, in a canonical word where we know it."""
    value = clean(text)
    for word in sorted(_RELATIONS, key=len, reverse=True):  # "我妈妈" is the child's grandmother, not 妈妈
        if word in value:
            return _RELATIONS[word]
    return parse_text(value, "和孩子的关系", max_len=10)


_YES = re.compile(r"(^|[^不没])(是|对|好|同意|可以|行|嗯|报了|报过|打了|打过|已经|确认|没问题|ok|yes|要)", re.I)
_NO = re.compile(r"(不|没|否|别|no\b|拒绝)", re.I)
# Phrases that mean yes though they contain a negation word.
_YES_DESPITE_NEGATION = re.compile(r"(没问题|没有问题|没错|不错|不用改|没意见)")


def parse_yes_no(text: str | None, intent: str | None = None) -> bool:
    """Yes or no, from the classified intent when there is one, else from the words."""
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    value = _YES_DESPITE_NEGATION.sub("好", clean(text).lower())
    if _NO.search(value):
        return False
    if _YES.search(value):
        return True
    raise BadAnswer("请回答“是”或“不是”。")


def _add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _num(word: str) -> int | None:
    return chinese_int(word) if word else None


_RELATIVE_DAYS = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "刚才": 0,
                  "刚刚": 0, "现在": 0, "明天": 1, "后天": 2, "大后天": 3}
_N = r"(\d{1,4}|[零〇一二两三四五六七八九十]{1,4})"


_ROLL_WINDOW = dt.timedelta(days=183)


def parse_date(text: str | None, today: dt.date, prefer: str | None = None) -> dt.date:
    """A calendar date from '今天', '昨天', '3天前', '11月20日', '2026-11-20', '下个月15号' …

    A month and day without a year fall in this year, unless ``prefer`` is
    "past" or "future" and the date is on the other side of today: then the
    previous or next year, when that is within half a year ('12月25日' said on
    5 January is last December).
    """
    value = clean(text).replace(" ", "")
    if not value:
        raise BadAnswer("没有收到日期，请再说一下，例如：11月20日。")
    for word, offset in _RELATIVE_DAYS.items():
        if value.startswith(word) or value == word:
            return today + dt.timedelta(days=offset)
    m = re.search(_N + r"(天|日)(前|以前|之前)", value)
    if m and _num(m.group(1)) is not None:
        return today - dt.timedelta(days=_num(m.group(1)))
    m = re.search(_N + r"(天|日)(后|以后|之后)", value) or re.search(r"过" + _N + r"(天|日)", value)
    if m and _num(m.group(1)) is not None:
        return today + dt.timedelta(days=_num(m.group(1)))
    m = re.search(_N + r"个?(周|星期|礼拜)(后|以后|之后)", value) or re.search(r"过" + _N + r"个?(周|星期|礼拜)", value)
    if m and _num(m.group(1)) is not None:
        return today + dt.timedelta(weeks=_num(m.group(1)))
    m = re.search(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", value)
    if m:
        year, month, day = (int(g) for g in m.groups())
    else:
        m = re.search(r"(今年|明年|去年)?(下个?月|上个?月|本月|这个月|" + _N + r"月)" + _N + r"(日|号)?", value)
        if not m:
            said = _said_day(value, today) or (_said_period(value, today) if prefer == "future" else None)
            if said is None:
                example = today + dt.timedelta(days=-3 if prefer == "past" else 14)  # a day the answer could be
                raise BadAnswer(f"这个日期我没看懂，请写成“{example.month}月{example.day}日”或“{example.isoformat()}”。")
            return said
        year_word, month_word, month_num, day_word = m.group(1), m.group(2), m.group(3), m.group(4)
        can_roll = bool(month_num) and not year_word
        year = today.year + {"明年": 1, "去年": -1}.get(year_word or "", 0)
        if month_num:
            month = _num(month_num) or 0
        else:
            shift = 1 if month_word.startswith("下") else -1 if month_word.startswith("上") else 0
            shifted = _add_months(today.replace(day=1), shift)
            year, month = shifted.year, shifted.month
        day = _num(day_word) or 0
        if can_roll:
            return _roll_year(year, month, day, today, prefer)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise BadAnswer("这个日期不存在，请再核对一下，例如：11月20日。") from None


def _said_day(value: str, today: dt.date) -> dt.date | None:
    """The day a time said in words names ("下周三", "上礼拜五", "大后天"), by jionlp; None if it names no one day
    ("下周" is a whole week: a past day is asked for; a planned one is taken a week on, ``_said_period``)."""
    import jionlp  # loaded on first use: it takes a second and most answers never need it

    try:
        found = jionlp.parse_time(value, time_base=time.mktime(today.timetuple()))
    except Exception:  # noqa: BLE001 - jionlp raises bare ValueErrors and worse on text it cannot read
        return None
    if found.get("type") != "time_point" or found.get("definition") != "accurate":
        return None
    return dt.datetime.strptime(found["time"][0], "%Y-%m-%d %H:%M:%S").date()


_NEXT_WEEK = re.compile(r"^(下个?(周|星期|礼拜)|过个?(一|1)?(周|星期|礼拜))")
_NEXT_MONTH = re.compile(r"^(下个?月|过个?(一|1)?个?月)")


def _said_period(value: str, today: dt.date) -> dt.date | None:
    """A planned day said as a period ("下个月再去", "下周吧"): the same day a week or a month on; None otherwise."""
    if _NEXT_WEEK.match(value):
        return today + dt.timedelta(weeks=1)
    if _NEXT_MONTH.match(value):
        return _add_months(today, 1)
    return None


def _roll_year(year: int, month: int, day: int, today: dt.date, prefer: str | None) -> dt.date:
    """This year's month-day, or the neighbouring year's when ``prefer`` asks and it is near."""
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise BadAnswer("这个日期不存在，请再核对一下，例如：11月20日。") from None
    shift = 1 if prefer == "future" and date < today else -1 if prefer == "past" and date > today else 0
    if shift:
        try:
            rolled = date.replace(year=year + shift)
        except ValueError:  # 29 February
            return date
        if abs(rolled - today) <= _ROLL_WINDOW:
            return rolled
    return date


def parse_past_date(text: str | None, today: dt.date, what: str = "日期") -> dt.date:
    """A date that is today or earlier (a visit that happened, an event that occurred)."""
    day = parse_date(text, today, prefer="past")
    if day > today:
        raise BadAnswer(f"{what}不能晚于今天（{today.isoformat()}），请再核对一下。")
    if day < today - dt.timedelta(days=366 * 2):
        raise BadAnswer(f"{what}是两年多以前了，请再核对一下。")
    return day


def parse_future_date(text: str | None, today: dt.date, what: str = "日期") -> dt.date:
    """A date that is today or later (a planned visit)."""
    day = parse_date(text, today, prefer="future")
    if day < today:
        raise BadAnswer(f"{what}不能早于今天（{today.isoformat()}），请再核对一下。")
    if day > today + dt.timedelta(days=366):
        raise BadAnswer(f"{what}超过一年了，请选一个近一点的日子。")
    return day


_UNSURE = re.compile(r"(不确定|不知道|不晓得|不清楚|还不清楚|说不准|说不好|说不定|没定|未定|看情况|不一定|看厂里|看老板|看活|看工地|放不放假)")
_FESTIVALS = re.compile(r"(春节|过年|过完年|年底|年前|年后|开春|中秋|国庆|五一|暑假|寒假|端午|清明|元旦|农忙|秋收|麦收)")


_BACK_WORDS = re.compile(r"(就|才|再|能|大概|应该)?(回来|回家|回得来|回老家|回去|回)(了|吧|的|呢)?$")


def without_return_words(said: str) -> str:
    """"明年春节回来" → "明年春节": a return time as said, for sentences that say 回来 themselves."""
    return _BACK_WORDS.sub("", said) or said


def parse_return_time(text: str | None, today: dt.date) -> str:
    """When the parent expects to be back: a date, a month ('明年2月'), a festival, or '未定'."""
    value = re.sub(r"^(那|就|应该|大概|估计)?(是|改成|改为|改到)", "", clean(text).replace(" ", ""))  # "是明年五一"
    value = re.sub(r"返(来|屋企|嚟)", "回来", value)  # Cantonese: "明年六月返嚟"
    if _UNSURE.search(value):
        return "未定"
    if re.search(r"几(号|日)", value) and re.search(r"(月|正|腊|冬)", value):
        return without_return_words(value).rstrip("吧啊呀嘛")[:20]  # "腊月二十几号吧": as vague as said, no made-up day
    hedged = re.sub(r"^(大概|估计|应该|可能|差不多|大约|预计)", "", without_return_words(value))
    if hedged != value and re.fullmatch(r"(今年|明年)?" + _N + r"月(份|底|初|中旬|左右)?", hedged):
        value = hedged  # "大概明年六月回来" → 明年六月
    festival = _FESTIVALS.search(value)
    if festival:  # "明年春节回来" → 明年春节: the sentences it is shown in say 回来 themselves
        return without_return_words(value)[:20]
    m = re.fullmatch(r"(今年|明年)?" + _N + r"月(份|底|初|中旬|左右)?", value)
    if m:
        year = today.year + (1 if m.group(1) == "明年" else 0)
        month = _num(m.group(2)) or 0
        if not 1 <= month <= 12:
            raise BadAnswer("这个月份不存在，请再核对一下，例如：明年2月。")
        if m.group(1) is None and month < today.month:
            year += 1
        return f"{year}-{month:02d}"
    m = re.search(_N + r"个?(月|年)(后|以后|左右)", value)
    if m and _num(m.group(1)):
        months = _num(m.group(1)) * (12 if m.group(2) == "年" else 1)
        back = _add_months(today, months)
        return f"{back.year}-{back.month:02d}"
    said = _said_time(value, today)
    if said is not None:
        return said
    try:
        day = parse_date(value, today, prefer="future")
    except BadAnswer:
        raise BadAnswer("大概什么时候回来？可以说“明年2月”“春节”或具体日期；不确定也可以说“不确定”。") from None
    if day < today:
        raise BadAnswer("回来的时间不能早于今天，请再核对一下。")
    return day.isoformat()


_YEARLY = re.compile(r"(正月|二月二|腊月|冬月|春节|元宵|清明|端午|七夕|中秋|重阳|国庆|元旦|五一|劳动节|除夕|小年)")


def _said_time(value: str, today: dt.date) -> str | None:
    """A future time as people say it ("腊月", "下个月中旬", "明年春节"), by jionlp; None if it finds none.

    jionlp reads a festival or lunar month in the year of ``today`` even when
    it has passed ("端午" in December is last June), so a past answer is read
    again a year on. A month-long answer is kept as the month ("2027-01").
    """
    import jionlp  # loaded on first use: it takes a second and most answers never need it

    bases = [today]
    if _YEARLY.search(value):  # only a day that comes round every year is read again a year on ("昨天" is not)
        bases.append(today.replace(year=today.year + 1, day=min(today.day, 28)))
    for base in bases:
        try:
            found = jionlp.parse_time(value, time_base=time.mktime(base.timetuple()))
        except Exception:  # noqa: BLE001 - jionlp raises bare ValueErrors and worse on text it cannot read
            return None
        if found.get("type") != "time_point":
            return None
        start, end = (dt.datetime.strptime(t, "%Y-%m-%d %H:%M:%S").date() for t in found["time"][:2])
        if end < today:
            continue
        start = max(start, today)
        return start.isoformat() if start == end else f"{start.year}-{start.month:02d}"
    return None


def parse_choice(text: str | None, options: dict[str, tuple[str, ...]], question: str) -> str:
    """One of ``options`` (value → words that mean it), matched in the user's words."""
    value = clean(text)
    for option, words in options.items():
        if value == option or any(w in value for w in words):
            return option
    raise BadAnswer(question)


# ---------------------------------------------------------------- resident ID numbers (GB 11643-1999)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PREFIX = re.compile(
    r"^(他|她|孩子|娃|我|小孩)?(的)?(居民)?(身份证号码|身份证号|身份证|证件号码|证件号|号码)?(是|为|:)?\s*"
)
_ID_SEPARATORS = re.compile(r"[\s\-_‐‑–—]+")
_ID_SHAPE = re.compile(r"\d{17}[\dX]")


def id_check_character(first17: str) -> str:
    """The 18th character of a resident ID number whose first 17 digits are ``first17``."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def id_number_birth_date(number: str) -> dt.date:
    """The birth date written in an 18-character ID number (digits 7–14, YYYYMMDD).

    ``number`` is one that ``parse_id_number`` returned; anything else raises
    ``ValueError`` (not a ``BadAnswer``: it is a programming error, not a user's).
    """
    if not _ID_SHAPE.fullmatch(number or ""):
        raise ValueError(f"not an 18-character ID number: {number!r}")
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def parse_id_number(text: str | None, today: dt.date) -> str:
    """An 18-digit resident ID number, checked: '5201 0220 1503 1212 3X' → '52010220150312123X'.

    Full-width digits, spaces or dashes between the groups, a lowercase x and a
    short lead-in ('身份证号是…') are accepted. Refused, each with its own message:
    nothing typed, characters that are not digits, letters other than a final X,
    a 15-digit old-style number, any other length, a region code not starting
    with 1–8, a birth date that does not exist, is before 1900 or after
    ``today``, and a check digit that does not match.
    """
    value = _ID_PREFIX.sub("", clean(text)).strip(" ，。,.!！~")
    number = _ID_SEPARATORS.sub("", value).upper()
    if not number or number.startswith("/"):
        raise BadAnswer("没有收到身份证号，请再输入一下。")
    if re.search(r"[^0-9A-Z]", number):
        raise BadAnswer("身份证号里有看不懂的符号，请只输入18位数字（最后一位可能是X）。")
    if re.search(r"[A-Z]", number[:-1]) or not re.fullmatch(r"[\dX]", number[-1]):
        raise BadAnswer("身份证号里只有最后一位可能是字母X，其他都应该是数字，请再核对一下。")
    if len(number) == 15:
        raise BadAnswer("这是15位的旧版身份证号，请提供现在使用的18位身份证号。")
    if len(number) != 18:
        raise BadAnswer(f"您输入的是{len(number)}位，身份证号应该是18位，请再核对一下。")
    if number[0] not in "12345678":
        raise BadAnswer("身份证号的第一位（地区代码）应该是1到8之间的数字，请再核对一下。")
    try:
        born = id_number_birth_date(number)
    except ValueError:
        raise BadAnswer(
            f"身份证号第7到14位是出生日期，{number[6:14]}不是一个真实的日期，请再核对一下。"
        ) from None
    if born.year < 1900:
        raise BadAnswer(f"身份证号里的出生年份是{born.year}年，早于1900年，请再核对一下。")
    if born > today:
        raise BadAnswer(
            f"身份证号里的出生日期（{born.year}年{born.month}月{born.day}日）晚于今天，请再核对一下。"
        )
    if number[-1] != id_check_character(number[:17]):
        raise BadAnswer("身份证号的最后一位（校验码）对不上，请再核对一下。")
    return number


def _eighteenth_birthday(born: dt.date) -> dt.date:
    """The day a person born on ``born`` turns 18 (29 February → 1 March)."""
    try:
        return born.replace(year=born.year + 18)
    except ValueError:
        return dt.date(born.year + 18, 3, 1)


def parse_child_id_number(text: str | None, today: dt.date) -> str:
    """A checked ID number (see ``parse_id_number``) of someone not yet 18 on ``today``."""
    number = parse_id_number(text, today)
    born = id_number_birth_date(number)
    if today >= _eighteenth_birthday(born):
        raise BadAnswer(
            f"按这个身份证号，出生日期是{born.year}年{born.month}月{born.day}日，已经满18岁了。"
            "这里登记的是未满18岁的孩子，请再核对一下孩子的身份证号。"
        )
    return number


_LIVES_IN = re.compile(r"^(孩子|娃|我们|俺们|我家|俺家)?(家)?(住在|住|在|是)")  # "住在沙坝村" names 沙坝村


_TOWNSHIP_SAID = re.compile(r"([\u4e00-\u9fff]{1,8}?(镇|乡|街道|街办))$")
_TOWNSHIP_END = re.compile(r"(镇|乡|街道|街办)$")


# A village in a county the directory does not cover: the registration cannot reach its director from here.
OUTSIDE_THE_AREA = ("{place}还没有开通这个服务，村名录里没有那边的村，在这里报备送不到您村的儿童主任。"
                    "请直接告诉您村的村委会或儿童主任，再书面告诉孩子的学校（法律要求的，《未成年人保护法》第23条）；"
                    "也可以点“转人工”，工作人员帮您联系当地。")


def outside_the_directory(text: str) -> str | None:
    """The county (or city) the answer names, when the directory has no village there; None otherwise."""
    from knowledge.gazetteer import places_in  # the gazetteer belongs to the knowledge base
    from records.directory import villages

    covered = {v.county for v in villages()}
    places = [p for p in places_in(text) if not p.foreign and _named_as_a_county(text, p.name)]
    if not places or any(any(county in p.full or p.name in county for county in covered) for p in places):
        return None
    return places[-1].full


def _named_as_a_county(text: str, name: str) -> bool:
    """Whether ``name`` stands in the text as a county, city or province, not as a township's name ("澄江镇北全村")."""
    at = text.find(name)
    return at >= 0 and text[at + len(name):at + len(name) + 1] not in ("镇", "乡", "村", "街", "社", "组")


def parse_village(text: str | None) -> str:
    """A village the directory knows, as ``township+village`` (歇马街道大磨滩村).

    An unknown name is not guessed at: the parent hears the names that look
    like it, or is asked to add the township when two villages share a name.
    """
    from records.directory import find_villages, similar_villages  # the directory belongs to records

    said = parse_text(text, "村名", min_len=2)
    value = _LIVES_IN.sub("", said) or said
    matches = find_villages(value)
    said_township = _TOWNSHIP_SAID.search(value.split(matches[0].name)[0]) if len(matches) == 1 else None
    if said_township and _TOWNSHIP_END.sub("", matches[0].township) not in said_township.group(1):
        # "石门镇大磨滩村" when the directory's 大磨滩村 is in 歇马街道: asked, not saved as another township's village
        raise BadAnswer(f"村名录里的{matches[0].name}在{matches[0].township}，不在{said_township.group(1)}。"
                        f"您说的是{matches[0].label}吗？是的话回复“是”，不是请再说一下村名（带上乡镇）。")
    if len(matches) == 1:
        return matches[0].label
    if len(matches) > 1:
        options = "、".join(m.label for m in matches)
        raise BadAnswer(f"有{len(matches)}个叫“{matches[0].name}”的地方：{options}。请带上乡镇再说一下，例如“{matches[0].label}”。")
    named = f"“{value}”" if re.fullmatch(r"[\u4e00-\u9fff]{2,20}", value) else "这个村名"
    elsewhere = outside_the_directory(value)
    if elsewhere:  # "四川南充 仪陇县 马鞍镇 石佛村": no near name of 北碚 offered, and no loop
        raise BadAnswer(OUTSIDE_THE_AREA.format(place=elsewhere))
    similar = similar_villages(value)
    if similar:
        options = "、".join(m.label for m in similar)
        if len(similar) == 1:
            raise BadAnswer(f"村名录里没有找到{named}。您说的是{options}吗？是的话回复“是”，不是请再说一下村名。")
        raise BadAnswer(f"村名录里没有找到{named}。您说的是{options}吗？请再说一下村名（可以带上乡镇）。")
    raise BadAnswer(
        f"村名录里没有找到{named}。请说孩子所在的村（社区），最好带上乡镇，例如“歇马街道大磨滩村”。"
        "如果您的村确实不在名录里，可以点“转人工”，工作人员会帮您登记。"
    )
