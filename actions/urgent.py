"""A child in danger now: say "call 110" first, alert staff, then offer to file a report.

Runs at any point, inside a form too. An open form is paused with every answer
kept, so the user can come back to it. Someone hurt, poisoned or drowning:
120 first; a child talking of suicide or self-harm: 120/110 and the crisis
lines (``actions.safety``).
"""
from __future__ import annotations

import dataclasses
import logging
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms.base import (EMERGENCY_STAFF_LINE, RESUMABLE_FORMS, RESUME_BUTTON, answer_of,
                                just_after_an_emergency, pause_form, user_texts)
from actions.forms.report import WHAT_TO_DO_FROM_AFAR, is_far_away, keep_emergency_words
from actions.forms.visit import ValidateVisitForm
from actions.handoff import HUMAN_BUTTON
from actions.harm_heard import REPORT_BUTTON
from actions.parsing import BadAnswer
from actions.safety import call_now, first_aid, latest_grade
from nlu.components.danger_signals import self_harm_words
from nlu.components.question_shape import in_danger_oneself, is_question
from nlu.components.text_normaliser import normalise
from records.models import TicketReason
from records.tickets import open_ticket

logger = logging.getLogger(__name__)


AFTER_THE_CALL = "报警之后，如果方便，可以在这里把情况记录下来，作为强制报告提交。"
# A fire is most often an accident: the report is for a child found left alone or hurt by someone, said so.
AFTER_A_FIRE = "等孩子安全了，如果孩子是没人照看或被人伤害的，可以在这里把情况记录下来，作为强制报告提交。"


# After the emergency reply: the police called ("已经打了110了 警察说马上到"), or what to do now ("我不敢去敲门 咋办").
_POLICE_CALLED = re.compile(r"(已经|刚|刚刚|早就|我)(报警|报了警|打了110|打过110|打110了|叫了警察)|警察(说|马上|快|已经|来了|到了|在路上)")
_WHAT_NOW = re.compile(r"咋办|怎么办|咋个办|咋整|怎么弄|咋弄|不敢|害怕|好怕|然后呢|接下来|现在该|我该|我能做")
POLICE_CALLED = ("您报了警，做得对。等警察来的时候：别自己和打人的人起冲突，先顾好自己的安全；孩子受伤了就打120；"
                 "记下您看到、听到的（时间、经过），警察来了告诉他们。事后可以在这里填写强制报告，乡镇儿童督导员和民政部门会跟进孩子以后的情况。")
POLICE_CALLED_GO_ON = "您报了警，做得对。孩子受伤了就打120，别自己和打人的人起冲突。我们接着填刚才的内容。"
_GO_ON = re.compile(r"继续(刚才|填|写|报|吧|弄)|接着(填|写|报|弄|来)|接到填|填完|先把.{0,6}(填|记|写)|把记录(填|写)")
GO_ON = "好的，我们接着填刚才的内容。孩子有危险的话，随时打110。"
# Nothing better, or worse, with a child hurt: "他还是没得反应", "还在吐".
_NO_CHANGE = re.compile(r"还是|还在|没反应|没得反应|不动|不醒|越来越|更(厉害|严重)")
UNTIL_HELP_COMES = "救护车到之前别挂断120的电话，按接线员说的做；孩子情况有变化，马上再告诉120。"
WHAT_NOW = ("您不用自己去敲门，也别和大人起冲突，先顾好自己的安全。现在就打110，告诉警察在哪里（村名、哪一家）、孩子多大、"
            "发生了什么；孩子受伤了同时打120。可以叫上村干部或儿童主任一起等警察来。之后可以在这里填写强制报告。")


STILL_WITH_YOU = ("孩子的安全最要紧：还没报警的话，请现在就打110，警察会帮着处理、帮着找。工作人员已经收到您的求助，"
                  "会尽快在这里回复您。有新情况随时告诉我。")


