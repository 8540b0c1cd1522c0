"""What the NLU said about danger in the latest message, and the lines that tell someone to call for help.

The danger assessor (``nlu/components/danger_assessor.py``) grades every typed
message ``now``, ``serious``, ``concern`` or ``none`` and flags someone hurt
(120 first) and self-harm (crisis lines). Every reply that may meet a child in
danger starts from here, so the numbers and their order are written once.

Hotlines: 110 police; 119 fire and rescue (a child in a fire); 120 ambulance; 12345 government service line, which
carries the minors' protection hotline in many provinces (《未成年人保护法》第97条);
12356 national psychological assistance line (国家卫生健康委, December 2024,
every region connected by 1 May 2025); 12355 youth service line (共青团).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rasa_sdk import Tracker

from nlu.components.danger_signals import POISONS, gone_unnamed, medical_words, names_a_child
from nlu.components.text_normaliser import normalise

NOW, SERIOUS, CONCERN, NONE = "now", "serious", "concern", "none"

CRISIS_LINES = "全国统一心理援助热线12356，青少年服务台12355。"
PROTECTION_LINE = "未成年人保护求助热线：12345。"
CAUTION = "如果孩子现在有危险，请马上拨打110（有人受伤请拨打120）。"
FIRE_CAUTION = "如果现在着火了，请马上拨打119火警，同时拨打110（有人受伤请拨打120）。"
# A fire now ("屋里着火了 娃还在里头"): 119 is who puts it out, with 110 beside it.
FIRE = re.compile(r"着火|失火|火灾|起火|烧起来|火烧|大火|浓烟|火(很|好|太|特别|贼)大|火着了|冒烟|点着了|烧着了|着了火")
# Words of a body in trouble: a missing child found hurt still gets 120 first.
HURT = re.compile(r"伤|血|疼|痛|昏|晕|烧|烫|吐|摔|不动|没反应|不醒|喘|抽")
# A child missing or unreachable: 110 first, not an ambulance (the learned "someone hurt" head read
# "放学到现在都没回家 电话也打不通" as a medical emergency).
MISSING = re.compile(r"(没|冇|莫|未)(有)?回(家|来|屋)?|不见了|找不到|找不着|走丢|丢了|失踪|联系不上|打不通|没(有)?消息|被(人)?(带走|抱走|拐)"
                     r"|拐走|抱走|带走|面包车|上了.{0,4}车")


@dataclass(frozen=True)
class DangerGrade:
    """The danger assessor's verdict on one message."""

    level: str = NONE
    medical: bool = False
    self_harm: bool = False
    fire: bool = False  # the message tells of a fire

    @property
    def worrying(self) -> bool:
        """Serious harm or a concern: not an emergency, but the 110 line comes first."""
        return self.level in (SERIOUS, CONCERN)


def latest_grade(tracker: Tracker) -> DangerGrade:
    """The grade of the user's latest message (none for a button press or an old model)."""
    found = (tracker.latest_message or {}).get("danger") or {}
    if not isinstance(found, dict):
        return DangerGrade()
    level = found.get("level") if found.get("level") in (NOW, SERIOUS, CONCERN, NONE) else NONE
    text = normalise(str((tracker.latest_message or {}).get("text") or ""))
    fire = bool(FIRE.search(text))
    medical = bool(found.get("medical")) and (medical_words(text) or bool(HURT.search(text)) or not MISSING.search(text))
    return DangerGrade(level, medical, bool(found.get("self_harm")), fire)


def gone_in_context(tracker: Tracker) -> bool:
    """Whether the latest message tells that someone is not back or cannot be found and the one before named a
    child ("我孙伢子今年十岁…" then "今天到现在还冇回"): a child missing, though this message names no one, and so
    an emergency the assessor, reading one message, could not grade as one."""
    from actions.forms.base import user_texts  # the forms import this module

    said = user_texts(tracker)
    return (len(said) >= 2 and latest_grade(tracker).level != NOW and gone_unnamed(normalise(said[-1]))
            and names_a_child(normalise(said[-2])))


