"""Changes after filing: "改一下回来的时间", "奶奶电话换了", "加一个孩子" — without redoing the registration.

The change form asks what to change (unless the message said it), the new
value (unless the message held it), and shows old and new for a yes. The
change is written to the parent's registrations by ``records.changes``
(audited, the village's child director told). "加一个孩子" opens the
departure form with everything but the child taken over from the last
registration, so only the new child's details are asked.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any, Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.forms.base import (Answer, CANCEL_BUTTON, CORRECTING, Field, TaskForm, clear_form, latest_intent, new_value_of,
                                today)
from actions.forms.departure import MINOR_CARER, ValidateDepartureForm, minor_carer
from actions.forms.facts import departure_facts
from actions.guard import polite
from actions.handoff import HUMAN_BUTTON
from actions.identity import DB_DOWN
from actions.parsing import (
    BadAnswer,
    clean,
    parse_age,
    parse_name,
    parse_phone,
    parse_relation,
    parse_return_time,
    parse_text,
    parse_yes_no,
    relation_words,
)
from records.changes import CHANGEABLE, FiledRegistration, change_registrations, count_registrations, registrations_of
from records.people import NotAllowed, actor_for
from records.privacy import mask_name

logger = logging.getLogger(__name__)

ADD_CHILD = "add_child"
CARER = "carer"
_CARERS = "|".join(sorted(relation_words(), key=len, reverse=True))
_CHILD_WORDS = r"(孩子|娃娃|娃儿|娃|小孩|儿子|女儿|闺女|小的|老二|老三|老大|妹妹|弟弟|哥哥|姐姐|孙子|孙女|外孙|外孙女)"
_PHONE_RUN = re.compile(r"(1[3-9]\d[\s\-]?\d{4}[\s\-]?\d{4}|[一幺二三四五六七八九零〇]{11})")
_WAIT = re.compile(r"^(等哈|等下|等等|等一下|慢着|不对)|错了")
_TIME_WORDS = re.compile(r"(\d|[一二三四五六七八九十]月|年|春节|正月|腊月|冬月|端午|中秋|国庆|五一|元旦|清明|号|底|初|不确定|未定|说不准)")


def _return_time(text: str, on: dt.date, opening: bool) -> dict[str, Any]:
    said = departure_facts(text, on).get("dep_return_date")
    if said:
        return {"expected_return": said}
    if not opening:
        return {"expected_return": parse_return_time(text, on)}
    part = new_value_of(text)
    clauses = [part] if part else [c for c in re.split(r"[，,。；;]", text)[1:] if _TIME_WORDS.search(c)]
    if not clauses:  # "回来时间变了，过完年才回": the clause after the one that names the change
        raise BadAnswer("")
    return {"expected_return": parse_return_time(clauses[0], on)}


def _phone(column: str) -> Callable[[str, dt.date, bool], dict[str, Any]]:
    def parse(text: str, on: dt.date, opening: bool) -> dict[str, Any]:
        if opening and not _PHONE_RUN.search(text):
            raise BadAnswer("")
        return {column: parse_phone(text)}
    return parse


_CITY_SAID = re.compile(r"(?<!不)(去|到|在|换到|调到|改成|换成|搬到|跑到)([\u4e00-\u9fff]{2,6}?)(了|打工|上班|务工|干活|进厂|做工|那边|$|[，,。])")


def _city(text: str, on: dt.date, opening: bool) -> dict[str, Any]:
    """The new city: the last place the parent says they went to or are in ("不在深圳了，去东莞了" → 东莞)."""
    value = clean(text)
    said = [m.group(2).lstrip("在去到") for m in _CITY_SAID.finditer(value)]
    said = [city for city in said if len(city) >= 2 and not re.search(_CARERS + "|地方|外面|这边|那边", city)]
    if said:
        return {"work_city": parse_text(said[-1], "城市", min_len=2)}
    if opening:
        raise BadAnswer("")
    return {"work_city": parse_text(re.sub(r"^(在|去|到)|(了|打工|务工|上班)$", "", value), "城市", min_len=2)}


def _carer(text: str, on: dt.date, opening: bool) -> dict[str, Any]:
    """The new carer's name, relation and phone, from as much as this message says (the form asks the rest)."""
    if minor_carer(text):  # the whole message is about the new carer
        raise BadAnswer(MINOR_CARER)
    facts = departure_facts((new_value_of(text) or text) if opening else text, on)
    found = {column: facts[slot] for column, slot in (("carer_name", "dep_carer_name"),
             ("carer_relation", "dep_carer_relation"), ("carer_phone", "dep_carer_phone")) if slot in facts}
    value = clean((new_value_of(text) or text) if opening else text)
    lives = _LIVES_WITH.search(value)
    if lives:  # "奶奶住院了，现在孩子在他大姑家": the one the child lives with now
        found["carer_relation"] = parse_relation(lives.group(2))
    if "carer_relation" not in found and re.search(_CARERS, value):
        found["carer_relation"] = parse_relation(re.search(_CARERS, value).group())
    phone = _PHONE_RUN.search(value)
    if "carer_phone" not in found and phone and not opening:
        found["carer_phone"] = parse_phone(phone.group())
    if "carer_name" not in found and not opening:
        bare = re.sub(rf"({_CARERS}|[，,。\s]|电话|手机|号码)", "", _PHONE_RUN.sub("", value))
        try:
            found["carer_name"] = parse_name(bare, "照顾人的名字") if 2 <= len(bare) <= 4 else None
        except BadAnswer:
            pass
    found = {column: v for column, v in found.items() if v}
    if not found:
        raise BadAnswer("")
    return found


