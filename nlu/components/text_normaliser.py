"""Turn what people type on a phone into the text the NLU was trained on.

Parents and directors write in traditional or simplified script, with
full-width digits and letters, emoji and stray spaces. The same function runs
inside Rasa (before jieba segments the message) and in the action server and
the knowledge base (before a question is embedded), so a message means the
same thing everywhere.

Only the standard library, ``opencc`` and Pinyin2Hanzi are imported: this module is loaded
by both runtimes.
"""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from nlu.components.pinyin_input import as_characters

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20  # ideographic space

# Emoji, pictographs, dingbats, variation selectors and zero-width joiners.
_EMOJI = re.compile(
    "["
    "\U0001F000-\U0001FAFF"
    "\U00002600-\U000027BF"
    "\U0001F900-\U0001F9FF"
    "\U00002B00-\U00002BFF"
    "\uFE0E\uFE0F\u200D\u20E3"
    "]+"
)
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b\u200c\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\r\n\u00a0]+")


@lru_cache(maxsize=1)
def _converter():
    """The OpenCC traditional → simplified converter, built once per process."""
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert traditional Chinese script to simplified (phrase-aware, OpenCC)."""
    return _converter().convert(text) if text else text


def to_halfwidth(text: str) -> str:
    """Map full-width ASCII (１２３，ＡＢＣ) and the ideographic space to half-width."""
    return text.translate(_FULLWIDTH)


# Emoji that people send alone as a word: a thumbs-up answers "可以吗" as 好的 does, folded hands thank.
_EMOJI_WORDS = {"👍": "好的", "👌": "好的", "🙏": "谢谢", "🆗": "好的"}
_EMOJI_WORD = re.compile("|".join(_EMOJI_WORDS))
_TONES = re.compile("[\U0001F3FB-\U0001F3FF\uFE0F\u200d\\s]")  # skin tones, variation selectors, joiners, spaces


def strip_emoji(text: str) -> str:
    """Replace emoji and pictographs with a space: they carry no words to segment. A message of nothing but
    emoji sent as a word is that word ("👍👍" → 好的)."""
    stripped = _EMOJI.sub(" ", text)
    if stripped.strip():
        return stripped
    said = _EMOJI_WORD.search(text)
    others = _TONES.sub("", _EMOJI_WORD.sub("", text))  # "😀🎉👍🏻" is no plain yes
    return _EMOJI_WORDS[said.group(0)] if said and not others else stripped


# Markup pasted or sent by a client ("<b>你好</b>", "&nbsp;"): the words inside are the message.
_TAG = re.compile(r"</?(a|b|i|u|s|p|br|hr|div|span|font|strong|em|img|script|style|iframe|h[1-6]|ul|ol|li|table|tr|td|th"
                  r"|html|head|body|title|form|input|button|pre|code|blockquote|sub|sup)(\s[^<>]{0,200})?/?>", re.I)


def strip_markup(text: str) -> str:
    """HTML tags removed and entities read ("&amp;" → "&"), so markup never reaches understanding."""
    return html.unescape(_TAG.sub(" ", text)) if ("<" in text or "&" in text) else text


MAX_MESSAGE_CHARS = 2000  # longer messages are cut: no one types more, and a form answer keeps at most this
_KEPT_TAIL = 500


def shorten(text: str) -> str:
    """A pasted book as its start and end, so understanding it stays quick (the NLU reads only this much)."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    return f"{text[:MAX_MESSAGE_CHARS - _KEPT_TAIL]} … {text[-_KEPT_TAIL:]}"


# Written Cantonese (佛冈 and much of Guangdong write as they speak): its own words, to the Mandarin the cards and
# the NLU use. Only words no Mandarin sentence or name holds ("唔" alone is a Mandarin "hmm", so only in pairs).
_CANTONESE = {
    "乜嘢": "什么", "咩嘢": "什么", "点样": "怎样", "点解": "为什么", "做咩": "为什么", "几耐": "多久", "几多": "多少",
    "边度": "哪里", "边个": "谁", "细路仔": "孩子", "细路": "孩子", "细蚊仔": "孩子", "倾偈": "聊天", "唔知": "不知道",
    "唔系": "不是", "唔好": "不要", "唔使": "不用", "唔得": "不行", "唔该": "请", "冇": "没有", "嘅": "的", "喺": "在",
    "做咩嘅": "做什么的", "你系": "你是", "我哋系": "我们是", "我们系": "我们是", "我系": "我是", "佢系": "他是", "佢哋": "他们", "佢": "他", "咗": "了", "嚟": "来", "啲": "些", "畀": "给", "俾": "给", "攞": "拿", "睇": "看", "搵": "找", "揾": "找",
}
# Spoken Cantonese of a child in danger ("佢而家企喺天台边 话唔想活"): standing, now, not wanting, gone missing.
_CANTONESE |= {"企喺": "站在", "企系": "站在", "而家": "现在", "唔想": "不想", "唔见咗": "不见了", "唔见": "不见", "唔会": "不会",
               "女仔": "女孩", "男仔": "男孩", "我哋": "我们", "冇咗": "没了", "老豆": "爸爸"}
# Net slang of the same kind: 孩纸 → 孩子, 木有 → 没有.
_CANTONESE |= {"孩纸": "孩子", "木有": "没有", "神马": "什么", "肿么": "怎么", "盆友": "朋友", "童鞋": "同学", "酱紫": "这样"}
# A parent's questions ("我哋要唔要俾钱佢", "个仔点算好", "系咪要报警"): asking, in Mandarin words.
_CANTONESE |= {"唔俾": "不给", "唔畀": "不给", "系唔系": "是不是", "系咪": "是不是", "点算": "怎么办", "点办": "怎么办", "仲要": "还要", "呃咗": "骗了",
               "我个仔": "我儿子", "佢个仔": "他儿子", "我个女": "我女儿", "佢个女": "他女儿"}
_CANTONESE_WORD = re.compile("|".join(sorted(_CANTONESE, key=len, reverse=True)))
# "要唔要", "删唔删得", "俾唔俾": Cantonese A-not-A, a question whatever the verb.
_A_NOT_A = re.compile(r"(\w)唔\1")


@lru_cache(maxsize=256)
def normalise(text: str | None) -> str:
    """Return the canonical form of a user's message (remembered: the same message is read by several checks a turn).

    Traditional → simplified, full-width → half-width, markup, emoji and control
    characters removed, a message of bare pinyin in characters, written Cantonese words in Mandarin, runs of
    whitespace folded to one space, trimmed.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    text = strip_markup(text)
    text = strip_emoji(text)
    text = to_halfwidth(text)
    text = as_characters(text)
    text = to_simplified(text)
    text = _A_NOT_A.sub(r"\1不\1", _CANTONESE_WORD.sub(lambda m: _CANTONESE[m.group(0)], text))
    return _SPACES.sub(" ", text).strip()


_NUMERAL_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_NUMERAL_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_int(word: str) -> int | None:
    """A number written in Arabic digits or Chinese numerals: '十二' → 12, '一百零二' → 102, '7' → 7.

    None when the word is not a number. One converter for ages, dates and
    article numbers (第二十二条), so they are all read the same way.
    """
    if word.isdigit():
        return int(word)
    if not word or any(c not in _NUMERAL_DIGITS and c not in _NUMERAL_UNITS for c in word):
        return None
    total, digit = 0, None
    for char in word:
        if char in _NUMERAL_DIGITS:
            digit = _NUMERAL_DIGITS[char]
        else:
            total += (1 if digit is None else digit) * _NUMERAL_UNITS[char]
            digit = None
    return total + (digit or 0)
