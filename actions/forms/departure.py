"""报备: a parent going away to work registers who looks after their child.

The guardian's consent comes first, with the reason, before any of the
child's data is asked (《个人信息保护法》第31条). After saving, the parent is
reminded of their duties under 《未成年人保护法》第22–23条.

The child's ID number is optional: it matches the child to the village's file
and gives the age, so the age is asked only when it is skipped. The village
must be one the directory knows, so the registration reaches that village's
child director.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms.base import (Answer, Field, TaskForm, answer_of, ask_confirmation, asked_in_this_form, clear_form, filed_and_done,
                                just_after_an_emergency, latest_intent, opening_words, paused_this_turn, today)
from actions.forms.facts import AGE_SAID_LOOSELY, age_of_a_carer, clauses_of, departure_facts, more_children
from actions.forms.submit import retry_events, submit_or_apologise, tell_already_filed
from actions.guard import polite
from actions.handoff import HUMAN_BUTTON
from actions.parsing import (
    OUTSIDE_THE_AREA,
    BadAnswer,
    clean,
    id_number_birth_date,
    outside_the_directory,
    parse_age,
    parse_child_id_number,
    parse_city,
    parse_name,
    parse_phone,
    parse_relation,
    relation_words,
    parse_return_time,
    parse_village,
    parse_yes_no,
)
from nlu.components.question_shape import is_question
from nlu.components.text_normaliser import chinese_int
from records.directory import find_villages, similar_villages
from records.filing import file_registration
from records.people import actor_for
from records.privacy import mask_id_number

logger = logging.getLogger(__name__)


# Going ahead with the registration ("那就登记一下", "帮我报备") is no yes to sharing the child's data: consent is
# asked for in so many words, but the reply hears that they want to go ahead.
_GOES_AHEAD = re.compile(r"(登记|报备|报吧|报一下|弄一下|办一下|弄吧|办吧|填吧|来吧|开始吧|整吧|搞吧|帮我)")


def _consent(answer: Answer) -> bool:
    try:
        return parse_yes_no(answer.text, answer.intent)
    except BadAnswer:
        if _GOES_AHEAD.search(answer.text) and not re.search(r"[不没别]", answer.text) and not is_question(answer.text):
            raise BadAnswer("好的，马上就办。先要您点头同意，我才能记孩子的信息。") from None
        raise


def _yes_no(value: Any) -> str:
    return "同意" if value else "不同意"


SKIP = "不填"
_SKIP_WORDS = re.compile(r"^(跳过|不填|不写|没有|没带|不知道|不记得|记不清|不方便|算了|不想填|不想说|略过|先不填|skip)")


# A wish to skip the optional ID number, however it was said or classified ("先不填中不" → cancel, "可以不填吗" → a
# question): taken as the skip, not as a wish to cancel the registration or a question to answer.
_SKIP_WISH = re.compile(r"(不填|不写|跳过|略过|先不|不想填|不方便|没带|记不得|不记得|记不清|没有身份证|还没办)")
_NOT_JUST_THE_ID = re.compile(r"(报备|不报|不弄|不办了|不登记|算了|取消|都不)")
ID_SKIPPED = "好的，身份证号可以不填，先跳过。（如果是不想报备了，说“取消报备”就行。）"


def skipped_id(tracker: Tracker) -> list[EventType]:
    """The skip of the ID number when the latest message at that step asks for it; [] otherwise."""
    if tracker.active_loop_name != "departure_form" or tracker.get_slot("requested_slot") != "dep_child_id":
        return []
    text = clean(str(tracker.latest_message.get("text") or ""))
    # "不填了" said here takes the question's own offer ("不方便的话可以点“跳过”"): the ID is skipped, and how to
    # give up the whole registration is said, rather than asking to cancel everything
    if not _SKIP_WISH.search(text) or _NOT_JUST_THE_ID.search(text):
        return []
    return [SlotSet("dep_child_id", SKIP)]


def village_told(tracker: Tracker, dispatcher: CollectingDispatcher) -> list[EventType]:
    """The village, when the answer at that step names one the classifier took for off the subject.

    "我们是歇马镇大磨滩村的" read as ``out_of_scope`` was answered with a card on registering, and the form asked
    for the village again: a message that names a village in the directory and asks nothing is the answer.
    """
    if tracker.active_loop_name != "departure_form" or tracker.get_slot("requested_slot") != "dep_village":
        return []
    text = clean(str(tracker.latest_message.get("text") or ""))
    if is_question(text):
        return []
    matches = find_villages(text)
    if len(matches) == 1:
        return [SlotSet("dep_village", matches[0].label)]
    elsewhere = outside_the_directory(text)
    if elsewhere:  # "四川南充 仪陇县 马鞍镇 石佛村": a county not covered, said so, not a card on left-behind children
        dispatcher.utter_message(text=OUTSIDE_THE_AREA.format(place=elsewhere), buttons=[HUMAN_BUTTON])
        return [SlotSet("dep_village", None)]
    return []


# Something that could be an ID number being typed or spoken: six digits or more in a row ("5105 2320…",
# "五一零五二三…"). Without one the parent is answering something else ("十岁了", "他奶奶带"): the optional ID is
# skipped rather than asked again and again.
_ID_LIKE = re.compile(r"[0-9零〇一二三四五六七八九幺][0-9零〇一二三四五六七八九幺Xx\s\-]{5,}")
ID_NOT_GIVEN = "身份证号先不填了（可以不填）。"


def _child_id(answer: Answer) -> str:
    """The child's ID number, or 不填 when the parent skips it or answers something else instead."""
    text = clean(answer.text)
    if answer.intent == "deny" or _SKIP_WORDS.match(text) or not _ID_LIKE.search(text) \
            or (_SKIP_WISH.search(text) and not re.search(r"\d{6}", text)):
        return SKIP
    return parse_child_id_number(text, answer.today)


