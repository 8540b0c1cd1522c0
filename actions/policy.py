"""Answering a policy question from the knowledge base, with its source, or not guessing.

Short answer first, then ``依据：…``; a button shows the statute article behind
it. Asked for an article by name, the bot shows that article. A passage answer
quotes the sentences that hold the fact, not the head of the passage.

Places: a local figure is given only for its own place (the place named in the
question, or the one the user named earlier, ``user_region``). A question about
another Chinese place (every county is known, ``knowledge.gazetteer``) gets the
national rule as the floor, a plain word that the bot has no figures for that
place, where to ask, and a person. A question about another country's rules is
not answered at all.

``answer_question`` is shared by the policy action and by the fallback actions,
which ask the knowledge base whenever the intent was unsure.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guard import polite
from actions.handoff import HUMAN_BUTTON
from actions.harm_heard import hear_concern, heard_of_only, start_report
from actions.safety import CAUTION, SERIOUS, DangerGrade, caution, gone_in_context, latest_grade
from knowledge.bm25 import domain_terms
from knowledge.cards import Card
from knowledge.gazetteer import Place, foreign_subject, places_in, where_parent_works
from knowledge.index import passage_chunks
from knowledge.passages import Passage
from knowledge.places import names_for
from knowledge.retrieve import OTHER_PLACE_PENALTY, Hit, Retriever, Verdict, get_retriever
from nlu.components.danger_signals import rule_question_words, tells_harm
from nlu.components.question_shape import is_question
from nlu.components.text_normaliser import normalise
from records.unanswered import note_unanswered

logger = logging.getLogger(__name__)

EXAMPLES = ("孤儿基本生活费标准是多少", "外出打工要怎么安排孩子", "哪些情况必须强制报告")
EXCERPT_CHARS = 160
FULL_TEXT_CHARS = 1500
# Not understood is not known safe: the 110 line is in it (a child in danger, told in words we missed).
NOT_SURE = f"这个问题我没有把握，不想给您说错。{CAUTION}您是不是想问下面这些？也可以转给工作人员。"
LIKELY_CARD = "我理解您问的是「{title}」："
LIKELY_PASSAGE = "我找到的最接近的规定是这一条，您看是不是您想问的："
NOT_IT = "如果不是您想问的，可以点下面的问题，或转给工作人员。"
FOREIGN = ("我只了解中国（内地）的儿童保护政策，{place}的规定和补贴我不清楚，不想给您说错。"
           "如果您问的是国内的情况，可以换个说法再问我；也可以转给工作人员。")

# How long a sentence is, or whether it is death: the criminal law is not among our sources (the statutes we
# hold only say "依法追究刑事责任"), so the bot says so instead of serving the nearest card.
SENTENCING = re.compile(r"(判|坐).{0,2}(几|多少|多久|多长)|判(死刑|无期|缓刑)|(怎么|咋)判|量刑|刑期|一定(要|会)坐牢")
NO_SENTENCING = ("判多少年、怎么量刑，要看《刑法》和法院的判决，我这里没有这方面的资料，不想给您说错。"
                 "可以转给工作人员，或者问当地司法局的法律援助。")
# Everyday matters no card is about (the weather, loans, pensions, tickets): the nearest card ("明天下不下雨 孙子要去学
# 校" got the truancy rules) would answer a question nobody asked. Said so, a person offered, and the child's part of
# the message offered as a button when the knowledge base is sure of it ("借钱…娃要交学费": school fees).
OFF_TOPIC = re.compile(r"下不下雨|会不会下雨|下雨不|下不下雪|天气预报|天气怎么样|天气咋样|明天天气|气温多少|贷款|借钱|借到钱|借点钱|"
                       r"网贷|利息|信用社|信用卡|养老金|养老保险|退休金|彩票|股票|炒股|房贷|车贷|火车票|机票|快递|话费|充流量")
# How much medical insurance pays back ("娃住院了农合能报多少"): each county's own rates, not in any document here.
INSURANCE_RATE = re.compile(r"(农合|新农合|医保|合作医疗|居民医保)[^，,。？?]{0,10}(报多少|报销多少|能报|报几成|报销比例|报百分|报好多|报得了)"
                            r"|(住院|看病|医药费|药费)[^，,。？?]{0,6}(报销|能报)")
PROGRAMME_NAMED = re.compile(r"孤儿|困境|事实无人抚养|低保|残疾|特困|大病|医疗救助")  # a card answers these
NO_INSURANCE_RATE = ("看病能报多少，各地医保的比例不一样，我这里查不到，不想给您说错。可以问县医保局或医院的医保窗口；"
                     "家里困难的孩子还可以申请医疗救助，问乡镇（街道）民政办。")
NOT_MY_FIELD = "这个我帮不上忙，我只懂儿童保护方面的事：政策问答、外出报备、探访记录和强制报告。需要的话可以转给工作人员。"
ABOUT_THE_CHILD = "孩子那边的事，您可以点下面的问题看看。"
# Facts of one place and day that no document holds: who the township's 督导员 is and their number, the day an
# allowance reaches the card. A card on the same subject ("每个乡镇明确1名儿童督导员") is no answer to them.
_LOCAL_PERSON = (r"(镇上|镇里|乡上|乡里|村里|村上|我们村|我们镇|我们乡|县里|街道|这边|我们这|当地)的?"
                 r"(儿童督导员|督导员|儿童主任|民政(办|所|局)?的?(人|干部)?|工作人员|社工|专干|负责人|领导)")
CONTACT_ASKED = re.compile(_LOCAL_PERSON + r".{0,8}(是哪个|是哪位|是谁|叫啥|叫什么|电话|手机|联系方式|咋联系|怎么联系|在哪办公)"
                           r"|(电话|手机号|联系方式)(是|号码是|号)?多少")
NO_CONTACTS = "具体是哪位、电话多少，我这里没有登记，不想给您说错。可以问村委会或乡镇（街道）民政办，也可以转给工作人员帮您问。"
_MONEY_PAID = r"(补贴|补助|生活费|救助金|低保|钱|津贴)[^，,。？?]{0,8}"  # the money, then when or whether it came
PAYDAY_ASKED = re.compile(_MONEY_PAID + r"((啥|什么|哪)(时候|天|号)|几号|几时)(发|到账|打|到)")
NOT_PAID_YET = re.compile(_MONEY_PAID + r"(没|莫|冇)(发|到账|打过来|打到卡|打卡上)(?!烧|现|火|芽|育|言|生)"
                          r"|(咋|怎么|为啥|为什么)还没到账")
PAID_WHEN = re.compile(r"按(月|季|季度|年)(发放|发|打)|每(月|季度)\d+[日号]|\d+[日号]前(发|打)")
NO_PAYDAY = ("具体哪天发到卡上，各地安排不一样，我这里查不到，不想给您说错。可以问村里的儿童主任或乡镇（街道）民政办；"
             "一直没到账的，也可以转给工作人员帮您问。")
# A message the classifier put out of scope that still speaks of our field ("第三季度的补贴啥时候发"): it gets the
# policy answer, or "not sure" with a person, never "我只懂儿童保护方面的事".
IN_OUR_FIELD = re.compile(r"孩子|娃|儿童|小孩|孙子|孙女|外孙|学生|补贴|补助|救助|生活费|低保|孤儿|残疾|监护|抚养|强制报告|报备|探访|"
                          r"民政|督导员|儿童主任|工单|留守|困境|福利|上学|读书|学校|户口")
# How to treat a child (a bite, a burn, a fever, a vaccine): no card answers it, and a policy card served to it
# ("被狗咬了，要打疫苗吗" got the card on domestic violence) would be worse than none.
MEDICAL = re.compile(r"(疫苗|狂犬|打针|吃什么药|吃啥药|用什么药|用啥药|抹什么|抹啥|擦什么|擦啥|上什么药|退烧|咋治|怎么治|"
                     r"怎么处理伤口|伤口怎么|要不要(去|上)医院|要去医院吗|挂什么科|"
                     r"(3[89]|4[01])(\.\d)?\s*(度|°|℃)|(发烧|发高烧|烧到|拉肚子|咳嗽|呕吐|吐了|肚子疼|头疼|摔了|磕了|崴了).{0,16}(咋办|怎么办|咋整|怎么弄|咋弄|咋个办)"
                     r"|(疼|痛)得(打滚|直打滚|受不了|睡不着|直哭|厉害)|来(月经|例假|那个)了|出水痘|牙疼"
                     r"|近视|视力(下降|不好|差|模糊)|配眼镜|蛀牙|感冒|过敏|湿疹)")  # "孩子近视了 学校管不管" got the card on dropping out
# …but a carer too ill to look after the child asks who will: "奶奶发烧住院了 娃没人管 咋办" is a policy question.
NO_CARER = re.compile(r"(没人管|没人带|没人照顾|没人看|带不了|照顾不了|看不了|管不了|谁来管|谁管|谁带|谁照顾)")
# A girl's first period is growing up, not an illness: "看病…答不了…120" would frighten a grandmother who asks.
PUBERTY = re.compile(r"月经|例假|大姨妈|来那个|青春期|发育")
NO_PUBERTY = ("孩子来月经是长大了的正常变化，不是病，别担心。怎么跟孩子讲、准备卫生巾这些，我这里没有专门的资料，不想给您说错；"
              "可以请孩子妈妈打电话跟她说说，也可以问学校的女老师或村医。肚子疼得厉害、出血特别多，就带去医院或乡镇卫生院看看。")
NO_MEDICAL = ("看病、打疫苗、用药的事我答不了，不想给您说错。孩子被咬伤、烫伤或生病了，请尽快带去医院或乡镇卫生院；"
              "情况紧急请马上拨打120。您不在孩子身边的话，请照顾孩子的人带去，也可以请村里的儿童主任帮忙。")


def _payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def card_button(card: Card, title: str | None = None) -> dict[str, str]:
    """A button that answers one card directly."""
    return {"title": title or card.title, "payload": _payload("ask_policy", card_id=card.id)}


def passage_button(passage: Passage) -> dict[str, str]:
    """A button that shows one article or section in full."""
    label = passage.article or "全文"
    return {"title": f"查看《{passage.document}》{label}原文", "payload": _payload("ask_policy", passage_key=passage.key)}


def off_topic(retriever: Retriever, text: str) -> Reply:
    """The reply to an everyday matter no card is about (``OFF_TOPIC``), with the child's part as a button."""
    hits = retriever.search(text, k=3)
    if retriever.judge(hits) is Verdict.SURE:
        return Reply(f"{NOT_MY_FIELD}{ABOUT_THE_CHILD}", [suggestion_button(hits[0]), HUMAN_BUTTON])
    return Reply(NOT_MY_FIELD, [HUMAN_BUTTON])


