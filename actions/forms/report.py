"""强制报告: filing a mandatory report of a child harmed, suspected harmed, or in danger.

The nine situations are those of 《关于建立侵害未成年人案件强制报告制度的意见（试行）》
(高检发〔2020〕9号) 第4条. The situation is inferred from the description when the
words make it clear, and the reporter confirms it; otherwise they pick one.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import TYPE_CHECKING, Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms.base import (
    filed_and_done,
    CORRECTING,
    Answer,
    Field,
    TaskForm,
    ask_confirmation,
    bot_texts,
    clear_form,
    latest_intent,
    opening_words,
    paused_this_turn,
    said_this_turn,
)
from actions.guard import polite
from actions.handoff import HUMAN_BUTTON
from actions.forms.submit import retry_events, submit_or_apologise, tell_already_filed
from actions.parsing import BadAnswer, chinese_int, clean, parse_choice, parse_past_date, parse_text, parse_yes_no
from actions.harm_heard import ASK_THE_RULE, MADE_UP_HEARD, REPORT_START, hear_news, heard_of_only, is_bare_request, made_up_case
from actions.safety import CAUTION as CAUTION_LINE, NOW, SERIOUS, DangerGrade, caution, latest_grade
from nlu.components.danger_signals import describes_immediate_danger, tells_harm
from nlu.components.question_shape import is_question
from nlu.components.text_normaliser import normalise
from knowledge.gazetteer import foreign_subject, places_in
from records.filing import file_report
from records.people import actor_for
from records.situations import SITUATION_NAMES

if TYPE_CHECKING:
    from actions.policy import Reply  # actions.policy imports the forms

logger = logging.getLogger(__name__)

# (short label for a button, words that point to it in a description)
SITUATIONS: dict[int, tuple[str, str]] = {
    1: (SITUATION_NAMES[1], r"(下体|私处|隐私部位|生殖器|阴部|下身|撕裂|下面(有|出血|流血|红肿|肿|破|伤))"),
    2: (SITUATION_NAMES[2], r"(性侵|强奸|猥亵|怀孕|流产|打胎|侵犯|糟蹋|脱(她|他)?的?裤子|摸(她|他)的?(下面|屁股|胸|身子|大腿)|"
                            r"(晚上|半夜|夜里).{0,6}摸(她|他)|摸(她|他)[^，,。]{0,6}(还|又)?脱)"),
    3: (SITUATION_NAMES[3], r"(?!)"),
    4: (SITUATION_NAMES[4], r"(家暴|被打|挨打|挨揍|殴打|打伤|伤痕|淤青|青一块|青紫|虐待|欺凌|霸凌|营养不良|饿得|意识不清|昏迷|皮带|棍子|棒子|抽[他她得]|印子|打得|打[娃孩小他她]|[就又天常]打|拿.{0,3}(衣架|竹条|竹片|鞭|烟头)|不给.{0,2}饭|饿着|被.{0,4}(削|揍|捶|踢|踹)|没一块好(地方|肉))"),
    5: (SITUATION_NAMES[5], r"(自杀|自残|割腕|中毒|工伤|致残|死亡|去世)"),
    6: (SITUATION_NAMES[6], r"(遗弃|扔下|丢下|没人管|无人照料|一个人在家|独自在家|独居|没人照顾|没人做饭|没大人|"
                            r"就(他|她)(们)?(两|俩|三)个|从外(头|面|边)锁|反锁|锁起的|锁在(屋|家)里)"),
    7: (SITUATION_NAMES[7], r"(失踪|走失|拐卖|被拐|买来|来源不明|不见了)"),
    8: (SITUATION_NAMES[8], r"(乞讨|要饭|讨钱)"),
    9: (SITUATION_NAMES[9], r"(威胁|恐吓|精神|吓|危险|辱骂|嫁|彩礼|订婚|定亲|关在|锁在|关起来|锁起来)"),
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


# The number chosen, said first ("4", "第4类", "四，被打的"); not an age inside a sentence ("大概八九岁").
_NUMBER_CHOSEN = re.compile(r"^(第)?\s*(\d|[一二三四五六七八九])\s*(类|项|項)?(?![\d一二三四五六七八九十岁歲个])")


# A situation named by its number at another step, or as a change ("情形选第6类", "应该是第6类").
SITUATION_NAMED = re.compile(r"第\s*([1-9一二三四五六七八九])\s*类")


def _situation(answer: Answer) -> int:
    inferred = infer_situation(answer.slots.get("rep_description"))
    if answer.intent == "affirm" and inferred:
        return inferred
    text = clean(answer.text)
    if answer.intent == "deny" or re.fullmatch(r"(不|不是|不对|没有|否)[。！!.]?", text):
        raise BadAnswer("好的，请从下面选一类（点按钮或输入数字1到9）；拿不准就选第9类“其他”。")
    match = _NUMBER_CHOSEN.match(text)
    if match and answer.intent != "deny":
        number = chinese_int(match.group(2))
        if number and 1 <= number <= 9:
            return number
    for number, (label, _pattern) in SITUATIONS.items():
        if len(text) >= 4 and text in label:
            return number
    said = infer_situation(text)  # "被打的那种"
    if said and not _CHILD_SAID.search(text):
        return said
    if inferred or len(text) > 3:
        # Something else said instead (the child's name, the place): not an objection. The suggested situation,
        # or 第9类 as the question itself advises when unsure, is kept; the summary shows it to change.
        return inferred or 9
    raise BadAnswer("请从下面选一类（点按钮或输入数字1到9）；拿不准就选第9类“其他”。")


# What tells an answer to one question from an answer to another, when the reporter answers ahead or behind.
_CHILD_WORDS = re.compile(r"(孩子|小孩|娃|男孩|女孩|儿子|闺女|女儿|孙|岁|歲|叫|名字|姓|家的|年级|学生|小学生|初中生|那个|这个)")
_CHILD_SAID = re.compile(r"(叫\s*[\u4e00-\u9fff]{2,4}|\d{1,2}\s*(来|多)?\s*(岁|歲)|[一二两三四五六七八九十]{1,3}(来|多|几)?(岁|歲))")  # 十来岁
_PLACE_WORDS = re.compile(r"(村|社区|镇|乡|街道|学校|小学|中学|家里|屋里|家门口|路上|路边|河边|网吧|工地|店里|医院|县城|城里|山上|田里|他家|她家"
                          r"|[\d一二三四五六七八九十]+组)")  # 五组: a village group
_TIME_TOKEN = (r"(大前天|前天|昨天|今天|昨晚|今晚|今早|昨早|刚才|刚刚|上午|下午|晚上|早上|中午|半夜|夜里|凌晨|傍晚|上周|"
               r"上个?星期|上个?礼拜|上个?月|前几天|这几天|最近|一直|经常|\d{1,2}\s*(月|号|日|点)|"
               r"[一二三四五六七八九十]{1,3}(月|号|日|点)|左右|大概|差不多|的时候|那会儿|时候|[\s，,。、]|的)")
_ONLY_TIME = re.compile(rf"{_TIME_TOKEN}+")
_POLICE_WORDS = re.compile(r"(报警|报了警|报过警|110|警察|派出所|公安)")
_POLICE_DONE = re.compile(r"((已经|已)报警|报了警|报过警|报警了|打了110|打过110|叫了警察|警察来了|派出所来人)")
_POLICE_NOT = re.compile(r"(没|还没|没有|未)(报警|报|打110|打过|叫警察)")
_ROLE_SAID = re.compile(r"我是[^，,。]{0,6}?(" + "|".join(w for words in REPORTER_ROLES.values() for w in words) + ")")
_PLACE_PREFIX = re.compile(r"^(我|俺|咱)?(就|也)?(在|是|住)?(我们|咱们|俺们|你们)?(这个|那个|这|那)?")  # "我是学校老师": no place
_PLACE_SAID = re.compile(r"([\u4e00-\u9fff]{2,10}?(村|社区|小学|中学|学校))")


def _only_time(text: str) -> bool:
    return bool(text) and bool(_ONLY_TIME.fullmatch(text)) and not _PLACE_WORDS.search(text)


def _child(answer: Answer) -> str:
    text = clean(answer.text)
    unknown = _UNKNOWN.match(text)
    rest = re.sub(r"^[\s，,。.、；;]+", "", text[unknown.end():]) if unknown else text
    if (answer.intent == "deny" and not unknown) or (unknown and len(rest) < 3):
        return "不清楚"
    if not _CHILD_WORDS.search(text) and (_PLACE_WORDS.search(text) or _only_time(text) or _POLICE_WORDS.search(text)):
        raise BadAnswer("这一步说说是哪个孩子：名字、年龄或特征都行（比如：老李家的孙女，8岁左右）；不知道就说“不知道”。")
    return parse_text(text, "孩子的情况", max_len=80)  # "不知道名字，是村东头老李家的孙女": all of it


def _place(answer: Answer) -> str:
    text = clean(answer.text)
    if _only_time(text) or (_POLICE_WORDS.search(text) and not _PLACE_WORDS.search(text)):
        raise BadAnswer("这一步说说在哪里发生的，比如：某某村、学校、家里；不清楚就说“不知道”。")
    return parse_text(text, "地点", min_len=2, max_len=120)


def _occurred(answer: Answer) -> str:
    text = clean(answer.text)
    timeless = re.sub(r"110|120|119|1235[56]|12345|1\d{10}", "", text)  # "那我打110" holds no time
    has_time = re.search(r"(\d|天|晚|早|午|夜|月|号|周[一二三四五六日末天前]|[上这本下两几]周|星期|礼拜|刚|最近|一直|经常|长期|好久|很久|几次|年|时候|不知道|不清楚|记不)", timeless)
    if (not has_time and (_POLICE_WORDS.search(text) or _PLACE_WORDS.search(text) or _ROLE_SAID.search(text))
            or re.fullmatch(r"[\d\s+-]{7,}", text)):  # a phone number is no time
        raise BadAnswer("这一步说说大概什么时候发生的，比如：今天、昨天晚上、11月20日，或“一直这样”。")
    if re.search(r"(一直|经常|长期|好久|很久|最近|这几天|这段时间|好几次)", text):
        return parse_text(text, "发生时间", max_len=60)
    try:
        return parse_past_date(text, answer.today, "发生时间").isoformat()
    except BadAnswer as problem:
        if "不能晚于今天" in str(problem):
            raise
        return parse_text(text, "发生时间", max_len=60)


def _police(answer: Answer) -> bool:
    text = clean(answer.text)
    if _POLICE_NOT.search(text):  # "还没报 我现在填完这个就打"
        return False
    if _POLICE_DONE.search(text):
        return True
    if not _POLICE_WORDS.search(text) and (_ROLE_SAID.search(text) or _only_time(text) or len(text) > 8):
        raise BadAnswer("这一步只问：已经报警（打110）了吗？点“已报警”或“还没有”就行。")
    return parse_yes_no(text, answer.intent)


def report_facts(text: str) -> dict[str, Any]:
    """What a sentence told ahead or behind the question holds: the child ("叫王浩，八九岁"), the place
    ("石坝村"), the time ("昨天晚上"), whether the police were called, who is reporting ("我是邻居")."""
    value = clean(text)
    found: dict[str, Any] = {}
    if _CHILD_SAID.search(value) and _CHILD_WORDS.search(value):
        parts = [c for c in re.split(r"[\s，,。；;]", value) if _CHILD_SAID.search(c)]  # not the rest of the story
        found["rep_child"] = "，".join(parts)[:80]
    places = [_PLACE_PREFIX.sub("", m.group(1)) for part in re.split(r"[\s，,。；;]", value)
              for m in _PLACE_SAID.finditer(re.sub(r"^.*在", "", part))]
    places = [p for p in places if len(p) >= 3 and not re.search(r"(哪|啥|什么|不知道|不清楚|不晓得)", p)]  # "不知道她家住哪个村"
    if places:
        found["rep_place"] = places[-1]
    time_said = re.search(r"(大前天|前天|昨天|今天|昨晚|今早|上周|上个?月|前几天)([^，,。]{0,2}?(上午|下午|晚上|早上|中午|半夜))?", value)
    if time_said:
        found["rep_time"] = time_said.group(0)
    if _POLICE_NOT.search(value):
        found["rep_police_called"] = False
    elif _POLICE_DONE.search(value):
        found["rep_police_called"] = True
    chosen = SITUATION_NAMED.search(value)
    if chosen:
        found["rep_situation"] = chinese_int(chosen.group(1))
    role = _ROLE_SAID.search(value)
    if role:
        try:
            found["rep_reporter_role"] = _role(Answer(role.group(0), None, dt.date.today(), {}))
        except BadAnswer:
            pass
    return found


def _role(answer: Answer) -> str:
    return parse_choice(answer.text, REPORTER_ROLES, "请选一下您的身份（点按钮就行）。")


_SAID_BEFORE = re.compile(r"(就是)?(我)?(刚才|刚刚|刚|上面|前面)(说|讲)(的|过|了)")


class ValidateReportForm(TaskForm):
    """Checks each answer of a mandatory report."""

    form = "report_form"
    prefix = "rep"
    notes_slot = "rep_description"
    own_words = re.compile(r"(报告|举报|报警|强制报告|打|伤|欺负|虐待|侵害|性侵|猥亵|摸|危险|不管|饿|关|拐)")
    correcting = re.compile(CORRECTING.pattern + r"|" + SITUATION_NAMED.pattern)
    fields = (
        Field("rep_description", "发生了什么", lambda a: parse_text(a.text, "情况描述", min_len=4, max_len=2000), aliases=("描述", "经过")),
        Field("rep_situation", "情形", _situation, situation_label, ("类别", "哪一类")),
        Field("rep_child", "孩子", _child, aliases=("孩子信息",)),
        Field("rep_place", "地点", _place, aliases=("哪里", "地方")),
        Field("rep_time", "发生时间", _occurred, aliases=("时间", "什么时候")),
        Field("rep_police_called", "是否已报警", _police, lambda v: "已报警" if v else "未报警", ("报警",)),
        Field("rep_reporter_role", "您的身份", _role, aliases=("身份",)),
    )

    def facts(self, text: str, on: dt.date) -> dict[str, Any]:
        """The report's answers said ahead or behind their question (``report_facts``)."""
        return report_facts(text)

    def _no_report(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
        """At the form's opening, a message that is no report at all (``not_a_report``): answered, and no form.
        Later, "不是不是 这是培训用的案例": the report about nobody is dropped, its answers forgotten."""
        if tracker.get_slot("requested_slot") is not None:
            said = normalise(str(tracker.latest_message.get("text") or ""))
            if said.startswith("/") or latest_grade(tracker).level == NOW:
                return None
            if made_up_case(said):
                dispatcher.utter_message(text=MADE_UP_HEARD + ASK_THE_RULE, buttons=[HUMAN_BUTTON])
                return clear_form(type(self)) + [ActiveLoop(None)]
            if _NOT_REPORTING.search(said):  # "我不是要报告 是问报告之后的流程": no report, the question answered
                dispatcher.utter_message(text=NOT_REPORTING)
                from actions.dialogue import answer_from_knowledge  # actions.dialogue imports the forms
                answered = answer_from_knowledge(dispatcher, tracker, DangerGrade()) or _ask_the_rule(dispatcher)
                return clear_form(type(self)) + [ActiveLoop(None)] + answered
            return None
        answered = not_a_report(dispatcher, tracker)
        return None if answered is None else answered + [SlotSet("requested_slot", None), ActiveLoop(None)]

    def _what_to_do_now(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
        """Mid-report, "那我现在该咋办 我在东莞回不去": what to do now (110 first, from afar too), then the question
        again; None for anything else. Taken as the place or the time, it would be wrong and leave them alone."""
        asked = tracker.get_slot("requested_slot")
        said = clean(str(tracker.latest_message.get("text") or ""))
        where = bool(WHERE_TO_REPORT_ASKED.search(said))
        if where and asked is None and not said.startswith("/"):
            dispatcher.utter_message(text=WHERE_TO_REPORT)  # opened by "…让我找老家派出所 电话我不知道": answered first
            return None
        if asked in (None, "rep_description", self.confirm_slot()) or said.startswith("/") \
                or latest_grade(tracker).level == NOW or not (ASKS_WHAT_TO_DO.search(said) or where):
            return None
        lead = WHERE_TO_REPORT if where else WHAT_TO_DO_FROM_AFAR if is_far_away(said) else WHAT_TO_DO_NOW
        dispatcher.utter_message(text=lead + REPORT_GOES_ON)
        tracker.slots[asked] = None
        return [SlotSet(asked, None)]

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The message that opened the form, when it told what happened, is the description (not asked again);
        a description that points back ("就是我刚说的，13岁怀孕了") keeps the words it points to, all of them."""
        answered = self._no_report(dispatcher, tracker) or self._what_to_do_now(dispatcher, tracker)
        if answered is not None:
            return answered
        told: list[EventType] = []
        if tracker.get_slot("requested_slot") is None and not tracker.get_slot("rep_description"):
            description = told_at_opening(tracker)
            if description:
                tracker.slots["rep_description"] = description
                told = [SlotSet("rep_description", description)]
        asked = tracker.get_slot("requested_slot")
        detail = str(tracker.latest_message.get("text") or "")
        events = told + await super().get_validation_events(dispatcher, tracker, domain)
        if asked == "rep_situation" and _is_more_description(detail, tracker.get_slot("rep_description")):
            # More of what happened, told at the situation question ("身上经常青一块紫一块"): it chose the
            # situation, and it belongs to the description too.
            events = _with_description(tracker, events, tracker.get_slot("rep_description"), detail)
        if asked == "rep_police_called" and "rep_police_called" in tracker.slots_to_validate() \
                and tracker.slots.get("rep_police_called") is False:
            dispatcher.utter_message(text=NOT_YET_CALLED)  # "还没有": the call is not left for after the form
        said = tracker.slots.get("rep_description")
        if tracker.get_slot("requested_slot") == "rep_description" and said and _SAID_BEFORE.search(str(said)):
            earlier = opening_words(tracker)
            if earlier and said not in earlier:
                events = _with_description(tracker, events, earlier, said)
        return events


# Asking what to do now, in the middle of the report, and being far from the child.
ASKS_WHAT_TO_DO = re.compile(r"(咋办|怎么办|咋个办|咋整|该怎么(做|弄)|该咋(做|弄)|我能做(什么|啥|些什么)|我(该|要)(做|干)(什么|啥))")
FAR_AWAY = re.compile(r"回不去|回不来|不在(家|孩子身边|跟前|身边)|在外地|在外面打工|离得远|隔得远|太远|赶不回")
_I_AM_IN = re.compile(r"(我|俺)(人|们)?(现在)?在([\u4e00-\u9fff]{2,6})")


def is_far_away(said: str) -> bool:
    """Whether the reporter says they are far from the child ("我在东莞回不去", "我人在外地")."""
    here = _I_AM_IN.search(said)
    return bool(FAR_AWAY.search(said) or (here and places_in(here.group(4))))
REPORT_GOES_ON = "这份报告我们接着填，它会转给乡镇儿童督导员和民政部门跟进。"
# "是在这边报警还是让外婆在老家报", "让我找老家派出所 电话我不知道": anywhere, now, and no number to look up
WHERE_TO_REPORT_ASKED = re.compile(r"(这边|这里|老家|那边|当地|外地|异地|哪里|哪儿|哪边|在哪)[^，,。？?]{0,8}(报警|报案|打110|报)"
                                   r"|(报警|报案|打110)[^，,。？?]{0,6}(在哪|哪里|哪边|这边|老家|那边|外地|异地)"
                                   r"|派出所[^，,。？?]{0,4}(电话|号码)|(电话|号码)[^，,。？?]{0,4}派出所|案发地")
WHERE_TO_REPORT = ("在哪都能报，现在就报：您在外地也可以直接打110，说清孩子在哪个县、哪个镇、哪个村，接警的会联系孩子那边的派出所，"
                   "不用自己查派出所电话；也可以让家里大人在老家打110或直接去镇上派出所，孩子在那边，出警更快。")
WHAT_TO_DO_NOW = ("孩子正在危险中或受了伤，请现在就打110，告诉警察在哪里、孩子多大、发生了什么；受伤了同时打120。"
                  "别和打人的大人起冲突，先顾好自己的安全。")
WHAT_TO_DO_FROM_AFAR = ("您不在孩子身边也能帮他：现在就打110（在外地打也可以，说清孩子在哪个县、哪个村、哪一家，发生了什么），"
                        "再打电话给村里的儿童主任或村委会，请他们马上去看孩子；孩子受伤了请他们打120。")

NOT_YET_CALLED = ("孩子正在危险中、受了伤，或今天还可能再挨打的，请现在就打110报警，不用等这份报告填完；"
                  "报告我们接着填，它会转给乡镇儿童督导员和民政部门跟进。")


# A question about reporting itself, not a report: whether the reporter stays unknown, what happens next, who comes.
ASKS_ABOUT_REPORTING = re.compile(r"(晓得|知道|发现|查到|认出)[^，,。？?]{0,4}是我|保密|找(我)?麻烦|报复|记恨|"
                                  r"(报|交|提交|报告)(了|完|上去)?(以后|之后|后)|后续|(之后|以后)的?流程|然后呢|接下来|会有人(去|来|管)|有没有人(去|来|管)|多久(有人|会)|"
                                  r"谁(去|来)(管|看)|会(咋样|怎样|怎么样)|怎么处理|咋处理|要不要(自己|我)(去|再)")


def answer_about_reporting(dispatcher: CollectingDispatcher, tracker: Tracker,
                           found: Reply | None = None) -> list[EventType] | None:
    """A question about reporting itself ("我举报了隔壁打娃儿 他会不会晓得是我报的", "然后呢 会有人去看她不"):
    answered from the knowledge base with the report offered, or, after this conversation's report, with what happens
    next; None for anything else. ``found`` is the knowledge base's reply already found for this message.

    The reporter's fear of being known or the wait for someone to come, taken into "请说说发生了什么", goes
    unanswered and puts people off reporting; after a report was filed it would open a duplicate.
    """
    from actions.dialogue import answer_from_knowledge  # actions.dialogue imports the forms

    said = str(tracker.latest_message.get("text") or "")
    grade = latest_grade(tracker)
    asking = is_question(said) or bool(_FOLLOWS_A_REPORT.search(clean(said)))  # "会有人去看她不" asks, in dialect
    if said.startswith("/") or grade.level == NOW or not asking or not ASKS_ABOUT_REPORTING.search(clean(said)):
        return None
    filed = any(text.startswith(FILED) for text in bot_texts(tracker))
    answered = None if filed and _FOLLOWS_A_REPORT.search(clean(said)) else answer_from_knowledge(dispatcher, tracker, grade, found=found)
    if answered is None:
        if not filed:
            return None
        dispatcher.utter_message(text=NEXT_STEPS)  # "然后呢 会有人去看她不" after this conversation's report
        answered = []
    return answered


def not_a_report(dispatcher: CollectingDispatcher, tracker: Tracker,
                 found: Reply | None = None) -> list[EventType] | None:
    """The one check, run before a report is started from any action, that a message telling of harm is a report at
    all: a question about reporting itself (``answer_about_reporting``), harm only heard of in the news ("我看新闻说有个
    留守儿童被拐卖了 好吓人": a sure answer or the worry heard), or a question about another country ("美国举报虐待儿童打
    哪个电话": not known here, a person offered). Answered, with None for a message that is a report.
    ``found`` is the knowledge base's reply already found for this message."""
    from actions.dialogue import answer_from_knowledge  # actions.dialogue imports the forms
    from actions.policy import FOREIGN  # actions.policy imports the forms

    about_reporting = answer_about_reporting(dispatcher, tracker, found=found)
    if about_reporting is not None:  # "他会不会晓得是我报的": the fear answered, not a new report
        return about_reporting
    said = normalise(str(tracker.latest_message.get("text") or ""))
    grade = latest_grade(tracker)
    if said.startswith("/") or grade.level == NOW:
        return None
    if heard_of_only(said):
        return answer_from_knowledge(dispatcher, tracker, grade, sure_only=True, found=found) or hear_news(dispatcher)
    if made_up_case(said):  # "下周培训要讲一个案例…": the rule answered, no report about nobody
        dispatcher.utter_message(text=MADE_UP_HEARD)
        return answer_from_knowledge(dispatcher, tracker, DangerGrade(), found=found) or _ask_the_rule(dispatcher)
    abroad = foreign_subject(said) if is_question(said) else None
    if abroad is not None:
        dispatcher.utter_message(text=FOREIGN.format(place=abroad.name), buttons=[HUMAN_BUTTON])
        return []
    return None


# "我不是要报告 是问…", "我只是问问": no report. Not "我是问名字要写真的吗", a question about this report.
_NOT_REPORTING = re.compile(r"(不是|不|没)(要|想|打算)?(报告|举报|报案|填报告)|(只是|就是)问问")
NOT_REPORTING = "好的，不填报告了。"


def _ask_the_rule(dispatcher: CollectingDispatcher) -> list[EventType]:
    dispatcher.utter_message(text=ASK_THE_RULE, buttons=[HUMAN_BUTTON])
    return []


# After a report was filed, what happens next: the next steps, not a card.
_FOLLOWS_A_REPORT = re.compile(r"^(那|那么)?(然后|接下来|之后)|会有人(去|来)|有没有人(去|来)|多久(有人|会)|谁(去|来)(管|看)")


def _with_description(tracker: Tracker, events: list[EventType], first: Any, more: Any) -> list[EventType]:
    """The description made of what was told first and what was added (``first（补充：more）``), one slot event."""
    kept = f"{first}（补充：{more}）"
    tracker.slots["rep_description"] = kept
    return [e for e in events if e.get("name") != "rep_description"] + [SlotSet("rep_description", kept)]


OPENING_DESCRIPTION_CHARS = 8


def keep_emergency_words(tracker: Tracker) -> list[EventType]:
    """An emergency told in the user's own words is what happened: it becomes the report's description.

    The emergency reply pauses a report being filled (or offers one); without
    this, the report then asked "请说说发生了什么？" of someone who had just said
    it. Added to a description already given, as "（补充：…）".
    """
    said = clean(str(tracker.latest_message.get("text") or ""))
    if said.startswith("/") or len(said) < OPENING_DESCRIPTION_CHARS:
        return []
    earlier = tracker.get_slot("rep_description")
    if earlier and said in str(earlier):
        return []
    if earlier:
        return _with_description(tracker, [], earlier, said)
    tracker.slots["rep_description"] = said
    return [SlotSet("rep_description", said)]


def told_at_opening(tracker: Tracker) -> str:
    """What the user told of what happened when the form opened: the opening message if it tells it ("我们屯子有个
    小孩老被他爹削…这得咋报啊"), after what the messages just before told ("班上张浩胳膊和后背有好几块青紫…" before
    "好的，那我在这里报。孩子叫张浩，9岁"); '' when nothing was told ("我要报告", "强制报告怎么填")."""
    text = str(tracker.latest_message.get("text") or "")
    earlier = told_before(tracker)
    if text.startswith("/") or is_bare_request(text) or len(clean(text)) < OPENING_DESCRIPTION_CHARS:
        return "\n".join(earlier)
    if not earlier and latest_grade(tracker).level not in (SERIOUS, NOW) and not tells_harm(normalise(text)):
        return ""
    return "\n".join([*earlier, text])


def told_before(tracker: Tracker) -> list[str]:
    """The user's last messages before this one, since the last report filed, that told of harm to a child."""
    said: list[str] = []
    users = [at for at, event in enumerate(tracker.events) if event.get("event") == "user"]
    for event in reversed(tracker.events[:users[-1]] if users else []):
        if event.get("event") == "bot" and str(event.get("text") or "").startswith(FILED):
            break
        if event.get("event") == "user":
            said.append(str(event.get("text") or ""))
            if len(said) == 3:
                break
    return [t for t in reversed(said) if not t.startswith("/") and len(clean(t)) >= OPENING_DESCRIPTION_CHARS
            and (tells_harm(normalise(t)) or infer_situation(t) is not None)]


def _is_more_description(text: str, description: Any) -> bool:
    """Whether an answer to the situation question tells more of what happened (not a number, yes or no, nor a
    question: "你先说 15岁嫁人…到底犯不犯法" is answered, not filed)."""
    said = clean(text)
    return (bool(description) and not text.startswith("/") and len(said) >= OPENING_DESCRIPTION_CHARS
            and not is_question(said)
            and not _NUMBER_CHOSEN.match(said) and said not in str(description) and infer_situation(said) is not None)


class ActionAskRepSituation(Action):
    """Asks which of the nine situations applies, proposing the one the description suggests."""

    def name(self) -> str:
        return "action_ask_rep_situation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        description = tracker.get_slot("rep_description")
        opening = str(((tracker.active_loop or {}).get("trigger_message") or {}).get("text") or "")
        if (description and description == tracker.latest_message.get("text") == opening
                and not said_this_turn(tracker, REPORT_START)):
            # The opening message was the description: the 110 line first, and what happens with it. (A description
            # given when asked for, after "我要举报", has had its 110 line from the validation.)
            dispatcher.utter_message(text=f"{caution(latest_grade(tracker)) or CAUTION_LINE}\n{REPORT_START}")
        inferred = infer_situation(description)
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
    "接下来：乡镇儿童督导员和县民政部门会跟进，有关部门接到报告后要依法及时受理、处置，并以适当方式告诉您处理结果"
    "（《未成年人保护法》第11条）。这份报告不能代替报警：孩子有危险或受了伤害，请打110或到派出所报案；"
    "学校、医院、村（居）委会等单位的工作人员，按强制报告制度（高检发〔2020〕9号）要向公安机关报告。您的个人信息会被保密。"
)
FILED = "报告已提交，编号"  # how the receipt opens


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
        if paused_this_turn(tracker, ValidateReportForm.form):
            return []  # put off till later: every answer kept
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
            return filed_and_done(ValidateReportForm, tracker, dispatcher)
        text = f"{FILED} {filed.ref}。谢谢您及时报告，这对孩子很重要。"
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
        return filed_and_done(ValidateReportForm, tracker, dispatcher)
