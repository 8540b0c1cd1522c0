"""探访记录: a child director records a visit; the next visit is proposed from the risk level.

Visit frequency has no national rule. The defaults follow 黔西市's practice
(policy-facts §4): high risk weekly, general risk monthly; no risk, a
quarterly check. ``VISIT_INTERVAL_DAYS`` is the one place to change them.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms.base import Answer, Field, TaskForm, ask_confirmation, clear_form, today
from actions.guard import polite
from actions.forms.submit import retry_events, submit_or_apologise
from actions.parsing import clean, parse_choice, parse_future_date, parse_name, parse_past_date, parse_text
from records.store import save_visit

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
VISIT_INTERVAL_DAYS = {"高": 7, "一般": 30, "无": 90}
INTERVAL_WORDS = {"高": "高风险每周一次", "一般": "一般风险每月一次", "无": "无风险每季度一次"}


def proposed_next_visit(risk: str | None, visited: dt.date | None, now: dt.date) -> dt.date:
    """The next visit date the risk level calls for, never before today."""
    start = visited or now
    return max(start + dt.timedelta(days=VISIT_INTERVAL_DAYS.get(risk or "一般", 30)), now)


def _as_date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


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
    "无": ("没有风险", "没风险", "无风险", "没危险", "没有危险", "没什么风险", "没啥风险"),
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


class ValidateVisitForm(TaskForm):
    """Checks each answer of a visit log."""

    form = "visit_form"
    prefix = "visit"
    fields = (
        Field("visit_child_name", "孩子姓名", lambda a: parse_name(a.text, "孩子的名字"), aliases=("名字",)),
        Field("visit_date", "探访日期", _visit_date, aliases=("日期",)),
        Field("visit_kind", "探访方式", _kind, aliases=("方式",)),
        Field("visit_findings", "探访情况", _findings, aliases=("情况",)),
        Field("visit_risk", "风险等级", _risk, lambda v: f"{v}风险" if v != "无" else "无风险", ("风险",)),
        Field("visit_next_date", "下次探访", _next_visit, aliases=("下次",)),
    )


class ActionAskVisitNextDate(Action):
    """Proposes the next visit date from the risk level."""

    def name(self) -> str:
        return "action_ask_visit_next_date"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        risk = tracker.get_slot("visit_risk") or "一般"
        proposal = proposed_next_visit(risk, _as_date(tracker.get_slot("visit_date")), today())
        dispatcher.utter_message(
            text=f"建议下次探访：{proposal.isoformat()}（{INTERVAL_WORDS[risk]}，具体以当地规定为准）。"
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
        ref = submit_or_apologise(dispatcher, save_visit, tracker.sender_id, "visit_form", answers)
        if ref is None:
            return retry_events(ValidateVisitForm.form, ValidateVisitForm.confirm_slot())
        text = f"探访记录已保存，编号 {ref}。下次探访：{answers['next_visit_date'].isoformat()}。"
        if answers["risk_level"] == "高":
            text += "\n这个孩子风险较高：如发现受侵害或疑似受侵害，请依法立即报告（可以对我说“强制报告”）。"
        dispatcher.utter_message(text=text)
        return clear_form(ValidateVisitForm) + [SlotSet("paused_form", None)]


