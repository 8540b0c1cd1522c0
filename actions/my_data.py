"""「导出我的信息」 and 「删除我的信息」: a person's own data, given back or deleted after a confirmation.

Deleting also deletes the conversation: the action sets ``data_erased``, and
the tracker store (``bot/tracker_store.py``) then drops every stored event of
this conversation instead of saving it.
"""
from __future__ import annotations

import logging
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.forms.base import bot_texts, said_this_turn
from actions.guard import polite
from actions.parsing import clean
from actions.identity import DB_DOWN
from actions.handoff import HUMAN_BUTTON
from records.personal_data import erase_data, export_data
from records.report_status import reports_of

logger = logging.getLogger(__name__)

# "上次我报的处理得咋样了", "查一下 BG20261207-HJE9 的进度": the person's own reports, not a card on how reports go.
STATUS_ASKED = re.compile(r"(上次|上回|上一回|之前|以前|前几天|前两天|前段时间|昨天|刚才|我)[^，,。？?]{0,6}(报|举报|报告|提交|交)(的|了)?"
                          r"[^，,。？?]{0,8}(怎么样|咋样|咋样了|处理|进度|结果|有人(去)?管|有没有人(去)?管|管没管|有人(去)?看|有下文|有消息"
                          r"|回音|落实)"
                          r"|(查|问)[^，,。？?]{0,4}(进度|处理结果)|BG\d{8}-[A-Z0-9]{4}")
NO_REPORTS = ("我这里没有查到您在这里提交过的强制报告。如果是在别的地方报的（打110、找村委会），可以问当时受理的派出所或乡镇；"
              "也可以转给工作人员帮您问。")
STATUS_LINE = "· {ref}（{filed_on}提交，第{situation}类）：{state}"
STATUS_CLOSING = "有关部门处理后会以适当方式告诉您结果；想问得更细，可以转给工作人员。孩子有危险请直接打110。"


STATUS_OPENING = "您提交的报告："


def status_told_this_turn(tracker: Tracker) -> bool:
    """Whether this turn's reply was the reports' status: the form the message opened was no form to finish."""
    return said_this_turn(tracker, STATUS_OPENING) or said_this_turn(tracker, NO_REPORTS)


