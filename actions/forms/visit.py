"""探访记录: a verified child director records a visit; the next visit is proposed from the risk level.

Only a director verified by an invite code files visit logs, and only for
children of their own village. Someone not yet verified who starts the form
is asked for their invite code first (the form stays open, so a director who
has the code goes straight on). The visit intervals live in
``records.schedule`` (configurable by ``VISIT_INTERVAL_DAYS``).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms.base import (Answer, Field, TaskForm, ask_confirmation, asked_in_this_form, clear_form, filed_and_done,
                                paused_this_turn, today)
from actions.forms.facts import name_before_age
from actions.forms.report import infer_situation
from actions.forms.submit import retry_events, submit_or_apologise, tell_already_filed
from actions.guard import polite
from actions.safety import CAUTION, NONE, latest_grade
from actions.handoff import HUMAN_BUTTON
from actions.identity import describe, redeem, verified_director
from actions.parsing import BadAnswer, clean, parse_choice, parse_future_date, parse_name, parse_past_date, parse_text
from nlu.components.danger_signals import tells_harm
from nlu.components.text_normaliser import normalise
from records.filing import file_visit
from records.people import actor_for
from records.schedule import interval_words, next_visit_due

VISIT_KINDS: dict[str, tuple[str, ...]] = {
    "入户": ("入户", "家访", "上门", "去家里", "到家", "家里"),
    "电话": ("电话", "视频", "微信", "打电话"),
    "学校": ("学校", "校", "老师"),
}
RISK_LEVELS: dict[str, tuple[str, ...]] = {
    "高": ("高", "严重", "危险", "很大"),
    "一般": ("一般", "中", "有点", "有些", "有风险"),
    "无": ("无", "没有", "没风险", "正常", "挺好", "很好", "低", "不大"),
}


def proposed_next_visit(risk: str | None, visited: dt.date | None, now: dt.date) -> dt.date:
    """The next visit date the risk level calls for, never before today."""
    return next_visit_due(risk, visited, now)


def _director_check(answer: Answer) -> str:
    """The invite code of someone not yet verified; only a director's code lets the form go on."""
    actor = redeem(answer.sender_id, answer.text)
    if actor.role != "director":
        raise BadAnswer(f"验证成功，您是{describe(actor)}。探访记录要由村里的儿童主任填写，请点“取消”结束。")
    return "director"


def _as_date(value: Any) -> dt.date | None:
    """A stored ISO date, or None (for none, or for anything else a slot may hold)."""
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _visit_date(answer: Answer) -> str:
    """The visit day; a plain yes to "是今天探访的吗" means today."""
    if answer.intent == "affirm" and not re.search(r"\d|[昨前月号日]", answer.text):
        return answer.today.isoformat()
    return parse_past_date(answer.text, answer.today, "探访日期").isoformat()


def _next_visit(answer: Answer) -> str:
    proposal = proposed_next_visit(answer.slots.get("visit_risk"), _as_date(answer.slots.get("visit_date")), answer.today)
    if answer.intent == "affirm" or answer.text.strip() in {"好", "好的", "可以", "行"}:
        return proposal.isoformat()
    return parse_future_date(answer.text, answer.today, "下次探访日期").isoformat()


def _findings(answer: Answer) -> str:
    return parse_text(answer.text, "探访情况", min_len=4, max_len=2000)


def _kind(answer: Answer) -> str:
    return parse_choice(answer.text, VISIT_KINDS, "请选一种探访方式：入户、电话，还是学校。")


# Negated words first: "风险不高" is not 高, "没有风险" is not 一般.
_NEGATED_RISK: dict[str, tuple[str, ...]] = {
    "无": ("没有风险", "没风险", "无风险", "没危险", "没有危险", "没什么风险", "没啥风险", "没得风险", "没得啥子风险",
          "没啥子风险", "没得什么风险", "没得啥风险", "没有啥子风险", "冇风险", "没得危险"),
    "一般": ("不高", "不严重", "不太严重", "不大"),
}


