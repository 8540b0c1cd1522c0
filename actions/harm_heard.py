"""What the bot says when harm or a worry about a child is told outside a form, whatever the intent.

The fallback, out-of-scope and policy actions all meet such messages ("他爷爷喝醉了就打娃 咋个办" was taken
for a policy question): serious harm starts the mandatory report with the 110 line first; a worry is
heard, with the 110 line and a way to report or reach a person.
"""
from __future__ import annotations

import logging
import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import HUMAN_BUTTON
from actions.parsing import clean
from actions.safety import DangerGrade, caution
from nlu.components.danger_signals import describes_immediate_danger, tells_harm
from nlu.components.question_shape import speaks_as_child
from records.models import TicketReason
from records.tickets import open_ticket

logger = logging.getLogger(__name__)

REPORT_START = ("这种情况需要报告。我先帮您把刚才说的记下来，作为强制报告交给乡镇儿童督导员和民政部门跟进，"
                "再问您几个问题。")
CONCERN_REPLY = ("谢谢您告诉我，您对孩子的关心很重要。如果觉得孩子受到了伤害或者有危险，可以把情况作为强制报告提交"
                 "（怀疑就可以报，不需要证据）；也可以转给工作人员，和您一起想办法。")
REPORT_BUTTON = {"title": "填写强制报告", "payload": "/report_concern"}
# A request to report with nothing told yet ("我要报告", "想反映个情况"): the form asks what happened.
_BARE_REQUEST = re.compile(r"^(你好|您好)?[，,\s]*(我|俺)?(要|想|得|来)?(给|帮|替)?(一个|个|这个|那个|一名)?(孩子|小孩|娃|娃娃|学生)?"
                           r"(提交|填|写|做|发起|交|报)?(一下|一个|个|一份|份)?(强制)?"
                           r"(报告|举报|上报|反映|报个案|报案)(一下|一个|个|一件|件)?(孩子|小孩|娃|娃娃|学生)?的?(事|事情|情况)?[。！!]?$")
# Who is speaking comes first at times: "我是村里的儿童主任 想给一个娃报个强制报告".
_INTRODUCTION = re.compile(r"^(你好|您好)?[，,\s]*(我是|俺是)[^，,。\s]{0,10}?(儿童主任|儿童督导员|老师|班主任|校长|村医|医生|护士|"
                           r"网格员|村干部|书记|社工|主任|家长)[，,。\s]*")


def is_bare_request(text: str) -> bool:
    """A request to report with nothing told yet ("我要报告", "想反映个情况", "我是儿童主任 想给一个娃报个强制报告")."""
    return bool(_BARE_REQUEST.match(_INTRODUCTION.sub("", clean(text))))


# A child telling of harm to themselves is not handed a nine-category form: believed, told whom to tell, and a
# person asked for.
CHILD_HARM_REPLY = ("谢谢你告诉我，这不是你的错。如果你现在有危险，马上打110。你可以把这件事告诉一个你信任的大人，"
                    "比如老师、村里的儿童主任；也可以打12355青少年服务台，说说发生了什么。")
CHILD_STAFF_LINE = "我已请工作人员来帮你（工单号 {ref}），他们会尽快在这里回复你。"
CHILD_WORRY_REPLY = ("谢谢你愿意跟我说，{missing}心里难受时说出来很好。可以给爸爸妈妈打电话、视频，说说心里话；"
                     "也可以告诉老师、村里的儿童主任，或打12355青少年服务台。有人欺负你、让你害怕，马上告诉大人；有危险打110。")
MISSING_PARENTS = re.compile(r"想(我)?(爸爸|妈妈|爸|妈|爸妈|他们|家)")
MISSING_PARENTS_LINE = "想爸爸妈妈很正常，"


# Something seen in the news or heard of, with no child of the user's own world hurt ("我看新闻说有个留守儿童被
# 拐卖了 好吓人"): no report to file; a worry heard, and what the user can ask.
_HEARD_OF = re.compile(r"(新闻|报道|电视上|电视里|视频里|网上看到|网上说|抖音上|快手上|朋友圈|看到一篇|看到个帖子|看到一个帖子|听别人说|听人说)")
NEWS_HEARD = ("新闻里这样的事确实让人揪心。想知道平时怎么防、发现了该怎么办，可以直接问我，比如“怎么教孩子防拐”“发现孩子被打该找谁”。"
              "如果您身边有孩子正处在危险中，请马上打110。")