def _child_age(text: str, on: dt.date, opening: bool) -> dict[str, Any]:
    part = new_value_of(text) if opening else text
    if not part:
        raise BadAnswer("")
    return {"child_age": parse_age(part)}


def _child_name(text: str, on: dt.date, opening: bool) -> dict[str, Any]:
    part = new_value_of(text) if opening else text
    if not part:
        raise BadAnswer("")
    return {"child_name": parse_name(part, "孩子的名字")}


@dataclass(frozen=True)
class Change:
    """One thing a parent may change after filing: how they name it, how its new value is read."""

    key: str
    label: str
    words: re.Pattern[str]
    ask: str = ""
    parse: Callable[[str, dt.date, bool], dict[str, Any]] | None = None
    per_child: bool = False


CHANGES: tuple[Change, ...] = (
    Change(ADD_CHILD, "再报备一个孩子", re.compile(
        rf"((加|添|多|还有|另外|另|再报|也要报|也报|一起报|再登记)[^，。,]{{0,4}}{_CHILD_WORDS})|老二|老三|第二个孩子"
        rf"|{_CHILD_WORDS}也要报|{_CHILD_WORDS}也报")),
    Change("carer_phone", "照顾人电话", re.compile(
        rf"((照顾人|照护人|{_CARERS}|老人|老汉儿|老汉)[^，,。我]{{0,3}}(电话|手机|号码|号))"),
        "照顾人的新电话是多少？", _phone("carer_phone")),
    Change(CARER, "照顾人", re.compile(
        rf"(照顾人|照护人|监护人|照顾孩子的|照顾娃的|带孩子的|带娃的|看孩子的|换人|交给|托给|留给"
        rf"|(跟|给)[他她孩子的]{{0,3}}({_CARERS})|({_CARERS})(带|照顾|看))"),
        "新的照顾人叫什么名字、是孩子的什么人、电话多少？", _carer),
    Change("parent_phone", "您的电话", re.compile(
        r"((我|俺|本人|自己|家长|我们)的?(电话|手机|号码|号)|换号|换了号|新号|手机号|电话|号码)"),
        "您的新电话是多少？", _phone("parent_phone")),
    Change("expected_return", "预计回来时间", re.compile(r"(回来|回家|返回|返乡|回老家|回去|到家|过年|时间)"),
           "新的预计回来时间是？比如：明年2月、腊月、过完年；不确定也可以说“不确定”。", _return_time),
    Change("work_city", "务工城市", re.compile(r"(城市|务工地|打工的地方|上班的地方|换地方|换了地方|换到|调到|去了|不在.{1,6}了|搬到|跑到|(现在|目前)在)"),
           "您现在在哪个城市务工？", _city),
    Change("child_age", "孩子年龄", re.compile(r"(年龄|岁数|几岁|多大|岁)"), "孩子现在几岁？", _child_age,
           per_child=True),
    Change("child_name", "孩子姓名", re.compile(rf"({_CHILD_WORDS}的?(名字|姓名)|名字|姓名)"), "孩子的名字是？",
           _child_name, per_child=True),
)
BY_KEY = {change.key: change for change in CHANGES}
CARER_PARTS = {"carer_name": "名字", "carer_relation": "和孩子的关系", "carer_phone": "电话"}


