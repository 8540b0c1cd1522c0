"""Steering the conversation: leaving a form (after a confirmation), and what to do when the intent is unsure.

A message the NLU could not place (``nlu_fallback``, ``inform`` with no form
open, ``out_of_scope``) is not a dead end:

- a description of serious harm starts a mandatory report, its first line 110;
- the knowledge base is asked, and answers when it is sure (with the source);
- a concern about a child is heard, with the 110 line and a way to report;
- otherwise the two-step fallback: the bot's best guesses and a person, then a
  person for sure; out of scope, a short word on what the bot can do.

Resuming a paused form is done by rules on the ``paused_form`` slot (bot/rules/forms.yml).
"""
from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms.base import (ANSWERS_CLEARED, FORM_NAMES, PUT_OFF, RESUMABLE_FORMS, RESUME_BUTTON, bot_texts, clear_form, pause_form,
                                put_off)
from actions.forms.change import ValidateChangeForm
from actions.forms.departure import ID_SKIPPED, ValidateDepartureForm, skipped_id
from actions.forms.report import NOT_YET_CALLED, ValidateReportForm, not_a_report
from actions.forms.visit import ValidateVisitForm
from actions.guard import polite
from actions.handoff import HUMAN_BUTTON, asks_staff_hours, staff_hours_reply
from actions.harm_heard import REPORT_BUTTON, hear_concern, start_report
from actions.policy import IN_OUR_FIELD, TAKES_UP, Reply, answer_with_context, follows_an_answer, question_of, remember, take_up_offer
from actions.identity import verified_director
from actions.my_data import tell_report_status
from actions.safety import CAUTION, CONCERN, NONE, NOW, SERIOUS, DangerGrade, caution, gone_in_context, latest_grade
from actions.situation import greet_by_role, greet_parent_away, hear_own_childhood
from actions.urgent import ActionUrgentHelp, after_an_emergency
from nlu.components.danger_signals import rule_question_words, tells_harm
from nlu.components.question_shape import (introduced_role, is_english, is_question, speaks_as_child, tells_own_childhood,
                                           tells_working_away)
from nlu.components.text_normaliser import normalise
from knowledge.retrieve import Verdict, get_retriever
from records.attachments import discard_waiting
from records.models import TicketReason
from records.tickets import open_ticket

FORMS = {f.form: f for f in (ValidateDepartureForm, ValidateVisitForm, ValidateReportForm)}

# What each intent offers as a suggestion button after a message the bot did not understand.
SUGGESTIONS = {
    "ask_policy": ("问政策", "/ask_policy"),
    "register_departure": ("外出务工报备", "/register_departure"),
    "log_visit": ("填写探访记录", "/log_visit"),
    "report_concern": ("强制报告", "/report_concern"),
    "help": ("我能做什么", "/help"),
    "greet": ("打个招呼", "/greet"),
}


# A home visit told ("今天去了王家", "刚从李奶奶家回来"): from a verified director, a visit to log.
VISIT_TOLD = re.compile(r"(去了|到了|去过|走访了|看了|看过)[^，,。]{0,8}(家|那里|那儿)|刚从[^，,。]{0,8}(家|回来)")


# Withdrawing something already filed ("报备能撤销吗", "之前的报备取消掉"), said when no form is open.
WITHDRAWING = re.compile(r"(报备|登记|备案).{0,8}(撤销|撤回|取消|作废|不要了|删)|(撤销|撤回|取消|作废|删掉?)(我的|之前的|那个)?.{0,4}(报备|登记|备案)")


# "我在外地 能做点啥", "那我该咋办" right after an answer ask what *they* can do about it, not what the bot does.
_WHAT_I_CAN_DO = re.compile(r"(我|俺|咱)[^你，,。？?]{0,8}(能|该|可以|要|得)[^你，,。？?]{0,4}(做|干|弄|办|咋办|怎么办|咋整)|"
                            r"^[^你]{0,8}能做点(啥|什么)")


class ActionHelp(Action):
    """What the bot can do; but a parent asking what *they* can do, just after an answer, gets an answer."""

    def name(self) -> str:
        return "action_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = normalise(question_of(tracker))
        if text and _WHAT_I_CAN_DO.search(text) and follows_an_answer(tracker, text):
            return [FollowupAction("action_answer_policy")]
        dispatcher.utter_message(response="utter_help")
        return []