def _passed_over_id(tracker: Tracker) -> bool:
    """The ID step was just skipped by an answer to something else (not by a wish to skip: that is confirmed
    where it is understood)."""
    text = clean(str(tracker.latest_message.get("text") or ""))
    return (tracker.get_slot("requested_slot") == "dep_child_id" and "dep_child_id" in tracker.slots_to_validate()
            and not _ID_LIKE.search(text) and not _SKIP_WORDS.match(text) and not _SKIP_WISH.search(text)
            and not text.startswith("/") and not is_question(text))


def _show_id(value: Any) -> str:
    return SKIP if value in (None, SKIP) else mask_id_number(str(value))


def age_from_id(number: str, on: dt.date) -> int:
    """Full years of age on ``on`` of the person with this ID number."""
    born = id_number_birth_date(number)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# An old carer often has no phone ("她没手机", "不会用手机"): a number that reaches them will do.
_NO_PHONE = re.compile(r"(没|没有|不用|不会用|不会使|不带)(手机|电话)|(手机|电话)(都)?(没有|没)")


def _carer_phone(text: str) -> str:
    """The carer's phone; when the carer has none, the parent is asked for a number that reaches them."""
    if _NO_PHONE.search(clean(text)) and not re.search(r"\d{7,}", text or ""):
        raise BadAnswer("没有手机也没关系：留一个能找到照顾人的电话就行，比如邻居、亲戚或村里小卖部的电话。")
    return parse_phone(text)


def _village(answer: Answer) -> str:
    return parse_village(answer.text)


CARER_SLOTS = ("dep_carer_name", "dep_carer_relation")
SUGGESTED_VILLAGE = "village_suggested"  # the one village offered for a name not in the directory, for a yes
MINOR_CARER = ("照顾孩子的人必须是成年人（年满18岁、有照护能力），未成年的哥哥姐姐自己也需要人照顾，不能当委托照护人"
               "（《未成年人保护法》第22条）。请换一位能照顾孩子的成年人，比如身体好的爷爷奶奶、外公外婆或可靠的亲友；"
               "实在找不到，可以联系村里的儿童主任帮忙想办法，或回复“转人工”。")
_SCHOOLING = re.compile(r"(上初中|读初中|初一|初二|初三|上小学|读小学|还在上学|还在读书|未成年|没成年|不满18)")


def _says_yes(text: str) -> bool:
    """A short yes ("是", "对的就是那个") to "您说的是…吗？", not another village's name."""
    value = clean(text)
    if len(value) > 8 or re.search(r"(村|社区|镇|乡|街道)", value):
        return False
    try:
        return parse_yes_no(value)
    except BadAnswer:
        return False


