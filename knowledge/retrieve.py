"""Finding what answers a question: cards and passages, hybrid (dense + BM25), aware of place.

Scores, in ``hybrid`` mode: a unit's best dense cosine, plus ``LEXICAL_WEIGHT``
times its BM25 score relative to the best BM25 score for the question, plus
for a card ``CLASSIFIER_WEIGHT`` times the probability the card classifier
(``knowledge.card_classifier``, learned from all of the cards' questions)
gives it. That last share orders cards; whether the best one is sure enough
to answer is judged without it (``Hit.evidence``), so a question on nothing
the cards cover is not made to look answerable by the classifier, which must
name some card.
Passages are embedded as e5 passages (question-to-passage similarities run
lower than question-to-question), so their dense score is shifted by
``PASSAGE_OFFSET``; cards still rank above a passage that says the same.

Place: a local unit (a county's allowance) gets ``PLACE_BONUS`` when the
question names its place or the user's remembered region is that place, but
only among units that already match the topic (within ``PLACE_WINDOW`` of the
best); it gets ``OTHER_PLACE_PENALTY`` otherwise, so a question that names no
place gets the national rule.

How to answer (``judge``) is decided per kind, cards and passages each with
their own floors, calibrated on the tune half of the labelled questions
(``python -m knowledge calibrate``): ``SURE`` (answer), ``LIKELY`` (answer,
saying which question it answers and offering the others and a person),
``UNSURE`` (say so, suggest, offer a person). A card whose answer is a bare yes
or no (有。可以。不能。) answers one question only: it is never more than
``LIKELY`` unless the question is close to one of its own questions.

A document added with ``python -m knowledge add`` and no card written for it
is reached only through its passages, which score below cards on neighbouring
topics. When such a passage is close behind a card answer, or the question
names the document's own subject (a word of its title found almost nowhere
else: 流浪, 康复救助), the policy answer shows its sentences too
(``companion``), so the new document is heard.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from collections import Counter
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np

from knowledge.bm25 import tokenize
from knowledge.cards import Card
from knowledge.embedder import Embedder, get_embedder
from knowledge.index import (
    MANIFEST,
    KnowledgeIndex,
    card_rows,
    card_words,
    current_fingerprint,
    ensure_index,
    index_dir,
    load,
    passage_chunks,
    passage_words,
)
from knowledge.passages import Passage
from knowledge.places import places_in, without_places
from knowledge.synonyms import with_formal_words
from knowledge.typos import TypoCorrector
from nlu.components.text_normaliser import chinese_int, normalise

log = logging.getLogger(__name__)

FLOORS = {  # (sure, likely) per kind of unit; environment: KNOWLEDGE_CARD_FLOOR, KNOWLEDGE_CARD_LIKELY, …
    "card": (0.96, 0.93),
    "passage": (0.92, 0.88),
}
BM25_MIN_SCORE = 12.0
POLAR_FLOOR = 0.955  # a yes/no card answers only questions this close to one of its own questions
_POLAR = re.compile(r"^(有|没有|可以|不可以|不能|能|是|不是|会|不会|要|不要|不用|需要|不需要|必须|应当|算|不算|对|不对)"
                    r"[^。，,！!：:]{0,6}[。，,！!：:]")  # "不能随便开除。" answers one question as much as "不能。"
LEXICAL_WEIGHT = 0.04
CLASSIFIER_WEIGHT = 0.05  # a card's score gains this times how likely the card classifier thinks it is asked for
PASSAGE_OFFSET = -0.02  # a card in plain words comes before the statute sentence that says the same
COVER_WINDOW = 0.08  # a passage this close to a card above it …
COVER_MARGIN = 0.15  # … that holds this much more of the question's rare words answers instead
COVERED = 0.6  # … unless the card holds this much of them already
# Programmes whose names contain another's: a question on orphans (孤儿) is not about 事实孤儿 (事实无人抚养儿童),
# a separate programme with its own rules, unless it says so. A card matched by a row on the other one gives way.
# So with the special case of a rule: "打孩子算家暴吗" is not the card on a mother's live-in boyfriend.
OTHER_PROGRAMMES = {"孤儿": ("事实孤儿", "事实无人抚养"),
                    "打": ("同居", "男友", "男朋友", "没结婚", "没扯证", "没领证", "住一起", "住一块", "非家庭成员", "不是家里人")}
OTHER_PROGRAMME_PENALTY = 0.03
NOT_WHEN_PENALTY = 0.06  # a card whose ``not_when`` words the question holds, or lacks its ``only_when`` words
# Parents told as away at work ("孙子爸妈都在外面 我腿脚不好 能给点补助不") and nothing said of death, prison, a parent
# gone or unable: the child is left behind, and the cards on orphans and 事实无人抚养 (whose rules need parents dead,
# jailed, missing or disabled) give way as for another programme.
PARENTS_AWAY = re.compile(r"(爸妈|父母|爹妈|爸爸妈妈|他爸|他妈|她爸|她妈|儿子媳妇|女儿女婿|闺女女婿|两口子|我们)[^，,。？?]{0,4}"
                          r"(在外面|在外头|在外地|在外省|出去|外出|去外地|打工|务工|进厂|上班)")
PARENTS_GONE = re.compile(r"死|去世|过世|没了|不在了|走了|坐牢|服刑|监狱|判了|戒毒|失联|联系不上|找不到|跑了|不管|不要|残|重病|瘫|"
                          r"失踪|改嫁|离婚|孤儿|事实无人|事实孤儿")
ORPHAN_CARDS = re.compile(r"孤儿|事实无人抚养")
# Both parents dead ("我兒子兒媳前年車禍都走了", "娃的爸妈都不在了"): an orphan (孤儿). The cards on 事实无人抚养 and
# left-behind children, whose rules need a parent alive, give way as for another programme.
BOTH_PARENTS_DEAD = re.compile(r"(爸妈|父母|爹妈|爸爸妈妈|爹娘|儿子(和)?儿媳|儿子媳妇|女儿女婿|闺女女婿|两口子|他俩|她俩)[^，,。？?]{0,10}"
                               r"(都|双双|俩都|两个都|一起)(走了|死了|去世|过世|没了|不在了|遇难|病故)|双亡")
NOT_ORPHAN_CARDS = re.compile(r"事实无人抚养|留守|一方")
# A question about money ("能领钱不", "给多少补贴") is not answered by a card that says nothing of money or of a
# programme that pays: "爸坐牢妈跑了 这种能领钱不" is no question on who is the guardian.
MONEY_ASKED = re.compile(r"(领|给|发|拿|要|有|多少|啥|什么)[^，,。？?]{0,3}(钱|补贴|补助|生活费|救助金|抚养费)|能领|领多少|能申请啥|能申请什么"
                         r"|(付|交|花|掏|收|要)(费|钱)|收费|免费|多少钱")
PAYS = re.compile(r"补贴|补助|生活费|元|资助|低保|医疗救助|临时救助|康复救助|救助金|发放|钱|费用|报销|免费|保障标准|抚养费|孤儿|事实无人抚养|特困")
# A question for a count ("全国督导员几个", "有多少名儿童主任") is not answered by a card with no number of people.
COUNT_ASKED = re.compile(r"(几|多少)(万|千|百)?(个|名|位|人|户|家)(?![月岁年天周钱])|有多少[^，,。？?钱元补贴费]{0,10}(儿童|孩子|孤儿|娃|学生)")
COUNTS = re.compile(r"\d[\d.,]*\s*(万|千|百)?(多)?(名|个|位|人|户|家|所|处)(?![月岁年天周工小])")
# A question on how to apply ("要去哪里办", "找谁办", "要带啥材料") is not answered by a card that only states a
# figure ("黔西散居孤儿每月1050元"): read with that answer's subject, the figure cards were nearest.
APPLY_ASKED = re.compile(r"(去|到|在)哪(里|儿|个地方)?(办|申请|报|交|领|弄)|找谁(办|申请|报|批)|(怎么|咋|如何|怎样)(申请|办理|申报)"
                         r"|申请(流程|手续|条件)|(要|带|准备|拿)(啥|什么|哪些)(材料|证明|东西|证件|证)|(啥|什么|哪些)(材料|证件)")
APPLIES = re.compile(r"申请|办理|受理|审核|审批|申报|材料|证明|手续|登记|认定")
# A question on how long or by when ("要多久能批下来") is not answered by a card that names no time.
HOW_LONG_ASKED = re.compile(r"多久|多长时间|几天|啥时候|什么时候|几时|哪天")
TIMES = re.compile(r"\d+\s*(个)?(工作日|日|天|周|星期|月|年|小时)|[一二三四五六七八九十两半]+(个)?(工作日|天|周|星期|月|年|小时)"
                   r"|及时|立即|马上|当天|当日|次月|当月|定期|期限|以内|之内|之前|以前|以后|之后|起|满")
# What a question asks for, and what a card must speak of to answer it.
ASPECTS = ((MONEY_ASKED, PAYS), (COUNT_ASKED, COUNTS), (APPLY_ASKED, APPLIES), (HOW_LONG_ASKED, TIMES))
# Choosing a passage's sentences: a question asking when or by when is answered by the sentence with a date.
WHEN_ASKED = re.compile(r"啥时候|什么时候|哪年|几月|多久|多长时间|最晚|最迟|期限|截止|之前要|前要")
DATED = re.compile(r"\d{4}\s*年|\d+\s*(个)?(月|日|天|年)(底|内|以内|之内|前)|年底前|月底前")
WHEN_BONUS = 0.03
OFF_ASPECT_PENALTY = 0.03
PLACE_BONUS = 0.06
PLACE_WINDOW = 0.05
OTHER_PLACE_PENALTY = 0.06
COMPANION_WINDOW = 0.15  # a passage of a document no card cites, this close behind the card answer …
COMPANION_FLOOR = 0.89  # … and at least this good, is shown with it
SUBJECT_FLOOR = 0.87  # the best passage of an uncited document whose subject the question names, if this good
SUBJECT_SHARE = 0.6  # a phrase is a document's subject when this share of the units holding it are the document's …
SUBJECT_UNITS = 2  # … and at least this many of its passages hold it
SUBJECT_LONG = 4  # a subject phrase this long, or one that is a word of the question, names the document; else two
PART_LEXICAL_WEIGHT = 0.15  # choosing a passage's sentences: closeness plus this times the share of rare words held
MAX_QUESTION_CHARS = 300
# What a voice message opens with or pauses on ("喂喂 你好 我想问一下就是…然后…"): no meaning to match, and in a
# long message it pulls the question's vector away from its subject.
_OPENING_FILLERS = re.compile(r"^([喂嗯呃哎诶唉哈]+[,，。 ]*|(你好|您好|在吗|在不在|请问一下|请问|打扰一下|打扰了|"
                              r"我想问一下|我想问下|我想问问|想问一下|问一下|问下|咨询一下|我想咨询一下|就是说|就是)[啊呀哈,，。!！ ]*)+")
_PAUSE_FILLERS = re.compile(r"(?<=[\u4e00-\u9fff ])(就是说|然后呢|然后就|然后|嗯+|呃+)(?=[\u4e00-\u9fff ])")


def without_fillers(text: str) -> str:
    """``text`` without the greetings and pause words of speech; the text itself if nothing else is left."""
    stripped = _PAUSE_FILLERS.sub("", _OPENING_FILLERS.sub("", text)).strip()
    return stripped if len(stripped) >= 2 else text

MODES = ("hybrid", "dense", "bm25")


class Verdict(str, Enum):
    """How sure the knowledge base is that its best hit answers the question."""

    SURE = "sure"
    LIKELY = "likely"
    UNSURE = "unsure"


def floors(kind: str) -> tuple[float, float]:
    """The (sure, likely) floors of a hybrid score for ``card`` or ``passage`` hits, from the environment if set."""
    sure, likely = FLOORS[kind]
    name = f"KNOWLEDGE_{kind.upper()}"
    return float(os.environ.get(f"{name}_FLOOR") or sure), float(os.environ.get(f"{name}_LIKELY") or likely)


def is_polar(card: Card) -> bool:
    """A card whose answer opens with a bare yes or no: it answers one question only."""
    return bool(_POLAR.match(card.answer))


@dataclass(frozen=True)
class Hit:
    """A card or passage and how well it matches the question (place-adjusted)."""

    unit: Card | Passage
    score: float
    mode: str = "hybrid"
    part: int = 0  # the row that matched: 0 title/head, then a card's questions or a passage's sentence groups
    dense: float = 0.0  # that row's cosine similarity
    learned: float = 0.0  # the card classifier's share of ``score``: it orders cards, it does not make one surer

    @property
    def evidence(self) -> float:
        """The score without the card classifier's share: how well the unit itself matches the question."""
        return self.score - self.learned

    @property
    def kind(self) -> str:
        """'card' or 'passage'."""
        return "card" if isinstance(self.unit, Card) else "passage"

    @property
    def key(self) -> str:
        """The card id or the passage key (``未成年人保护法#第22条``)."""
        return self.unit.id if isinstance(self.unit, Card) else self.unit.key

    @property
    def region(self) -> str:
        """Where the unit applies (全国 or a place)."""
        return self.unit.region


