"""What the three forms share: one question at a time, each answer checked, a summary to confirm.

A form is declared as a tuple of ``Field``s (slot, label, parser). The
validation action runs each new answer through its field's parser; a bad
answer is explained politely and asked again, and nothing already given is
lost. The last slot of every form, ``<prefix>_confirmed``, holds the user's
"yes" to the summary; "no" shows the fields as buttons, and naming a field
clears just that answer so the form asks it again.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any, Callable, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.handoff import HUMAN_BUTTON
from actions.digression import answer_if_sure, answer_in_form
from actions.parsing import BadAnswer, clean
from actions.safety import NONE, NOW, SERIOUS, call_now, caution, gone_in_context, latest_grade
from nlu.components.question_shape import is_question

logger = logging.getLogger(__name__)

CONFIRM_BUTTON = {"title": "确认提交", "payload": "/affirm"}
EDIT_BUTTON = {"title": "修改", "payload": "/deny"}
CANCEL_BUTTON = {"title": "取消", "payload": "/cancel"}


def today() -> dt.date:
    """Today's date (one place, so tests can pin it)."""
    return dt.date.today()


@dataclass(frozen=True)
class Answer:
    """One answer as the parsers see it."""

    text: str
    intent: str | None
    today: dt.date
    slots: dict[str, Any]
    sender_id: str = ""


@dataclass(frozen=True)
class Field:
    """One question of a form."""

    slot: str
    label: str
    parse: Callable[[Answer], Any]
    show: Callable[[Any], str] = str
    aliases: tuple[str, ...] = field(default_factory=tuple)
    editable: bool = True