def tell_report_status(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """The person's own reports and where each stands, when the message asks that; None for any other message."""
    said = clean(str(tracker.latest_message.get("text") or ""))
    if said.startswith("/") or not STATUS_ASKED.search(said):
        return None
    try:
        reports = reports_of(tracker.sender_id)
    except SQLAlchemyError as error:
        logger.error("could not read report status: %s", type(error).__name__)
        dispatcher.utter_message(text=DB_DOWN, buttons=[HUMAN_BUTTON])
        return []
    if not reports:
        dispatcher.utter_message(text=NO_REPORTS, buttons=[HUMAN_BUTTON])
        return []
    lines = [STATUS_LINE.format(ref=r.ref, filed_on=r.filed_on.isoformat() if r.filed_on else "", situation=r.situation,
                                state=r.state) for r in reports]
    dispatcher.utter_message(text=STATUS_OPENING + "\n" + "\n".join(lines) + "\n" + STATUS_CLOSING, buttons=[HUMAN_BUTTON])
    return []


def _rows(title: str, rows: list[dict]) -> str:
    if not rows:
        return ""
    lines = ["；".join(f"{k}：{v}" for k, v in row.items()) for row in rows]
    return f"{title}（{len(rows)}条）：\n" + "\n".join(f"· {line}" for line in lines)


class ActionExportMyData(Action):
    """Gives a person back everything the records hold about them."""

    def name(self) -> str:
        return "action_export_my_data"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            export = export_data(tracker.sender_id)
        except SQLAlchemyError as error:
            logger.error("exporting data failed: %s", type(error).__name__)
            dispatcher.utter_message(text=DB_DOWN)
            return []
        role = f"您的身份：{export.role}" + (f"（{export.place}）" if export.place else "")
        if export.empty:
            dispatcher.utter_message(text=f"{role}。除此之外，我们没有保存您的任何登记、记录或报告。")
            return []
        sections = [
            _rows("外出务工报备", export.registrations),
            _rows("您填写的探访记录", export.visits),
            _rows("您提交的强制报告", export.reports),
            _rows("转人工工单", export.tickets),
        ]
        dispatcher.utter_message(
            text="我们保存的您的信息如下：\n" + role + "\n\n" + "\n\n".join(s for s in sections if s)
            + "\n\n如有不对，可以转人工更正；也可以说“删除我的信息”。",
        )
        return []


ERASE_QUESTION = "确定要删除您的信息吗？"
# A typed yes to that question, in the words of the deletion itself ("确认删除", "对 删掉", "删吧").
_ERASE_YES = re.compile(r"(确认|确定|是的?|对的?|好的?|嗯)?[，,\s]*(删除|删掉|删了|删)(吧|了|掉|啊)?[。!！]?")


# The user's own data kept here, as against chat records or photos (a child's evidence, see actions.urgent).
_OWN_DATA = re.compile(r"我的(信息|资料|数据|账号|记录|报备)|个人信息|删除我|把我")
ASK_TO_ERASE = "要删除您在这里留的信息，请说“删除我的信息”。"


class ActionAskEraseConfirm(Action):
    """Says what deleting removes and what the law keeps, and asks to confirm."""

    def name(self) -> str:
        return "action_ask_erase_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        said = clean(str(tracker.latest_message.get("text") or ""))
        asked = bot_texts(tracker)[-1:]
        if asked and asked[0].startswith(ERASE_QUESTION) and _ERASE_YES.fullmatch(said):
            return [FollowupAction("action_erase_my_data")]  # "确认删除" typed (the button's words) is the yes
        from actions.urgent import EVIDENCE, KEEP_EVIDENCE, after_an_emergency  # actions.urgent imports the forms

        if EVIDENCE.search(said) and not _OWN_DATA.search(said):
            # "聊天记录删不删得" after telling of sextortion: the evidence, not the user's data here
            heard = after_an_emergency(dispatcher, tracker)
            if heard is None:
                dispatcher.utter_message(text=KEEP_EVIDENCE + ASK_TO_ERASE, buttons=[HUMAN_BUTTON])
            return heard or []
        dispatcher.utter_message(
            text=f"{ERASE_QUESTION}会删除：您的外出务工报备（以及只来自这些报备的孩子档案）、转人工工单、"
            "已验证的身份和这段对话。删除后不能恢复。\n"
            "依法保留：您提交过的强制报告（去掉您的账号信息），和儿童主任为孩子做的探访记录。",
            buttons=[{"title": "确认删除", "payload": "/affirm"}, {"title": "不删了", "payload": "/deny"}],
        )
        return []


class ActionEraseMyData(Action):
    """Deletes the person's records; ``data_erased`` then makes the tracker store forget the conversation."""

    def name(self) -> str:
        return "action_erase_my_data"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        try:
            erasure = erase_data(tracker.sender_id)
        except SQLAlchemyError as error:
            logger.error("erasing data failed: %s", type(error).__name__)
            dispatcher.utter_message(text=DB_DOWN + "您的信息还没有删除，请稍后再说一次“删除我的信息”。")
            return []
        done = [f"{erasure.registrations}条报备"] if erasure.registrations else []
        if erasure.children:
            done.append(f"{erasure.children}份孩子档案")
        if erasure.tickets:
            done.append(f"{erasure.tickets}个工单")
        if erasure.attachments:
            done.append(f"{erasure.attachments}张照片或位置")
        if erasure.role:
            done.append(f"{erasure.role}身份")
        text = "已删除" + ("：" + "、".join(done) + "，" if done else "您的信息，") + "以及这段对话。"
        kept = []
        if erasure.reports_kept:
            kept.append(f"您提交的{erasure.reports_kept}份强制报告（去掉了您的账号，您在工单里说的话已清除）")
        if erasure.visits_kept:
            kept.append(f"您做的{erasure.visits_kept}份探访记录（留在村里孩子的档案中，不再记您的账号）")
        if erasure.audit_pseudonymised:
            kept.append("访问记录（只记一个代号，不再能看出是您）")
        if kept:
            text += "\n依法保留：" + "；".join(kept) + "。"
        dispatcher.utter_message(text=text + "\n谢谢您的信任。以后需要时随时可以再来找我。")
        return [SlotSet("data_erased", True)]