class ActionAskCancelConfirm(Action):
    """Pauses the open form, keeping every answer, and asks whether to really cancel."""

    def name(self) -> str:
        return "action_ask_cancel_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        form = tracker.active_loop_name or tracker.get_slot("paused_form")
        skipped = skipped_id(tracker)  # "先不填中不" at the ID step: skip that step, not the registration
        if skipped:
            dispatcher.utter_message(text=ID_SKIPPED)
            return skipped + [FollowupAction(ValidateDepartureForm.form)]
        if form == "invite_form":
            dispatcher.utter_message(text="好的，先不验证了。需要时对我说“验证身份”就行。")
            return [SlotSet("invite_code", None), SlotSet("requested_slot", None), SlotSet(ANSWERS_CLEARED, form),
                    ActiveLoop(None)]
        if form == ValidateChangeForm.form:
            dispatcher.utter_message(text="好的，不改了，报备还是原来的内容。")
            return clear_form(ValidateChangeForm) + [SlotSet("chg_draft", None), ActiveLoop(None)]
        said_last = bot_texts(tracker)[-1:]
        if form in FORMS and not tracker.active_loop_name and said_last and said_last[0].startswith(CANCEL_QUESTION):
            return [FollowupAction("action_cancel_form")]  # "确定取消" typed in answer to "确定要取消…吗"
        if form not in FORMS:
            if WITHDRAWING.search(str(tracker.latest_message.get("text") or "")):
                # "我不出去了 报备能撤销吗": a registration already filed is withdrawn by erasing it, asked first
                return [FollowupAction("action_ask_erase_confirm")]
            if is_question(tracker.latest_message.get("text")):  # "撤了以后还能要回来不" after an answer on revoking
                return [FollowupAction("action_answer_policy")]
            dispatcher.utter_message(text="现在没有正在填写的内容。有什么可以帮您？")
            return []
        said = normalise(str(tracker.latest_message.get("text") or ""))
        if PUT_OFF.search(said):
            # "算了不填了 等我问问我老婆再说": going on later, not giving up: kept, nothing to confirm
            return put_off(dispatcher, form)
        if tracker.active_loop_name == form and not SAYS_CANCEL.search(said):
            answered, _problem = FORMS[form]().answer_read_as_a_question(tracker)
            if answered:  # "还没报 我现在填完这个就打" at "已经报警了吗": the answer, no wish to cancel
                if tracker.get_slot("requested_slot") == "rep_police_called" and answered[0]["value"] is False:
                    dispatcher.utter_message(text=NOT_YET_CALLED)  # and the call is not left for after the form
                return answered + [FollowupAction(form)]
        dispatcher.utter_message(
            text=f"{CANCEL_QUESTION}{FORM_NAMES[form]}吗？已经填的内容会被删除。",
            buttons=[{"title": "确定取消", "payload": "/affirm"}, {"title": "继续填写", "payload": "/resume_form"}],
        )
        return pause_form(form)


CANCEL_QUESTION = "确定要取消"
# Words that do ask to cancel; without them, a message the classifier took for cancelling may be the answer.
SAYS_CANCEL = re.compile(r"取消|不填|不报了|不弄|不搞|不整|不登记|不报备|退出|算了|不要了|删|不想")


class ActionCancelForm(Action):
    """Cancels the paused form and forgets its answers."""

    def name(self) -> str:
        return "action_cancel_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        form = tracker.get_slot("paused_form")
        events: list[EventType] = [SlotSet("paused_form", None)]
        if form in FORMS:
            events = clear_form(FORMS[form]) + events
        if form == ValidateVisitForm.form:
            discard_waiting(tracker.sender_id)  # its photos must not join the director's next visit log
        dispatcher.utter_message(text="好的，已取消，填过的内容已删除。还有什么可以帮您？")
        return events


IN_ENGLISH = ("If a child is in danger now, call 110 (police) or 120 (ambulance) in China. "
              "Sorry, I can only answer in Chinese (我只会说中文). For child protection help you can call 12345; "
              "tap 转人工 to reach a staff member.")
SCOPE_BUTTONS = [HUMAN_BUTTON, {"title": "看看我能做什么", "payload": "/help"}]