def latest_intent(tracker: Tracker) -> str | None:
    """Name of the intent of the user's latest message."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def opening_words(tracker: Tracker) -> str:
    """What the user said to open the form: the message that opened it and, when that was a button or a
    short request ("我要报告"), the message they typed just before it ("今天入户…怎么记录", then a button)."""
    opened = str(((tracker.active_loop or {}).get("trigger_message") or {}).get("text") or "")
    if len(opened) >= OPENING_CHARS and not opened.startswith("/"):
        return opened
    said = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    at = max((i for i, text in enumerate(said) if text == opened), default=0)
    before = said[at - 1] if at > 0 and not said[at - 1].startswith("/") else ""
    typed = "" if opened.startswith("/") else opened
    return "，".join(part for part in (before, typed) if part)


OPENING_CHARS = 12  # an opening message this long tells its story itself


def bot_texts(tracker: Tracker) -> list[str]:
    """What the bot has said in this conversation, oldest first."""
    return [str(e.get("text") or "") for e in tracker.events if e.get("event") == "bot"]


def user_texts(tracker: Tracker) -> list[str]:
    """What the user has typed in this conversation, oldest first (button payloads left out)."""
    said = (str(e.get("text") or "") for e in tracker.events if e.get("event") == "user")
    return [text for text in said if not text.startswith("/")]


EMERGENCY_STAFF_LINE = "我已通知工作人员（工单号"  # how the emergency reply's second message opens (actions.urgent)


# A message that opens by cancelling the form, whatever else it says ("算了取消 我搞错了 重新来").
_CANCELS = re.compile(r"(算了|哎呀)?[\s，,]*(取消|不填了|不弄了|不报了|重新来|重来)")
# Going away to work: a departure registration even just after an emergency.
_AWAY_TO_WORK = re.compile(r"报备|打工|务工|外出|进厂|出去")


def just_after_an_emergency(tracker: Tracker, turns: int = 4) -> bool:
    """Whether the emergency reply came within the user's last ``turns`` messages: what is said now is about that
    child (however many messages the bot's replies in between took)."""
    heard = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            heard += 1
            if heard > turns:
                return False
        elif event.get("event") == "bot" and str(event.get("text") or "").startswith(EMERGENCY_STAFF_LINE):
            return True
    return False


def said_this_turn(tracker: Tracker, text: str) -> bool:
    """Whether the bot has already said ``text`` since the user's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and text in str(event.get("text") or ""):
            return True
    return False


def asked_in_this_form(tracker: Tracker, form: str, question: str) -> int | None:
    """Index of the event where this run of ``form`` last said ``question`` (its opening words), None if it has not.

    A question asked again in the same form is asked shorter: the consent paragraph, "好的，我们来填探访记录".
    """
    for at in range(len(tracker.events) - 1, -1, -1):
        event = tracker.events[at]
        if event.get("event") == "active_loop" and event.get("name") != form:
            return None  # another form, or none, since: a new run asks in full
        if event.get("event") == "bot" and str(event.get("text") or "").startswith(question):
            return at
    return None


def answer_of(tracker: Tracker, value: Any) -> Answer:
    """Wrap the user's latest answer for a parser."""
    text = tracker.latest_message.get("text") or (value if isinstance(value, str) else "")
    return Answer(text=text, intent=latest_intent(tracker), today=today(), slots=dict(tracker.slots),
                  sender_id=tracker.sender_id)


# The words that introduce the new value: "回来的时间改成腊月" → "腊月".
_NEW_VALUE = re.compile(r"(改成|改为|改到|换成|换到|变成|变为|调到|推到|推迟到|延到|延后到|提前到|成了|换了个|选成|选的是|选|填成|为|是)"
                        r"[:：\s]*(.+)$")


def new_value_of(text: str) -> str | None:
    """The words after 改成/换成/是… ("是周杰不是周洁" → 周杰), or None when the message only names what to change."""
    found = _NEW_VALUE.search(text)
    return re.sub(r"[，,\s]*(而)?不是.*$", "", found.group(2)).strip("，,。 ").rstrip("吧啊呀哈嘛撒") if found else None


# Words that say an earlier answer was wrong ("等等 年龄说错了 是6岁", "照顾人电话写错了 是138…").
# A bare 错了/不对 inside a sentence is no correction ("孩子做错了事", "家里情况不对劲").
CORRECTING = re.compile(r"(说错|写错|填错|搞错|弄错|记错|打错|输错|更正|应该是|改成|改为|^(等等|等一下)?[，,\s]*不对)")
CORRECTED = "好的，已改为"
NOTE_ADDED = "好的，已补充到"


class TaskForm(FormValidationAction, ABC):
    """Validation action for one task form; subclasses declare ``form``, ``prefix`` and ``fields``.

    Abstract, so the action server registers only the concrete forms.
    """

    form: ClassVar[str]
    prefix: ClassVar[str]
    # Words that ask for this form and no other ("报备", "走访"): without them, a request that opens it right
    # after an answer offered another task ("好的，那我报一下" after the answer on reporting) takes that offer.
    own_words: ClassVar[re.Pattern[str] | None] = None
    # The free-text answer that more said at the summary is added to ("孩子最近不爱说话" after the visit's summary).
    notes_slot: ClassVar[str | None] = None
    # Words that say an earlier answer is being changed (a form may add its own: the report's "第6类").
    correcting: ClassVar[re.Pattern[str]] = CORRECTING
    # The form this one's words ask for right after the emergency reply ("我先在这登记一下": the report, not a
    # departure registration).
    after_an_emergency_means: ClassVar[str | None] = None

    @property
    @abstractmethod
    def fields(self) -> tuple[Field, ...]:
        """The form's questions, in the order they are asked (a class attribute in subclasses)."""

    def name(self) -> str:
        """Rasa calls ``validate_<form>`` after every answer."""
        return f"validate_{self.form}"

    @classmethod
    def confirm_slot(cls) -> str:
        """The slot that holds the user's yes to the summary."""
        return f"{cls.prefix}_confirmed"

    @classmethod
    def slot_names(cls) -> list[str]:
        """Every slot of the form, in the order it is asked."""
        return [f.slot for f in cls.fields] + [cls.confirm_slot()]

    @classmethod
    def field_for(cls, slot: str) -> Field | None:
        """The field declared for ``slot``."""
        return next((f for f in cls.fields if f.slot == slot), None)

    @classmethod
    def summary(cls, slots: dict[str, Any]) -> str:
        """The answers so far, one line each, for the user to check."""
        lines = [f"· {f.label}：{f.show(slots.get(f.slot))}" for f in cls.fields if slots.get(f.slot) is not None]
        return "\n".join(lines)

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Validate the answer to the question just asked through its field's parser.

        Only the requested slot holds a fresh answer. When a paused form is
        resumed, Rasa passes every slot filled before; those are already clean
        values and are kept as they are.
        """
        asked = tracker.get_slot("requested_slot")
        if gone_in_context(tracker):  # "今天到现在还冇回" at the consent, just after the child was named: missing
            return ([SlotSet(asked, None)] if asked else []) + [FollowupAction("action_urgent_help")]
        if asked is None and latest_grade(tracker).level not in (NOW, SERIOUS):
            from actions.my_data import tell_report_status  # actions.my_data imports this module

            told = tell_report_status(dispatcher, tracker)  # "上次我报的处理得咋样了", taken for a change to make
            if told is not None:
                return told + [SlotSet("requested_slot", None), ActiveLoop(None)]
        switched = self._offer_taken_instead(tracker) or self._not_needed(dispatcher, tracker)
        if switched:
            return switched
        answered = asked is None or asked in tracker.slots_to_validate()  # a message the form took as an answer
        grade = latest_grade(tracker)
        # danger now told inside the form ("这会儿还在打"): the call itself, not the "如果…" line
        opening = call_now(grade) if grade.level == NOW else caution(grade)
        if opening and asked and not said_this_turn(tracker, opening):
            # an answer that may tell of a child in danger: the 110 line before the next question (a form just
            # opened, or a question answered just before in this turn, has said it already)
            dispatcher.utter_message(text=opening)
        wanted = set(await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain))
        updates: dict[str, Any] = {}
        for slot, value in tracker.slots_to_validate().items():
            if slot not in wanted or value is None or slot != asked:
                continue
            answer = answer_of(tracker, value)
            if _CANCELS.match(clean(answer.text)) and not answer.text.startswith("/"):
                # "算了取消 我搞错了 …重新来", taken for what the child's visit showed: asked whether to cancel
                return [SlotSet(slot, None), *pause_form(self.form), FollowupAction("action_ask_cancel_confirm")]
            if is_question(answer.text) and (grade.level == NONE or (grade.level != NOW and slot != self.notes_slot)):
                # a question is never a value: answer it, then the form asks again. A worry typed as a question
                # ("是不是被打了") is what happened, though; and "这个犯法不" at the report's place question is none.
                tracker.slots[slot] = None
                updates[slot] = None
                updates.update({e["name"]: e["value"] for e in answer_in_form(dispatcher, tracker)
                                if e.get("event") == "slot"})
                continue
            corrected = self._corrected(tracker, slot, answer)
            if corrected:
                # "等等 年龄说错了 是6岁" at the village question: the earlier answer changed, this question asked again
                later = "" if slot == self.confirm_slot() else "，最后会给您核对"
                dispatcher.utter_message(text=f"{CORRECTED}（{self._shown(corrected)}）{later}。")
                updates.update({**corrected, slot: None})
                tracker.slots.update(updates)
                continue
            if slot == self.confirm_slot():
                updates.update(self._confirm(answer, dispatcher))
                continue
            spec = self.field_for(slot)
            if spec is None:
                continue
            try:
                updates[slot] = spec.parse(answer)
            except BadAnswer as problem:
                if self._answers_another_question(tracker, slot):
                    pass  # what it holds is noted, and this asked again
                else:
                    # the knowledge base answers what it is sure of ("奶奶不会用手机" at the village question), else
                    # the parser's own words ("村名录里没有找到…")
                    heard = answer_if_sure(dispatcher, tracker) if self._may_answer_instead(tracker, slot, answer) else None
                    if heard is None:  # the button a message names ("可以点“转人工”") is there to tap
                        dispatcher.utter_message(text=str(problem), buttons=[HUMAN_BUTTON] if "转人工" in str(problem) else None)
                    else:
                        updates.update({e["name"]: e["value"] for e in heard if e.get("event") == "slot"})
                updates[slot] = None
            tracker.slots.update(updates)
        if answered and asked != self.confirm_slot() and latest_grade(tracker).level != NOW:
            updates.update(self._gather(dispatcher, tracker, asked))
        return [SlotSet(slot, value) for slot, value in updates.items()]

    # A refused answer shorter than this is a slip ("是吧"), not a statement the knowledge base could answer.
    ANSWER_INSTEAD_CHARS: ClassVar[int] = 6
    # Shorter words at the summary ("好的吧", "行了") are no note to add to the account.
    NOTE_MIN_CHARS: ClassVar[int] = 6

    def _may_answer_instead(self, tracker: Tracker, slot: str, answer: Answer) -> bool:
        """Whether a refused answer may be answered from the knowledge base instead of with the parser's words: calm,
        at a step that may be edited and is no consent, long enough to be a statement, typed, no yes or no, and no
        date or number ("12月20号", refused as in the future, is no question on 《反家庭暴力法》第20条)."""
        spec = self.field_for(slot)
        return (latest_grade(tracker).level == NONE and spec is not None and spec.editable
                and not _DATE_OR_NUMBER.fullmatch(clean(answer.text))
                and not slot.endswith("_consent") and len(clean(answer.text)) >= self.ANSWER_INSTEAD_CHARS
                and not answer.text.startswith("/") and answer.intent not in ("affirm", "deny"))

    def _not_needed(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """At the form's opening, a question the knowledge base surely answers with "this task is not needed"
        ("娃儿跟我们两口子一起在广州读书 还需要报备不"): that answer, and no form ([] otherwise)."""
        from actions.policy import TASK_FORMS, answer_with_context, remember  # imported by the forms' modules
        from knowledge.retrieve import get_retriever

        said = str(tracker.latest_message.get("text") or "")
        if tracker.get_slot("requested_slot") is not None or said.startswith("/") or not is_question(said) \
                or latest_grade(tracker).level != NONE:
            return []
        retriever = get_retriever()
        task = next((t for t, form in TASK_FORMS.items() if form == self.form), None)
        declining = [c for c in retriever.cards.values() if c.declines == task]
        if not declining:
            return []  # no card says this task may be unneeded: nothing to search for
        if any(c.misfits(retriever.clean(said)) for c in declining):
            # "两公婆喺東莞打工，個仔畀阿嫲湊": the child is left behind, the task is needed. The retriever's penalty
            # for a misfit already lowers the card; this second guard is kept because a wrong "不用报备" skips a
            # registration a child needs.
            return []
        reply, asked = answer_with_context(retriever, tracker, said, must_be_sure=True)
        if reply is None or TASK_FORMS.get(reply.declines or "") != self.form:
            return []
        return reply.send(dispatcher) + remember(asked, reply.topic) + [SlotSet("requested_slot", None), ActiveLoop(None)]

    def _put_off(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Mid-form, a wish to go on later ("算了不填了 等我问问我老婆再说", "我先去找一下户口本 回头再填"): the form
        paused with every answer kept, and how to go on said ([] otherwise). Taken as the answer ("算了" → no ID),
        it would file what they meant to check first."""
        said = clean(str(tracker.latest_message.get("text") or ""))
        if tracker.get_slot("requested_slot") is None or said.startswith("/") \
                or latest_grade(tracker).level in (NOW, SERIOUS) or not PUT_OFF.search(said):
            return []
        return [SlotSet(tracker.get_slot("requested_slot"), None)] + put_off(dispatcher, self.form)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """A wish to go on later is seen before any form reads the message as its answer (``_put_off``)."""
        stale = [SlotSet(slot, None) for slot in self.slot_names() if tracker.slots.get(slot) == CLEARED_ANSWER]
        # a form cancelled, then resumed from an old button: its cleared answers are no answers, and asked again
        tracker.slots.update({event["name"]: None for event in stale})
        return stale + (self._put_off(dispatcher, tracker) or await super().run(dispatcher, tracker, domain))

    def _offer_taken_instead(self, tracker: Tracker) -> list[EventType]:
        """At the form's opening: the offered task's form instead, when the words fit either ([] otherwise).

        The classifier, unsure between two tasks for "那我报一下", cannot see that the bot has just offered one.
        Stopping a form from its validation at activation is Rasa's documented way (``ActiveLoop(None)``).
        """
        from actions.policy import OFFER_SLOT, TASK_FORMS  # actions.policy is imported by the forms' modules

        if tracker.get_slot("requested_slot") is not None or self.own_words is None:
            return []
        text = clean(str(tracker.latest_message.get("text") or ""))
        if self.after_an_emergency_means and not text.startswith("/") and just_after_an_emergency(tracker) \
                and not _AWAY_TO_WORK.search(text):
            return [SlotSet("requested_slot", None), ActiveLoop(None), FollowupAction(self.after_an_emergency_means)]
        other = TASK_FORMS.get(tracker.get_slot(OFFER_SLOT) or "")
        if other in (None, self.form) or text.startswith("/") or self.own_words.search(text):
            return []
        return [SlotSet(OFFER_SLOT, None), SlotSet("requested_slot", None), ActiveLoop(None), FollowupAction(other)]

    def answer_read_as_a_question(self, tracker: Tracker) -> tuple[list[EventType], str]:
        """The answer to the question asked, when the classifier took it for a question or off the subject.

        "娃才8岁 一个人在家 算高吧" at the risk question, read as ``ask_policy``, was answered with the card on
        leaving children alone. A message that asks nothing and that the asked field's parser takes is the
        answer (events that set it); one it refuses gets the parser's own words
        ("请选一个风险等级") instead of a policy answer to a question nobody asked. ([], "") when the message
        asks something, or no field is asked. The value is set already parsed: Rasa validates only what the
        form's own slot mappings extracted, not a slot another action set.
        """
        asked = tracker.get_slot("requested_slot")
        spec = self.field_for(asked) if asked and asked != self.confirm_slot() else None
        text = str(tracker.latest_message.get("text") or "")
        if spec is None or not spec.editable or not text.strip() or text.startswith("/") or is_question(text):
            return [], ""
        try:
            value = spec.parse(answer_of(tracker, text))
        except BadAnswer as problem:
            return [], str(problem)
        return [SlotSet(asked, value)], ""

    def _answers_another_question(self, tracker: Tracker, asked: str) -> bool:
        """Whether the message, no answer to the question asked, answers others still open ("跟他外婆" asked the
        village): it is no wrong village, and "村名录里没有找到“跟他外婆”" would tell the user so."""
        if not self.may_gather(tracker):
            return False
        found = self.facts(str(tracker.latest_message.get("text") or ""), today())
        return any(slot != asked and value is not None and tracker.get_slot(slot) is None for slot, value in found.items())

    def facts(self, text: str, on: dt.date) -> dict[str, Any]:
        """The form's slots a free sentence fills (none unless a form knows how to find them)."""
        return {}

    def earlier_words(self, tracker: Tracker) -> list[str]:
        """What the user said before answering the form's first question, to mine for answers: the opening words."""
        return [opening_words(tracker)]

    def may_gather(self, tracker: Tracker) -> bool:
        """Whether facts may be taken from what the user said (the departure form: only after consent)."""
        return True

    def aside(self, text: str) -> str | None:
        """What to tell the user about something they said that this form does not take (none by default)."""
        return None

    def own_answer(self, tracker: Tracker) -> str | None:
        """This form's own answer to a question asked in it, read with what was filled so far (none by default)."""
        return None

    def take_told_facts(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """The slots a message the classifier took for off the subject fills ("啥时候回来说不准 可能过年" read as
        ``out_of_scope``), with the note of what was kept; [] when it fills none or asks something."""
        latest = str(tracker.latest_message.get("text") or "")
        if is_question(latest) or latest_grade(tracker).level != NONE:
            return []
        found = self._gather(dispatcher, tracker, None)
        return [SlotSet(slot, value) for slot, value in found.items()]

    def _gather(self, dispatcher: CollectingDispatcher, tracker: Tracker, asked: str | None) -> dict[str, Any]:
        """Fill the empty slots that the answer (and, at the first question, the opening message) already holds.

        ``asked`` None: the form is opening, and the latest message is the one that opened it.
        """
        if not self.may_gather(tracker):
            return {}
        latest = str(tracker.latest_message.get("text") or "")
        # A question asked in the middle of the form is answered, not mined for answers ("孩子不满8岁能一个人在家吗").
        texts = [] if asked is not None and is_question(latest) else [latest]
        if asked == self.slot_names()[0]:
            texts[:0] = self.earlier_words(tracker)
        found: dict[str, Any] = {}
        for text in texts:
            if text and not text.startswith("/"):
                found.update(self.facts(text, today()))
                note = self.aside(text)
                if note and not (asked is None and caution(latest_grade(tracker))):
                    dispatcher.utter_message(text=note)
        found = {slot: value for slot, value in found.items() if slot != asked and tracker.get_slot(slot) is None}
        if found:
            tracker.slots.update(found)
            if asked is None and caution(latest_grade(tracker)):
                return found  # the form's first question opens with the 110 line: nothing may come before it
            said = " ".join(str(m.get("text") or "") for m in dispatcher.messages)
            told = [(spec, spec.show(found[spec.slot])) for spec in self.fields if spec.slot in found]
            # what this turn's reply already names ("好的，是外婆。请告诉我外婆的名字") is not noted again
            shown = "，".join(f"{spec.label}：{value}" for spec, value in told if value not in said)
            if shown:
                dispatcher.utter_message(text=f"您说过的我记下了（{shown}），最后会给您核对。")
        return found

    def _corrected(self, tracker: Tracker, asked: str, answer: Answer) -> dict[str, Any]:
        """The earlier answers a message corrects, with their new values ({} for none).

        "照顾人电话写错了 是138…" at the summary, "等等 年龄说错了 是6岁" at the village question, "不对名字写错了，
        是李皓然" at the ID question: the words of a correction, and a new value for an answer already given —
        read by the form's facts, else by the parser of the field the message names, from the words after 是/改成.
        Taking it as the answer to the question asked, or re-asking the field, would lose what the user typed.
        """
        text = clean(answer.text)
        if not self.correcting.search(text) or answer.text.startswith("/") or not self.may_gather(tracker) \
                or latest_grade(tracker).level in (NOW, SERIOUS):  # a faint concern may be the network's slip
            return {}
        # the free-text account is never replaced by a correction's words ("等下 方式写错了 是入户去的" at the summary)
        given = {spec.slot: tracker.get_slot(spec.slot) for spec in self.fields
                 if spec.editable and spec.slot not in (asked, self.notes_slot) and tracker.get_slot(spec.slot) is not None}
        found = {**self.facts(answer.text, today()), **self._named_edits(answer)}  # a field named outranks a guess
        return {slot: value for slot, value in found.items()
                if slot in given and value is not None and value != given[slot]}

    def _named_edits(self, answer: Answer) -> dict[str, Any]:
        """Each field the message names with its new value: "地点是五组周家屋头 情形选第6类" changes two.

        The message is cut where each field's name begins, and each piece read by that field's parser from the
        words after 是/改成/选; a piece its parser refuses changes nothing. The free-text account is never replaced.
        """
        text = clean(answer.text)
        named: dict[int, tuple[int, Field]] = {}  # where a name begins: the longest name there, and its field
        for spec in self.fields:
            if not spec.editable or spec.slot == self.notes_slot:
                continue
            for name in (spec.label, *spec.aliases):
                for found in re.finditer(re.escape(name), text):
                    if len(name) > named.get(found.start(), (0, spec))[0]:
                        named[found.start()] = (len(name), spec)
        starts = {at: found for at, found in named.items()  # not a name inside a longer one (孩子年龄)
                  if not any(other < at < other + length for other, (length, _spec) in named.items())}
        edits: dict[str, Any] = {}
        cuts = sorted(starts)
        for at, end in zip(cuts, cuts[1:] + [len(text)]):
            length, spec = starts[at]
            new = new_value_of(text[at + length:end].strip("，,。；; "))  # the words after the name, not in it
            if not new:
                continue
            try:
                value = spec.parse(replace(answer, text=new, intent=None))
            except BadAnswer:
                continue
            if value is not None:
                edits[spec.slot] = value
        return edits

    def _shown(self, values: dict[str, Any]) -> str:
        """"孩子年龄：6岁，…": the fields' labels with their values as the summary shows them."""
        return "，".join(f"{spec.label}：{spec.show(values[spec.slot])}" for spec in self.fields if spec.slot in values)

    def _confirm(self, answer: Answer, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        """Yes confirms; naming a field to change reopens it; anything else asks which field."""
        text = clean(answer.text)
        edits = {} if text.startswith("/") else self._named_edits(answer)
        if edits:  # "地点是五组周家屋头 情形选第6类": changed, and the summary shown again
            dispatcher.utter_message(text=f"{CORRECTED}（{self._shown(edits)}）。")
            return {**edits, self.confirm_slot(): None}
        spec = self._field_named(text)
        if spec is not None and (_EDIT_WORDS.search(text) or len(text) <= len(spec.label) + 1):
            dispatcher.utter_message(text=f"好的，我们重新填写“{spec.label}”。")
            return {spec.slot: None, self.confirm_slot(): None}
        if answer.intent == "affirm" or text in _CONFIRM_WORDS:
            return {self.confirm_slot(): True}
        added = self._added_note(answer)
        if added is not None:
            dispatcher.utter_message(text=f"{NOTE_ADDED}“{self.field_for(self.notes_slot or '').label}”。")
            return {**added, self.confirm_slot(): None}
        # "no" (or anything else): leave it empty; the ask action offers the fields.
        return {self.confirm_slot(): None}

    def _added_note(self, answer: Answer) -> dict[str, Any] | None:
        """More told at the summary ("再补一句 孩子最近不爱说话"), added to the form's free-text answer; None when
        the message is a yes, a no, a wish to edit, a question, or too short to be a note."""
        text = clean(answer.text)
        current = answer.slots.get(self.notes_slot or "")
        if not self.notes_slot or not current or answer.intent in ("affirm", "deny") or text.startswith("/") \
                or len(text) < self.NOTE_MIN_CHARS or is_question(text) or _NOT_A_NOTE.search(text):
            return None
        note = _NOTE_OPENING.sub("", text) or text
        return {self.notes_slot: f"{current}（补充：{note}）"}

    @classmethod
    def _field_named(cls, text: str) -> Field | None:
        """The field whose label or alias the text names; the longest name wins (照顾人电话 over 照顾人)."""
        best: tuple[int, Field] | None = None
        for spec in cls.fields:
            if not spec.editable:
                continue
            for name in (spec.label, *spec.aliases):
                if name in text and (best is None or len(name) > best[0]):
                    best = (len(name), spec)
        return best[1] if best else None


_DATE_OR_NUMBER = re.compile(r"[\d\s年月日号号点.:：/\-－—到至和是就吧啊呀呢]+|(今年|明年|去年)?[\d一二三四五六七八九十]+月[\d一二三四五六七八九十]+(号|日)?[^，,。？?]{0,4}")

# Words of a yes, a no or an edit at the summary: no note to add.
_NOT_A_NOTE = re.compile(r"(确认|提交|没问题|可以|对的|好的|行|同意|不对|修改|改|错|重新|重填|取消|不填|算了)")
_NOTE_OPENING = re.compile(r"^(再|还)?(补充|补|加|添|写|记)(一下|一句|一点|上|上一句|个)?[：:，,\s]*")
_EDIT_ONLY = re.compile(r"(我)?(要|想)?(修改|改|改一下|改下|更改|重新填|修改一下)(一下)?[。!！]?")
_EDIT_WORDS = re.compile(r"(修改|改|错|不对|重新|重填|换)")
_CONFIRM_WORDS = {"确认", "确认提交", "提交", "对", "是", "好", "好的", "同意", "没问题", "可以"}


def edit_buttons(form: type[TaskForm]) -> list[dict[str, str]]:
    """One button per field, so the user can pick the answer to change."""
    return [{"title": f.label, "payload": f"修改{f.label}"} for f in form.fields if f.editable] + [CONFIRM_BUTTON]


def ask_confirmation(form: type[TaskForm], dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Show the summary with confirm / edit / cancel buttons, or the fields after a 'no' to the summary.

    A 'no' that answered the last question ("没报警", "不确定") only brought the form to its summary.
    """
    said = clean(str(tracker.latest_message.get("text") or ""))
    wants_edit = latest_intent(tracker) == "deny" or bool(_EDIT_ONLY.fullmatch(said))  # "修改", the button's word, typed
    if wants_edit and not _summary_reached_now(tracker, form.confirm_slot()) \
            and not said_this_turn(tracker, CORRECTED) and not said_this_turn(tracker, NOTE_ADDED):
        dispatcher.utter_message(text="要修改哪一项？点一下，或直接告诉我。", buttons=edit_buttons(form))
        return
    dispatcher.utter_message(
        text="请核对一下：\n" + form.summary(dict(tracker.slots)) + "\n没问题就点“确认提交”。",
        buttons=[CONFIRM_BUTTON, EDIT_BUTTON, CANCEL_BUTTON],
    )


def _summary_reached_now(tracker: Tracker, confirm_slot: str) -> bool:
    """Whether this turn's answer is what brought the form to its summary (not an answer to the summary).

    Rasa asks with the tracker as it was before it requested the next slot: ``requested_slot`` still names
    the question just answered.
    """
    return tracker.get_slot("requested_slot") != confirm_slot


RESUME_BUTTON = {"title": "继续刚才的填写", "payload": "/resume_form"}
# Going on later, after asking someone or finding a paper: "等我问问我老婆再说", "回头再填", "明天再弄".
PUT_OFF = re.compile(r"(等|待)(我|俺)?[^，,。？?]{0,8}(问问|问一下|问下|商量|找找|找一下|找到|翻翻|查查|看看|回来|回家|下班|有空)[^，,。？?]{0,8}(再|了再)"
                     r"|(回头|晚点|晚些|过会儿|过一会|等会儿|等会|等一下|一会儿|一会|待会儿|待会|明天|改天|下次|有空)(儿)?(再|回来)(来)?(接着)?(填|弄|报|说|写|搞|整)"
                     r"|(先|我先)(去)?(吃(个|口)?饭|忙|干活|做饭|接娃|接孩子|下地|开会|上课)[^，,。？?]{0,6}(等会|一会|待会|回头|晚点|回来)"
                     r"|先放一放|先放着|暂停|先不弄了|先不搞了")
PUT_OFF_REPLY = "好的，已经填的先给您留着，不会丢。想接着填的时候，跟我说“继续刚才的填写”就行。"
RESUMABLE_FORMS = ("departure_form", "visit_form", "report_form")  # the values of the ``paused_form`` slot


def paused_this_turn(tracker: Tracker, form: str) -> bool:
    """Whether ``form`` was paused since the user's latest message ("等我问问我老婆再说"): the form's end is no
    cancel then, and its submit action must keep every answer for "继续刚才的填写"."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == "paused_form" and event.get("value") == form:
            return True
    return False


def pause_form(form: str) -> list[EventType]:
    """Events that leave ``form`` open to resume later, every answer kept (cancel asked, emergency)."""
    return [SlotSet("paused_form", form), SlotSet("requested_slot", None), ActiveLoop(None)]


def put_off(dispatcher: CollectingDispatcher, form: str) -> list[EventType]:
    """A form put off till later ("等我问问我老婆再说"): said to be kept, the way back offered, and paused."""
    dispatcher.utter_message(text=PUT_OFF_REPLY, buttons=[RESUME_BUTTON])
    return pause_form(form)


# Set to a form's name when it is filed or cancelled: the tracker store (bot/tracker_store.py) then clears
# what was typed in it, and the answers, from the stored conversation.
ANSWERS_CLEARED = "answers_cleared"
# What the tracker store writes in place of a cleared answer (bot/tracker_store.CLEARED_TEXT): no answer.
CLEARED_ANSWER = "（已提交或取消的填写内容，已清除）"


FORM_NAMES = {"departure_form": "外出务工报备", "visit_form": "探访记录", "report_form": "强制报告"}


def filed_and_done(form: type[TaskForm], tracker: Tracker, dispatcher: CollectingDispatcher) -> list[EventType]:
    """The events once ``form`` is filed: its answers forgotten, and its pause, if it had one, over. Another form
    paused before it (the visit log the emergency paused, before this report) stays paused and is offered."""
    other = tracker.get_slot("paused_form")
    if other in RESUMABLE_FORMS and other != form.form:
        dispatcher.utter_message(text=f"刚才的{FORM_NAMES[other]}还没填完，想接着填就说“继续刚才的填写”。",
                                 buttons=[RESUME_BUTTON])
        return clear_form(form)
    return clear_form(form) + [SlotSet("paused_form", None)]


def clear_form(form: type[TaskForm]) -> list[EventType]:
    """Events that empty every slot of ``form``, and have the stored conversation forget its answers."""
    return ([SlotSet(slot, None) for slot in form.slot_names()]
            + [SlotSet("requested_slot", None), SlotSet(ANSWERS_CLEARED, form.form)])
