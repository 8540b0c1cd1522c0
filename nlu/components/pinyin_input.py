"""Pinyin typed without picking characters ("wo bu xiang huo le", "shishi guer butie zai nali shenqing"), as Chinese.

Some parents and grandparents type the sounds and send them as they are. The
intent classifier, the danger assessor and the knowledge base all read
characters, so ``text_normaliser.normalise`` turns such a message into the
characters it most likely stands for (Pinyin2Hanzi's phrase graph), the same way
for training examples and for users' messages. Only a message that is nothing
but pinyin is converted: English ("help me"), codes ("K7QM-2XPA") and mixed
text are left as they are, since not every word of them splits into syllables.

Imported by both runtimes; Pinyin2Hanzi is pure Python and loads its tables
(0.4 s) on the first pinyin message only.
"""
from __future__ import annotations

import re
from functools import lru_cache

_ONLY_LETTERS = re.compile(r"^[a-zü' ,.!?~\-]+$")
_WORDS = re.compile(r"[a-zü]+")
_PAUSE = re.compile(r"[,.!?~\-]+")
MIN_SYLLABLES = 2
MAX_CHARS = 300  # a voice message's worth; longer runs of letters are no one's typing
MAX_WORD = 40  # letters run together without a space
# The service's own words, which a general phrase table spells otherwise (tongyi → 统一, not 同意; baobei → 宝贝,
# not 报备): matched first, longest first, and the rest of the message left to the phrase graph.
_OWN_WORDS = {
    "zhuan ren gong": "转人工", "ren gong": "人工", "tong yi": "同意", "bu tong yi": "不同意", "bao bei": "报备",
    "bu tie": "补贴", "bu zhu": "补助", "shi shi": "事实", "shi shi gu er": "事实孤儿", "gu er": "孤儿",
    "wu ren fu yang": "无人抚养", "liu shou er tong": "留守儿童", "liu shou": "留守", "kun jing er tong": "困境儿童",
    "er tong zhu ren": "儿童主任", "tan fang": "探访", "jian hu": "监护", "jian hu ren": "监护人", "wei tuo": "委托",
    "qiang zhi bao gao": "强制报告", "nve dai": "虐待", "jia bao": "家暴", "xing qin": "性侵", "wei xie": "猥亵",
    "bao jing": "报警", "min zheng": "民政", "shen qing": "申请", "bu xiang huo": "不想活", "zi sha": "自杀",
    "ge wan": "割腕", "tiao lou": "跳楼", "tiao he": "跳河", "da hai zi": "打孩子", "da wo": "打我", "shan chu": "删除",
    "wo de xin xi": "我的信息", "da gong": "打工", "wai chu": "外出", "di bao": "低保", "can ji": "残疾",
    "hai zi": "孩子", "zen me ban": "怎么办", "bei da": "被打", "bei guai": "被拐", "bei pian": "被骗",
    "qi fu": "欺负", "bei qi fu": "被欺负", "bao gao": "报告",
}


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless syllable, spelled as people type it (yue, lue) and as Pinyin2Hanzi's tables do (yve, lve)."""
    from Pinyin2Hanzi import all_pinyin

    spelled = set(all_pinyin())
    return frozenset(spelled | {s.replace("ve", "ue") for s in spelled if s.endswith("ve")})


@lru_cache(maxsize=1)
def _phrase_graph():
    from Pinyin2Hanzi import DefaultDagParams

    return DefaultDagParams()


def split_syllables(word: str) -> list[str] | None:
    """'buxiang' → ['bu', 'xiang'], 'dangan' → ['dang', 'an']: the longest syllable first, as phone keyboards
    split, backing off where the rest would not split; None when the word is not pinyin."""
    known = _syllables()

    @lru_cache(maxsize=None)
    def rest(start: int) -> tuple[str, ...] | None:
        if start == len(word):
            return ()
        for end in range(min(len(word), start + 6), start, -1):
            if word[start:end] in known and (after := rest(end)) is not None:
                return (word[start:end],) + after
        return None

    found = rest(0)
    return list(found) if found is not None else None


def pinyin_syllables(text: str) -> list[str] | None:
    """The syllables of a message that is only pinyin, or None."""
    value = text.strip().lower()
    if not value or len(value) > MAX_CHARS or not _ONLY_LETTERS.match(value):
        return None
    found: list[str] = []
    for word in _WORDS.findall(value.replace("'", " ")):
        pieces = split_syllables(word.replace("ü", "v")) if len(word) <= MAX_WORD else None
        if pieces is None:
            return None
        found.extend(pieces)
    return found if len(found) >= MIN_SYLLABLES else None


@lru_cache(maxsize=1)
def _own_words() -> dict[tuple[str, ...], str]:
    return {tuple(sound.split()): word for sound, word in _OWN_WORDS.items()}


def _spell(syllables: list[str]) -> str:
    """Characters for a run of syllables: the service's own words where they fit, the phrase graph between them."""
    from Pinyin2Hanzi import dag, simplify_pinyin

    own, longest = _own_words(), max(len(k) for k in _own_words())
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            paths = dag(_phrase_graph(), [simplify_pinyin(s) for s in pending], path_num=1)
            out.append("".join(paths[0].path) if paths else "".join(pending))
            pending.clear()

    i = 0
    while i < len(syllables):
        for size in range(min(longest, len(syllables) - i), 1, -1):
            word = own.get(tuple(s.replace("ue", "ve") for s in syllables[i:i + size]))
            if word:
                flush()
                out.append(word)
                i += size
                break
        else:
            pending.append(syllables[i])
            i += 1
    flush()
    return "".join(out)


def as_characters(text: str) -> str:
    """The message in characters when it is only pinyin (pauses kept as '，'); otherwise the message unchanged."""
    if pinyin_syllables(text) is None:
        return text
    try:
        return "，".join(_spell(pinyin_syllables(part) or []) for part in _PAUSE.split(text.strip().lower()) if part.strip())
    except (KeyError, IndexError, ValueError):  # a syllable its tables lack: keep what was typed
        return text