def unit_text(unit: Card | Passage) -> str:
    """What a card or passage says."""
    return unit.answer if isinstance(unit, Card) else unit.text


def suggestion_button(hit: Hit) -> dict[str, str]:
    """A suggestion for an unsure answer: the card, or the passage's full text."""
    return card_button(hit.unit) if isinstance(hit.unit, Card) else passage_button(hit.unit)


def render_card(card: Card, named_places: set[str], note: str = "") -> str:
    """The card's answer, a hint when it is a local figure the user did not ask for, a note, and its source."""
    text = card.answer
    if card.is_local and card.region not in named_places:
        text += f"\n（这是{card.region}的做法，其他地方请以当地民政部门的规定为准。）"
    if note:
        text += f"\n{note}"
    return f"{text}\n{card.basis()}"


def excerpt(passage: Passage, part: int = 0) -> str:
    """The sentences of a passage that matched the question (``part``), with their neighbour when short."""
    chunks = passage_chunks(passage)
    if len(chunks) <= 1:
        text = passage.text
        return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "……"
    part = min(max(part, 0), len(chunks) - 1)
    picked = chunks[part]
    if len(picked) < EXCERPT_CHARS // 2 and part + 1 < len(chunks):
        picked += chunks[part + 1]
        end = part + 1
    else:
        end = part
    if len(picked) > EXCERPT_CHARS + 60:
        picked = picked[:EXCERPT_CHARS] + "……"
    elif end < len(chunks) - 1:
        picked += "……"
    return ("……" if part > 0 else "") + picked