# The other parent's phone ("我老婆的电话也要登上去") is the parents' number, not the carer's.
_SPOUSE_PHONE = re.compile(r"(老婆|老公|爱人|媳妇|孩子他妈|孩子他爸|孩子她妈|孩子她爸|孩他妈|孩他爸)[^，,。]{0,3}(电话|手机|号码|号)")
# Where the child lives now names the new carer ("现在孩子在他大姑家").
_LIVES_WITH = re.compile(rf"(在|住|住到|搬到|去了)[他她孩子娃的]{{0,3}}({_CARERS})(家|那|那里|那儿|屋头)")


def change_named(text: str) -> Change | None:
    """The change the message names, by its button title or its words; None when it names none."""
    value = clean(text)
    for change in CHANGES:
        if value in (change.label, change.key):
            return change
    if _SPOUSE_PHONE.search(value):
        return BY_KEY["parent_phone"]
    if _LIVES_WITH.search(value) and not CHANGES[0].words.search(value):
        return BY_KEY[CARER]
    return next((change for change in CHANGES if change.words.search(value)), None)


def new_value(change: Change, text: str, draft: dict[str, Any] | None = None, *, opening: bool = False) -> dict[str, Any]:
    """The columns ``text`` gives for ``change`` (merged over ``draft``); BadAnswer("") when it holds none.

    ``opening``: the message that named the change ("奶奶电话换了，13712345678"), where only words
    that clearly give the new value count; otherwise an answer to the question for the value.
    """
    if change.parse is None:
        raise BadAnswer("")
    merged = {**(draft or {}), **change.parse(clean(text), today(), opening)}
    return {column: merged[column] for column in CHANGEABLE if column in merged}  # shown in one order


def _what(answer: Answer) -> str:
    change = change_named(answer.text)
    if change is None:
        raise BadAnswer("请点一下要改的内容，或者直接说，比如“改回来的时间”“奶奶电话换了”。")
    return change.key


def _value(answer: Answer) -> dict[str, Any]:
    change = BY_KEY.get(str(answer.slots.get("chg_what")))
    if change is None:
        raise BadAnswer("请先说要改哪一项。")
    try:
        return new_value(change, answer.text, answer.slots.get("chg_draft"))
    except BadAnswer as problem:
        raise BadAnswer(str(problem) or f"没看懂新的{change.label}。{change.ask}") from None


def _show_value(value: Any) -> str:
    if isinstance(value, dict):
        return "，".join(f"{CHANGEABLE[column]}：{v}" for column, v in value.items())
    return str(value)


def missing_carer_parts(value: dict[str, Any]) -> list[str]:
    """What is still needed of a new carer: name, relation, phone."""
    return [column for column in CARER_PARTS if not value.get(column)]


