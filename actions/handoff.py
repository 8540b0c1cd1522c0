"""Handing a conversation to a person: a ticket staff can see, and a clear word on what happens next."""
from __future__ import annotations

import os
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guard import polite
from nlu.components.question_shape import is_question
from records.db import as_utc, utc_now
from records.models import TicketReason
from records.privacy import mask_text
from records.tickets import PAUSING_REASONS, open_ticket, open_ticket_for

# Whenever the bot offers a person, this is the button (the payload is part of the conversation contract).
HUMAN_BUTTON = {"title": "转人工", "payload": "/request_human"}

# "你是真人还是机器人": a question about who answers, not a request for a person. Told plainly, a person offered.
_WHO_ANSWERS = re.compile(r"(机器人|真人吗|真人还是|是人吗|是不是人|是不是真人|人工智能|\bAI\b|自动回复)", re.IGNORECASE)
# Asking for staff in so many words ("人工" alone too); "求我不要告诉别人" names no one to talk to.
_NAMES_A_PERSON = re.compile(r"人工|工作人员|客服|真人|民政|找人|来人|帮帮我|(找|要|转|换|给我|叫|来)[^，,。]{0,4}(个人|人来|人帮)")
# Asking after the person already asked for ("人呢？怎么还没人回我", "要等多久"): the ticket's wait, not a card.
_ASKS_AFTER_THE_PERSON = re.compile(r"人呢|没人(回|理|管|来)|还没(人|回)|回我|等了|等多久|要等|多久(回|有人|来)|什么时候(回|有人|来)|在吗|有人吗")
_WANTS_ONE = re.compile(r"(找|要|转|换|给我|叫|来)[^，,。]{0,4}(真人|人工|人|工作人员)")
# A complaint (about the service, a director, an official) is a ticket of its own for the township or county.
_COMPLAINT = re.compile(r"(投诉|投訴|告他|告状|服务太差|态度太差|不作为|不管事|乱收费|扣了?.{0,4}(钱|补贴|补助)|克扣|贪)")
COMPLAINT_TAKEN = ("您的投诉已经记下，工单号 {ref}，会交给乡镇或县民政部门的工作人员处理，他们会在这里回复您。"
                   "工作人员联系您时，请把经过、涉及的人和时间告诉他们。"
                   "如果孩子正面临危险，请马上拨打110；也可以拨打12345政务服务热线反映。")
# "人呢？怎么还没人回我": the ticket already waits; say so, how long, and where to turn meanwhile.
STILL_WAITING = ("您的工单 {ref} 已经在排队，等了约{minutes}分钟，工作人员上班时间（工作日）会在这里回复您，"
                 "请别着急，不用重复发送。等待时如果孩子有危险，请马上拨打110；也可以拨打未成年人保护热线12345。")
# "你们人工几点上班", "周末有人吗": when a person answers, from the deployment's STAFF_HOURS (.env), not a guess.
HOURS_ASKED = re.compile(r"((几点|什么时候|啥时候|哪天|几时)(上班|下班|有人|在线|能回|回复)|上班时间|工作时间|办公时间|"
                         r"(周末|星期六|星期天|礼拜天|周六|周日|晚上|半夜|节假日|过年)[^，,。]{0,4}(有人|上班|在吗|在不在|能回|回复|值班))")
STAFF_HOURS_DEFAULT = "工作日白天"
STAFF_HOURS = ("民政工作人员{hours}在线。转人工后他们会在这里回复您；其他时间留言也会收到，上班后处理。"
               "如果孩子正面临危险，不要等，请马上拨打110。")


def staff_hours_reply() -> str:
    """When a person answers, as the deployer set it (STAFF_HOURS), so nobody waits at night for a reply."""
    return STAFF_HOURS.format(hours=os.environ.get("STAFF_HOURS", "").strip() or STAFF_HOURS_DEFAULT)


def asks_staff_hours(text: str) -> bool:
    """True for a question on when a person answers ("你们人工几点上班"), not on anyone else's hours."""
    return bool(HOURS_ASKED.search(text)) and bool(re.search(r"人工|工作人员|客服|真人|你们|民政|有人", text))