def heard_of_only(said: str) -> bool:
    """Whether the (normalised) message tells of harm seen in the news or heard of, none told of a child near the
    user and none happening now."""
    return bool(_HEARD_OF.search(said)) and not tells_harm(said) and not describes_immediate_danger(said)


# A case made up for training or an exam ("下周培训要讲一个案例", "有道考题：孩子说被继父打了"), or said to be no real
# child ("这是考试题 没有真的孩子"): the rule asked is answered, and no report is filed about nobody.
MADE_UP = re.compile(r"培训|考试|考题|试题|出题|有道题|一道题|这道题|案例|课件|讲课|教案|情景模拟|演练|举个例子|打个比方|"
                     r"假设有|没有真的孩子|没有这个孩子|不是真(的|事)|不是真实|编的|瞎编")
MADE_UP_HEARD = "明白，这是培训或考试用的情况，不是真实的孩子，我就不填报告了。"
ASK_THE_RULE = "想问哪条规定（该不该报、向谁报、多久报、报了以后怎么办），直接问我就行。"


def made_up_case(said: str) -> bool:
    """Whether the (normalised) message tells of a training or exam case, or says the child is not real, with no
    child in danger now."""
    return bool(MADE_UP.search(said)) and not describes_immediate_danger(said)


def hear_news(dispatcher: CollectingDispatcher) -> list[EventType]:
    """The reply to harm heard of in the news: no report started, the 110 line kept for a child near them."""
    dispatcher.utter_message(text=NEWS_HEARD, buttons=[HUMAN_BUTTON])
    return []


def start_report(dispatcher: CollectingDispatcher, grade: DangerGrade, description: str,
                 sender_id: str) -> list[EventType]:
    """Serious harm described outside a form: the 110 line, then the report form with the description kept.

    A child telling of harm to themselves is answered as a child, and a person is asked for (a ticket for
    ``sender_id``).
    """
    if is_bare_request(description):
        return [FollowupAction("report_form")]
    if speaks_as_child(clean(description)):
        ref = _ticket(sender_id, "孩子本人讲述受到伤害")
        staff = CHILD_STAFF_LINE.format(ref=ref) if ref else ""
        dispatcher.utter_message(text=f"{CHILD_HARM_REPLY}{staff}", buttons=[HUMAN_BUTTON])
        return []
    dispatcher.utter_message(text=f"{caution(grade)}\n{REPORT_START}")
    return [SlotSet("rep_description", description), FollowupAction("report_form")]


def hear_concern(dispatcher: CollectingDispatcher, grade: DangerGrade, tracker: Tracker) -> list[EventType]:
    """A worry about a child: the 110 line, then ways to act (a director's visit log too, when that was likely)."""
    said = clean(str(tracker.latest_message.get("text") or ""))
    if speaks_as_child(said):
        missing = MISSING_PARENTS_LINE if MISSING_PARENTS.search(said) else ""
        dispatcher.utter_message(text=CHILD_WORRY_REPLY.format(missing=missing), buttons=[HUMAN_BUTTON])
        return []
    ranking = (tracker.latest_message.get("intent_ranking") or [])[:3]
    visit = [{"title": "填写探访记录", "payload": "/log_visit"}] if any(r.get("name") == "log_visit" for r in ranking) else []
    dispatcher.utter_message(
        text=f"{caution(grade)}\n{CONCERN_REPLY}",
        buttons=[REPORT_BUTTON, *visit, HUMAN_BUTTON],
    )
    return []


def _ticket(sender_id: str, summary: str) -> str | None:
    """A ticket for a person to take over; None when the records service is down (the reply still stands)."""
    try:
        return open_ticket(sender_id, TicketReason.REPORT, summary=summary)
    except Exception as error:  # noqa: BLE001 - the reply to the child must not fail
        logger.error("could not open a ticket: %s", type(error).__name__)
        return None