def render_excerpt(passage: Passage, part: int = 0) -> str:
    """The sentences that answer, as an answer, with where they come from."""
    return f"{excerpt(passage, part)}\n依据：{passage.citation()}"


def render_companion(passage: Passage, part: int = 0) -> str:
    """A passage shown after a card answer: what a document without a card of its own says."""
    return f"另见{passage.citation()}：\n{excerpt(passage, part)}"


def render_full(passage: Passage) -> str:
    """A whole article or section, for a user who asked to read it."""
    text = passage.text if len(passage.text) <= FULL_TEXT_CHARS else passage.text[:FULL_TEXT_CHARS] + "……"
    return f"{passage.citation()}：\n{text}"


def unknown_places(text: str, known_regions: set[str]) -> list[Place]:
    """Chinese places the question names for which the knowledge base has no figures of their own."""
    found = []
    for place in places_in(text):
        if place.foreign or where_parent_works(text, place):
            continue
        own = any(place.full.endswith(region) or place.name in names_for(region) for region in known_regions)
        if not own:
            found.append(place)
    return found


def no_local_figures(place: Place) -> str:
    """The note for a place the knowledge base has no figures for."""
    return (f"我这里没有{place.full}当地的具体标准，上面说的是全国的规定（各地只能比它更好）。"
            f"{place.name}的具体标准和办法，请问当地县（市、区）民政局或乡镇民政办，也可以转给工作人员帮您问。")


