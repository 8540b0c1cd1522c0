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
from actions.forms.report import (SITUATION_NAMED, WHAT_TO_DO_FROM_AFAR, WHERE_TO_REPORT, WHERE_TO_REPORT_ASKED,
                                  is_far_away, keep_emergency_words)
from actions.forms.visit import ValidateVisitForm
from actions.handoff import HUMAN_BUTTON
from actions.harm_heard import REPORT_BUTTON
from actions.parsing import BadAnswer, chinese_int
from actions.policy import Reply, answer_question
from actions.safety import CAUTION, CRISIS_LINES, HURT, MISSING, call_now, first_aid, latest_grade
from knowledge.retrieve import Verdict, get_retriever
from nlu.components.danger_signals import hurts_self_or_says_goodbye, self_harm_words
from nlu.components.question_shape import in_danger_oneself, is_question
from nlu.components.text_normaliser import normalise
from records.models import TicketReason
from records.tickets import open_ticket

logger = logging.getLogger(__name__)


AFTER_THE_CALL = "报警之后，如果方便，可以在这里把情况记录下来，作为强制报告提交。"
# A fire is most often an accident: the report is for a child found left alone or hurt by someone, said so.
AFTER_A_FIRE = "等孩子安全了，如果孩子是没人照看或被人伤害的，可以在这里把情况记录下来，作为强制报告提交。"


# After the emergency reply: the police called ("已经打了110了 警察说马上到"), or what to do now ("我不敢去敲门 咋办").
_POLICE_CALLED = re.compile(r"(已经|刚|刚刚|早就|我)(报警|报了警|打了110|打过110|打110了|叫了警察)|警察(说|马上|快|已经|来了|到了|在路上)"
                            r"|^(报了|打了|报过了|打过了)(撒|嘛|的|哈)?(?![^\s，,。]{0,2}(名|钱|针))")
_WHAT_NOW = re.compile(r"咋办|怎么办|咋个办|咋个弄|咋整|怎么弄|咋弄|不敢|害怕|好怕|然后呢|接下来|现在该|我该|我能做|要准备|准备(啥|什么|么子)")
_ASKS_POLICE = re.compile(r"报警|110|警察|派出所")
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


STILL_WITH_YOU = ("孩子的安全最要紧：还没报警的话，请现在就打110。工作人员已经收到您的求助，"
                  "会尽快在这里回复您。有新情况随时告诉我。")

# What the emergency was about, read from the user's last messages: each kind has its own next steps. "Don't
# fight the man beating him" means nothing to a grandmother whose grandson is missing.
_SELF_HARM_KIND, _MEDICAL_KIND, _MISSING_KIND, _HARM_KIND = "self_harm", "medical", "missing", "harm"
MISSING_WHAT_NOW = ("现在就打110，不用等，孩子不见了马上就能报警。告诉警察孩子的名字、年龄、长相、穿的衣服，最后在哪里、跟谁在一起，"
                    "准备一张最近的照片。同时请家人、邻居、村干部分头找，水边、井边、空房子先看，问问同学家；家里留一个人守着电话。"
                    "孩子的爸妈也要告诉。")
MISSING_POLICE_CALLED = ("您报了警，做得对。把孩子的照片、穿的衣服、最后见到的时间地点告诉警察；家里留一个人守电话，其他人分头找，"
                         "水边、井边、空房子先看。孩子找到了，也要打110告诉警察一声。")
MISSING_FOUND = ("孩子找到了就好！请再打一次110告诉警察孩子已经找到。先别急着骂孩子，问问他去了哪里、跟谁在一起，有没有人带他走"
                 "或欺负他、有没有受伤；有不对劲的地方告诉警察或村里的儿童主任。")
SELF_HARM_NOW = ("现在最要紧的是有人陪着孩子：请身边的大人马上去看看孩子，陪着，别让孩子一个人待着，把刀、药、农药收起来。"
                 "已经伤到自己或吃了药的，马上打120；有危险打110。想找人说说可以打：{lines}孩子的爸妈要告诉，请他们今天就和孩子"
                 "通个电话，好好听孩子说，别责怪。")
CALL_120 = "要，现在就打120。"
CALL_110 = ("要，现在就打110。告诉警察在哪里（村名、哪一家）、孩子多大、发生了什么；孩子受伤了同时打120。"
            "报警后可以在这里填写强制报告，乡镇儿童督导员和民政部门会跟进。")