def parse_risk(text: str | None) -> str:
    """The risk level a director names: 无, 一般 or 高 (negations understood)."""
    value = clean(text)
    for level, words in _NEGATED_RISK.items():
        if any(word in value for word in words):
            return level
    return parse_choice(value, RISK_LEVELS, "请选一个风险等级：无、一般，还是高。")


def _risk(answer: Answer) -> str:
    return parse_risk(answer.text)


FINDINGS_CHARS = 15  # an opening message this long tells what was found …
FINDINGS_LEFT = 6  # … if this much is left once greetings, who is writing and the wish to fill a log are taken out
_NO_FINDING = re.compile(r"你好|您好|(我是|俺是)[^，,。\s]{0,10}(儿童主任|主任|干部|老师|村医)|(今天|昨天|刚才|刚|上午|下午)?(去|到)?"
                         r"[^，,。\s]{0,6}(探访|走访|家访|入户|上门)(了|过)?|(要|想)?(填|记|写|登)个?(一下|一个)?(探访|走访)?(记录)?|"
                         r"帮我(记|填)(一下)?|(一|两|几)(户|家)")
# A level said alone ("那就一般吧", "算高的"): no visit kind, date or name is a bare level, so it is the risk.
_BARE_LEVEL = re.compile(r"(那就|那|就|算|应该|我看|我觉得|估计)?(是|算)?(一般|中等|高|低)(的|吧|呗|啊|哈|风险)?[。！!]?")


class ValidateVisitForm(TaskForm):
    """Checks each answer of a visit log."""

    form = "visit_form"
    prefix = "visit"
    notes_slot = "visit_findings"
    own_words = re.compile(r"(走访|探访|家访|入户|探视|访视|记录|上门|记下|记一下|记上|帮我记)")
    fields = (
        Field("visit_director", "身份验证", _director_check, lambda v: "已验证的儿童主任", editable=False),
        Field("visit_child_name", "孩子姓名", lambda a: parse_name(a.text, "孩子的名字"), aliases=("名字",)),
        Field("visit_date", "探访日期", _visit_date, aliases=("日期",)),
        Field("visit_kind", "探访方式", _kind, aliases=("方式",)),
        Field("visit_findings", "探访情况", _findings, aliases=("情况",)),
        Field("visit_risk", "风险等级", _risk, lambda v: f"{v}风险" if v != "无" else "无风险", ("风险",)),
        Field("visit_next_date", "下次探访", _next_visit, aliases=("下次",)),
    )

    def facts(self, text: str, on: dt.date) -> dict[str, Any]:
        """What a director's own account of a visit already says: the day, how, the risk, and the account itself.

        "今天入户看了一家，奶奶病倒在床上没人做饭，孩子6岁，我觉得是高风险" is not typed twice.
        """
        value = clean(text)
        found: dict[str, Any] = {}
        if re.search(r"(今天|今早|今儿|今上午|今下午)", value):
            found["visit_date"] = on.isoformat()
        elif re.search(r"(昨天|昨儿)", value):
            found["visit_date"] = (on - dt.timedelta(days=1)).isoformat()
        if any(word in value for words in VISIT_KINDS.values() for word in words):
            found["visit_kind"] = parse_choice(value, VISIT_KINDS, "")
        elif re.search(r"(去了|到了|去过|走访了|去看了|去看过|去瞧了)[^，,。\s]{0,6}家", value):  # "今天去了王家"
            found["visit_kind"] = "入户"
        if "风险" in value or _BARE_LEVEL.fullmatch(value):  # "那就一般吧" after asking how risk is judged
            try:
                found["visit_risk"] = parse_risk(value)
            except BadAnswer:
                pass
        named = name_before_age(value)  # "张小宝9岁 跟他奶奶住": the child visited
        if named:
            found["visit_child_name"] = named
        if len(value) >= FINDINGS_CHARS and len(re.sub(r"\s", "", _NO_FINDING.sub("", value))) >= FINDINGS_LEFT:
            found["visit_findings"] = value  # not "你好 我是红星村儿童主任 今天去张家探访了 要填个记录"
        return found

    def own_answer(self, tracker: Tracker) -> str | None:
        """"要报警吗", "我现在该咋办" once the findings told of harm: yes, report today (a card read alone would
        answer some other harm)."""
        said = clean(str(tracker.latest_message.get("text") or ""))
        if harm_told(tracker.get_slot("visit_findings")) and _ASKS_ABOUT_REPORTING.search(said):
            return f"要报。{MUST_REPORT_NOW}"
        return None

    def may_gather(self, tracker: Tracker) -> bool:
        """Only a verified director's visit is recorded."""
        return bool(tracker.slots.get("visit_director"))

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """A director already verified skips the invite question (checked once per visit log)."""
        events: list[EventType] = []
        starting = tracker.get_slot("requested_slot") in (None, "visit_director")
        if starting and not tracker.get_slot("visit_director") and verified_director(tracker.sender_id):
            tracker.slots["visit_director"] = "director"
            events.append(SlotSet("visit_director", "director"))
        said = clean(str(tracker.latest_message.get("text") or ""))
        if (tracker.get_slot("requested_slot") is None and not tracker.get_slot("visit_director")
                and not said.startswith("/") and not self.own_words.search(said) and not _DIRECTOR_WORDS.search(said)
                and not _opened_by_another_action(tracker)):
            # "今天去了奶奶家 娃挺好的" from someone who is no director is not a visit log to ask a code for.
            return [SlotSet("requested_slot", None), ActiveLoop(None), FollowupAction("action_suggest_fallback")]
        if tracker.get_slot("requested_slot") is None and latest_grade(tracker).level == NONE and _CARE_LACKING.search(said):
            # "爷爷腿脚不好 娃作业也没人管": a child short of care, graded calm by the classifier; unsure is not safe
            dispatcher.utter_message(text=CAUTION)
        asked = tracker.get_slot("requested_slot")
        events += await super().get_validation_events(dispatcher, tracker, domain)
        found = next((e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "visit_findings"), None)
        if asked in (None, "visit_findings") and harm_told(found):  # "…脱她裤子还说告诉别人就打死她…": report today
            dispatcher.utter_message(text=MUST_REPORT_NOW)
        return events


