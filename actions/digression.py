"""A question asked in the middle of a form: answered, then the same form question again, every answer kept.

Two doors lead here, one answer behind both. Rasa's form pattern is the main
one: the form slots do not take ``ask_policy`` or ``out_of_scope`` messages
(``not_intent``), the form rejects, and a rule runs ``action_answer_in_form``
and returns to the form, which asks its question again. The forms' validation
is the second door, for a question the classifier took for an answer (a
question in a task's own words, "报备的时候照顾人的身份证也要填吗"): it is
answered here and the slot left empty, so no parser ever stores a question.

The answer is the knowledge base's, with its source; the cards on the forms
themselves (why we ask, who sees it, two children, a carer under 18) are
ordinary cards in ``knowledge/cards/forms.yml``.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guard import polite
from actions.handoff import HUMAN_BUTTON
from actions.policy import Reply, reply_to
from actions.safety import latest_grade
from knowledge.retrieve import Verdict

if TYPE_CHECKING:
    from actions.forms.base import TaskForm

logger = logging.getLogger(__name__)

BACK_TO_FORM = "（问题答完了，我们接着填刚才那一项。）"
NOTHING_TO_ANSWER = "您说的我没太明白。我们先接着填，填完后可以再问我，也可以回复“转人工”。"


def answer_in_form(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Answer the user's latest message as a question, say the form goes on, and return the reply's events.

    A question that asks to skip the optional ID number ("可以不填吗", "先不填中不") is the skip it asks for, and a
    village named at the village question is the answer, whatever the classifier took it for.
    """
    from actions.forms.departure import ID_SKIPPED, skipped_id, village_told  # the forms import this module

    skipped = skipped_id(tracker)
    if skipped:
        dispatcher.utter_message(text=ID_SKIPPED)
        return skipped
    village = village_told(tracker, dispatcher)
    if village:  # an answer taken for something else: the form validates it next
        return village
    form = active_form(tracker)
    taken, refused = form.answer_read_as_a_question(tracker) if form else ([], "")
    if taken:  # "算高吧" at the risk question: the answer, whatever the classifier took it for (the form's
        return taken  # validation, which runs next, opens with the 110 line when the answer may tell of danger)
    told = form.take_told_facts(dispatcher, tracker) if form else []
    if told:  # "啥时候回来说不准 可能过年" is no question: what it tells is kept, and the form goes on
        return told
    own = form.own_answer(tracker) if form else None
    if own:  # "要报警吗" in a visit log that told of abuse: yes, today, read with what the log holds
        dispatcher.utter_message(text=f"{own}\n{BACK_TO_FORM}")
        return []
    reply = (reply_to(tracker) or Reply(NOTHING_TO_ANSWER, [HUMAN_BUTTON], answered=False)).without_offer()
    if refused and reply.verdict is not Verdict.SURE:  # no question, and no answer the form can take
        dispatcher.utter_message(text=refused)
        return []
    reply.text = f"{reply.text}\n{BACK_TO_FORM}"
    return reply.send(dispatcher, latest_grade(tracker))


def answer_if_sure(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """A statement no step can take, answered when the knowledge base is sure of it; None otherwise.

    "奶奶不会用手机" at the village question tells of a later step: the card on a carer without a phone, then the
    question again, rather than "村名录里没有找到“奶奶不会用手机”".
    """
    reply = reply_to(tracker)
    if reply is None or reply.verdict is not Verdict.SURE:
        return None
    reply = reply.without_offer()
    reply.text = f"{reply.text}\n{BACK_TO_FORM}"
    return reply.send(dispatcher, latest_grade(tracker))


def active_form(tracker: Tracker) -> "TaskForm | None":
    """The validation of the form now open (None outside the task forms)."""
    from actions.forms.departure import ValidateDepartureForm  # the forms import this module
    from actions.forms.report import ValidateReportForm
    from actions.forms.visit import ValidateVisitForm

    forms = {"departure_form": ValidateDepartureForm, "report_form": ValidateReportForm, "visit_form": ValidateVisitForm}
    form = forms.get(tracker.active_loop_name or "")
    return form() if form else None


class ActionAnswerInForm(Action):
    """Answers a question asked inside a form; the rule that runs it returns to the form."""

    def name(self) -> str:
        return "action_answer_in_form"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return answer_in_form(dispatcher, tracker)
