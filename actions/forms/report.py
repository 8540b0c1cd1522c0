"""强制报告: filing a mandatory report of a child harmed, suspected harmed, or in danger.

The nine situations are those of 《关于建立侵害未成年人案件强制报告制度的意见（试行）》
(高检发〔2020〕9号) 第4条. The situation is inferred from the description when the
words make it clear, and the reporter confirms it; otherwise they pick one.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms.base import Answer, Field, TaskForm, ask_confirmation, clear_form, latest_intent, opening_words
from actions.guard import polite
from actions.forms.submit import retry_events, submit_or_apologise, tell_already_filed
from actions.parsing import BadAnswer, chinese_int, clean, parse_choice, parse_past_date, parse_text, parse_yes_no
from nlu.components.danger_signals import describes_immediate_danger
from records.filing import file_report
from records.people import actor_for

logger = logging.getLogger(__name__)

# (short label for a button, words that point to it in a description)
SITUATIONS: dict[int, tuple[str, str]] = {
    1: ("生殖器官或隐私部位遭受或疑似遭受非正常损伤", r"(下体|私处|隐私部位|生殖器|阴部)"),
    2: ("不满14周岁女孩遭受或疑似遭受性侵害、怀孕、流产", r"(性侵|强奸|猥亵|怀孕|流产|打胎)"),
    3: ("14周岁以上女性疑似因性侵害怀孕、流产", r"(?!)"),
    4: ("多处损伤、严重营养不良、意识不清，疑似家暴、欺凌、虐待、殴打或被人麻醉", r"(家暴|被打|殴打|打伤|伤痕|淤青|青一块|虐待|欺凌|霸凌|营养不良|饿得|意识不清|昏迷)"),
    5: ("因自杀、自残、工伤、中毒、被人麻醉、殴打等非正常原因致残、死亡", r"(自杀|自残|割腕|中毒|工伤|致残|死亡|去世)"),
    6: ("被遗弃或长期处于无人照料状态", r"(遗弃|扔下|丢下|没人管|无人照料|一个人在家|独自在家|独居|没人照顾|没人做饭)"),
    7: ("来源不明、失踪、被拐卖、被收买", r"(失踪|走失|拐卖|被拐|买来|来源不明|不见了)"),
    8: ("被组织乞讨", r"(乞讨|要饭|讨钱)"),
    9: ("其他人身、精神受到严重伤害或面临不法侵害危险", r"(威胁|恐吓|精神|吓|危险|辱骂)"),
}
REPORTER_ROLES: dict[str, tuple[str, ...]] = {
    "儿童主任": ("儿童主任", "主任"),
    "儿童督导员": ("督导",),
    "村（居）委会工作人员": ("村委", "居委", "村干部", "网格"),
    "教师": ("老师", "教师", "学校", "校长"),
    "医护人员": ("医生", "护士", "医院", "卫生院"),
    "家长或亲属": ("家长", "父亲", "母亲", "爸", "妈", "爷", "奶", "亲戚", "亲属"),
    "邻居或其他群众": ("邻居", "群众", "路人", "村民", "其他"),
}
# Sexual harm to a girl under 14, death or self-harm, a missing or trafficked child: staff act at once.
URGENT_SITUATIONS = frozenset({1, 2, 5, 7})
_UNKNOWN = re.compile(r"^(不知道|不清楚|不认识|不确定|没问|未知|不晓得|不知)")


def infer_situation(description: str | None) -> int | None:
    """The situation the description most clearly points to, or None."""
    text = clean(description)
    for number, (_label, pattern) in SITUATIONS.items():
        if number != 9 and re.search(pattern, text):
            return number
    return 9 if re.search(SITUATIONS[9][1], text) else None


def is_urgent(situation: int, description: str, emergency_earlier: bool) -> bool:
    """Whether a report goes to staff at once: an emergency was raised, a grave situation, or danger now."""
    return emergency_earlier or situation in URGENT_SITUATIONS or describes_immediate_danger(clean(description))


def _emergency_earlier(tracker: Tracker) -> bool:
    return any(e.get("event") == "action" and e.get("name") == "action_urgent_help" for e in tracker.events)


def situation_label(number: Any) -> str:
    """'第4类：多处损伤…' for a situation number."""
    try:
        return f"第{int(number)}类：{SITUATIONS[int(number)][0]}"
    except (TypeError, ValueError, KeyError):
        return "未选择"


def _situation(answer: Answer) -> int:
    inferred = infer_situation(answer.slots.get("rep_description"))
    if answer.intent == "affirm" and inferred:
        return inferred
    text = clean(answer.text)
    if answer.intent == "deny" or re.fullmatch(r"(不|不是|不对|没有|否)[。！!.]?", text):
        raise BadAnswer("好的，请从下面选一类（点按钮或输入数字1到9）；拿不准就选第9类“其他”。")
    match = re.search(r"(\d|[一二三四五六七八九])", text)
    if match and answer.intent != "deny":
        number = chinese_int(match.group(1))
        if number and 1 <= number <= 9:
            return number
    for number, (label, _pattern) in SITUATIONS.items():
        if len(text) >= 4 and text in label:
            return number
    raise BadAnswer("请从下面选一类（点按钮或输入数字1到9）；拿不准就选第9类“其他”。")


def _child(answer: Answer) -> str:
    text = clean(answer.text)
    unknown = _UNKNOWN.match(text)
    rest = re.sub(r"^[\s，,。.、；;]+", "", text[unknown.end():]) if unknown else text
    if (answer.intent == "deny" and not unknown) or (unknown and len(rest) < 3):
        return "不清楚"
    return parse_text(text, "孩子的情况", max_len=80)  # "不知道名字，是村东头老李家的孙女": all of it


def _occurred(answer: Answer) -> str:
    text = clean(answer.text)
    if re.search(r"(一直|经常|长期|好久|很久|最近|这几天|这段时间|好几次)", text):
        return parse_text(text, "发生时间", max_len=60)
    try:
        return parse_past_date(text, answer.today, "发生时间").isoformat()
    except BadAnswer as problem:
        if "不能晚于今天" in str(problem):
            raise
        return parse_text(text, "发生时间", max_len=60)


def _police(answer: Answer) -> bool:
    return parse_yes_no(answer.text, answer.intent)


def _role(answer: Answer) -> str:
    return parse_choice(answer.text, REPORTER_ROLES, "请选一下您的身份（点按钮就行）。")


_SAID_BEFORE = re.compile(r"(就是)?(我)?(刚才|刚刚|刚|上面|前面)(说|讲)(的|过|了)")


class ValidateReportForm(TaskForm):
    """Checks each answer of a mandatory report."""

    form = "report_form"
    prefix = "rep"
    own_words = re.compile(r"(报告|举报|报警|强制报告|打|伤|欺负|虐待|侵害|性侵|猥亵|摸|危险|不管|饿|关|拐)")
    fields = (
        Field("rep_description", "发生了什么", lambda a: parse_text(a.text, "情况描述", min_len=4, max_len=2000), aliases=("描述", "经过")),
        Field("rep_situation", "情形", _situation, situation_label, ("类别", "哪一类")),
        Field("rep_child", "孩子", _child, aliases=("孩子信息",)),
        Field("rep_place", "地点", lambda a: parse_text(a.text, "地点", min_len=2, max_len=120), aliases=("哪里", "地方")),
        Field("rep_time", "发生时间", _occurred, aliases=("时间", "什么时候")),
        Field("rep_police_called", "是否已报警", _police, lambda v: "已报警" if v else "未报警", ("报警",)),
        Field("rep_reporter_role", "您的身份", _role, aliases=("身份",)),
    )

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """A description that points back ("就是我刚说的，13岁怀孕了") keeps the words it points to, all of them."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        said = tracker.slots.get("rep_description")
        if tracker.get_slot("requested_slot") == "rep_description" and said and _SAID_BEFORE.search(str(said)):
            earlier = opening_words(tracker)
            if earlier and said not in earlier:
                kept = f"{earlier}（补充：{said}）"
                tracker.slots["rep_description"] = kept
                events = [SlotSet("rep_description", kept) if e.get("name") == "rep_description" else e for e in events]
        return events