def harm_told(findings: Any) -> bool:
    """Whether what a visit found is harm the law says must be reported ("脱她裤子还说告诉别人就打死她")."""
    text = str(findings or "")
    return bool(text) and (tells_harm(normalise(text)) or infer_situation(text) not in (None, 9))  # 9: "其他", what any worry reads as


# Harm told in a visit log: a report to the police is owed today, and the report here need not be told again.
MUST_REPORT_NOW = ("孩子说的属于必须报告的情形：请今天就打110（或去派出所）报案。这份探访记录填完，"
                   "我帮您把探访情况转成强制报告，不用重说。")
MUST_REPORT_AFTER = ("探访情况里写的属于必须报告的情形：还没报案的，请今天就打110（或去派出所）。"
                     "点“提交强制报告”，探访情况会带进报告，不用重说。")
REPORT_FROM_VISIT_BUTTON = {"title": "提交强制报告", "payload": "/report_concern"}
_ASKS_ABOUT_REPORTING = re.compile(r"报警|报案|报告|咋办|怎么办|咋个办|咋整|该怎么做|该咋做")


# Words of a child short of care in a director's account of a visit.
_CARE_LACKING = re.compile(r"没人管|没人照顾|没人看|没人带|腿脚不好|身体不好|住院|一个人在家|独自在家|吃不饱|没饭吃|饿")


_DIRECTOR_WORDS = re.compile(r"(儿童主任|主任|督导|邀请码|验证)")