def answer_from_knowledge(dispatcher: CollectingDispatcher, tracker: Tracker, grade: DangerGrade,
                          sure_only: bool = False, found: Reply | None = None,
                          likely_too: bool = False) -> list[EventType] | None:
    """Answer from the knowledge base when it is sure; None when it is not.

    A worry asked as a question ("爹妈离婚了都不要她…能给点钱不") is answered when the answer is likely too:
    hedged, after the 110 line the grade puts first; with ``sure_only``, only a sure answer is given; with
    ``likely_too`` a likely one is given to any question (one asked while a person is already on the way). An answer
    to a worry always offers the report as well. ``found`` is the reply already found for this message (by
    ``reply_to``, whose events remember the question), so the knowledge base is not searched twice.
    """
    if found is None:
        question = question_of(tracker)
        if not question.strip():
            return None
        reply, asked = answer_with_context(get_retriever(), tracker, question,
                                           must_be_sure=sure_only or not (grade.worrying or likely_too))
        remembered = remember(asked, reply.topic) if reply is not None else []
    else:
        reply, remembered = found, []
    if reply is None or reply.verdict is Verdict.UNSURE or (sure_only and reply.verdict is not Verdict.SURE):
        return None
    if grade.worrying and not any(b["payload"] == "/report_concern" for b in reply.buttons):
        reply.buttons.insert(0, REPORT_BUTTON)
    return reply.send(dispatcher, grade) + remembered


# A yes that means "file it" ("确认提交", "提交吧"): with a form paused, that form.
_SUBMIT = re.compile(r"提交|确认|交了|交吧")
BACK_TO_PAUSED = "好的，我们回到刚才没填完的记录，请再核对一下。"


class ActionAcceptOffer(Action):
    """A yes after an answer that offered a task starts the task; any other yes is acknowledged."""

    def name(self) -> str:
        return "action_accept_offer"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        started = take_up_offer(tracker)
        if started is not None:
            return started
        heard = after_an_emergency(dispatcher, tracker)  # "已经报警了", taken for a yes
        if heard is not None:
            return heard
        paused = tracker.get_slot("paused_form")
        if paused in RESUMABLE_FORMS and _SUBMIT.search(str(tracker.latest_message.get("text") or "")):
            # "确认提交" after an emergency paused the visit log at its summary: that log, not "好的"
            dispatcher.utter_message(text=BACK_TO_PAUSED)
            return [FollowupAction(paused)]
        dispatcher.utter_message(response="utter_affirm_without_context")
        return []