class ActionAskRepSituation(Action):
    """Asks which of the nine situations applies, proposing the one the description suggests."""

    def name(self) -> str:
        return "action_ask_rep_situation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        inferred = infer_situation(tracker.get_slot("rep_description"))
        if inferred and latest_intent(tracker) != "deny":
            dispatcher.utter_message(
                text=f"根据您的描述，可能属于{situation_label(inferred)}。对吗？",
                buttons=[{"title": "对", "payload": "/affirm"}, {"title": "不是，我来选", "payload": "/deny"}],
            )
            return []
        dispatcher.utter_message(
            text="属于下面哪一类？（强制报告的九类情形；拿不准就选第9类）",
            buttons=[{"title": f"{n}. {label}", "payload": f"第{n}类"} for n, (label, _p) in SITUATIONS.items()],
        )
        return []


class ActionAskRepConfirmed(Action):
    """Shows the report for the reporter to check."""

    def name(self) -> str:
        return "action_ask_rep_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ask_confirmation(ValidateReportForm, dispatcher, tracker)
        return []


NEXT_STEPS = (
    "接下来：乡镇儿童督导员和县民政部门会跟进，必要时移交公安机关。"
    "依据《未成年人保护法》第11条，发现未成年人受侵害或疑似受侵害，应当立即报告，"
    "有关部门接到报告后应依法及时受理、处置，并以适当方式告知您处理结果；"
    "按照强制报告制度（高检发〔2020〕9号），公安机关接到报告应当立即受案。您的个人信息会被保密。"
)