_ASKS_110 = re.compile(r"(要不要|该不该|用不用|需不需要|需要|能不能|可不可以|可以)(去)?(报警|打110|报案|找警察|报派出所)")
TAKE_THEM_YOURSELF = ("听120接线员的：他们说可以自己送，就找另一个大人一起，一个开车，一个抱稳孩子（头颈别乱晃），"
                      "路上一直跟孩子说话；他们说等救护车，就在原地等，别挂电话。")
BREAK_IN = ("先打110（孩子没力气或受了伤就同时打120），告诉接线员孩子被锁在里面，听他们的；等不及、又看到孩子有危险的，"
            "叫上村干部或邻居在场一起开门，先把孩子抱出来。")
BROUGHT_OUT = "孩子出来了就好。"
# "我能让她今晚不回舅舅家吗 要先报警还是先告诉校长": where the child sleeps tonight, and who comes first.
_WHERE_TONIGHT = re.compile(r"(今晚|今天晚上|晚上|今天)[^，,。？?]{0,8}(回|住|睡|送)|不(回|让她回|让他回)[^，,。？?]{0,4}(家|去)|送(她|他)?回去|住哪|睡哪"
                            r"|先报警还是|先告诉|要不要告诉")
SAFE_TONIGHT = ("先打110报警，警察会来处理；报警后再告诉校长或村里的儿童主任。今晚别让孩子回到伤害孩子的那个人身边："
                "先让孩子待在学校、您身边或一个可靠的大人家里，等警察和民政的人来安排。孩子说的话、身上的伤别去问细节、别清洗，"
                "留给警察。")
# "那我现在要不要过去敲门喊他莫打了": not alone, and not into a fight
_GO_IN = re.compile(r"(过去|去他家|去她家|上门|敲门|进去|冲进去)[^，,。？?]{0,8}(喊|劝|拉|拦|看|吗|不|撒|嘛|行|要得)"
                    r"|(要不要|能不能|该不该|可不可以|用不用)[^，,。？?]{0,4}(过去|去拉|去劝|敲门|上门|进去|冲进去)")
GO_IN = ("别一个人过去敲门，也别和打人的人起冲突，您的安全也要紧；警察马上就到。可以叫上村干部或别的邻居一起在外面等，"
         "记下听到、看到的（几点、什么声音），警察来了告诉他们；孩子跑出来了就先护着他，受伤了打120。")
# "我可以先带到我屋头睡不", "那俺先把孩子领俺家住几天行不": yes, and who must know
_TAKE_CHILD_IN = re.compile(r"(带|领|接|抱)(回|到|去)?(我|俺|我们|俺们)(家|屋|那)|(在|到)(我|俺)(家|屋)[^，,。？?]{0,4}(住|睡|吃)")
TAKE_CHILD_IN = ("可以，先让孩子在您家吃住、睡觉，孩子安全最要紧。同时要告诉警察（还没报就打110）和村里的儿童主任或村委会：孩子在您家，"
                 "由他们联系孩子的爸妈；爸妈管不了、联系不上的，民政部门会安排临时照护。孩子受了伤，先带他看医生，伤处拍照留着。")
# "他们说要我讲具体地址 我只晓得是哪个村", "怎么让人快点去他屋里 村里我只认得一个伯伯": who can get there first
_REACH_THE_CHILD = re.compile(r"地址|门牌|具体位置|定位|(让|叫|喊|找|请)(人|个人|谁|哪个)[^，,。？?]{0,8}(去|过去|上门)|快点去|赶过去|"
                              r"(只)?(认得|认识|晓得)[^，,。？?]{0,8}(伯|叔|婶|姨|邻居|村干部|村长|支书)")
REACH_THE_CHILD = ("告诉110孩子在哪个省、哪个县、哪个镇、哪个村，孩子和他爸妈叫什么，说到村就够了，警察会找村干部带路。"
                   "同时马上给村里您认识的人（亲戚、邻居、村干部、村医都行）打电话，请他现在就去孩子家，陪着孩子，别让他一个人待着"
                   "{extra}。")