class ActionSuggestFallback(Action):
    """An unplaced message: a report for serious harm, a sure answer, a heard concern, or suggestions and a person.

    First miss: the bot's best guesses as buttons and a person; second miss in a
    row: a person (a ticket).
    """

    def name(self) -> str:
        return "action_suggest_fallback"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        grade = latest_grade(tracker)
        text = question_of(tracker)
        if grade.level == NOW:  # the emergency reply, should an emergency ever land here
            return [FollowupAction("action_urgent_help")]
        if gone_in_context(tracker):  # "今天到现在还冇回" just after the child was named: a child missing
            return await ActionUrgentHelp().run(dispatcher, tracker, domain)
        heard = after_an_emergency(dispatcher, tracker, unplaced=True)
        if heard is not None:
            return heard
        told = None if grade.level == SERIOUS else tell_report_status(dispatcher, tracker)  # "查一下 BG…的进度"
        if told is not None:
            return told
        said = normalise(text)
        if grade.level == SERIOUS and not tracker.active_loop_name:
            no_report = not_a_report(dispatcher, tracker)  # "我报了会不会被家长找麻烦", news, another country
            if no_report is not None:
                return no_report
            if is_question(said) and not tells_harm(said):
                # a parent asking whether an arrangement is allowed ("老二才5岁 让他哥看着 他哥12了 行不行") tells of no
                # harm done: answered, the 110 line first and the report offered, not taken into the report's questions
                answered = answer_from_knowledge(dispatcher, tracker, grade)
                if answered is not None:
                    return answered
            return start_report(dispatcher, grade, text, tracker.sender_id)
        if grade.worrying and not tracker.active_loop_name and speaks_as_child(said):
            return hear_concern(dispatcher, grade, tracker)  # a child's own worry: spoken to as a child
        if not tracker.active_loop_name and VISIT_TOLD.search(said) and verified_director(tracker.sender_id):
            # A verified director telling of a home visit ("今天去了王家 孩子跟他爷爷…") is logging it: the visit
            # log opens and keeps what was said; a worry in it gets the 110 line first.
            if grade.worrying:
                dispatcher.utter_message(text=caution(grade))
            return [FollowupAction("visit_form")]
        if not tracker.active_loop_name and tells_working_away(said) and not tells_harm(said) and not is_question(said):
            return greet_parent_away(dispatcher, grade)  # "我在广东打工 孩子在老家跟他奶奶": who they are, not a worry
        if not tracker.active_loop_name and grade.level == NONE and tells_own_childhood(said):
            return hear_own_childhood(dispatcher)  # "我小时候也被我爸打过 现在想想还是难受"
        role = introduced_role(said)
        if role and not tracker.active_loop_name and not grade.worrying:
            return greet_by_role(dispatcher, role)  # "我是大磨滩村的儿童主任": who they are, not yet what they want
        # A worry told, not a question asked: no policy card for it. But a faint worry (concern, no harm told) is
        # answered when the knowledge base knows, the 110 line first: surely ("奶奶最近身体不太好 住院了" from a
        # parent away), or also likely when it is a question ("那孩子现在谁管 我也回不去") or a detail told after an
        # answer ("孩子爸妈都在 就是没在家": the family's situation, the question asked again with it).
        faint = grade.level == CONCERN and not tells_harm(said)
        asks = rule_question_words(said) or (faint and (follows_an_answer(tracker, text) or is_question(said)))
        if grade.worrying and not asks and not faint:
            return hear_concern(dispatcher, grade, tracker)
        if TAKES_UP.search(text) and not grade.worrying:
            started = take_up_offer(tracker)
            if started is not None:
                return started
        answered = answer_from_knowledge(dispatcher, tracker, grade, sure_only=faint and not asks)
        if answered is not None:
            return answered
        if grade.worrying:
            return hear_concern(dispatcher, grade, tracker)
        user_intents = [
            (e.get("parse_data") or {}).get("intent", {}).get("name") for e in tracker.events if e.get("event") == "user"
        ]
        if len(user_intents) >= 2 and user_intents[-2] == "nlu_fallback":
            ref = open_ticket(tracker.sender_id, TicketReason.FALLBACK, summary="两次没能理解用户的话")
            dispatcher.utter_message(
                text=f"抱歉，我还是没弄明白。我已经请工作人员来帮您（工单号 {ref}），请稍等。"
                "如果孩子正面临危险，请马上拨打110。",
                buttons=[{"title": "看看我能做什么", "payload": "/help"}],
            )
            return []
        ranking = tracker.latest_message.get("intent_ranking") or []
        guesses = [SUGGESTIONS[r["name"]] for r in ranking if r.get("name") in SUGGESTIONS][:3]
        buttons = [{"title": title, "payload": payload} for title, payload in guesses] + [HUMAN_BUTTON]
        paused = tracker.get_slot("paused_form")
        if paused in FORM_NAMES and not tracker.active_loop_name:
            # "第4类" typed after the emergency reply paused the report: the way back to it comes first
            dispatcher.utter_message(text=f"不好意思，我没太明白。{CAUTION}您的{FORM_NAMES[paused]}还没填完，"
                                          "点“继续刚才的填写”就能接着填，填过的都还在。",
                                     buttons=[RESUME_BUTTON, *buttons])
            return []
        # Not understood is not known safe: the 110 line comes first (a child in danger, told in words we missed).
        dispatcher.utter_message(text=f"不好意思，我没太明白。{CAUTION}您是想：", buttons=buttons)
        return []


class ActionOutOfScope(Action):
    """A question the NLU thought out of scope: answered if the knowledge base is sure, else what the bot can do."""

    def name(self) -> str:
        return "action_out_of_scope"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        grade = latest_grade(tracker)
        if gone_in_context(tracker):  # "今天到现在还冇回" just after the child was named: a child missing
            return await ActionUrgentHelp().run(dispatcher, tracker, domain)
        heard = after_an_emergency(dispatcher, tracker)  # "我骑摩托车自己送镇卫生院要得不" just after the 120 reply
        if heard is not None:
            return heard
        told = None if grade.worrying else tell_report_status(dispatcher, tracker)
        if told is not None:
            return told
        if is_english(question_of(tracker)):
            dispatcher.utter_message(text=IN_ENGLISH, buttons=[HUMAN_BUTTON])
            return []
        answered = answer_from_knowledge(dispatcher, tracker, grade)
        if answered is not None:
            return answered
        if grade.worrying:
            return hear_concern(dispatcher, grade, tracker)
        question = question_of(tracker)
        if asks_staff_hours(question):
            dispatcher.utter_message(text=staff_hours_reply(), buttons=[HUMAN_BUTTON])
            return []
        if IN_OUR_FIELD.search(normalise(question)):  # ours, though unsure: "not sure" with a person
            reply, asked = answer_with_context(get_retriever(), tracker, question)
            if reply is not None:
                return reply.send(dispatcher, grade) + remember(asked, reply.topic)
        dispatcher.utter_message(response="utter_out_of_scope")
        return []