I_AM_A_BOT = ("我是护童助手，一个自动回答的程序（机器人），不是真人。政策问题、外出报备、强制报告我都能帮您办；"
              "想找民政工作人员，点“转人工”就行。如果孩子正面临危险，请马上拨打110。")


def _answer_to_the_form(tracker: Tracker) -> list[EventType]:
    """The open form's answer a message holds, when the classifier took it for asking for a person ([] otherwise)."""
    from actions.digression import active_form  # the forms import this module

    form = active_form(tracker)
    return form.answer_read_as_a_question(tracker)[0] if form is not None else []


def _sure_answer(dispatcher: CollectingDispatcher, tracker: Tracker, likely_too: bool = False) -> list[EventType] | None:
    """The knowledge base's sure answer to a question the classifier took for asking for a person (None if unsure).

    ``likely_too``: a person is already on the way, so a likely answer ("我理解您问的是…") beats "您的工单在排队".
    """
    from actions.dialogue import answer_from_knowledge  # actions.dialogue imports this module
    from actions.safety import latest_grade

    if tracker.active_loop_name or not is_question(str(tracker.latest_message.get("text") or "")):
        return None
    return answer_from_knowledge(dispatcher, tracker, latest_grade(tracker), sure_only=not likely_too,
                                 likely_too=likely_too)


class ActionRequestHuman(Action):
    """Opens (or reuses) a handoff ticket and tells the user what happens next."""

    def name(self) -> str:
        return "action_request_human"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = str(tracker.latest_message.get("text") or "")
        if asks_staff_hours(text):
            dispatcher.utter_message(text=staff_hours_reply(), buttons=[HUMAN_BUTTON])
            return []
        if not text.startswith("/") and not _NAMES_A_PERSON.search(text):
            from actions.urgent import after_an_emergency  # actions.urgent imports this module

            heard = after_an_emergency(dispatcher, tracker)  # "不是娃儿想不开 是我自己 你莫报警": heard, no ticket talk
            if heard is not None:
                return heard
        if not text.startswith("/"):
            from actions.my_data import tell_report_status  # actions.my_data imports the forms, which import this

            told = tell_report_status(dispatcher, tracker)  # "上回我举报的那个事 有人去管没得": where it stands
            if told is not None:
                return told
        if _WHO_ANSWERS.search(text) and not _WANTS_ONE.search(text) and not text.startswith("/"):
            dispatcher.utter_message(text=I_AM_A_BOT, buttons=[HUMAN_BUTTON])
            return []
        if not _NAMES_A_PERSON.search(text) and not text.startswith("/"):
            taken = _answer_to_the_form(tracker)
            if taken:  # "我是村里的儿童主任" at the report's "您的身份是？": the answer, no ticket
                return taken
            answered = _sure_answer(dispatcher, tracker)
            if answered is not None:  # "我该咋办 她求我不要说出去": what to do, not "您的工单还在排队"
                return answered
        if _COMPLAINT.search(text):
            ref = open_ticket(tracker.sender_id, TicketReason.COMPLAINT, summary=mask_text(text)[:300])
            dispatcher.utter_message(text=COMPLAINT_TAKEN.format(ref=ref))
            return []
        waiting = open_ticket_for(tracker.sender_id)
        if waiting is not None and waiting.reason in PAUSING_REASONS and not text.startswith("/"):
            if not _NAMES_A_PERSON.search(text) and not _ASKS_AFTER_THE_PERSON.search(text):
                answered = _sure_answer(dispatcher, tracker, likely_too=True)
                if answered is not None:  # "我是问要不要告诉学校老师": the question, not "工单在排队"
                    return answered
            minutes = max(1, int((utc_now() - as_utc(waiting.created_at)).total_seconds() // 60))
            dispatcher.utter_message(text=STILL_WAITING.format(ref=waiting.ref, minutes=minutes))
            return []
        ref = open_ticket(tracker.sender_id, TicketReason.USER_REQUEST, summary="用户要求转人工")
        dispatcher.utter_message(
            text=f"好的，已经帮您转给民政工作人员，工单号 {ref}。工作人员上班时间会尽快在这里回复您。"
            "如果孩子正面临危险，请不要等，马上拨打110；未成年人保护热线12345。"
        )
        return []