# a child poisoned or hurt getting worse while the ambulance comes: call again, on the side, watch the breathing
_WORSE = re.compile(r"迷糊|叫(她|他|娃|孩子)?不(太)?(应|醒)|喊(她|他)?不(太)?(应|醒)|不太应|越来越(差|没精神|迷)|翻白眼|喘不(上|过)|"
                    r"(脸|嘴唇)(发)?(白|紫|青)|睡过去了")
WORSE = ("孩子变差了：马上再打120，告诉接线员孩子现在的样子（比如叫不太应了），听他们的。让孩子侧躺，免得吐的东西呛着，"
         "一直看着他的呼吸，别喂水喂东西，别催吐。")
# the child in a doctor's hands: "卫生院的车来了 把娃接走了 我跟去了", "到医院了"
_HELP_ARRIVED = re.compile(r"(救护车|120|卫生院|医院|医生|急救)(的车)?[^，,。？?]{0,4}(来了|到了)|(到|进)了?(医院|卫生院)|"
                           r"(把|将)?(娃|孩子|她|他|人)[^，,。？?]{0,2}(接|送|拉|抬)(走|去)了")
HELP_ARRIVED = ("孩子到了医生手里就好。告诉医生孩子出了什么事、什么时候；吃了喝了什么、大概多少，把药瓶、包装或照片给医生看。"
                "孩子安顿下来后，有需要随时告诉我。")
_BOTTLE = re.compile(r"瓶|包装|药名|袋子")
BOTTLE = "药瓶或包装没带不要紧：请家里人拍张照片发给医生，或记下药名告诉医生，对救治很有用。"
# "不是娃儿想不开 是我自己": the person at risk is the one writing
_ME_NOT_THE_CHILD = re.compile(r"(是我自己|是我(想|不想活|想不开)|我自己(想|不想活|想不开)|不是(娃|孩子|小孩)[^，,。]{0,8}(是我|我自己))")
ME_AT_RISK = ("谢谢您跟我说。您一个人扛了这么多，真的很难。您说不想活了，我很担心您：现在就打全国统一心理援助热线12356，"
              "有人陪您说说；觉得自己控制不住、有危险，马上打110或120。今天也给一个信得过的人打个电话。"
              "孩子逃学、工资这些事，我们可以一件一件来，您慢慢说。")
# the police taking the man away ("警察来了 把那男的带走了"), or the parents out of reach ("她爹妈电话打不通"): no
# child missing
_NOT_THE_CHILD_GONE = re.compile(r"(警察|公安|派出所)[^。？?]{0,16}(带走|抓走|铐走)|(爹妈|爸妈|父母|爸爸|妈妈|他爸|她爸|他妈|她妈|家长|大人)"
                                 r"[^，,。？?]{0,4}(电话)?(也|都|一直)?(打不通|联系不上|没(有)?消息)")
_CONFRONT = re.compile(r"(找|问)(那个|这个)?(人|他|男的|叔叔|那人|那个人)[^，,。？?]{0,6}(问|理论|算账|说清楚|问清楚|对质|讲清楚)"
                       r"|去(他|那人|那个人)家(问|理论|闹|找)|找他(问|算账|理论|对质)")
DO_NOT_CONFRONT = ("先别让家里人或您自己去找那个人问：他会吓唬孩子、抹掉证据，孩子更危险。先报警，让警察去问。"
                   "这几天别让孩子单独和他接触，上学放学有大人接送；跟孩子说这不是她的错，她说出来是对的。")
# What proves the harm (chat records, photos): kept and given to the police, never deleted.
EVIDENCE = re.compile(r"聊天记录|截图|证据|照片|相片|录音|视频")
KEEP_EVIDENCE = "孩子被人威胁、欺负的聊天记录、照片、对方的账号先别删，截图保存好，交给警察，这是证据。"
_FOUND = re.compile(r"(回来了|回家了|找到了|找着了|找见了|寻到了|到家了|人在.{0,6}(家|这))(?!吗|没|不)")
_BROUGHT_OUT = re.compile(r"(抱|救|拉|带|弄|接)出来了|开(了)?门了|门开了")
_ASKS_120 = re.compile(r"(要不要|该不该|用不用|需不需要|需要|要|能不能|可以)(打|叫)?\s*(120|救护车|急救)|(要不要|用不用|该不该)(去|送|上)(医院|卫生院|诊所)")
_TAKE_THEM = re.compile(r"自己(送|开车|骑|背|抱)|(骑|开)(摩托|车|电瓶车|三轮).{0,6}送|送(去|到)?(镇|县|乡)?(医院|卫生院|诊所)(要得|行|可以|中|得行)")
_BREAK_IN = re.compile(r"砸(开|锁|门|窗)|撬(开|锁|门)|破门|踹(开|门)|翻(窗|墙)进去|把(锁|门)(砸|撬|踹)")