# A reporter who asks that the family not learn who reported ("我不想让人知道是我报的", "别说是我").
_ANONYMOUS = re.compile(r"((不想|不要|别|莫)让[^，,。]{0,6}知道|匿名|不想留名|不留名|别说是我|不要说是我|莫说是我|"
                        r"替我保密|给我保密|帮我保密|怕[^，,。]{0,6}知道是我|怕[^，,。]{0,4}报复|怕[^，,。]{0,4}找我麻烦)")
ANONYMITY_NOTED = ("您希望不公开身份，已经在报告里注明：处理的工作人员不会向孩子家人透露是谁报告的"
                   "（《反家庭暴力法》第14条；高检发〔2020〕9号）。")


def wants_anonymity(tracker: Tracker) -> bool:
    """Whether the reporter asked, anywhere since they began the report, that their identity be kept."""
    events = list(tracker.events)
    opened = max((i for i, e in enumerate(events) if e.get("event") == "active_loop"
                  and e.get("name") == ValidateReportForm.form), default=0)
    said = [i for i, e in enumerate(events) if e.get("event") == "user"]
    start = max((i for i in said if i < opened), default=opened)  # the message that opened the form counts
    return any(_ANONYMOUS.search(str(events[i].get("text") or "")) for i in said if i >= start)


class ActionSubmitReport(Action):
    """Saves the report, opens a ticket for staff, and says what happens next."""

    def name(self) -> str:
        return "action_submit_report"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        slots = tracker.slots
        if slots.get("rep_confirmed") is not True:
            return clear_form(ValidateReportForm)
        answers = {
            "description": slots["rep_description"],
            "situation": int(slots["rep_situation"]),
            "child": slots["rep_child"],
            "place": slots["rep_place"],
            "occurred": slots["rep_time"],
            "police_called": bool(slots["rep_police_called"]),
            "reporter_role": slots["rep_reporter_role"],
            "anonymous": wants_anonymity(tracker),
        }
        urgent = is_urgent(answers["situation"], answers["description"], _emergency_earlier(tracker))
        situation_text = situation_label(answers["situation"])
        filed = submit_or_apologise(
            dispatcher,
            lambda key: file_report(actor_for(tracker.sender_id), key, urgent=urgent, situation_text=situation_text,
                                    **answers),
            tracker.sender_id, "report_form", answers,
        )
        if filed is None:
            return retry_events(ValidateReportForm.form, ValidateReportForm.confirm_slot())
        if tell_already_filed(dispatcher, filed, "报告"):
            return clear_form(ValidateReportForm) + [SlotSet("paused_form", None)]
        text = f"报告已提交，编号 {filed.ref}。谢谢您及时报告，这对孩子很重要。"
        if urgent:
            text += f"\n情况紧急，已立即转给{filed.route}（工单 {filed.ticket}）。"
        else:
            text += f"\n已转给{filed.route}跟进（工单 {filed.ticket}）。"
        if not answers["police_called"]:
            text += "\n如果孩子正面临危险或伤害严重，请马上拨打110报警。"
        if answers["anonymous"]:
            text += "\n" + ANONYMITY_NOTED
        dispatcher.utter_message(text=text)
        dispatcher.utter_message(text=NEXT_STEPS)
        return clear_form(ValidateReportForm) + [SlotSet("paused_form", None)]