def call_now(grade: DangerGrade, oneself: bool = False) -> str:
    """The first line for a child in danger now: 120 first for someone hurt, crisis lines for self-harm.

    ``oneself``: the writer is the one at risk (a child writing for themselves, or "我不想活了"), spoken to as 你.
    """
    if oneself:
        if grade.self_harm:
            return ("你现在一定很难受，谢谢你说出来。如果已经伤到自己或吃了药，马上打120；有危险马上打110。"
                    "想找人说说：" + CRISIS_LINES + "现在就去找身边一个大人陪着你，别一个人待着。")
        if grade.fire:
            return "马上打119火警，同时打110报警！赶紧跑到外面安全的地方，别回去拿东西，找身边的大人帮忙。"
        if grade.medical:
            return "马上打120急救，同时打110报警！先到安全的地方，找身边的大人帮忙。"
        return "马上打110报警！先到安全的地方，找身边信得过的大人帮忙。"
    if grade.self_harm:
        return ("请马上拨打110（有人受伤或吃了药请拨打120），陪着孩子，别让孩子一个人待着，把刀、药、农药拿开。"
                "孩子想轻生或伤害自己时：" + CRISIS_LINES)
    if grade.fire:
        return ("请马上拨打119火警，同时拨打110报警！有人受伤请拨打120。别自己冲进火里，先保证孩子和您自己的安全。"
                + PROTECTION_LINE)
    if grade.medical:
        return "请马上拨打120急救，同时拨打110报警！先保证孩子和您自己的安全。" + PROTECTION_LINE
    return "请马上拨打110报警！有人受伤请同时拨打120。先保证孩子和您自己的安全。" + PROTECTION_LINE


# What to do until help comes, for the emergencies a bystander can act on; the 120 operator guides the rest.
FIRST_AID = (
    (re.compile(r"溺水|落水|掉.{0,3}(水|河|塘|井|坑)|淹|没(得)?气|没呼吸|不呼吸|没有呼吸|没(得)?反应|叫不醒|喊不醒"),
     "孩子从水里捞上来没有呼吸的：打120时开免提，按接线员说的做胸外按压（心肺复苏），别倒挂着控水。"),
    (re.compile(r"抽筋|抽搐|抽风|惊厥|翻白眼|口吐白沫"),
     "孩子抽搐时：让他侧躺，松开衣领，别往嘴里塞东西，别用力按住他，记下抽了多久。"),
    (re.compile(r"烫伤|烧伤|开水|热油|烫到|烫了"),
     "烫伤烧伤：马上用凉的流动水冲15到20分钟，别涂牙膏、酱油。"),
    (re.compile(r"纽扣电池|电池|磁铁|磁珠"),
     "吞了纽扣电池或磁铁：孩子看着没事也要马上去医院，它在身体里会很快伤到食道和肠子；别催吐，先别吃喝东西。"),
    (re.compile(POISONS + r"|喝了药|吃了药|误服|中毒|药.{0,4}(都|全)?吃(了|光|完)|(吃|吞)了.{0,4}(药|片)|催吐|抠嗓子"),
     "中毒：别自己乱催吐，把药瓶、农药瓶或剩下的东西带去医院。"),
    (re.compile(r"流(好多|很多|了好多)?血|血流|出血|咬伤|咬了|割伤|砍伤"),
     "出血：用干净的布或毛巾用力压住伤口止血，别松手。"),
    # not "她爹妈在外头打工" or "小丫头上学"
    (re.compile(r"(?<![外里上下前后丫码馒老石骨舌街山地日那这屋])(头(被)?(打(?!工)|磕|撞|摔)|头上|头破)|脑壳|脑袋|后脑"),
     "头受了伤：让孩子躺着别乱动，头颈别晃；一直跟他说话，别让他睡过去；吐的时候让他侧过头，免得呛着。"),
    (re.compile(r"没(得)?力气|没劲|嘴巴干|嘴唇干|起壳|脱水|饿(了|得|坏|晕|好几|几)|几天没吃|没吃东西|没吃饭"),
     "孩子饿久了、没力气：让他躺下，盖好保暖，小口小口喂温水或淡糖水，别一下子吃太多东西；精神越来越差就马上打120。"),
)


def first_aid(text: str) -> str:
    """What to do until help comes, for the emergency the (simplified) text tells of ('' for none)."""
    return next((advice for pattern, advice in FIRST_AID if pattern.search(text)), "")


def caution(grade: DangerGrade) -> str:
    """The line that opens a reply when the message may be about a child in danger ('' when it is not)."""
    if grade.level == NONE:
        return ""
    if grade.self_harm:
        return "如果孩子有轻生的念头或已经伤到自己，请马上拨打120或110，并陪着孩子。" + CRISIS_LINES
    if grade.fire:
        return FIRE_CAUTION
    return CAUTION