_HAN = re.compile(r"[\u4e00-\u9fff]+")


def phrases(text: str) -> set[str]:
    """The 2–4 character runs of Chinese in ``text``: what a subject is recognised by."""
    runs = _HAN.findall(text)
    return {run[i:i + n] for run in runs for n in (2, 3, 4) for i in range(len(run) - n + 1)}


_ARTICLE = re.compile(r"第?\s*([0-9]{1,3}|[零一二三四五六七八九十百]{1,6})\s*条")  # "个保法31条" too
# Short names people use for the statutes.
LAW_ALIASES = {"未保法": "未成年人保护法", "家促法": "家庭教育促进法", "家庭教育法": "家庭教育促进法",
               "个保法": "个人信息保护法", "个人信息法": "个人信息保护法", "反家暴法": "反家庭暴力法"}


class Retriever:
    """Ranks cards and passages for a question."""

    def __init__(self, index: KnowledgeIndex, embedder: Embedder) -> None:
        self._index = index
        self._embedder = embedder
        self._cards = {c.id: c for c in index.cards}
        # which of the ASPECTS each card speaks of (money, a number of people): looked up for every question
        self._speaks_of = {c.id: {n for n, (_q, says) in enumerate(ASPECTS) if says.search(f"{c.title}{c.answer}")}
                           for c in index.cards}
        self._rows = {c.id: card_rows(c) for c in index.cards}  # the rows a card is found by, normalised once
        self._passages = {p.key: p for p in index.passages}
        self._numbers = {(index.unit(n).id if n < len(index.cards) else index.unit(n).key): n for n in range(index.size)}
        self._regions = {u.region for u in (*index.cards, *index.passages) if u.is_local}
        self._documents = sorted({p.document for p in index.passages}, key=len, reverse=True)
        self._by_document: dict[str, list[Passage]] = {}
        for passage in index.passages:
            self._by_document.setdefault(passage.document, []).append(passage)
        cited = {c.document.removeprefix("中华人民共和国") for card in index.cards for c in card.citations}
        self._uncited = {d for d in self._documents
                         if not any(d.removeprefix("中华人民共和国") in c or c in d for c in cited)}
        self._subjects = self._subject_phrases()
        self._query_vector = lru_cache(maxsize=32)(self._embed_query)
        self._clean = lru_cache(maxsize=32)(self._correct)  # one answer cleans its question in several steps
        self._typos = TypoCorrector(w for card in index.cards for w in tokenize(card_words(card)))
        self._chunk_words: dict[str, list[set[str]]] = {}

    @property
    def cards(self) -> dict[str, Card]:
        """Every card by id."""
        return self._cards

    @property
    def passages(self) -> dict[str, Passage]:
        """Every passage by key."""
        return self._passages

    def clean(self, question: str) -> str:
        """The question as it is searched: normalised, cut to length, homophone typos put right (补主 → 补助)."""
        return self._clean(question)

    def _correct(self, question: str) -> str:
        return self._typos.correct(without_fillers(normalise(question))[:MAX_QUESTION_CHARS])

    def _topic(self, question: str) -> str:
        """The cleaned question without the places it names: what its meaning is matched on."""
        text = self.clean(question)
        return without_places(text, self.places(text))

    def places(self, text: str) -> set[str]:
        """The local regions the text names."""
        return places_in(normalise(text), self._regions)

    def find_article(self, question: str) -> Passage | None:
        """The passage a question asks for by name: '未成年人保护法第二十二条怎么说'."""
        text = normalise(question).replace("《", "").replace("》", "").replace("中华人民共和国", "")
        for alias, name in LAW_ALIASES.items():
            if alias in text and name not in text:
                text = text.replace(alias, name)
        match = _ARTICLE.search(text)
        if not match:
            return None
        number = chinese_int(match.group(1))
        for document in self._documents:  # longest title first
            if document in text:
                return self._passages.get(f"{document}#第{number}条")
        return None

    def supporting_passage(self, card: Card) -> Passage | None:
        """The statute article a card cites, when that article is in the index."""
        for citation in card.citations:
            if citation.article:
                document = citation.document.removeprefix("中华人民共和国")
                passage = self._passages.get(f"{document}#{citation.article}")
                if passage is not None:
                    return passage
        return None

    def _first_stage(self, text: str, region: str | None, mode: str = "hybrid") -> list[Hit]:
        """Dense + BM25 candidates of a normalised question, place-adjusted, best first."""
        named = self.places(text)
        wanted = named | ({region} if region else set())
        text = without_places(text, named)  # the topic decides what matches; the place only picks among matches
        lexical = self._lexical_scores(text)
        query = self._query_vector(text)
        dense = self._index.dense_scores(query)
        candidates = set(dense) | {int(u) for u in np.argsort(-lexical)[:50] if lexical[u] > 0}
        asked = {n for n, (question, _says) in enumerate(ASPECTS) if question.search(text)}
        classifier = self._index.card_classifier
        likely = classifier.probabilities(query) if classifier is not None and mode == "hybrid" else {}
        base: dict[int, float] = {}
        learned: dict[int, float] = {}  # the classifier's share of each card's score
        for number in candidates:
            unit = self._index.unit(number)
            score = dense.get(number, (0.0, 0))[0]
            if isinstance(unit, Passage):
                score += PASSAGE_OFFSET if number in dense else 0.0
            elif (likely and (not unit.is_local or unit.region in wanted) and asked <= self._speaks_of[unit.id]
                  and not unit.misfits(text)):
                # trained without places, it is no judge of them; nor does it lift a card off what is asked, or one
                # whose own words say its case is not the one asked
                learned[number] = CLASSIFIER_WEIGHT * likely.get(unit.id, 0.0)
            if mode == "hybrid":
                score += LEXICAL_WEIGHT * float(lexical[number])
            base[number] = score + learned.get(number, 0.0)
        adjusted: dict[int, tuple[Card | Passage, float, bool]] = {}
        left_behind = bool(PARENTS_AWAY.search(text)) and not PARENTS_GONE.search(text)
        orphaned = bool(BOTH_PARENTS_DEAD.search(text))
        for n, s in base.items():
            unit = self._index.unit(n)
            if isinstance(unit, Card) and (self._other_programme(unit, dense.get(n, (0.0, 0))[1], text)
                                           or (left_behind and ORPHAN_CARDS.search(unit.title))
                                           or (orphaned and NOT_ORPHAN_CARDS.search(unit.title)
                                               and "孤儿" not in unit.title)):
                s -= OTHER_PROGRAMME_PENALTY
            if isinstance(unit, Card) and unit.misfits(text):
                s -= NOT_WHEN_PENALTY  # the card's own words say its case is not the one asked
            off_aspect = isinstance(unit, Card) and not asked <= self._speaks_of[unit.id]
            adjusted[n] = unit, (s - OFF_ASPECT_PENALTY if off_aspect else s), off_aspect
        best = max((s for _unit, s, _off in adjusted.values()), default=0.0)
        hits = []
        for n, (unit, s, off_aspect) in adjusted.items():
            similarity, part = dense.get(n, (0.0, 0))
            # nor does the place of a card that does not speak to what is asked lift it
            hits.append(Hit(unit, self._placed(unit, s, wanted, best, lift=not off_aspect), mode, part, similarity,
                            learned.get(n, 0.0)))
        hits.sort(key=lambda h: (h.score, h.kind == "card"), reverse=True)
        return hits

    def _other_programme(self, card: Card, part: int, text: str) -> bool:
        """Whether the card's matching row is about another programme than the one asked ("事实孤儿" for "孤儿")."""
        rows = self._rows[card.id]
        if not 0 <= part < len(rows):
            return False
        return any(asked in text and not any(w in text for w in words) and any(w in rows[part] for w in words)
                   for asked, words in OTHER_PROGRAMMES.items())

    def search(self, question: str, k: int = 3, mode: str = "hybrid", region: str | None = None) -> list[Hit]:
        """The ``k`` best units for ``question``, best first.

        ``region`` is a place the user told the bot earlier; a place named in
        the question itself counts too.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        text = self.clean(question)
        if not text:
            return []
        if mode == "bm25":
            lexical = self._index.bm25.scores(text)
            order = np.argsort(-lexical)[:k]
            return [Hit(self._index.unit(int(u)), float(lexical[u]), mode) for u in order if lexical[u] > 0]
        hits = self._first_stage(text, region, mode)
        if mode == "hybrid":
            hits = self._prefer_coverage(hits, text)
        article = self.find_article(text)
        if article is not None:  # asked for by name: that article first, whatever the scores
            top = max((h.score for h in hits), default=1.0)
            hits = [Hit(article, top + 0.01, mode)] + [h for h in hits if h.key != article.key]
        return hits[:k]

    def _prefer_coverage(self, hits: list[Hit], text: str) -> list[Hit]:
        """Put first a close passage that holds far more of the question's rare words than the card above it.

        Cards are matched question to question, passages question to text, so a
        card on a neighbouring topic outscores the sentence of a document that
        actually answers ("流浪儿童多久能上户口" against the card on parents out
        of touch). The words the question and the unit share tell them apart.
        """
        if not hits or not isinstance(hits[0].unit, Card):
            return hits
        words = tokenize(text)
        top_cover = self._index.bm25.coverage(self._unit_number(hits[0]), words)
        if top_cover >= COVERED:
            return hits  # the card speaks to most of the question: it stays first
        for hit in hits[1:20]:
            if hit.score < hits[0].score - COVER_WINDOW:
                break
            if isinstance(hit.unit, Passage) and self._index.bm25.coverage(self._unit_number(hit), words) >= top_cover + COVER_MARGIN:
                return [hit] + [h for h in hits if h.key != hit.key]
        return hits

    def _lexical_scores(self, text: str) -> np.ndarray:
        """BM25 of every unit relative to the best for the question's own words (0–1): the lexical half.

        Cards are matched on the question's own words, passages with the formal
        words added: cards are written in people's words already, and adding
        the statute word would only pull a question towards whichever card
        happens to use it. The scale is set by the question's own words, so
        the added words never shrink a card's share.
        """
        own = self._index.bm25.scores(text)
        scores = own.copy()
        formal = with_formal_words(text)
        if formal != text:
            cards = len(self._index.cards)
            scores[cards:] = self._index.bm25.scores(formal)[cards:]
        top = float(own.max()) or float(scores.max())
        return np.minimum(scores / top, 1.0) if top > 0 else scores

    def _embed_query(self, text: str) -> np.ndarray:
        return self._embedder.embed_queries([text])[0]

    def _subject_phrases(self) -> dict[str, set[str]]:
        """For each document no card cites, the phrases found mostly in it: what it is about.

        A deployer's new document has no card, so nothing says what it covers;
        its own words do: "康复救助" or "流浪" stand in nearly all its passages
        and hardly anywhere else.
        """
        if not self._uncited:
            return {}
        everywhere: Counter[str] = Counter()
        inside = {document: Counter() for document in self._uncited}
        for number in range(self._index.size):
            unit = self._index.unit(number)
            found = phrases(normalise(card_words(unit) if isinstance(unit, Card) else passage_words(unit)))
            everywhere.update(found)
            if isinstance(unit, Passage) and unit.document in inside:
                inside[unit.document].update(found)
        return {document: {p for p, n in counts.items() if n >= SUBJECT_UNITS and n / everywhere[p] >= SUBJECT_SHARE}
                for document, counts in inside.items()}

    def named_documents(self, question: str) -> set[str]:
        """The documents no card cites whose subject the question names (its own words or their formal ones)."""
        if not self._subjects:
            return set()
        text = with_formal_words(self.clean(question))
        asked, words = phrases(text), set(tokenize(text))
        named = set()
        for document, subject in self._subjects.items():
            held = subject & asked
            whole = {p for p in held if not any(p != q and p in q for q in held)}
            if held & words or any(len(p) >= SUBJECT_LONG for p in whole) or len(whole) >= 2:
                named.add(document)
        return named

    def answering_part(self, hit: Hit, question: str) -> int:
        """The sentence group of a passage hit that answers the question best (see ``_best_sentences``)."""
        if not isinstance(hit.unit, Passage):
            return hit.part
        if len(self._chunks_of(hit.unit)) <= 1:
            return 0
        return self._best_sentences([hit.unit], question)[1]

    def _chunks_of(self, passage: Passage) -> list[set[str]]:
        """The search words of each of a passage's sentence groups (its dense rows), computed once."""
        chunks = self._chunk_words.get(passage.key)
        if chunks is None:
            chunks = self._chunk_words[passage.key] = [set(tokenize(normalise(c))) for c in passage_chunks(passage)]
        return chunks

    def _best_sentences(self, passages: list[Passage], question: str) -> tuple[Passage, int, float]:
        """The passage and sentence group among ``passages`` that answer the question best, and its closeness.

        The row that matched best by meaning alone can be a passage's opening;
        the sentence that holds the question's own rare words ("非定点",
        "跑一次") is the answer, so closeness and the share of those words
        held are added. Words most of the sentences share, such as their
        document's own subject, tell nothing and are left out.
        """
        pool = [(passage, i, words) for passage in passages for i, words in enumerate(self._chunks_of(passage))]
        text = self.clean(question)
        subject = {w for passage in passages for w in tokenize(normalise(passage.document))}
        words = {w for w in tokenize(with_formal_words(text))
                 if w not in subject and sum(w in chunk for _p, _i, chunk in pool) <= len(pool) / 2}
        weights = {w: self._index.bm25.idf(w) for w in words}
        total = sum(weights.values()) or 1.0
        query = self._query_vector(self._topic(question))
        when = bool(WHEN_ASKED.search(text))
        best: tuple[float, Passage, int, float] | None = None
        for passage in passages:
            closeness = self._index.row_similarities(query, self._numbers[passage.key])
            texts = passage_chunks(passage) if when else []
            for i, chunk in enumerate(self._chunks_of(passage)[:len(closeness)]):
                held = sum(v for w, v in weights.items() if w in chunk) / total
                score = float(closeness[i]) + PART_LEXICAL_WEIGHT * held
                if when and DATED.search(texts[i]):
                    score += WHEN_BONUS
                if best is None or score > best[0]:
                    best = (score, passage, i, float(closeness[i]))
        if best is None:
            return passages[0], 0, 0.0
        return best[1], best[2], best[3]

    def companion(self, hits: list[Hit], question: str = "") -> Hit | None:
        """The passage of a document no card cites to show beside a card at the top; None if none fits.

        Its ``part`` is the sentence group to show.

        Nobody wrote a card for a document added later, so a card on a
        neighbouring topic outranks its sentences; shown together, the user
        gets both the plain answer and what the newer document says. The
        passage must be close behind the card, or be the best of a document
        whose subject the question names.
        """
        if not hits or not isinstance(hits[0].unit, Card):
            return None
        named = [self.best_in(document, question) for document in self.named_documents(question)] if question else []
        best_named = max((h for h in named if h is not None), key=lambda h: h.score, default=None)
        if best_named is not None and best_named.score >= SUBJECT_FLOOR:
            return best_named
        # the best passage of a document no card cites, though passages of cited documents rank above it
        best_passage = next((h for h in hits if isinstance(h.unit, Passage) and h.unit.document in self._uncited), None)
        if best_passage is not None and best_passage.score >= max(COMPANION_FLOOR, hits[0].score - COMPANION_WINDOW):
            return self.best_in(best_passage.unit.document, question) if question else best_passage
        return None

    def best_in(self, document: str, question: str) -> Hit | None:
        """The passage of ``document`` that best answers the question, and its sentences (``part``).

        A document's passages can all lie below the nearest rows that
        ``search`` looks at when cards on neighbouring topics crowd them out,
        and within one document every passage shares its subject's words: the
        sentences are chosen across the whole document as ``answering_part``
        chooses them in one passage, and scored as ``search`` scores passages.
        """
        passages = self._by_document.get(document)
        if not passages:
            return None
        passage, part, closeness = self._best_sentences(passages, question)
        lexical = self._lexical_scores(self._topic(question))
        score = closeness + PASSAGE_OFFSET + LEXICAL_WEIGHT * float(lexical[self._numbers[passage.key]])
        return Hit(passage, score, "hybrid", part, closeness)

    def _unit_number(self, hit: Hit) -> int:
        return self._numbers[hit.key]

    @staticmethod
    def _placed(unit: Card | Passage, score: float, wanted: set[str], best: float, lift: bool = True) -> float:
        if not unit.is_local:
            return score
        if unit.region in wanted:
            return score + (PLACE_BONUS if lift and score >= best - PLACE_WINDOW else 0.0)
        return score - OTHER_PLACE_PENALTY

    def answers(self, hit: Hit) -> bool:
        """Whether the hit can answer the question outright: a yes/no card only a question close to its own."""
        if isinstance(hit.unit, Card) and is_polar(hit.unit):
            return 1 <= hit.part <= len(hit.unit.questions) and hit.dense >= POLAR_FLOOR
        return True

    def judge(self, hits: Iterable[Hit]) -> Verdict:
        """SURE, LIKELY or UNSURE that the best hit answers the question."""
        top = next(iter(hits), None)
        if top is None:
            return Verdict.UNSURE
        if top.mode == "bm25":
            return Verdict.SURE if top.score >= BM25_MIN_SCORE else Verdict.UNSURE
        sure, likely = floors(top.kind)
        if top.evidence >= sure and self.answers(top):
            return Verdict.SURE
        return Verdict.LIKELY if top.evidence >= likely else Verdict.UNSURE

    def confident(self, hits: Iterable[Hit]) -> bool:
        """Whether the best hit is sure enough to answer outright (``judge`` is SURE)."""
        return self.judge(hits) is Verdict.SURE