def recent_words(tracker: Tracker) -> str:
    """The user's last four messages, normalised: what the emergency and its follow-ups told."""
    return normalise(" ".join(user_texts(tracker)[-4:]))


def emergency_kind(said: str) -> str:
    """What the emergency just told was about, from ``recent_words``."""
    if self_harm_words(said) or hurts_self_or_says_goodbye(said):
        return _SELF_HARM_KIND
    if first_aid(said) or HURT.search(said):
        return _MEDICAL_KIND
    if MISSING.search(_NOT_THE_CHILD_GONE.sub(" ", said)):
        return _MISSING_KIND
    return _HARM_KIND



def after_an_emergency(dispatcher: CollectingDispatcher, tracker: Tracker,
                       unplaced: bool = False) -> list[EventType] | None:
    """The reply to what is said just after the emergency reply ("已经报警了", "要不要打120", "回来了回来了");
    None for what is better answered otherwise.

    The emergency card said again, or "好的", would not hear what was just said, and one canned line for all
    ("还没报警的话…帮着找") answers nobody: what comes next depends on what the emergency was (a child hurt,
    missing, talking of ending their life, harmed by someone) and on what was asked. A question that only the
    knowledge base answers ("聊天记录要不要删掉") is left to it.
    ``unplaced``: the message was understood as nothing else ("已经快十点了"): 110 again and staff on their way.
    """
    said = normalise(str(tracker.latest_message.get("text") or ""))
    if not said or len(said) > 80 or not just_after_an_emergency(tracker):
        return None
    paused = tracker.get_slot("paused_form")
    if _GO_ON.search(said) and paused in RESUMABLE_FORMS and not is_question(said):
        # "已经报警了 继续刚才的填写", "她现在在学校…先把记录填完嘛": heard, and the paused form goes on at once
        dispatcher.utter_message(text=POLICE_CALLED_GO_ON if _POLICE_CALLED.search(said) else GO_ON)
        return [FollowupAction(paused)]
    chosen = SITUATION_NAMED.search(said)
    if chosen:  # "报了 第4类": the report, with the situation chosen and what was told kept as what happened
        called = "您报了警，做得对。" if _POLICE_CALLED.search(said) else ""
        dispatcher.utter_message(text=f"{called}好的，按第{chosen.group(1)}类填写强制报告。")
        return [SlotSet("rep_situation", chinese_int(chosen.group(1))), FollowupAction("report_form")]
    recent = recent_words(tracker)
    kind = emergency_kind(recent)
    buttons = [REPORT_BUTTON, HUMAN_BUTTON]
    if _TAKE_CHILD_IN.search(said) and kind != _SELF_HARM_KIND:  # "今晚娃儿咋个办 我可以先带到我屋头睡不"
        dispatcher.utter_message(text=TAKE_CHILD_IN, buttons=buttons)
        return []
    if kind == _SELF_HARM_KIND:
        if _ME_NOT_THE_CHILD.search(said):  # "不是娃儿想不开 是我自己": the one writing is at risk
            dispatcher.utter_message(text=ME_AT_RISK, buttons=[HUMAN_BUTTON])
            return []
        if _REACH_THE_CHILD.search(said):
            dispatcher.utter_message(text=REACH_THE_CHILD.format(extra="，把药、刀、农药收走") + CRISIS_LINES,
                                     buttons=[HUMAN_BUTTON])
            return []
        if _POLICE_CALLED.search(said) or _WHAT_NOW.search(said) or unplaced:
            dispatcher.utter_message(text=SELF_HARM_NOW.format(lines=CRISIS_LINES), buttons=[HUMAN_BUTTON])
            return []
        return None  # another question ("大娃儿逃课 有没有人能帮我管"): the knowledge base's
    if kind == _MISSING_KIND:
        if _FOUND.search(said):
            dispatcher.utter_message(text=MISSING_FOUND, buttons=[HUMAN_BUTTON])
            return []
        if _POLICE_CALLED.search(said) and not _WHAT_NOW.search(said):
            dispatcher.utter_message(text=MISSING_POLICE_CALLED, buttons=buttons)
            return []
        if _WHAT_NOW.search(said) or unplaced or _ASKS_POLICE.search(said):
            dispatcher.utter_message(text=MISSING_WHAT_NOW, buttons=buttons)
            return []
        return None
    aid = first_aid(recent)
    if kind == _MEDICAL_KIND and _HELP_ARRIVED.search(said) and not _WORSE.search(said):
        dispatcher.utter_message(text=HELP_ARRIVED, buttons=[HUMAN_BUTTON])  # "卫生院的车来了 把娃接走了"
        return []
    if kind == _MEDICAL_KIND and _WORSE.search(said):  # "她现在有点迷糊了 叫她不太应"
        dispatcher.utter_message(text=WORSE, buttons=[HUMAN_BUTTON])
        return []
    if kind == _MEDICAL_KIND and _BOTTLE.search(said) and "中毒" in aid:  # "农药瓶子我忘了带 要紧不"
        dispatcher.utter_message(text=BOTTLE + UNTIL_HELP_COMES, buttons=[HUMAN_BUTTON])
        return []
    if _REACH_THE_CHILD.search(said):  # "他们说要我讲具体地址 我只晓得是哪个村"
        dispatcher.utter_message(text=REACH_THE_CHILD.format(extra=""), buttons=buttons)
        return []
    if _GO_IN.search(said) and kind == _HARM_KIND and not _WHAT_NOW.search(said):  # "那我现在要不要过去敲门喊他莫打了"
        dispatcher.utter_message(text=GO_IN, buttons=buttons)
        return []
    if _TAKE_THEM.search(said) and kind == _MEDICAL_KIND:  # "打了120 要不要自己骑摩托送镇卫生院"
        dispatcher.utter_message(text=TAKE_THEM_YOURSELF + (f"\n{aid}" if aid else ""), buttons=[HUMAN_BUTTON])
        return []
    if kind == _MEDICAL_KIND and aid and (_POLICE_CALLED.search(said) or "救护车" in said or "120" in said) \
            and not _ASKS_120.search(said):
        # "打了打了 救护车还要半个钟头": what to do with the child until it comes, not "别和打人的人起冲突"
        dispatcher.utter_message(text=f"{aid}\n{UNTIL_HELP_COMES}", buttons=[HUMAN_BUTTON])
        return []
    if kind == _HARM_KIND and _CONFRONT.search(said):  # "要不要先让她外婆去找那个人问清楚"
        dispatcher.utter_message(text=DO_NOT_CONFRONT, buttons=buttons)
        return []
    if kind == _HARM_KIND and "删" in said and EVIDENCE.search(said) and not WHERE_TO_REPORT_ASKED.search(said):
        dispatcher.utter_message(text=KEEP_EVIDENCE, buttons=buttons)  # "聊天记录要不要删掉": kept, for the police
        return []
    if WHERE_TO_REPORT_ASKED.search(said) and not _POLICE_CALLED.search(said):
        # "我人在苏州 是在这边报警还是让外婆在老家报 聊天记录要不要删掉": anywhere, now, and keep what proves it
        kept = KEEP_EVIDENCE if EVIDENCE.search(said) or "删" in said else ""
        dispatcher.utter_message(text=WHERE_TO_REPORT + kept, buttons=buttons)
        return []
    if _ASKS_110.search(said) and not _POLICE_CALLED.search(said):  # "那我要不要报警哦": yes, now
        dispatcher.utter_message(text=CALL_110, buttons=buttons)
        return []
    if kind == _HARM_KIND and _WHERE_TONIGHT.search(said):
        dispatcher.utter_message(text=SAFE_TONIGHT, buttons=buttons)
        return []
    if _BREAK_IN.search(said):
        dispatcher.utter_message(text=BREAK_IN + (f"\n{aid}" if aid else ""), buttons=buttons)
        return []
    if _ASKS_120.search(said):
        dispatcher.utter_message(text=CALL_120 + (f"{aid}\n" if aid else "") + UNTIL_HELP_COMES, buttons=[HUMAN_BUTTON])
        return []
    if _BROUGHT_OUT.search(said):
        dispatcher.utter_message(text=BROUGHT_OUT + (f"{aid}\n" if aid else "") + "孩子情况不好就马上打120。",
                                 buttons=buttons)
        return []
    if aid and (_WHAT_NOW.search(said) or unplaced or _NO_CHANGE.search(said) or is_question(said)):
        # "救护车说要半个钟头才到 现在咋个弄", "他还是没得反应", "要不要给他抠嗓子眼": what to do until help comes
        dispatcher.utter_message(text=f"{aid}\n{UNTIL_HELP_COMES}", buttons=[HUMAN_BUTTON])
        return []
    if _POLICE_CALLED.search(said) and not _WHAT_NOW.search(said):
        answer = _answered_after(_POLICE_CALLED.sub(" ", said), recent)  # "报警了 那我还要跟学校老师讲不": and answered
        if answer is not None:
            dispatcher.utter_message(text=f"您报了警，做得对。\n{answer.text}", buttons=answer.buttons)
            return [*answer.events]
        dispatcher.utter_message(text=POLICE_CALLED, buttons=buttons)
        return []
    if _WHAT_NOW.search(said):  # "那我现在该咋办 我在东莞回不去": what to do from afar
        dispatcher.utter_message(text=WHAT_TO_DO_FROM_AFAR + "之后可以在这里填写强制报告。" if is_far_away(said) else WHAT_NOW,
                                 buttons=buttons)
        return []
    answer = _answered_after(said, recent)
    if answer is not None:  # "我们要不要给钱他" after the sextortion told: the card on it, read with what was told
        dispatcher.utter_message(text=answer.text, buttons=answer.buttons)
        return [*answer.events]
    if unplaced:  # "已经快十点了" just after the emergency reply: not "没太明白"
        back = [RESUME_BUTTON] if tracker.get_slot("paused_form") in RESUMABLE_FORMS else []
        dispatcher.utter_message(text=STILL_WITH_YOU, buttons=[*back, *buttons])
        return []
    return None