def minor_carer(text: str, about_carer: bool = True) -> bool:
    """Whether the answer says the carer is under 18 ("他哥李大明，15岁", "让她姐带，姐姐还在读初中").

    ``about_carer`` False: a sentence about everything (the opening message), where only the parts that
    name a carer count ("孩子12岁" is the child's age).
    """
    if not about_carer:
        # only an age said of a carer counts (the carer's word just before or after it): "我儿子王小军七岁了…孩子给他外婆
        # 带", said in one breath, tells of a grown-up carer and a child of 7
        carers = "|".join(relation_words())
        value = clean(text)
        ages = [m.group(1) for c in clauses_of(value) for m in AGE_SAID_LOOSELY.finditer(c)
                if age_of_a_carer(c, m, carers)]  # "他哥16了"
        schooling = re.search(rf"({carers}|哥|姐)[^，,。；;\s]{{0,6}}{_SCHOOLING.pattern}", value)
        return any((chinese_int(n) or 99) < 18 for n in ages) or bool(schooling)
    value = clean(text)
    ages = [chinese_int(m.group(1)) for m in re.finditer(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})(周岁|岁|歲|了)", value)]
    return any(age is not None and age < 18 for age in ages) or bool(_SCHOOLING.search(value))


# Asking for the registration itself, in so many words.
_ASKS_TO_REGISTER = re.compile(r"报备|登记|备案|登個記|登个记")
EMERGENCY_DETAILS = ("收到。孩子的安全最要紧：还没报警的话，请马上打110，把孩子的名字、年龄、在哪里告诉警察。"
                     "工作人员已经收到您的求助，会尽快在这里回复您。等孩子安全了，可以在这里填写强制报告。")