# How often (seconds) a process looks whether a newer index was saved (``KNOWLEDGE_RELOAD_SECONDS``):
# one ``stat`` of the manifest, so a question never waits on reading the index.
RELOAD_SECONDS = 5.0


def reload_seconds() -> float:
    """Seconds between looks at the index manifest (``KNOWLEDGE_RELOAD_SECONDS``, default ``RELOAD_SECONDS``)."""
    try:
        return float(os.environ.get("KNOWLEDGE_RELOAD_SECONDS") or RELOAD_SECONDS)
    except ValueError:
        return RELOAD_SECONDS


def manifest_stamp(directory: Path) -> tuple[int, int, int] | None:
    """What changes when an index is saved (the manifest is replaced by rename): inode, size, mtime."""
    try:
        found = (directory / MANIFEST).stat()
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


class _Current:
    """The process's retriever, the manifest it was loaded from, and when the manifest was last looked at."""

    def __init__(self) -> None:
        self.retriever: Retriever | None = None
        self.directory: Path | None = None
        self.stamp: tuple[int, int, int] | None = None
        self.checked = 0.0
        self.lock = threading.Lock()


_current = _Current()


def get_retriever(check_now: bool = False) -> Retriever:
    """The process-wide retriever; builds the index first if a source changed.

    Later calls return the same retriever, but at most every ``reload_seconds()`` (or at once with
    ``check_now``) they stat the index manifest: when another process (the desk, ``make index``) saved a
    new index, it is loaded (never built) and used from the next question on.
    """
    current = _current
    retriever = current.retriever
    if retriever is not None and not check_now and time.monotonic() - current.checked < reload_seconds():
        return retriever
    with current.lock:
        directory = index_dir()
        if current.retriever is None or current.directory != directory:
            stamp = manifest_stamp(directory)
            embedder = get_embedder()
            index, rebuilt = ensure_index(embedder, directory)
            current.retriever = Retriever(index, embedder)
            current.directory, current.stamp = directory, manifest_stamp(directory) if rebuilt else stamp
        elif check_now or time.monotonic() - current.checked >= reload_seconds():
            stamp = manifest_stamp(directory)
            if stamp is not None and stamp != current.stamp:
                current.stamp = stamp  # a manifest that cannot be used now is not read again until it changes
                _reload(current, directory)
        current.checked = time.monotonic()
        return current.retriever


def _reload(current: _Current, directory: Path) -> None:
    """Use the index another process saved, when it was built from the sources as they are now."""
    embedder = get_embedder()
    try:
        cards, fingerprint = current_fingerprint(embedder.name)
    except Exception as error:  # noqa: BLE001 - a card file half edited: keep answering with what we have
        log.warning("knowledge index not reloaded: the sources cannot be read (%s)", error)
        return
    index = load(directory, fingerprint, cards)
    if index is None:
        log.info("knowledge index changed on disk but does not match the sources; keeping the loaded one")
        return
    current.retriever = Retriever(index, embedder)
    log.info("knowledge index reloaded: %d cards, %d passages", len(index.cards), len(index.passages))


def forget_retriever() -> None:
    """Drop the process's retriever (tests; the next ``get_retriever`` loads or builds afresh)."""
    with _current.lock:
        _current.retriever, _current.directory, _current.stamp, _current.checked = None, None, None, 0.0


def loaded_retriever() -> Retriever | None:
    """The retriever this process has loaded, without loading one."""
    return _current.retriever


get_retriever.cache_clear = forget_retriever  # type: ignore[attr-defined]  # as when it was an lru_cache
