"""A director's work list in the chat: 「我这周要走访谁」「有没有逾期的」「有没有新的报备」."""
from __future__ import annotations

import logging
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.forms.base import today
from actions.guard import polite
from actions.identity import DB_DOWN, DIRECTOR_ONLY, VERIFY_BUTTON, verified_director
from actions.parsing import clean, without_return_words
from actions.safety import latest_grade
from records.schedule import INTERVAL_WORDS
from records.worklist import DueChild, Worklist, director_worklist

logger = logging.getLogger(__name__)

MAX_LISTED = 15
def _return_shown(expected: str | None) -> str:
    """"预计明年春节回来", or "回来时间未定"."""
    if not expected or expected == "未定":
        return "回来时间未定"
    return f"预计{without_return_words(expected)}回来"


_OVERDUE = re.compile(r"(逾期|超期|过期|拖|好久没|很久没|没去看|漏)")
_REGISTRATIONS = re.compile(r"(报备|登记|新来|外出|打工)")


def _line(child: DueChild, overdue: bool) -> str:
    risk = f"，{INTERVAL_WORDS.get(child.risk_level or '', '未评估')}" if child.risk_level else "，还没有探访过"
    when = f"应在{child.due.month}月{child.due.day}日前" if overdue else f"{child.due.month}月{child.due.day}日"
    return f"· {child.name}（{when}{risk}）"


def _more(shown: int, total: int) -> str:
    return f"\n（还有{total - shown}个没列出，先处理上面这些）" if total > shown else ""


def render(worklist: Worklist) -> str:
    """The work list as a short message."""
    parts: list[str] = []
    if worklist.scope in ("all", "overdue"):
        if worklist.overdue:
            lines = "\n".join(_line(c, True) for c in worklist.overdue)
            parts.append(f"已逾期 {worklist.overdue_total} 个：\n{lines}{_more(len(worklist.overdue), worklist.overdue_total)}")
        elif worklist.scope == "overdue":
            parts.append("没有逾期没走访的孩子，辛苦了！")
    if worklist.scope == "all":
        if worklist.due_this_week:
            lines = "\n".join(_line(c, False) for c in worklist.due_this_week)
            parts.append(f"本周要走访 {worklist.due_this_week_total} 个：\n{lines}"
                         f"{_more(len(worklist.due_this_week), worklist.due_this_week_total)}")
        else:
            parts.append("本周没有到期的走访。")
    if worklist.scope in ("all", "registrations"):
        if worklist.new_registrations:
            lines = "\n".join(
                f"· {r.ref}：{r.child_name}，{r.child_age}岁，照顾人{r.carer}，电话{r.carer_phone}，"
                f"在{r.work_city}务工，{_return_shown(r.expected_return)}"
                for r in worklist.new_registrations
            )
            parts.append(f"新的外出务工报备 {worklist.new_registrations_total} 条：\n{lines}"
                         f"{_more(len(worklist.new_registrations), worklist.new_registrations_total)}")
        elif worklist.scope == "registrations":
            parts.append("没有新的外出务工报备。")
    return f"{worklist.village}的走访名单（{worklist.today.isoformat()}）：\n" + "\n\n".join(parts)


# The classifier this unsure of a work-list request may have met a question on the visits' rules.
UNSURE_BELOW = 0.6


class ActionDirectorQueue(Action):
    """Shows a verified director what is due, overdue and newly registered in their village."""

    def name(self) -> str:
        return "action_director_queue"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        director = verified_director(tracker.sender_id)
        if director is None or (tracker.latest_message.get("intent") or {}).get("confidence", 1.0) < UNSURE_BELOW:
            # "高风险的孩子多久要去看一次" is a rule asked, not the list: the sure answer, for anyone
            from actions.dialogue import answer_from_knowledge  # actions.dialogue imports the forms, as this does

            answered = answer_from_knowledge(dispatcher, tracker, latest_grade(tracker), sure_only=True)
            if answered is not None:
                return answered
        if director is None:
            dispatcher.utter_message(text=DIRECTOR_ONLY, buttons=[VERIFY_BUTTON])
            return []
        text = clean(tracker.latest_message.get("text"))
        if _OVERDUE.search(text):
            scope = "overdue"
        elif _REGISTRATIONS.search(text):
            scope = "registrations"
        else:
            scope = "all"
        try:
            worklist = director_worklist(director, today(), scope=scope, limit=MAX_LISTED)
        except SQLAlchemyError as error:
            logger.error("reading a work list failed: %s", type(error).__name__)
            dispatcher.utter_message(text=DB_DOWN)
            return []
        dispatcher.utter_message(
            text=render(worklist),
            buttons=[{"title": "填写探访记录", "payload": "/log_visit"}],
        )
        return []