class ValidateDepartureForm(TaskForm):
    """Checks each answer of the departure registration."""

    form = "departure_form"
    prefix = "dep"
    consent_question = "好的，我来帮您做外出务工报备"  # how the full consent question (utter_ask_dep_consent) opens
    after_an_emergency_means = "report_form"
    own_words = re.compile(r"(报备|登记|登個記|登个记|备案|打工|务工|外出|出去|出门|进厂|上班|干活|照顾|留守)")
    fields = (
        Field("dep_consent", "同意共享给儿童主任", _consent, _yes_no),
        Field("dep_child_name", "孩子姓名", lambda a: parse_name(a.text, "孩子的名字"), aliases=("孩子名字", "名字")),
        Field("dep_child_id", "孩子身份证号", _child_id, _show_id, ("身份证", "身份证号")),
        Field("dep_child_age", "孩子年龄", lambda a: parse_age(a.text), lambda v: f"{v}岁", ("年龄", "几岁")),
        Field("dep_village", "所在村（社区）", _village, aliases=("村", "社区")),
        Field("dep_carer_name", "照顾人姓名", lambda a: parse_name(a.text, "照顾人的名字"), aliases=("照顾人",)),
        Field("dep_carer_relation", "照顾人和孩子的关系", lambda a: parse_relation(a.text), aliases=("关系",)),
        Field("dep_carer_phone", "照顾人电话", lambda a: _carer_phone(a.text), aliases=("照顾人的电话",)),
        Field("dep_work_city", "务工城市", lambda a: parse_city(a.text), aliases=("城市", "务工地", "您务工的城市")),
        Field("dep_parent_phone", "外出家长的电话", lambda a: parse_phone(a.text),
              aliases=("您的电话", "我的电话", "我的手机", "您的手机", "家长电话")),
        Field("dep_return_date", "预计回来时间", lambda a: parse_return_time(a.text, a.today), aliases=("回来", "返回")),
    )

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """Without consent nothing more is asked; with an ID number the age is not asked."""
        if tracker.get_slot("dep_consent") is False:
            return ["dep_consent"]
        return self.slot_names()

    def facts(self, text: str, on: dt.date) -> dict[str, Any]:
        """What a sentence such as 孩子叫周杰，12岁，住静观镇集真村 holds: see ``actions.forms.facts``.

        A carer said to be under 18 is not taken: the carer questions are asked, and refused there.
        """
        found = departure_facts(text, on)
        if minor_carer(text, about_carer=False):
            found = {slot: value for slot, value in found.items() if not slot.startswith("dep_carer_")}
        return found

    def aside(self, text: str) -> str | None:
        """Several children told at once: this registration is the first one's; the others follow it."""
        others = more_children(text)
        if not others:
            return None
        return (f"一次报备登记一个孩子，我们先登记第一个孩子。{'、'.join(others)}等这次报备完成后，"
                f"跟我说“再报备一个孩子”就行，照顾人和您的电话不用再说一遍。")

    def may_gather(self, tracker: Tracker) -> bool:
        """No child's data is kept before the guardian's consent (《个人信息保护法》第31条)."""
        return tracker.slots.get("dep_consent") is True

    def earlier_words(self, tracker: Tracker) -> list[str]:
        """The opening words and what the parent told at the consent question before saying yes ("我们去浙江义乌",
        then "同意"): kept unread until consent, then taken, so nothing they said has to be said again."""
        return [opening_words(tracker), *said_at_consent(tracker)]

    def _answers_another_question(self, tracker: Tracker, asked: str) -> bool:
        """At the consent question, facts told instead of yes or no are answered by ``CONSENT_FIRST``."""
        if asked == "dep_consent":
            said = str(tracker.latest_message.get("text") or "")
            return not is_question(said) and bool(self.facts(said, today()))
        return super()._answers_another_question(tracker, asked)

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """A carer under 18 is refused with the law; an ID number answers the age question too."""
        asked = tracker.get_slot("requested_slot")
        said = str(tracker.latest_message.get("text") or "")
        if asked is None and just_after_an_emergency(tracker) and not _ASKS_TO_REGISTER.search(said):
            # "娃儿叫刘小宇 9岁 他妈在外头打工", told just after the emergency reply, is about that child: no registration
            from actions.urgent import after_an_emergency  # actions.urgent imports the forms

            heard = after_an_emergency(dispatcher, tracker)  # "卫生院的车来了 把娃接走了 我跟去了": what comes next
            if heard is None:
                dispatcher.utter_message(text=EMERGENCY_DETAILS, buttons=[HUMAN_BUTTON])
            return (heard or []) + [SlotSet("requested_slot", None), ActiveLoop(None)]
        if asked in CARER_SLOTS and tracker.slots.get(asked) is not None and minor_carer(said) \
                and not is_question(said):  # "孩子不满8岁能一个人在家吗" is a question to answer, not a carer
            dispatcher.utter_message(text=MINOR_CARER)
            return [SlotSet(slot, None) for slot in CARER_SLOTS]
        if asked == "dep_village" and tracker.get_slot(SUGGESTED_VILLAGE) and not said.startswith("/resume"):
            # the typed words, not the slot: "是的", read as a yes, fills no slot from the text
            if latest_intent(tracker) == "affirm" or _says_yes(said):
                village = tracker.get_slot(SUGGESTED_VILLAGE)  # "您说的是澄江镇北泉村吗？" — "对的就是那个"
                tracker.slots[asked] = village
                return [SlotSet(asked, village), SlotSet(SUGGESTED_VILLAGE, None)]
        if _passed_over_id(tracker) and not self._corrected(tracker, asked, answer_of(tracker, None)):
            dispatcher.utter_message(text=ID_NOT_GIVEN)  # a correction of an earlier answer keeps the ID asked
        events = await super().get_validation_events(dispatcher, tracker, domain)
        if asked == "dep_consent" and tracker.slots.get(asked) is None and self._answers_another_question(tracker, asked):
            dispatcher.utter_message(text=CONSENT_FIRST)
        if asked == "dep_village" and asked in tracker.slots_to_validate():
            refused = tracker.slots.get(asked) is None
            suggested = similar_villages(str(tracker.latest_message.get("text") or "")) if refused else []
            events.append(SlotSet(SUGGESTED_VILLAGE, suggested[0].label if len(suggested) == 1 else None))
        number = tracker.slots.get("dep_child_id")
        fresh = tracker.get_slot("requested_slot") == "dep_child_id" or tracker.slots.get("dep_child_age") is None
        if fresh and number not in (None, SKIP):
            age = age_from_id(str(number), today())
            tracker.slots["dep_child_age"] = age
            events.append(SlotSet("dep_child_age", age))
        return events


CONSENT_FIRST = "您说的这些我先不记，您同意以后我会直接用上，不用再说一遍。"
CONSENT_AGAIN = "报备前要先征得您的同意：孩子和照顾人的信息只交给孩子所在村的儿童主任和民政工作人员，您可以随时说“删除我的信息”。您同意吗？"


def _consent_asked_since(tracker: Tracker) -> int | None:
    """Index of the event where this registration last asked for consent in full, None if not yet."""
    return asked_in_this_form(tracker, "departure_form", ValidateDepartureForm.consent_question)


def said_at_consent(tracker: Tracker) -> list[str]:
    """What the parent typed after the consent question, before the latest message (no buttons, no questions)."""
    asked = _consent_asked_since(tracker)
    if asked is None:
        return []
    said = [str(e.get("text") or "") for e in tracker.events[asked:] if e.get("event") == "user"][:-1]
    return [text for text in said if text and not text.startswith("/") and not is_question(text)]