class ValidateChangeForm(TaskForm):
    """Checks what to change and its new value; the parent confirms old → new."""

    form = "change_form"
    prefix = "chg"
    fields = (
        Field("chg_what", "要改的内容", _what, lambda key: BY_KEY[key].label if key in BY_KEY else str(key)),
        Field("chg_value", "新的内容", _value, _show_value),
    )

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """Nothing to ask without a registration; adding a child (or a child's detail among several) ends here."""
        try:
            filed = count_registrations(tracker.sender_id)
        except SQLAlchemyError:
            return []  # the submit action says the records cannot be reached
        change = BY_KEY.get(str(tracker.get_slot("chg_what")))
        if not filed:
            return []
        if change is not None and (change.key == ADD_CHILD or (change.per_child and filed > 1)):
            return ["chg_what"]
        return self.slot_names()

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """A new carer is asked for until name, relation and phone are all known (kept as a draft meanwhile)."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        value = tracker.slots.get("chg_value")
        if tracker.slots.get("chg_what") == CARER and isinstance(value, dict) and missing_carer_parts(value):
            tracker.slots["chg_value"] = None
            events += [SlotSet("chg_value", None), SlotSet("chg_draft", value)]
        return events

    def _gather(self, dispatcher: CollectingDispatcher, tracker: Tracker, asked: str | None) -> dict[str, Any]:
        """What to change and its new value, from the message that opened the form or named the change."""
        if asked not in (None, "chg_what"):
            return {}
        text = str(tracker.latest_message.get("text") or "")
        found: dict[str, Any] = {}
        change = BY_KEY.get(str(tracker.slots.get("chg_what")))
        if change is None and asked is None and not text.startswith("/"):
            change = change_named(text)
            if change is not None:
                found["chg_what"] = change.key
        if change is not None and tracker.slots.get("chg_value") is None:
            try:
                found["chg_value"] = new_value(change, text, opening=True)
            except BadAnswer as problem:
                if str(problem):
                    dispatcher.utter_message(text=str(problem))
        tracker.slots.update(found)
        return found

    def _confirm(self, answer: Answer, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        """Yes changes it, no leaves it; a new value instead is shown again for a yes."""
        change = BY_KEY.get(str(answer.slots.get("chg_what")))
        # "等哈 电话打错了 是186…": a correction of the value shown, never a yes (its 是 is no agreement)
        correcting = bool(CORRECTING.search(clean(answer.text)) or _WAIT.search(clean(answer.text)))
        draft = answer.slots.get("chg_value") if isinstance(answer.slots.get("chg_value"), dict) else None
        if change is not None and change.parse is not None:
            for opening in (True, False) if correcting else (True,):  # after 改成/是…, else the words themselves
                try:
                    return {"chg_value": new_value(change, answer.text, draft if correcting else None, opening=opening),
                            "chg_confirmed": None}
                except BadAnswer:
                    pass
        if correcting:
            dispatcher.utter_message(text="好的，先不改。请直接告诉我正确的内容，例如：13712345678。")
            return {"chg_confirmed": None}
        try:
            return {"chg_confirmed": parse_yes_no(answer.text, answer.intent)}
        except BadAnswer:
            return {"chg_confirmed": None}


def _whose(filed: list[FiledRegistration]) -> str:
    if len(filed) == 1:
        return f"您的报备（编号 {filed[0].ref}，孩子 {mask_name(filed[0].child_name)}）"
    children = "、".join(mask_name(one.child_name) for one in filed)
    return f"您的{len(filed)}份报备（孩子 {children}）"


def _old(filed: list[FiledRegistration], columns: list[str]) -> str:
    values = {"，".join(str(one.values.get(column)) for column in columns) for one in filed}
    return "；".join(sorted(values))


class ActionAskChgWhat(Action):
    """Asks what to change, with a button for each thing that can change."""

    def name(self) -> str:
        return "action_ask_chg_what"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        buttons = [{"title": change.label, "payload": change.label} for change in CHANGES]
        dispatcher.utter_message(text="好的，报备过的内容可以改。要改哪一项？", buttons=buttons + [CANCEL_BUTTON])
        return []


class ActionAskChgValue(Action):
    """Asks for the new value of what is being changed (for a carer: only the parts still missing)."""

    def name(self) -> str:
        return "action_ask_chg_value"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        change = BY_KEY.get(str(tracker.get_slot("chg_what")))
        if change is None:
            return []
        draft = tracker.get_slot("chg_draft") or {}
        if change.key == CARER and draft:
            have = "，".join(f"{CARER_PARTS[c]}：{v}" for c, v in draft.items() if c in CARER_PARTS)
            need = "、".join(CARER_PARTS[c] for c in missing_carer_parts(draft))
            dispatcher.utter_message(text=f"新的照顾人记下了（{have}）。还需要照顾人的{need}。")
            return []
        dispatcher.utter_message(text=change.ask, buttons=[CANCEL_BUTTON])
        return []


class ActionAskChgConfirmed(Action):
    """Shows the change, old and new, for a yes."""

    def name(self) -> str:
        return "action_ask_chg_confirmed"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        change = BY_KEY.get(str(tracker.get_slot("chg_what")))
        value = tracker.get_slot("chg_value") or {}
        try:
            filed = registrations_of(actor_for(tracker.sender_id), "家长核对要修改的报备")
        except SQLAlchemyError:
            dispatcher.utter_message(text=DB_DOWN)
            return []
        if change is None or not filed or not isinstance(value, dict):
            return []
        columns = list(value)
        new = "，".join(str(value[c]) for c in columns)
        dispatcher.utter_message(
            text=f"请核对：把{_whose(filed)}的“{change.label}”\n从：{_old(filed, columns)}\n改成：{new}\n确认修改吗？",
            buttons=[{"title": "确认修改", "payload": "/affirm"}, {"title": "不改了", "payload": "/deny"}],
        )
        return []


def _clear() -> list[EventType]:
    return clear_form(ValidateChangeForm) + [SlotSet("chg_draft", None)]


def _add_child(dispatcher: CollectingDispatcher, tracker: Tracker, last: FiledRegistration) -> list[EventType]:
    """Open the departure form for a brother or sister with the last registration's carer, phones and dates."""
    taken = {
        "dep_consent": True,
        "dep_village": last.village.label,
        "dep_carer_name": last.values["carer_name"],
        "dep_carer_relation": last.values["carer_relation"],
        "dep_carer_phone": last.values["carer_phone"],
        "dep_work_city": last.values["work_city"],
        "dep_parent_phone": last.values["parent_phone"],
        "dep_return_date": last.values["expected_return"],
    }
    said = departure_facts(str(tracker.latest_message.get("text") or ""), today())
    taken.update({slot: said[slot] for slot in ("dep_child_name", "dep_child_age", "dep_child_id") if slot in said})
    dispatcher.utter_message(text="好的，再报备一个孩子。村、照顾人、电话和回来时间都沿用上次的报备（最后会给您核对），"
                                  "只需要告诉我这个孩子的情况。")
    return _clear() + [SlotSet(slot, value) for slot, value in taken.items()] + [
        FollowupAction(ValidateDepartureForm.form)]