def _opened_by_another_action(tracker: Tracker) -> bool:
    """Whether an action of this turn opened the form ("那就填一个吧" taking up the offer of a visit log)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") not in (None, "action_listen", ValidateVisitForm.form):
            return True
    return False


class ActionAskVisitDirector(Action):
    """Asks someone not yet verified for their invite code, and says why."""

    def name(self) -> str:
        return "action_ask_visit_director"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(
            text="探访记录只能由已验证的儿童主任填写。如果您是儿童主任，请输入民政工作人员给您的8位邀请码"
            "（例如 K7QM-2XPA），您刚才说的情况验证后会自动带上，不用重新打字；如果不是，点“取消”就好。\n"
            "孩子的事不用等验证：孩子有危险先打110；孩子没人照顾，请当天告诉乡镇儿童督导员，或点“转人工”。",
            buttons=[{"title": "取消", "payload": "/cancel"}, HUMAN_BUTTON],
        )
        return []


VISIT_OPENING = "好的，我们来填探访记录。"
CHILD_NAME_QUESTION = "这次探访的是哪个孩子？请告诉我孩子的名字。"


class ActionAskVisitChildName(Action):
    """Asks whose visit this is; the opening "好的，我们来填探访记录" only the first time in a visit log."""

    def name(self) -> str:
        return "action_ask_visit_child_name"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        opened = asked_in_this_form(tracker, "visit_form", VISIT_OPENING) is not None
        dispatcher.utter_message(text=CHILD_NAME_QUESTION if opened else VISIT_OPENING + CHILD_NAME_QUESTION)
        return []


class ActionAskVisitNextDate(Action):
    """Proposes the next visit date from the risk level."""

    def name(self) -> str:
        return "action_ask_visit_next_date"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        risk = tracker.get_slot("visit_risk") or "一般"
        proposal = proposed_next_visit(risk, _as_date(tracker.get_slot("visit_date")), today())
        dispatcher.utter_message(
            text=f"建议下次探访：{proposal.isoformat()}（{interval_words(risk)}，具体以当地规定为准）。"
            "可以吗？也可以直接告诉我别的日期。",
            buttons=[{"title": f"好的，{proposal.month}月{proposal.day}日", "payload": "/affirm"}],
        )
        return []


class ActionAskVisitConfirmed(Action):
    """Shows the visit log for the director to check."""

    def name(self) -> str:
        return "action_ask_visit_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ask_confirmation(ValidateVisitForm, dispatcher, tracker)
        return []


class ActionSubmitVisit(Action):
    """Saves the visit log."""

    def name(self) -> str:
        return "action_submit_visit"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        slots = tracker.slots
        if paused_this_turn(tracker, ValidateVisitForm.form):
            return []  # put off till later: every answer kept
        if slots.get("visit_confirmed") is not True:
            return clear_form(ValidateVisitForm)
        answers = {
            "child_name": slots["visit_child_name"],
            "visit_date": dt.date.fromisoformat(slots["visit_date"]),
            "kind": slots["visit_kind"],
            "findings": slots["visit_findings"],
            "risk_level": slots["visit_risk"],
            "next_visit_date": dt.date.fromisoformat(slots["visit_next_date"]),
        }
        filed = submit_or_apologise(
            dispatcher, lambda key: file_visit(actor_for(tracker.sender_id), key, **answers, today=today()),
            tracker.sender_id, "visit_form", answers,
        )
        if filed is None:
            return retry_events(ValidateVisitForm.form, ValidateVisitForm.confirm_slot())
        if tell_already_filed(dispatcher, filed, "探访记录"):
            return filed_and_done(ValidateVisitForm, tracker, dispatcher)
        text = f"探访记录已保存，编号 {filed.ref}。{answers['child_name']}的下次探访：{answers['next_visit_date'].isoformat()}，到时我会提醒您。"
        if harm_told(answers["findings"]):  # the report offered with what the visit found, not asked again
            dispatcher.utter_message(text=f"{text}\n{MUST_REPORT_AFTER}", buttons=[REPORT_FROM_VISIT_BUTTON])
            return filed_and_done(ValidateVisitForm, tracker, dispatcher) + [
                SlotSet("rep_description", answers["findings"]), SlotSet("rep_child", answers["child_name"])]
        if answers["risk_level"] == "高":
            text += "\n这个孩子风险较高：如发现受侵害或疑似受侵害，请依法立即报告（可以对我说“强制报告”）。"
        dispatcher.utter_message(text=text)
        return filed_and_done(ValidateVisitForm, tracker, dispatcher)