@dataclass
class Reply:
    """What the bot says: text, buttons, and the events it records."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    events: list[EventType] = field(default_factory=list)
    answered: bool = True  # False: a "not sure" reply
    verdict: Verdict = Verdict.SURE
    offers: str | None = None  # the task the answer offers to start ("在这里报备"), see ``OFFER_SLOT``
    declines: str | None = None  # the task the answer says is not needed ("不用报备"), see ``Card.declines``
    topic: tuple[str, ...] = ()  # the answered card's subject terms ("事实无人抚养"), for a follow-up to be read with
    evidence: float = 0.0  # how close the answer's unit was to the question (``Hit.evidence``)

    def send(self, dispatcher: CollectingDispatcher, grade: DangerGrade | None = None) -> list[EventType]:
        """Utter it (the 110 line first when the message may be about a child in danger).

        The events remember the task this answer offers, or forget an older offer.
        """
        opening = caution(grade) if grade is not None else ""
        text = f"{opening}\n{self.text.replace(CAUTION, '')}" if opening else self.text
        dispatcher.utter_message(text=text, buttons=self.buttons or None)
        return [*self.events, SlotSet(OFFER_SLOT, self.offers)]

    def without_offer(self) -> "Reply":
        """The same reply with no task offered (inside a form, which is a task already)."""
        offered = TASK_BUTTONS.get(self.offers or "")
        self.buttons = [b for b in self.buttons if b != offered]
        self.offers = None
        return self


# An answer about a task the bot can do offers to start it; a yes (or "那就在你这登记吧") then starts it.
OFFER_SLOT = "offered_task"
TASK_BUTTONS = {
    "register_departure": {"title": "现在就在这里报备", "payload": "/register_departure"},
    "report_concern": {"title": "在这里提交强制报告", "payload": "/report_concern"},
    "log_visit": {"title": "填写探访记录", "payload": "/log_visit"},
}
VISIT_LIST_BUTTON = {"title": "本周走访名单", "payload": "/ask_director_queue"}  # a director's children due a visit
TASK_FORMS = {"register_departure": "departure_form", "report_concern": "report_form", "log_visit": "visit_form"}
# Taking up an offer in one's own words: "那就在你这登记吧", "行，帮我弄一下", "那就填一个吧", "中".
TAKES_UP = re.compile(r"(登记|报备|报一下|报个|弄一下|办一下|填一个|填一下|帮我|就在这|在你这|在这里|好的|好啊|行|可以|中|要得|嗯|麻烦你)")


def take_up_offer(tracker: Tracker) -> list[EventType] | None:
    """Start the task the last answer offered ("也可以在这里报备"); None when none was offered."""
    form = TASK_FORMS.get(tracker.get_slot(OFFER_SLOT) or "")
    return None if form is None else [SlotSet(OFFER_SLOT, None), FollowupAction(form)]


def answer_question(retriever: Retriever, question: str, remembered: str | None = None,
                    must_be_sure: bool = False, note_unsure: bool = False) -> Reply | None:
    """The reply to a policy question; None when ``must_be_sure`` and the knowledge base is not sure.

    With ``note_unsure`` (a user's question, from the actions) a question answered "not sure" is noted for
    staff to write a card (``records.unanswered``); the desk's "try a question" box and the benches do not
    note. A message only tried as a question (``must_be_sure``, the fallback actions) is never noted: it may
    be no question at all.
    """
    text = normalise(question)
    article = retriever.find_article(text)
    if article is not None:
        return Reply(render_full(article))
    foreign = foreign_subject(text)
    if foreign is not None:
        return Reply(FOREIGN.format(place=foreign.name), [HUMAN_BUTTON])
    if SENTENCING.search(text):
        return Reply(NO_SENTENCING, [HUMAN_BUTTON])
    if MEDICAL.search(text) and not NO_CARER.search(text):
        return Reply(NO_PUBERTY if PUBERTY.search(text) else NO_MEDICAL, [HUMAN_BUTTON])
    if OFF_TOPIC.search(text):
        return off_topic(retriever, text)
    if INSURANCE_RATE.search(text) and not PROGRAMME_NAMED.search(text):
        return Reply(NO_INSURANCE_RATE, [HUMAN_BUTTON], answered=False, verdict=Verdict.UNSURE)
    named = retriever.places(text)
    events: list[EventType] = [SlotSet("user_region", next(iter(named)))] if len(named) == 1 else []
    region = next(iter(named)) if len(named) == 1 else remembered
    elsewhere = unknown_places(text, named | ({region} if region else set()) | set(named))
    hits = retriever.search(text, k=200, region=region)
    if elsewhere:  # "阜平县建了多少个保护站": another place's local figures are no answer for a place we lack
        hits = [h for h in hits if not h.unit.is_local or h.unit.region in named]
    verdict = retriever.judge(hits)
    contact = bool(CONTACT_ASKED.search(text))
    # "低保金啥时候发" is answered by a card that says 按月发放; "这个月的钱咋还没到账" by none
    if not must_be_sure and (NOT_PAID_YET.search(text) or (
            PAYDAY_ASKED.search(text) and not (verdict is Verdict.SURE and PAID_WHEN.search(unit_text(hits[0].unit))))):
        if note_unsure:
            note_unanswered(question, hits[0].evidence if hits else 0.0)
        return Reply(NO_PAYDAY, [HUMAN_BUTTON], events, answered=False, verdict=Verdict.UNSURE)
    if verdict is Verdict.UNSURE or ((must_be_sure or elsewhere) and verdict is not Verdict.SURE):
        best = hits[0].evidence if hits else 0.0  # what the floors judged
        logger.info("no confident answer (best %.3f)", best)
        if must_be_sure:
            return None
        if note_unsure:
            note_unanswered(question, best)
        if contact:  # "镇上儿童督导员是哪个 电话多少": no number of ours, and whom to ask
            return Reply(NO_CONTACTS, [HUMAN_BUTTON], events, answered=False, verdict=Verdict.UNSURE)
        lead = f"我这里没有{elsewhere[-1].full}的资料。" if elsewhere else ""
        buttons = [suggestion_button(h) for h in hits[:3]] + [HUMAN_BUTTON]
        return Reply(lead + NOT_SURE, buttons, events, answered=False, verdict=Verdict.UNSURE)
    top = hits[0]
    if isinstance(top.unit, Passage):
        reply = Reply(render_excerpt(top.unit, retriever.answering_part(top, text)), [passage_button(top.unit)], events)
    else:
        places = named | ({region} if region else set())
        alternatives = [] if elsewhere else local_alternatives(hits, places)
        reply = card_reply(retriever, top.unit, places, alternatives)
        reply.events = events + reply.events
        companion = retriever.companion(hits, text)
        if companion is not None:
            reply.text += "\n" + render_companion(companion.unit, companion.part)
            reply.buttons.append(passage_button(companion.unit))
    if contact:
        reply.text = f"{NO_CONTACTS}\n{reply.text}"
    if elsewhere and not top.unit.is_local:
        reply.text = reply.text.replace("\n依据：", f"\n{no_local_figures(elsewhere[-1])}\n依据：", 1)
        reply.buttons.append(HUMAN_BUTTON)
    if verdict is Verdict.LIKELY:
        hedge(reply, top, hits)
    else:
        reply.buttons[:0] = [card_button(h.unit) for h in near_ties(hits)]
    if HUMAN_BUTTON not in reply.buttons:  # a person is always one tap away
        reply.buttons.append(HUMAN_BUTTON)
    reply.verdict = verdict
    reply.evidence = top.evidence
    return reply


def answer_with_context(retriever: Retriever, tracker: Tracker, question: str,
                        must_be_sure: bool = False) -> tuple[Reply | None, str]:
    """The reply to a question, read with the previous one when it is a short follow-up; and the question to
    remember for the next follow-up.

    A follow-up that names a subject of its own and answers surely alone ("那妇联的呢" after a question on
    12355) is answered alone; one without ("那咋申请") always with the subject, and then a likely answer is
    given (hedged) even when ``must_be_sure``: read with what came before, it is a question.
    Either way the question that opened the subject stays remembered, so each later follow-up ("散居的呢",
    "我们是北碚的", "那咋申请") is read with the subject, not with the follow-ups piled up before it.
    """
    region = tracker.get_slot("user_region")
    asked = in_context(tracker, question)
    previous = tracker.get_slot(LAST_QUESTION_SLOT)
    if asked == question:
        if previous and len(normalise(question)) <= CONTEXT_RETRY_CHARS:
            # Not a follow-up by its words, but a short question the knowledge base is unsure of alone
            # ("评的时候要张榜公示吗" after a question on 低保) is tried with the question before it.
            alone = answer_question(retriever, question, region, must_be_sure)
            if alone is None or alone.verdict is not Verdict.SURE:
                named, _mark, told = previous.rpartition(SUBJECT_MARK)
                subject = " ".join(subject_terms(named or told))  # its subject only: the whole would pull to its card
                together = answer_question(retriever, f"{subject} {question}", region, must_be_sure=True) if subject else None
                if together is not None and together.verdict is Verdict.SURE:
                    return together, str(previous)
            if alone is not None and alone.verdict is not Verdict.UNSURE:
                return alone, question  # nothing to note for staff: no need to search again
        return answer_question(retriever, question, region, must_be_sure, note_unsure=True), question
    subject = str(previous)
    swapped = swap_subject(subject, question)
    if swapped:  # "那孤儿呢" after "留守儿童有补贴吗" asks "孤儿有补贴吗", and is remembered so
        reply = answer_question(retriever, swapped, region, must_be_sure=True)
        if reply is not None and reply.verdict is Verdict.SURE:
            return reply, swapped
    alone = None if _ALSO.search(normalise(question)) else answer_question(retriever, question, region, must_be_sure=True)
    if alone is not None and alone.verdict is Verdict.SURE and subject_terms(normalise(question)):
        return alone, subject  # a subject of its own: not "那我们黔西呢", whose place alone finds a card of the place
    # Read with the question before it, a follow-up is a question: a likely answer, hedged, beats "没太明白".
    reply = answer_question(retriever, asked, region, note_unsure=not must_be_sure)
    if (alone is not None and alone.verdict is Verdict.SURE and reply is not None and alone.evidence > reply.evidence
            and len(normalise(question)) >= ALONE_CHARS):
        # "那多久要给娃打一次电话" after a question on whom to leave the child with: closer alone (the card on
        # weekly contact) than read with the question before (which pulled it to the card on calling 110)
        return alone, subject
    if must_be_sure and reply is not None and reply.verdict is Verdict.UNSURE:
        return None, subject
    return reply, subject


ALONE_CHARS = 8  # a follow-up this long may say enough alone ("那多久要给娃打一次电话"); "一年几回" never does
NEAR_TIE = 0.01  # a card this close to the card answered is offered as a button: the question may have meant it


def near_ties(hits: list[Hit]) -> list[Hit]:
    """A national card all but tied with the card answered: the one question could mean either ("失联多久" → the
    review timeline or the 6-month rule), so the other is one tap away."""
    top = hits[0]
    if not isinstance(top.unit, Card):
        return []
    return [h for h in hits[1:2] if isinstance(h.unit, Card) and not h.unit.is_local and h.score >= top.score - NEAR_TIE]


def hedge(reply: Reply, top: Hit, hits: list[Hit]) -> None:
    """A likely but not sure answer: say which question it answers, offer the next best and a person."""
    lead = LIKELY_CARD.format(title=top.unit.title) if isinstance(top.unit, Card) else LIKELY_PASSAGE
    reply.text = f"{lead}\n{reply.text}\n{NOT_IT}"
    others = [suggestion_button(h) for h in hits[1:3] if h.key != top.key]
    reply.buttons = others + [b for b in reply.buttons if b not in others]
    if HUMAN_BUTTON not in reply.buttons:
        reply.buttons.append(HUMAN_BUTTON)


def _within(region: str, place: str) -> bool:
    """Whether ``region`` is ``place`` or lies in it (北碚区 in 重庆市), by the gazetteer."""
    found = places_in(region)
    return region == place or bool(found) and place in found[0].full


def card_reply(retriever: Retriever, card: Card, places: set[str], alternatives: list[Card] | None = None) -> Reply:
    """A card as a reply, with its local alternatives and the statute article behind it as buttons."""
    note, buttons = "", []
    told = sorted(p for p in places if p and p != card.region and p != "全国")
    if alternatives and told and not any(_within(c.region, told[0]) for c in alternatives):
        # the user said where they are, and other places' rules are no answer for it
        note = f"{told[0]}的具体标准我这里没有，请以{told[0]}民政部门公布的为准。"
    elif alternatives:
        names = "、".join(c.region for c in alternatives)
        note = f"各地标准不一样，{names}有自己的规定。您在哪个县（市）？点一下可以看当地的。"
        buttons = [card_button(c, f"{c.region}的规定") for c in alternatives]
    supporting = retriever.supporting_passage(card)
    if supporting is not None:
        buttons.append(passage_button(supporting))
    if card.offers:
        buttons.insert(0, TASK_BUTTONS[card.offers])
    return Reply(render_card(card, places, note), buttons, offers=card.offers, declines=card.declines,
                 topic=card_topic(card))


def card_topic(card: Card) -> tuple[str, ...]:
    """The subject a card is about, as domain terms of its title or else its first questions.

    People and places are no subject (``subject_terms``): "奶奶 爷爷" from a card on a carer falling ill would
    pull the next "那孩子现在谁管" to the card on who raises orphans; the question itself is remembered instead.
    """
    for words in (card.title, " ".join(card.questions[:3])):
        terms = tuple(subject_terms(normalise(words)))
        if terms:
            return terms
    return ()


class ActionAnswerPolicy(Action):
    """Finds the card or passage for the question and replies with the answer and its source."""

    def name(self) -> str:
        return "action_answer_policy"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        from actions.urgent import ActionUrgentHelp, after_an_emergency  # actions.urgent imports the forms, which import this

        if gone_in_context(tracker):  # "今天到现在还冇回" just after "我孙伢子今年十岁": a child missing
            return await ActionUrgentHelp().run(dispatcher, tracker, domain)
        heard = after_an_emergency(dispatcher, tracker)  # "那我现在该咋办" just after the emergency reply
        if heard is not None:
            return heard
        if not latest_grade(tracker).worrying:
            from actions.my_data import tell_report_status  # actions.my_data imports the forms, which import this

            told = tell_report_status(dispatcher, tracker)  # "上次我报的处理得咋样了": their own reports, not a card
            if told is not None:
                return told
        text = question_of(tracker)
        if TAKES_UP.search(text) and not is_question(text) and not latest_grade(tracker).worrying:
            started = take_up_offer(tracker)  # "那就填一个吧" after an answer that offered the visit log
            if started is not None:
                return started
        reply = reply_to(tracker)
        if reply is None:
            dispatcher.utter_message(text="请直接打字问我，比如：", buttons=[{"title": q, "payload": q} for q in EXAMPLES])
            return []
        grade = latest_grade(tracker)
        if grade.worrying and not tracker.active_loop_name:
            said = normalise(text)
            told, asks = tells_harm(said), rule_question_words(said)
            starts_report = grade.level == SERIOUS and (told or (reply.verdict is not Verdict.SURE and not asks))
            if starts_report or heard_of_only(said):
                from actions.forms.report import not_a_report  # the forms import this module

                no_report = not_a_report(dispatcher, tracker, found=reply)
                if no_report is not None:  # "他会不会晓得是我报的", news heard of, another country: no new report
                    return no_report
            if starts_report:
                return start_report(dispatcher, grade, text, tracker.sender_id)  # harm told, even as a question: "喝醉了就打娃 咋个办"
            if reply.verdict is Verdict.UNSURE and not asks:
                return hear_concern(dispatcher, grade, tracker)  # a worry, not a question the cards answer
        return reply.send(dispatcher, grade)


def reply_to(tracker: Tracker) -> Reply | None:
    """The reply to the user's latest message as a policy question (a card or article button, or typed words).

    None when there is nothing to answer (an empty message or a bare command).
    The reply's events remember the question, so a follow-up can be read with it.
    """
    retriever = get_retriever()
    card_id = next(tracker.get_latest_entity_values("card_id"), None)
    if card_id in retriever.cards:
        card = retriever.cards[card_id]
        return card_reply(retriever, card, {card.region})
    passage_key = next(tracker.get_latest_entity_values("passage_key"), None)
    if passage_key in retriever.passages:
        return Reply(render_full(retriever.passages[passage_key]))
    question = tracker.latest_message.get("text") or ""
    if not question.strip() or question.startswith("/"):
        return None
    reply, asked = answer_with_context(retriever, tracker, question)
    if reply is not None:
        reply.events = [*reply.events, *remember(asked, reply.topic)]
    return reply


# Where places differ: money and how often. A definition ("困境儿童有哪几种") has no local figure to point to.
_FIGURES = re.compile(r"\d+(\.\d+)?\s*元|每(周|月|年|季度|半年)")


def local_alternatives(hits: list[Hit], places: set[str], window: float = 0.06) -> list[Card]:
    """Local cards of other places on the same topic as a national top card that states a figure, one per place.

    They were pushed below the national card (by ``OTHER_PLACE_PENALTY``) because
    the user named no place; when, before that, they were close to it, their
    places have figures of their own.
    """
    top = hits[0]
    if top.unit.is_local or not isinstance(top.unit, Card) or not _FIGURES.search(top.unit.answer):
        return []
    seen: dict[str, Card] = {}
    for hit in hits[1:]:
        unit = hit.unit
        close = hit.evidence + OTHER_PLACE_PENALTY >= top.evidence - window  # as matches, not as ranked
        if isinstance(unit, Card) and unit.is_local and unit.region not in places and close:
            seen.setdefault(unit.region, unit)
    return list(seen.values())[:3]


def question_of(tracker: Tracker) -> str:
    """The user's latest typed text ('' for a button press)."""
    text: Any = tracker.latest_message.get("text") or ""
    return "" if str(text).startswith("/") else str(text)


LAST_QUESTION_SLOT = "last_policy_question"
SUBJECT_MARK = "｜"  # in the remembered question: the answering card's subject, then the question
# Who is in a family's story: terms the index knows, but no subject a follow-up should be read with.
PEOPLE = frozenset({"爷爷", "奶奶", "外公", "外婆", "姥姥", "姥爷", "爸爸", "妈妈", "父母", "爸妈", "父亲", "母亲", "孩子",
                    "儿子", "女儿", "孙子", "孙女", "亲戚", "家长", "监护人", "老人"})
_FOLLOW_UP = re.compile(r"^(那|那么|那要|还有|另外|如果是|要是|我们是|我们这|我是|俺是|俺们|咱们|怎么|咋|如何|要)")
FOLLOW_UP_CHARS = 14


# A follow-up that asks its own question ("那咋申请") takes only the subject's terms; one that swaps a detail
# ("散居的呢", "我们是黔西的") takes the whole previous question.
_OWN_QUESTION = re.compile(r"(咋|怎么|怎样|如何|哪|什么|啥|多少|几|多久|谁|能不能|要不要|可不可以)")


# A detail of the family told after an answer ("他妈是去世了", "爸妈都在 就是没在家") changes what applies:
# the previous question is asked again with it.
_DETAIL = re.compile(r"(去世|死了|没了|走了|不在了|改嫁|再婚|坐牢|服刑|判了|残疾|瘫|重病|联系不上|找不到|离婚|跑了|都在|没在家|不在家|"
                     r"在外地|在外面|打工|上学|读书|岁)")


# "这种能领钱不", "像这样的咋办": a question about the story told just before, read with all of it.
_BACK_REFERENCE = re.compile(r"(这种|这样的|这样子|像这样|这情况|这个情况|这种情况|这家|这娃|这孩子|他这|她这|^(那)?这个(能|可以|要|算|咋|怎么|该|得|有))")


# "也" asks the same of someone or something else ("我们当儿童主任的也在里头不"): read with what it adds to.
_ALSO = re.compile(r"也(在|算|要|得|有|能|可以|包括|适用|一样|是)")
CONTEXT_RETRY_CHARS = 20


def in_context(tracker: Tracker, question: str) -> str:
    """A short follow-up ("那散居的呢", "我们是黔西的", "在哪里申请") read together with the previous policy question."""
    previous = tracker.get_slot(LAST_QUESTION_SLOT)
    if not previous:
        return question  # nothing to follow
    text = normalise(question)
    own_terms = subject_terms(text)  # a place or a family member is no subject: "我是重庆北碚的 我们这边咋规定的"
    # "那咋申请", "散居的呢", and a short question that names no subject of its own: "在哪里申请", "要带啥材料".
    back = bool(_BACK_REFERENCE.search(text))
    follows = (_FOLLOW_UP.match(text) or text.endswith("呢") or _ALSO.search(text) or back
               or (not own_terms and (_OWN_QUESTION.search(text) or _DETAIL.search(text))))
    limit = FOLLOW_UP_CHARS if own_terms else 2 * FOLLOW_UP_CHARS  # with no subject, longer words still follow
    if not (len(text) <= limit and follows):
        return question
    # A remembered card subject ("事实无人抚养｜孩子跟爷爷奶奶，能申请啥") is the subject of a follow-up's own
    # question, or of one that asks the same of someone else ("也在里头不"); the other words of the question
    # before ("到底说的啥") would pull it towards the card that answered that.
    named, _mark, told = previous.rpartition(SUBJECT_MARK)
    subject = subject_terms(named or told) if _OWN_QUESTION.search(text) or _ALSO.search(text) else []
    return f"{' '.join(subject) if subject else previous.replace(SUBJECT_MARK, ' ')} {text}"


def subject_terms(text: str) -> list[str]:
    """The domain terms of ``text`` that say what it is about: not the family ("奶奶") nor the place ("贵州 黔西").

    A story told with its place ("他爸坐牢了他妈也跑了 能不能领钱 我们是黔西的") has no subject of its own
    but the place; read with only that, "要去哪里办" next would go to whichever card of the place is nearest.
    The place is remembered apart (``user_region``).
    """
    known = get_retriever().places
    return [term for term in domain_terms(text) if term not in PEOPLE and not places_in(term) and not known(term)]


# "那孤儿呢", "要是事实无人抚养的呢": the same question of another subject.
_SWAP = re.compile(r"^(那|那么|那要是|要是|如果是)?(?P<other>[^，,。？?]{1,12}?)(的话)?(的)?呢[\s？?。]*$")


def swap_subject(previous: str, question: str) -> str | None:
    """The previous question asked again of the subject a short "那X呢" names; None when it names none, or the
    previous question had no subject of its own to swap ("散居的呢" narrows, it does not swap)."""
    said = _SWAP.match(normalise(question))
    told = previous.rpartition(SUBJECT_MARK)[2]
    new, old = (subject_terms(said.group("other")) if said else []), subject_terms(told)
    if not new or not old or set(new) & set(old):
        return None
    return told.replace(old[0], new[0], 1)


def follows_an_answer(tracker: Tracker, question: str) -> bool:
    """True when the message is a follow-up to the policy answer before it (``in_context`` reads it with that)."""
    return in_context(tracker, question) != question


def remember(question: str, topic: tuple[str, ...] = ()) -> list[EventType]:
    """Keep the question just answered, so a follow-up can be read with it.

    A question that does not name the subject of the card that answered it ("孩子他爸走了 他妈跑了 有没有钱",
    "孩子跟爷爷奶奶，能申请啥") is kept with that subject, so "在哪里申请" next is read as "事实无人抚养 在哪里申请".
    """
    text = normalise(question)[-120:]
    subjects = subject_terms(text)
    if topic and not subjects and SUBJECT_MARK not in text:
        # Its own terms may be only the family ("孩子跟爷爷奶奶，能申请啥"): the card's subject leads.
        text = f"{' '.join(topic)}{SUBJECT_MARK}{text[-100:]}"
    return [SlotSet(LAST_QUESTION_SLOT, text)]
