"""What the bot says to someone who tells who they are but not yet what they want.

Who they are decides what is offered: a parent away (the registration), a village child director (the visit log
and the report), someone who must report (a teacher, a doctor: the report), a carer (questions and a person).

A parent's first message is often their situation, not a question: "我在广东打工 孩子在老家跟他奶奶". It is
no report to file and no policy question; a "没太明白" or a report form is a dead end for them. They are
told what the bot can do for a parent away, the free registration first (offered, so "好" starts it).
"""
from __future__ import annotations

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import HUMAN_BUTTON
from actions.harm_heard import REPORT_BUTTON
from actions.policy import OFFER_SLOT, TASK_BUTTONS, VISIT_LIST_BUTTON
from actions.safety import DangerGrade, caution

PARENT_TASKS = ("· 外出务工报备：免费，让村里的儿童主任知道孩子由谁照顾、怎么联系到您；\n"
                "· 回答问题：比如谁能当照顾人、照顾人病了怎么办、孩子能领哪些补贴。\n"
                "想问什么，直接打字问我就行。")
PARENT_AWAY_REPLY = "您在外面打工，还惦记着家里的孩子，辛苦了。我能帮您这些：\n" + PARENT_TASKS


def greet_parent_away(dispatcher: CollectingDispatcher, grade: DangerGrade) -> list[EventType]:
    """A parent away told their situation: what the bot can do, the registration offered (the 110 line first
    when the words carried a worry, and the report among the buttons)."""
    opening = caution(grade)
    buttons = [TASK_BUTTONS["register_departure"], *([REPORT_BUTTON] if grade.worrying else []), HUMAN_BUTTON]
    dispatcher.utter_message(text=f"{opening}\n{PARENT_AWAY_REPLY}" if opening else PARENT_AWAY_REPLY, buttons=buttons)
    return [SlotSet(OFFER_SLOT, "register_departure")]


ROLE_REPLIES = {
    "director": ("儿童主任您好，辛苦了！我能帮您：\n"
                 "· 填写探访记录（第一次先输入民政工作人员给您的邀请码）；\n"
                 "· 看看这周该上门看哪些孩子；\n"
                 "· 提交强制报告；\n"
                 "· 回答工作中的问题，比如走访多久一次、发现孩子没人照顾怎么办。\n"
                 "孩子有危险先打110。"),
    "reporter": ("您好！学校、医院等的工作人员发现孩子疑似受到侵害或没人照顾，要及时向公安报告（强制报告）。我能帮您：\n"
                 "· 在这里提交强制报告，交给乡镇儿童督导员和民政部门跟进；\n"
                 "· 回答问题，比如哪些情况要报、报了会不会暴露自己。\n"
                 "孩子正在危险中，请先打110。"),
    "carer": ("您好，您帮着照顾孩子，辛苦了！我能帮您：\n"
              "· 回答问题，比如孩子能领哪些补贴、照顾人病了怎么办、孩子的事找谁；\n"
              "· 孩子爸妈外出打工的报备，您可以帮着在这里登记；\n"
              "· 需要的话，转给工作人员。\n"
              "孩子有危险先打110。想问什么，直接打字问我就行。"),
    "parent": "您好！我能帮家长这些：\n" + PARENT_TASKS,
}
ROLE_BUTTONS = {
    "director": [TASK_BUTTONS["log_visit"], VISIT_LIST_BUTTON, REPORT_BUTTON, HUMAN_BUTTON],
    "reporter": [TASK_BUTTONS["report_concern"], HUMAN_BUTTON],
    "carer": [TASK_BUTTONS["register_departure"], HUMAN_BUTTON],
    "parent": [TASK_BUTTONS["register_departure"], HUMAN_BUTTON],
}


def greet_by_role(dispatcher: CollectingDispatcher, role: str) -> list[EventType]:
    """Someone who said who they are and nothing else: what the bot can do for them, their tasks as buttons."""
    dispatcher.utter_message(text=ROLE_REPLIES[role], buttons=ROLE_BUTTONS[role])
    return []


OWN_CHILDHOOD_REPLY = ("谢谢您愿意说出来。小时候经历的这些不是您的错，现在想起来难受也很正常。"
                       "想找人聊聊，可以打全国统一心理援助热线12356。"
                       "如果现在身边有孩子正受到伤害，告诉我，我帮您报告；孩子有危险请先打110。")


def hear_own_childhood(dispatcher: CollectingDispatcher) -> list[EventType]:
    """An adult telling of their own childhood: heard, the crisis line given, the report there if a child needs it."""
    dispatcher.utter_message(text=OWN_CHILDHOOD_REPLY, buttons=[REPORT_BUTTON, HUMAN_BUTTON])
    return []