class ActionSubmitChange(Action):
    """Writes the confirmed change, or opens the form for another child, or says why nothing changed."""

    def name(self) -> str:
        return "action_submit_change"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        from actions.my_data import status_told_this_turn  # actions.my_data imports the forms

        if status_told_this_turn(tracker):  # "上次我报的处理得咋样了" opened the form: the status was the answer
            return _clear()
        actor = actor_for(tracker.sender_id)
        try:
            filed = registrations_of(actor, "家长修改报备")
        except SQLAlchemyError as error:
            logger.error("reading registrations failed: %s", type(error).__name__)
            dispatcher.utter_message(text=DB_DOWN)
            return _clear()
        change = BY_KEY.get(str(tracker.get_slot("chg_what")))
        if not filed and change is not None and change.key == ADD_CHILD:
            return _clear() + [FollowupAction(ValidateDepartureForm.form)]  # nothing to take over: a registration
        if not filed:
            dispatcher.utter_message(
                text="在这个账号下还没有找到您的报备，所以没有可以修改的。要现在报备吗？",
                buttons=[{"title": "外出务工报备", "payload": "/register_departure"}, HUMAN_BUTTON])
            return _clear()
        if change is not None and change.key == ADD_CHILD:
            return _add_child(dispatcher, tracker, filed[0])
        if change is not None and change.per_child and len(filed) > 1:
            dispatcher.utter_message(text=f"您报备了{len(filed)}个孩子，孩子的{change.label[2:]}请转给工作人员帮您更正。",
                                     buttons=[HUMAN_BUTTON])
            return _clear()
        value = tracker.get_slot("chg_value")
        if tracker.get_slot("chg_confirmed") is not True or change is None or not isinstance(value, dict):
            dispatcher.utter_message(text="好的，不改了，报备还是原来的内容。")
            return _clear()
        try:
            changed = change_registrations(actor, [one.ref for one in filed], value)
        except NotAllowed as refusal:
            dispatcher.utter_message(text=str(refusal))
            return _clear()
        except SQLAlchemyError as error:
            logger.error("changing a registration failed: %s", type(error).__name__)
            dispatcher.utter_message(text="抱歉，系统暂时保存不了（不是您的问题）。请过几分钟再说一次要改的内容；"
                                          "如果孩子有危险，请直接拨打110。")
            return _clear()
        told = f"已经告诉了{changed.route}。" if changed.notified else "工作人员会看到这次修改。"
        dispatcher.utter_message(text=f"改好了：{_whose(filed)}的“{change.label}”已改成 "
                                      f"{'，'.join(str(v) for v in value.values())}。{told}")
        return _clear()