class ActionAskDepConsent(Action):
    """Asks for consent with the reason; asked again in the same registration, in two lines, not the whole text."""

    def name(self) -> str:
        return "action_ask_dep_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if _consent_asked_since(tracker) is None:
            dispatcher.utter_message(response="utter_ask_dep_consent")
        else:
            dispatcher.utter_message(text=CONSENT_AGAIN, buttons=[{"title": "同意", "payload": "/affirm"},
                                                                  {"title": "不同意", "payload": "/deny"}])
        return []


class ActionAskDepCarerName(Action):
    """Asks who looks after the child; once the parent has said who ("她外婆"), asks that relative's name."""

    def name(self) -> str:
        return "action_ask_dep_carer_name"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        relation = tracker.get_slot("dep_carer_relation")
        if relation:
            dispatcher.utter_message(text=f"{relation}叫什么名字？例如：李桂兰。")
        else:
            dispatcher.utter_message(response="utter_ask_dep_carer_name")
        return []


class ActionAskDepConfirmed(Action):
    """Shows the registration for the parent to check."""

    def name(self) -> str:
        return "action_ask_dep_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ask_confirmation(ValidateDepartureForm, dispatcher, tracker)
        return []


DUTIES = (
    "温馨提醒，按照《未成年人保护法》第22条、第23条，外出务工的父母要：\n"
    "1. 把孩子委托给有完全民事行为能力、能照顾好孩子的成年人；\n"
    "2. 书面告诉孩子的学校（幼儿园）和村（居）委会；\n"
    "3. 每周至少和孩子、照顾人联系一次。"
)


class ActionSubmitDeparture(Action):
    """Saves the registration and tells the parent what happens next."""

    def name(self) -> str:
        return "action_submit_departure"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        slots = tracker.slots
        if paused_this_turn(tracker, ValidateDepartureForm.form):
            return []  # put off till later: every answer kept
        if slots.get("dep_consent") is None:
            return clear_form(ValidateDepartureForm)  # closed before consent was asked for (no registration needed)
        if slots.get("dep_consent") is not True:
            dispatcher.utter_message(
                text="好的，没有您的同意，我们不会记录孩子的任何信息。您也可以直接联系村里的儿童主任当面报备。"
            )
            return clear_form(ValidateDepartureForm)
        if slots.get("dep_confirmed") is not True:
            return clear_form(ValidateDepartureForm)
        id_number = slots.get("dep_child_id")
        answers = {
            "child_name": slots["dep_child_name"],
            "child_id_number": None if id_number in (None, SKIP) else id_number,
            "child_age": int(slots["dep_child_age"]),
            "village": slots["dep_village"],
            "carer_name": slots["dep_carer_name"],
            "carer_relation": slots["dep_carer_relation"],
            "carer_phone": slots["dep_carer_phone"],
            "work_city": slots["dep_work_city"],
            "parent_phone": slots["dep_parent_phone"],
            "expected_return": slots["dep_return_date"],
            "consent_to_share": True,
        }

        def file(key: str):
            places = find_villages(answers["village"])
            if len(places) != 1:
                raise BadAnswer("village")  # the validator accepted it, so the directory changed meanwhile
            return file_registration(actor_for(tracker.sender_id), key, **{**answers, "village": places[0]},
                                     today=today())

        try:
            filed = submit_or_apologise(dispatcher, file, tracker.sender_id, "departure_form", answers)
        except BadAnswer:
            dispatcher.utter_message(text="村名录刚刚更新过，请再说一下孩子所在的村。")
            return [SlotSet("dep_village", None), SlotSet("dep_confirmed", None), FollowupAction(ValidateDepartureForm.form)]
        if filed is None:
            return retry_events(ValidateDepartureForm.form, ValidateDepartureForm.confirm_slot())
        if tell_already_filed(dispatcher, filed, "报备"):
            return filed_and_done(ValidateDepartureForm, tracker, dispatcher)
        if "儿童主任" in filed.route:
            text = f"登记好了，编号 {filed.ref}。报备已经送到{filed.route}，他们会定期关心孩子的情况。"
        else:
            text = (f"登记好了，编号 {filed.ref}。{answers['village']}的儿童主任还没有在系统里登记，"
                    f"报备已经送到{filed.route}，他们会安排儿童主任跟进。")
        dispatcher.utter_message(text=text)
        dispatcher.utter_message(text=DUTIES)
        return filed_and_done(ValidateDepartureForm, tracker, dispatcher)