def after_an_emergency(dispatcher: CollectingDispatcher, tracker: Tracker,
                       unplaced: bool = False) -> list[EventType] | None:
    """The reply to "已经报警了" or "我不敢去 咋办" just after the emergency reply; None for anything else.

    The emergency card ("孩子正在挨打…请马上打110") said again, or "好的", would not hear what was just said.
    ``unplaced``: the message was understood as nothing else ("已经快十点了"): 110 again and staff on their way.
    """
    said = normalise(str(tracker.latest_message.get("text") or ""))
    if not said or len(said) > 60 or not just_after_an_emergency(tracker):
        return None
    paused = tracker.get_slot("paused_form")
    if _GO_ON.search(said) and paused in RESUMABLE_FORMS:
        # "已经报警了 继续刚才的填写", "她现在在学校…先把记录填完嘛": heard, and the paused form goes on at once
        dispatcher.utter_message(text=POLICE_CALLED_GO_ON if _POLICE_CALLED.search(said) else GO_ON)
        return [FollowupAction(paused)]
    aid = first_aid(normalise(" ".join(user_texts(tracker)[-4:])))
    if aid and (_WHAT_NOW.search(said) or unplaced or _NO_CHANGE.search(said)):
        # "救护车说要半个钟头才到 现在咋个弄", "他还是没得反应": what to do with the child until help comes
        dispatcher.utter_message(text=f"{aid}\n{UNTIL_HELP_COMES}", buttons=[HUMAN_BUTTON])
        return []
    if _POLICE_CALLED.search(said) and not _WHAT_NOW.search(said):
        dispatcher.utter_message(text=POLICE_CALLED, buttons=[REPORT_BUTTON, HUMAN_BUTTON])
        return []
    if _WHAT_NOW.search(said):  # "那我现在该咋办 我在东莞回不去": what to do from afar
        dispatcher.utter_message(text=WHAT_TO_DO_FROM_AFAR + "之后可以在这里填写强制报告。" if is_far_away(said) else WHAT_NOW,
                                 buttons=[REPORT_BUTTON, HUMAN_BUTTON])
        return []
    if unplaced:  # "已经快十点了" just after the emergency reply: not "没太明白"
        back = [RESUME_BUTTON] if tracker.get_slot("paused_form") in RESUMABLE_FORMS else []
        dispatcher.utter_message(text=STILL_WITH_YOU, buttons=[*back, REPORT_BUTTON, HUMAN_BUTTON])
        return []
    return None


def findings_kept(tracker: Tracker) -> list[EventType]:
    """What a director typed at the visit log's findings step, when it raised the emergency ("孩子说继父晚上摸她"),
    kept as the findings: the form resumes at the next step instead of asking for them again."""
    if tracker.active_loop_name != ValidateVisitForm.form or tracker.get_slot("requested_slot") != "visit_findings":
        return []
    said = str(tracker.latest_message.get("text") or "")
    spec = ValidateVisitForm.field_for("visit_findings")
    if spec is None or said.startswith("/") or is_question(said):
        return []
    try:
        return [SlotSet("visit_findings", spec.parse(answer_of(tracker, said)))]
    except BadAnswer:
        return []


class ActionUrgentHelp(Action):
    """The emergency reply; never fails before the first line is said."""

    def name(self) -> str:
        return "action_urgent_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        grade = latest_grade(tracker)
        said = normalise(str(tracker.latest_message.get("text") or ""))
        if not grade.self_harm and any(self_harm_words(normalise(text)) for text in user_texts(tracker)[-3:-1]):
            # "她现在在房里关着门不出来", just after "孙女说活着没意思": the same child, the crisis lines and "陪着她"
            grade = dataclasses.replace(grade, self_harm=True)
        oneself = in_danger_oneself(said)
        aid = first_aid(said) if not oneself else ""
        dispatcher.utter_message(text=call_now(grade, oneself) + (f"\n{aid}" if aid else ""))
        events: list[EventType] = []
        try:
            summary = "紧急情况：自伤或轻生" if grade.self_harm else "紧急情况"
            ref = open_ticket(tracker.sender_id, TicketReason.URGENT, summary=summary, urgent=True)
            staff_line = (f"我已请工作人员来帮你（工单号 {ref}），他们会尽快在这里回复你。" if oneself
                          else f"{EMERGENCY_STAFF_LINE} {ref}）。")
        except Exception as error:  # noqa: BLE001 - the 110 line above must stand whatever happens
            logger.error("could not open an urgent ticket: %s", type(error).__name__)
            staff_line = ""
        buttons = [REPORT_BUTTON, HUMAN_BUTTON]
        if tracker.active_loop_name in (None, "report_form") or tracker.get_slot("paused_form") == "report_form":
            events = keep_emergency_words(tracker)  # the report offered below starts from what was just said
        if tracker.active_loop_name in RESUMABLE_FORMS:
            events += findings_kept(tracker) + pause_form(tracker.active_loop_name)
            buttons.append(RESUME_BUTTON)
        elif tracker.active_loop_name:  # giving a code or changing a filed registration: simply stopped
            events = [SlotSet("requested_slot", None), ActiveLoop(None)]
        if oneself:  # no form for the child or the person at risk: a person to talk to
            dispatcher.utter_message(text=staff_line, buttons=[HUMAN_BUTTON])
            return events
        dispatcher.utter_message(text=staff_line + (AFTER_A_FIRE if grade.fire else AFTER_THE_CALL), buttons=buttons)
        return events