def _answered_after(said: str, recent: str) -> Reply | None:
    """The knowledge base's answer to another question asked just after the emergency reply; None if none.

    Asked alone, "我们要不要给钱他" is about nothing; read with what was told before it (the photos, the threat),
    it is the card on sextortion. The question alone comes first ("怕那男的晓得是我报的" is its own question).
    """
    if not is_question(said):
        return None
    for question in (said, recent):
        reply = answer_question(get_retriever(), question)
        if reply is not None and reply.verdict is not Verdict.UNSURE:
            return reply
    return None


def findings_kept(tracker: Tracker) -> list[EventType]:
    """What a director typed in the visit log when it raised the emergency ("孩子说继父晚上摸她"), kept in the
    findings: at the findings step as the findings, so the form resumes at the next step; at a later step ("一般吧
    不过走的时候小花偷偷跟我说…") added to the findings already given, so the log holds what the child told."""
    if tracker.active_loop_name != ValidateVisitForm.form:
        return []
    said = str(tracker.latest_message.get("text") or "")
    spec = ValidateVisitForm.field_for("visit_findings")
    if spec is None or said.startswith("/") or is_question(said):
        return []
    if tracker.get_slot("requested_slot") != "visit_findings":
        given = tracker.get_slot("visit_findings")
        return [SlotSet("visit_findings", f"{given}（补充：{said.strip()}）")] if given else []
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
        if _POLICE_CALLED.search(said) or is_question(said):
            before = len(dispatcher.messages)
            heard = after_an_emergency(dispatcher, tracker)
            if heard is not None:  # "我打了110 但是我怕那男的晓得是我报的" just after it: heard, not the same reply again
                said_now = dispatcher.messages[before:]
                if said_now and not any(re.search(r"110|120", m.get("text") or "") for m in said_now):
                    said_now[0]["text"] = f"{CAUTION}\n{said_now[0].get('text') or ''}"  # the call is never left out
                return heard
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
        if tracker.active_loop_name in (None, "report_form", "visit_form") or tracker.get_slot("paused_form") == "report_form":
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
